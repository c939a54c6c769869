/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * libFuzzer target: the whole EAL-free packet path, Ethernet frame in -> verdict out.
 * usher-explain's frame decode (Ethernet, VLAN tags, IPv4/IPv6, UDP) then the workers'
 * pipeline (ush_auth_process_burst) with a fixed configuration, credentials and nonce key
 * built at the first call. The DPDK worker's own frame parsers are fuzz_l2l4.c's.
 *
 * The engine lives across inputs, as a worker does: the nc table and the ban and rate tables
 * keep what earlier inputs left. The clock moves one second per input so that bans, rate
 * buckets and nonce lifetimes all take their time paths.
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "explain_priv.h"
#include "fuzz_common.h"

#define FUZZ_REALM "usher.test"
/* 2023-11-14: any fixed time works; seeds' nonces can be made for it with gen.py. */
#define FUZZ_T0 1700000000u

static struct ush_explain_engine *eng;
static uint32_t clock_s = FUZZ_T0;

static void
add_user(struct ush_credtab *t, const char *user, enum ush_hash hash, uint8_t fill)
{
	uint8_t ha1[USH_DIGEST_MAX_LEN];

	memset(ha1, fill, sizeof(ha1));
	if (ush_credtab_set(t, user, strlen(user), FUZZ_REALM, strlen(FUZZ_REALM), hash, ha1) < 0)
		abort();
}

static void
add_prefix(struct ush_explain_setup *s, int af, const char *addr, uint8_t depth, uint8_t flag)
{
	struct ush_explain_prefix *p = &s->prefixes[s->n_prefixes++];

	p->af = (uint8_t)af;
	p->depth = depth;
	p->flag = flag;
	if (inet_pton(af, addr, p->addr) != 1)
		abort();
}

/* usher.ini defaults plus every defence on, so that all the pipeline's branches are live. */
static struct ush_explain_engine *
engine(void)
{
	static struct ush_explain_setup s;
	struct ush_auth_conf *a = &s.auth;

	memset(&s, 0, sizeof(s));
	strcpy(a->realm, FUZZ_REALM);
	a->algos[0] = USH_ALGO_SHA256;
	a->algos[1] = USH_ALGO_MD5;
	a->algos[2] = USH_ALGO_SHA512_256_SESS;
	a->n_algos = 3;
	a->qop_mask = (1u << USH_QOP_AUTH) | (1u << USH_QOP_AUTH_INT);
	a->accept_no_qop = true;
	a->nonce_lifetime = 300;
	strcpy(a->tag_prefix, "ush1");
	a->ban_src = (struct ush_guard_ban_conf){.threshold = 5, .window = 60, .ban_time = 30};
	a->ban_user = (struct ush_guard_ban_conf){.threshold = 3, .window = 60, .ban_time = 30};
	a->rate = (struct ush_guard_rate_conf){.rate = 50, .burst = 20};
	a->retry_after = 5;
	s.nc_table_order = 10;
	s.guard_table_order = 4;
	s.sip_port_map[5060 >> 6] |= UINT64_C(1) << (5060 & 63);
	memcpy(s.secret, "usher-fuzz-packet-secret-0123456789", 35);
	s.secret_len = 35;
	s.creds = ush_credtab_create(8);
	if (s.creds == NULL)
		abort();
	add_user(s.creds, "alice", USH_HASH_MD5, 0x11);
	add_user(s.creds, "alice", USH_HASH_SHA256, 0x22);
	add_user(s.creds, "bob", USH_HASH_SHA512_256, 0x33);
	s.prefixes = calloc(4, sizeof(*s.prefixes));
	if (s.prefixes == NULL)
		abort();
	add_prefix(&s, AF_INET, "203.0.113.0", 24, USH_AUTH_PKT_BLOCK);
	add_prefix(&s, AF_INET, "198.51.100.0", 24, USH_AUTH_PKT_ALLOW);
	add_prefix(&s, AF_INET6, "2001:db8:bad::", 48, USH_AUTH_PKT_BLOCK);
	return ush_explain_engine_create(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ush_explain_verdict v;
	struct ush_explain_frame fr;
	struct ush_sip_msg reply;

	if (eng == NULL) {
		eng = engine();
		if (eng == NULL)
			abort();
	}
	if (ush_explain_decode(DLT_EN10MB, data, size, &fr) < 0)
		abort();
	if (fr.skip != USH_EXPLAIN_SKIP_NONE)
		return 0;
	if (fr.payload < data || fr.payload + fr.len > data + size)
		abort();
	/* every UDP payload to a SIP port reaches the pipeline in the worker, SIP-looking or not */
	ush_explain_engine_decide(eng, (const char *)fr.payload, fr.len, &fr.from, fr.dport,
				  clock_s++, &v);
	if (v.action > USH_AUTH_DROP || v.ctr >= USH_CTR_COUNT || v.event > USH_CTR_COUNT)
		abort();
	if (v.action != USH_AUTH_REPLY)
		return 0;
	if (v.reply == NULL || v.reply_len == 0 || v.reply_len > USH_REPLY_MAX)
		abort();
	/* our own replies must be SIP that Usher itself accepts */
	if (ush_sip_parse(v.reply, v.reply_len, &reply) != USH_SIP_EOK || reply.is_request)
		abort();
	return 0;
}
