-- SPDX-License-Identifier: BSD-3-Clause
-- Copyright(c) 2026 Usher authors
-- The demo's subscribers, as a Kamailio/OpenSIPS deployment keeps them: the `subscriber`
-- table (Kamailio's columns, plus OpenSIPS 3's ha1_sha256 / ha1_sha512t256). scripts/demo
-- loads it into an SQLite database that usherd reads (docs/sources.md).
CREATE TABLE subscriber (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username VARCHAR(64) NOT NULL DEFAULT '',
    domain VARCHAR(64) NOT NULL DEFAULT '',
    password VARCHAR(64) NOT NULL DEFAULT '',
    ha1 VARCHAR(128) NOT NULL DEFAULT '',
    ha1b VARCHAR(128) NOT NULL DEFAULT '',
    ha1_sha256 VARCHAR(64) NOT NULL DEFAULT '',
    ha1_sha512t256 VARCHAR(64) NOT NULL DEFAULT '',
    UNIQUE (username, domain)
);
-- alice: a plaintext password only; usherd derives her MD5, SHA-256 and SHA-512-256 HA1s
INSERT INTO subscriber (username, domain, password) VALUES ('alice', 'usher.test', 'wonderland');
-- bob: an MD5 HA1 only (as `htdigest` or kamctl would write it)
INSERT INTO subscriber (username, domain, ha1) VALUES
    ('bob', 'usher.test', 'd9290f87c0803788173316a52c277039');
-- carol: a SHA-512-256 HA1 only (OpenSIPS' column)
INSERT INTO subscriber (username, domain, ha1_sha512t256) VALUES
    ('carol', 'usher.test', '6855ad11b8dbdfebde7134d4b719cc62c13edf56484f7b2723ba449bed2fe2d5');
