#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Suite 'dataplane': the control socket ([control], include/usher_ctl.h) of a running usher.
"""usage: test_control.py USHER USHER_EXPLAIN COUNTERS_H CASE...

Each case starts usher on net_pcap ports with infinite_rx=1: the outside capture is replayed
without end, so the counters grow for as long as usher runs. A case changes something through
the control socket (tests/dataplane/ctlclient.py) and checks what the counters do next: which
ones keep growing and which ones stand still, sampled before and after each change. A change is
in force for every burst that starts after its reply (RCU grace period before the reply), so a
counter that must stand still is compared exactly between two samples taken after the reply.
At the end SIGINT stops usher: exit 0 and every mbuf back (the exit report).

'all' runs every case. Exit 77 (skip) only when EAL cannot start at all on this machine.
"""

import grp
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import test_dataplane as tdp  # noqa: E402
from ctlclient import CtlClient, cred_record, frame, REQUEST, REPLY, CREDS  # noqa: E402
from ctlclient import EINVAL, ENOTFOUND, ESOURCE  # noqa: E402
from gen import REALM, Endpoint  # noqa: E402
from test_dataplane import Fail, Skip  # noqa: E402

BURST = 32          # net_pcap hands out the capture 32 frames per rx burst
SETTLE = 0.1        # seconds between two samples of a counter, at least
PATIENCE = 10       # seconds a counter may take to move (the worker may share its core)
NODE = "node-a"
ATTACKER = Endpoint("02:00:5e:00:53:66", gen.IP_ATTACKER, 5060)
ATTACKER2 = Endpoint("02:00:5e:00:53:67", "203.0.113.67", 5060)

# the keys "set" may change while running (docs/configuration.md)
LIVE_KEYS = {
    "auth.realm", "auth.algorithms", "auth.qop", "auth.accept_no_qop", "auth.nonce_lifetime",
    "auth.retransmission_window", "auth.challenge_code", "auth.in_dialog", "auth.server_header",
    "policy.passthrough",
    "protection.ban_threshold", "protection.ban_window", "protection.ban_time",
    "protection.user_ban_threshold", "protection.user_ban_window", "protection.user_ban_time",
    "protection.deny_action", "protection.rate", "protection.rate_burst",
    "protection.rate_action", "protection.retry_after",
    "overload.shed", "overload.full_bursts", "overload.queue_fill", "log.level",
    "identity.enabled", "identity.require", "identity.unavailable", "identity.on_bad_info",
    "identity.on_unsupported_credential", "identity.on_invalid", "identity.on_stale",
    "identity.reason_header",
}


def conf_key_count():
    """Keys in usher's key table (dataplane/usher/config.c): "get" must list every one."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dataplane",
                       "usher", "config.c")
    with open(src) as f:
        table = f.read().split("conf_keys[] = {", 1)[1].split("\n};", 1)[0]
    return len(re.findall(r"^\s*(?:KEY|LIVE)_[A-Z]+\(", table, re.M))


def ctl_conf(protection=None, lists=None, control=None):
    conf = tdp.base_conf()
    # the endless capture sends each request again and again, byte for byte: with a
    # retransmission window those copies would be forwarded, not replays (tc_set turns it on)
    conf["auth"]["retransmission_window"] = "0"
    conf["protection"] = {"ban_threshold": "0", "user_ban_threshold": "0"}
    conf["protection"].update(protection or {})
    if lists:
        conf["lists"] = dict(lists)
    conf["overload"] = {"shed": "false"}
    conf["control"] = {"socket": "ctl.sock", "node": NODE}
    conf["control"].update(control or {})
    return conf


class Live:
    """One usher on an endless capture with its control socket, stopped by SIGINT."""

    def __init__(self, c, name, conf, frames):
        self.c, self.name = c, name
        self.dir = os.path.join(c.dir, name)
        os.makedirs(self.dir)
        for f in ("nonce.secret", "users.cred"):
            shutil.copy(os.path.join(c.dir, f), os.path.join(self.dir, f))
        os.chmod(os.path.join(self.dir, "nonce.secret"), 0o600)
        with open(os.path.join(self.dir, "test.ini"), "w") as f:
            f.write(tdp.conf_text(conf))
        gen.write_pcap(os.path.join(self.dir, "in.pcap"), frames)
        self.n_frames = len(frames)
        gen.write_pcap(os.path.join(self.dir, "inside.pcap"), [])
        self.prefix = "usher-ctl-%s-%d" % (name, os.getpid())
        self.sock = os.path.join(self.dir, conf["control"]["socket"])
        self.cmd = [tdp.USHER] + tdp.EAL_MEM + [
            "--no-pci", "--file-prefix", self.prefix, "-l", "0-1",
            "--vdev", "net_pcap0,rx_pcap=in.pcap,tx_pcap=/dev/null,infinite_rx=1",
            "--vdev", "net_pcap1,rx_pcap=inside.pcap,tx_pcap=/dev/null",
            "--", "--config", "test.ini"]
        self.p = None
        self.ctl = None
        self.log = ""

    def __enter__(self):
        self.p = subprocess.Popen(self.cmd, cwd=self.dir, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True)
        t_end = time.time() + 20
        while time.time() < t_end and self.p.poll() is None:
            try:
                self.ctl = CtlClient(self.sock)
                if self.total()["rx_outside"] > 0:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        if self.p.poll() is None:
            self.kill()
            raise Fail("%s: control socket not serving after 20 s" % self.name)
        out, err = self.p.communicate()
        log = (out + err).decode(errors="replace")
        why = tdp.eal_failure(log)
        if why:
            raise Skip("EAL cannot start on this machine: " + why)
        raise Fail("%s: usher exited (%d) at start:\n%s" % (self.name, self.p.returncode,
                                                           log[-3000:]))

    def kill(self):
        os.killpg(self.p.pid, signal.SIGKILL)
        self.p.communicate()
        tdp.remove_runtime_dir(self.prefix)

    def __exit__(self, etype, e, tb):
        if self.ctl is not None:
            self.ctl.close()
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        try:
            out, err = self.p.communicate(timeout=tdp.RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Fail("%s: usher did not stop on SIGINT" % self.name)
        tdp.remove_runtime_dir(self.prefix)
        self.log = (out + err).decode(errors="replace")
        with open(os.path.join(self.dir, "usher.log"), "w") as f:
            f.write("$ " + " ".join(self.cmd) + "\n" + self.log)
        self.c.expect(self.p.returncode == 0 and
                      re.search(r"mbufs: all \d+ returned", self.log) is not None,
                      "%s: exit %d, or mbufs not all returned:\n%s" %
                      (self.name, self.p.returncode, self.log[-2000:]))
        self.c.expect(not os.path.exists(self.sock), "%s: socket file left at exit" % self.name)
        return False

    def call(self, cmd, **args):
        return self.ctl.call(cmd, **args)

    def ok(self, cmd, **args):
        r = self.ctl.call(cmd, **args)
        if r.get("ok") is not True:
            raise Fail("%s: %s %s failed: %s" % (self.name, cmd, args, r))
        return r

    def total(self):
        return self.ctl.check("stats")["total"]

    def grows(self, rising, still=(), what=""):
        """Sample twice: every counter of rising must have grown, every one of still not.

        The second sample waits (up to PATIENCE) until the rising counters grew and the
        worker went through the whole capture twice more, so that a counter standing still
        means something even when the worker shares its core with other programs.
        """
        a = self.total()
        t_end = time.time() + PATIENCE
        time.sleep(SETTLE)
        while True:
            b = self.total()
            if (all(b[n] > a[n] for n in rising) and
                    b["rx_outside"] >= a["rx_outside"] + 2 * self.n_frames + 2 * BURST):
                break
            if time.time() > t_end:
                break
            time.sleep(0.05)
        for n in rising:
            self.c.expect(b[n] > a[n], "%s %s: %s did not grow (%d)" %
                          (self.name, what, n, a[n]))
        for n in still:
            self.c.expect(b[n] == a[n], "%s %s: %s moved %d -> %d" %
                          (self.name, what, n, a[n], b[n]))
        return b

    def until(self, cond, what):
        """Wait (up to PATIENCE) for cond(totals) to hold; returns the last totals."""
        t_end = time.time() + PATIENCE
        while True:
            t = self.total()
            if cond(t) or time.time() > t_end:
                return t
            time.sleep(0.05)

    def expect_err(self, r, code, text, what):
        self.c.expect(r.get("ok") is False and r.get("code") == code and r.get("error") == text,
                      "%s %s: expected error %d %r, got %s" % (self.name, what, code, text, r))


def filler(c, n):
    """Forwarded non-SIP frames: they pad a capture to whole rx bursts."""
    out = []
    for _ in range(n):
        c.seq += 1
        out.append(gen.frame(b"\x80\x00" + c.seq.to_bytes(4, "big") + b"\x00" * 60,
                             sport=20000 + c.seq % 20000, dport=30000))
    return out


# ---------------------------------------------------------------------------------------------


def tc_commands(c):
    """Every read-only command's result, and the errors of unknown commands and keys."""
    conf = ctl_conf(lists={"block": "198.18.0.0/15"})
    with Live(c, "commands", conf, [c.plain("REGISTER")]) as u:
        h = u.ok("hello", version=1, peer="test")
        c.expect(h["version"] == 1 and h["node"] == NODE and h["pid"] == u.p.pid and
                 abs(h["boot"] - time.time()) < 30, "hello: %s" % h)
        st = u.ok("status")
        c.expect(st["node"] == NODE and st["pid"] == u.p.pid and st["workers"] == 1 and
                 st["users"] == 3 and st["config"] == "test.ini" and
                 0 <= st["uptime"] < 30 and st["boot"] == h["boot"], "status: %s" % st)
        c.expect(st["ports"]["outside"]["name"] == "net_pcap0" and
                 st["ports"]["inside"]["name"] == "net_pcap1" and
                 st["ports"]["outside"]["link"] == "up" and st["ports"]["outside"]["id"] == 0,
                 "status ports: %s" % st["ports"])
        c.expect(st["nonce"] == {"cur_kid": 1, "prev_kid": None, "lifetime": 300,
                                 "nc_slots": 1 << 20, "nc_used": 0},
                 "status nonce: %s" % st["nonce"])
        s = u.ok("stats")
        c.expect(set(s["total"]) == set(tdp.COUNTER_NAMES), "stats: counter names differ: %s" %
                 sorted(set(s["total"]) ^ set(tdp.COUNTER_NAMES)))
        c.expect(len(s["workers"]) == 1 and s["workers"][0]["lcore"] == 1 and
                 all(s["workers"][0]["counters"][n] >= s["total"][n] for n in s["total"]),
                 "stats workers: %s" % s["workers"])
        c.expect(s["total"]["rx_outside"] > 0 and
                 s["total"]["rx_outside"] - s["total"]["challenge_no_credentials"] < 64 and
                 s["total"]["fwd_auth_ok"] == 0, "stats total: %s" % s["total"])
        g = u.ok("get", key="auth.nonce_lifetime")
        c.expect(g["values"] == {"auth.nonce_lifetime": "300"} and g["live"] is True,
                 "get: %s" % g)
        g = u.ok("get", key="auth.nc_table_order")
        c.expect(g["values"] == {"auth.nc_table_order": "20"} and g["live"] is False,
                 "get: %s" % g)
        g = u.ok("get")
        v = g["values"]
        c.expect(set(g["live"]) == LIVE_KEYS and len(g["live"]) == len(LIVE_KEYS),
                 "get live keys: %s" % sorted(set(g["live"]) ^ LIVE_KEYS))
        want = {"auth.realm": REALM, "auth.algorithms": "SHA-256,MD5", "auth.qop": "auth",
                "auth.accept_no_qop": "true", "auth.tag_prefix": "ush1",
                "policy.passthrough": "forward", "protection.ban_threshold": "0",
                "protection.deny_action": "reply", "lists.block": "198.18.0.0/15",
                "overload.shed": "false", "control.socket": "ctl.sock", "control.node": NODE,
                "control.group": "", "log.level": "info", "sip.ports": "5060"}
        c.expect(all(v.get(k) == x for k, x in want.items()) and len(v) == conf_key_count(),
                 "get all: %s" % {k: v.get(k) for k in want if v.get(k) != want[k]})
        u.expect_err(u.call("get", key="auth.nope"), ENOTFOUND, "unknown key auth.nope", "get")
        u.expect_err(u.call("frobnicate"), ENOTFOUND, "unknown command 'frobnicate'", "cmd")
        u.expect_err(u.call("creds.abort"), EINVAL, "no credentials transfer in progress",
                     "abort")
        u.expect_err(u.call("creds.commit", records=0), EINVAL,
                     "no credentials transfer in progress", "commit")
        b = u.ok("bans.list")
        c.expect(b["bans"] == [] and b["lost"] == 0, "bans.list: %s" % b)
        ls = u.ok("list.show", list="block")
        c.expect(ls["entries"] == [{"cidr": "198.18.0.0/15", "origin": "config"}],
                 "list.show: %s" % ls)
        c.expect(u.ok("list.show", list="allow")["entries"] == [], "list.show allow")


def tc_set(c):
    """set of live keys changes what the workers do at once; a bad value gets the ini's error
    text and changes nothing; a key that needs a restart is refused."""
    ts = c.fresh_ts()
    sha, _ = c.authed("REGISTER", "SHA-256", ts=ts)   # alice, right password, nc 1
    md5, _ = c.authed("REGISTER", "MD5", user="bob", ts=ts)
    conf = ctl_conf()
    with Live(c, "set", conf, [sha, md5]) as u:
        # both verify once, then their nc replays; no algorithm refused, nothing stale
        u.grows(["challenge_nc_replay"], ["fwd_auth_ok", "challenge_algorithm",
                                          "challenge_stale"], "at start")
        c.expect(u.total()["fwd_auth_ok"] == 2, "fwd_auth_ok %d" % u.total()["fwd_auth_ok"])
        r = u.ok("set", key="auth.algorithms", value="MD5")
        c.expect(r == {"ok": True, "key": "auth.algorithms", "value": "MD5"}, "set: %s" % r)
        # the SHA-256 credentials are for an algorithm no longer offered
        u.grows(["challenge_algorithm", "challenge_nc_replay"], ["fwd_auth_ok"],
                "algorithms=MD5")
        u.ok("set", key="auth.algorithms", value="SHA-256,MD5")
        u.grows(["challenge_nc_replay"], ["challenge_algorithm", "fwd_auth_ok"],
                "algorithms back")
        # a lifetime shorter than the nonces' age: the right digests are now stale
        # (usher's clock counts whole seconds: a margin over the boundary)
        time.sleep(max(0, ts + 3 - time.time()))
        u.ok("set", key="auth.nonce_lifetime", value=1)
        u.grows(["challenge_stale"], ["challenge_nc_replay", "fwd_auth_ok"], "lifetime=1")
        u.ok("set", key="auth.nonce_lifetime", value="300")
        u.grows(["challenge_nc_replay"], ["challenge_stale"], "lifetime=300")
        # a bad value: the same message as the file (less its location), nothing changes
        bad = u.call("set", key="auth.nonce_lifetime", value="abc")
        u.expect_err(bad, EINVAL, "auth.nonce_lifetime: 'abc' is not a number from 1 to 86400",
                     "bad value")
        ini = subprocess.run([tdp.USHER, "--", "--config", os.path.join(u.dir, "test.ini"),
                              "--set", "auth.nonce_lifetime=abc"], capture_output=True,
                             text=True, timeout=20)
        c.expect(ini.returncode == 1 and ini.stderr.strip() ==
                 "--set auth.nonce_lifetime=abc: " + bad.get("error", "?"),
                 "ini error %r vs set error %r" % (ini.stderr, bad.get("error")))
        bad = u.call("set", key="auth.algorithms", value="MD5,MD4")
        u.expect_err(bad, EINVAL, "auth.algorithms: unknown algorithm 'MD4' (MD5, MD5-sess, "
                     "SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess)", "bad algorithm")
        u.expect_err(u.call("set", key="auth.realm", value=""), EINVAL,
                     "[auth] realm must be set", "empty realm")
        c.expect(u.ok("get", key="auth.nonce_lifetime")["values"]["auth.nonce_lifetime"] ==
                 "300" and u.ok("get", key="auth.algorithms")["values"]["auth.algorithms"] ==
                 "SHA-256,MD5" and u.ok("get", key="auth.realm")["values"]["auth.realm"] ==
                 REALM, "a refused set changed the configuration")
        u.grows(["challenge_nc_replay"], ["challenge_stale", "challenge_algorithm",
                                          "challenge_no_credentials"], "after refusals")
        # the retransmission window: requests accepted while it was off were not recorded,
        # so their copies stay replays
        u.ok("set", key="auth.retransmission_window", value="32")
        u.grows(["challenge_nc_replay"], ["fwd_retransmission", "fwd_auth_ok"], "window on")
        u.expect_err(u.call("set", key="auth.retransmission_window", value="301"), EINVAL,
                     "auth.retransmission_window: '301' is not a number from 0 to 300",
                     "window too long")
        # the Server header of our replies: any printable text, or none
        r = u.ok("set", key="auth.server_header", value="Acme SBC/2.1")
        c.expect(r == {"ok": True, "key": "auth.server_header", "value": "Acme SBC/2.1"},
                 "set server_header: %s" % r)
        u.expect_err(u.call("set", key="auth.server_header", value="tab\there"), EINVAL,
                     "auth.server_header: server_header must be empty or 1 to 64 printable "
                     "ASCII characters, without leading or trailing space", "bad server")
        c.expect(u.ok("get", key="auth.server_header")["values"]["auth.server_header"] ==
                 "Acme SBC/2.1", "a refused server_header changed the configuration")
        u.ok("set", key="auth.server_header", value="")
        u.expect_err(u.call("set", key="auth.nc_table_order", value="12"), EINVAL,
                     "auth.nc_table_order cannot change while running: restart usher",
                     "not live")
        u.expect_err(u.call("set", key="auth.tag_prefix", value="zz"), EINVAL,
                     "auth.tag_prefix cannot change while running: restart usher", "tag")
        u.expect_err(u.call("set", key="auth.nope", value="1"), ENOTFOUND,
                     "unknown key auth.nope", "unknown key")
        u.expect_err(u.call("set", key="auth.realm"), EINVAL,
                     "set needs \"key\" and \"value\"", "no value")
        # the realm: credentials for the old one are no credentials
        u.ok("set", key="auth.realm", value="elsewhere.test")
        u.grows(["challenge_no_credentials"], ["challenge_nc_replay"], "realm")
        u.ok("set", key="auth.realm", value=REALM)
        # [policy] and [protection] live too
        u.ok("set", key="protection.rate", value="1")
        u.ok("set", key="protection.rate_burst", value="1")
        u.grows(["deny_rate"], [], "rate=1")
        u.ok("set", key="protection.rate", value="0")
        u.grows(["challenge_nc_replay"], ["deny_rate"], "rate=0")
    c.expect("control: auth.algorithms = MD5" in u.log, "no log line of the set")


def creds_frames(c, user, ts, algo="MD5"):
    f, _ = c.authed("REGISTER", algo, user=user, password="pw-" + user, ts=ts)
    return f


def tc_creds(c):
    """Full and delta transfers through the socket, and every way one is refused: the table
    in force is kept."""
    ts = c.fresh_ts()
    conf = ctl_conf()
    md5 = gen.ha1("MD5", "dave", REALM, "pw-dave")
    sha = gen.ha1("SHA-256", "dave", REALM, "pw-dave")
    dave = [("dave", REALM, "MD5", bytes.fromhex(md5)),
            ("dave", REALM, "SHA-256", bytes.fromhex(sha))]
    with Live(c, "creds", conf, [creds_frames(c, "dave", ts)]) as u:
        # dave is unknown: a wrong digest, every time
        u.grows(["challenge_bad_response"], ["fwd_auth_ok", "challenge_nc_replay"], "unknown")
        r = u.ctl.send_creds(dave, mode="full")
        c.expect(r == {"ok": True, "users": 1}, "full: %s" % r)
        c.expect(u.ok("status")["users"] == 1, "users after full")
        b = u.grows(["challenge_nc_replay"], ["challenge_bad_response", "fwd_auth_ok"],
                    "after full")
        c.expect(b["fwd_auth_ok"] == 1, "fwd_auth_ok %d after the push" % b["fwd_auth_ok"])
        # delta: dave deleted, erin added
        erin = ("erin", REALM, "MD5", bytes.fromhex(gen.ha1("MD5", "erin", REALM, "x")))
        r = u.ctl.send_creds([("dave", REALM), erin], mode="delta")
        c.expect(r == {"ok": True, "users": 1}, "delta: %s" % r)
        u.grows(["challenge_bad_response"], ["challenge_nc_replay", "fwd_auth_ok"], "del")
        r = u.ctl.send_creds(dave, mode="delta", hint=0)
        c.expect(r == {"ok": True, "users": 2}, "delta add: %s" % r)
        u.grows(["challenge_nc_replay"], ["challenge_bad_response", "fwd_auth_ok"], "re-add")
        # refused transfers: each keeps the two users and dave's nc replays
        bad = [dave[0], b"\x01\x00\x04\x0aeve", dave[1]]   # a truncated record
        r = u.ctl.send_creds(bad, mode="full")
        u.expect_err(r, ESOURCE, "record 2: truncated or invalid (op, hash or a length)",
                     "truncated")
        r = u.ctl.send_creds([dave[0], cred_record("x", REALM, "MD5", b"\x00" * 15)[:21]],
                             mode="full")
        c.expect(r.get("code") == ESOURCE, "short HA1: %s" % r)
        r = u.ctl.send_creds([dave[0], ("dave", REALM)], mode="full")
        u.expect_err(r, ESOURCE, "record 2: DEL in a full transfer", "del in full")
        u.ok("creds.begin", mode="full", records=1)
        u.ctl.send_records([cred_record(*dave[0])])
        u.expect_err(u.call("creds.commit", records=3), ESOURCE,
                     "3 records announced, 1 received", "count")
        u.ok("creds.begin", mode="full", records=1)
        u.ctl.send_records([cred_record(*dave[0])])
        u.expect_err(u.call("creds.begin", mode="full"), EINVAL,
                     "a credentials transfer is already in progress", "begin twice")
        c.expect(u.ok("creds.abort") == {"ok": True}, "abort")
        u.expect_err(u.call("creds.begin", mode="replace"), EINVAL,
                     "\"mode\" must be \"full\" or \"delta\"", "mode")
        # a second connection vanishing mid-transfer: aborted, the first may start one
        with CtlClient(u.sock) as other:
            other.check("creds.begin", mode="full", records=10)
            other.send_records([cred_record(*dave[0])])
            u.expect_err(u.call("creds.commit", records=1), EINVAL,
                         "the credentials transfer belongs to another connection", "owner")
        # the close is seen at the main loop's next wake-up; then the transfer is free again
        t_end = time.time() + PATIENCE
        while u.call("creds.begin", mode="delta").get("ok") is not True and time.time() < t_end:
            time.sleep(0.05)
        c.expect(u.ok("creds.abort") == {"ok": True}, "begin after the peer vanished")
        c.expect(u.ok("status")["users"] == 2, "users after the refusals")
        u.grows(["challenge_nc_replay"], ["challenge_bad_response", "fwd_auth_ok"], "kept")
        # a hint far too small: the table grows as the records come (several frames)
        many = [("u%05d" % i, REALM, "SHA-256", bytes([i & 0xFF]) * 32) for i in range(3000)]
        r = u.ctl.send_creds(many + dave, mode="full", hint=1, max_payload=4096)
        c.expect(r == {"ok": True, "users": 3001}, "grown: %s" % r)
        u.grows(["challenge_nc_replay"], ["challenge_bad_response", "fwd_auth_ok"], "grown")
    c.expect("connection closed during a credentials transfer" in u.log,
             "no log of the aborted transfer")


def tc_nonce_keys(c):
    """nonce.keys replaces the secrets: a nonce made under the old current key verifies while
    that key is the previous one, and is invalid once it is dropped."""
    ts = c.fresh_ts()
    f, _ = c.authed("REGISTER", "MD5", ts=ts)   # kid 1: the nonce.secret file's key
    old = c.secret.key.hex()
    new2, new3 = "a5" * 24, "5a" * 32
    with Live(c, "nonce-keys", ctl_conf(), [f]) as u:
        u.grows(["challenge_nc_replay"], ["fwd_auth_ok", "challenge_nonce_invalid"], "kid 1")
        r = u.ok("nonce.keys", cur={"kid": 2, "secret": new2}, prev={"kid": 1, "secret": old})
        c.expect(r == {"ok": True}, "nonce.keys: %s" % r)
        c.expect(u.ok("status")["nonce"]["cur_kid"] == 2 and
                 u.ok("status")["nonce"]["prev_kid"] == 1, "status after rotation")
        u.grows(["challenge_nc_replay"], ["challenge_nonce_invalid", "fwd_auth_ok"],
                "kid 1 as previous")
        u.ok("nonce.keys", cur={"kid": 3, "secret": new3}, prev={"kid": 2, "secret": new2})
        u.grows(["challenge_nonce_invalid"], ["challenge_nc_replay", "fwd_auth_ok"],
                "kid 1 dropped")
        st = u.ok("status")["nonce"]
        c.expect(st["cur_kid"] == 3 and st["prev_kid"] == 2, "status: %s" % st)
        u.expect_err(u.call("nonce.keys", cur={"kid": 4, "secret": new3},
                            prev={"kid": 4, "secret": new2}), EINVAL,
                     "cur and prev must have different kids", "same kids")
        u.expect_err(u.call("nonce.keys", cur={"kid": 4, "secret": "ab" * 15}), EINVAL,
                     "cur: secret must be 16 to 4096 bytes in hex", "short")
        u.expect_err(u.call("nonce.keys", cur={"kid": 4, "secret": "zz" * 16}), EINVAL,
                     "cur: secret must be 16 to 4096 bytes in hex", "not hex")
        u.expect_err(u.call("nonce.keys", cur={"kid": 300, "secret": new3}), EINVAL,
                     "cur: expected {\"kid\": 0..255, \"secret\": HEX}", "kid")
        r = u.ok("nonce.keys", cur={"kid": 1, "secret": old}, prev=None)
        c.expect(u.ok("status")["nonce"]["prev_kid"] is None, "prev none")
        # kid 1 is current again: the nonce verifies (its nc still replayed)
        u.grows(["challenge_nc_replay"], ["challenge_nonce_invalid"], "kid 1 back")
    c.expect(old not in u.log and new2 not in u.log, "a secret in the log")


def tc_lists(c):
    """list.add/list.del block and unblock a source at once; list.show says where each entry
    came from."""
    conf = ctl_conf(lists={"block": "198.18.0.0/15"})
    ip = gen.IP_PHONE
    with Live(c, "lists", conf, [c.plain("REGISTER")]) as u:
        u.grows(["challenge_no_credentials"], ["deny_blocked", "fwd_allowed"], "start")
        r = u.ok("list.add", list="block", cidr=ip)
        c.expect(r == {"ok": True, "entries": 2}, "list.add: %s" % r)
        u.grows(["deny_blocked"], ["challenge_no_credentials"], "blocked")
        ls = u.ok("list.show", list="block")["entries"]
        c.expect(ls == [{"cidr": "198.18.0.0/15", "origin": "config"},
                        {"cidr": ip + "/32", "origin": "live"}], "list.show: %s" % ls)
        u.expect_err(u.call("list.add", list="allow", cidr=ip + "/32"), EINVAL,
                     "%s/32 is already on the block list" % ip, "both lists")
        u.expect_err(u.call("list.add", list="block", cidr="192.0.2.1/24"), EINVAL,
                     "'192.0.2.1/24' has host bits set (the network is 192.0.2.0/24)", "host")
        u.expect_err(u.call("list.add", list="deny", cidr=ip), EINVAL,
                     "\"list\" must be \"block\" or \"allow\"", "list name")
        r = u.ok("list.del", list="block", cidr=ip)
        c.expect(r == {"ok": True, "entries": 1}, "list.del: %s" % r)
        u.grows(["challenge_no_credentials"], ["deny_blocked"], "unblocked")
        u.expect_err(u.call("list.del", list="block", cidr=ip), ENOTFOUND,
                     "%s is not on the block list" % ip, "del twice")
        # the allow list: no challenge at all; then a config entry removed live
        r = u.ok("list.add", list="allow", cidr="192.0.2.0/24")
        c.expect(r == {"ok": True, "entries": 1}, "allow: %s" % r)
        u.grows(["fwd_allowed"], ["challenge_no_credentials", "deny_blocked"], "allowed")
        u.ok("list.del", list="allow", cidr="192.0.2.0/24")
        u.ok("list.del", list="block", cidr="198.18.0.0/15")
        c.expect(u.ok("list.show", list="block")["entries"] == [], "block list empty")
        u.grows(["challenge_no_credentials"], ["fwd_allowed", "deny_blocked"], "end")


def tc_bans(c):
    """bans.list names each ban's source (and username); bans.clear lifts one source's bans,
    or all of them, while the workers keep counting."""
    ts = c.fresh_ts()
    # one rx burst = one round of the capture: a ban found in a burst acts from the next
    guesses = [c.authed("REGISTER", "MD5", password="nope", ts=ts, src=ATTACKER)[0]]
    guesses += [c.authed("REGISTER", "MD5", user=u, password="nope", ts=ts, src=ATTACKER2)[0]
                for u in ("alice", "bob", "carol")]
    frames = guesses + filler(c, BURST - len(guesses))
    conf = ctl_conf({"ban_threshold": "3", "user_ban_threshold": "2", "ban_time": "600",
                     "user_ban_time": "600"})
    a, a2 = ATTACKER.ip, ATTACKER2.ip
    with Live(c, "bans", conf, frames) as u:
        u.until(lambda t: t["ban_started"] >= 2 and t["deny_banned"] > 0, "first bans")
        b = u.grows(["deny_banned"], ["ban_started", "challenge_bad_response"], "banned")
        # round 1: ATTACKER2's third failure bans it; round 2: ATTACKER's second alice
        c.expect(b["ban_started"] == 2 and b["challenge_bad_response"] == 5,
                 "ban_started %d, bad_response %d" % (b["ban_started"],
                                                       b["challenge_bad_response"]))
        bl = u.ok("bans.list")
        got = sorted((x["source"], x["kind"], x.get("user"), x["left"] > 590) for x in bl["bans"])
        c.expect(got == [(a, "user", "alice", True), (a2, "source", None, True)] and
                 bl["lost"] == 0, "bans.list: %s" % bl)
        u.expect_err(u.call("bans.clear", source="203.0.113"), EINVAL,
                     "'203.0.113' is not an IPv4 or IPv6 address", "bad source")
        r = u.ok("bans.clear", source="198.51.100.1")
        c.expect(r == {"ok": True, "cleared": 0}, "clear absent: %s" % r)
        r = u.ok("bans.clear", source=a2)
        c.expect(r == {"ok": True, "cleared": 1}, "clear a2: %s" % r)
        # ATTACKER2 guesses on with its per-user counts of round 1 (1 each): its failures ban
        # those usernames and, at the third, the source again. (Which lanes of the burst
        # running while the ban is lifted still see it is a benign race: ush_guard.h.)
        u.until(lambda t: t["ban_started"] >= 3 and
                (a2, "source") in banned(u), "a2 banned again")
        b = u.grows(["deny_banned"], ["ban_started", "challenge_bad_response"], "a2 again")
        got = banned(u, users=True)
        c.expect((a, "user", "alice") in got and (a2, "source", None) in got and
                 all(x[0] == a2 for x in got if x != (a, "user", "alice")),
                 "bans.list after clearing a2: %s" % got)
        n_before = len(got)
        r = u.ok("bans.clear")
        # every ban in force is lifted; a ban a worker starts while the walk runs may be
        # counted too
        c.expect(r.get("ok") is True and r["cleared"] >= n_before, "clear all: %s / %d" %
                 (r, n_before))
        # both guess on and are banned again: ATTACKER2 as a source (3 users), ATTACKER as a
        # source (its count of 2 survived: not banned) or, when the walk also lifted a
        # source ban it had just earned, as the source + alice pair
        def again(t):
            got = banned(u)
            return (a2, "source") in got and ((a, "source") in got or (a, "user") in got)

        u.until(again, "both banned again")
        b2 = u.grows(["deny_banned"], ["ban_started", "challenge_bad_response"],
                     "after clear all")
        c.expect(b2["ban_started"] >= b["ban_started"] + 2, "ban_started %d then %d" %
                 (b["ban_started"], b2["ban_started"]))
        got = banned(u)
        c.expect((a2, "source") in got and ((a, "source") in got or (a, "user") in got),
                 "bans.list at the end: %s" % got)


def banned(u, users=False):
    """The bans in force as listed: {(source, kind)}, or with users a sorted list of
    (source, kind, user)."""
    bans = u.ok("bans.list")["bans"]
    if users:
        return sorted((x["source"], x["kind"], x.get("user")) for x in bans)
    return {(x["source"], x["kind"]) for x in bans}


def tc_protocol(c):
    """Protocol errors close that connection (logged), never usher; others keep working."""
    with Live(c, "protocol", ctl_conf(), [c.plain("REGISTER")]) as u:
        cases = [
            ("bad magic", frame(REQUEST, 1, b"{}", magic=0x12345678)),
            ("bad version", frame(REQUEST, 1, b"{}", version=2)),
            ("flags", frame(REQUEST, 1, b"{}", flags=1)),
            ("unknown type", frame(9, 1, b"{}")),
            ("too long", frame(REQUEST, 1, b"", length=(1 << 20) + 1)),
            ("not JSON", frame(REQUEST, 1, b"{cmd: hello")),
            ("JSON array", frame(REQUEST, 1, b"[1, 2]")),
            ("CREDS outside a transfer", frame(CREDS, 1, cred_record("a", "b", "MD5",
                                                                      b"\0" * 16))),
            ("a REPLY from the client", frame(REPLY, 1, b"{\"ok\": true}")),
        ]
        for what, data in cases:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(u.sock)
            s.sendall(data)
            try:
                closed = s.recv(100) == b""
            except ConnectionResetError:
                closed = True   # closed with our bytes unread
            except OSError:
                closed = False
            s.close()
            c.expect(closed, "%s: connection not closed" % what)
        # a partial frame then the peer goes: nothing happens
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(u.sock)
        s.sendall(frame(REQUEST, 1, b'{"cmd":"hello"}')[:20])
        s.close()
        # the first connection and new ones still work
        c.expect(u.ok("hello")["node"] == NODE, "hello after garbage")
        with CtlClient(u.sock) as other:
            c.expect(other.check("hello")["node"] == NODE, "new connection")
        u.expect_err(u.call("set", key=["x"], value=1), EINVAL,
                     "set needs \"key\" and \"value\"", "key not a string")
        u.grows(["challenge_no_credentials"], [], "serving")
    c.expect(u.log.count("control: closing connection") == len(cases),
             "%d closing lines for %d errors" % (u.log.count("control: closing connection"),
                                                 len(cases)))


def tc_socket(c):
    """The socket is created 0660, with the configured group; a group that does not exist
    stops usher at start."""
    group = next((g for g in ("daemon", "adm", "users", "nogroup") if _has_group(g)), None)
    if group is None:
        raise Skip("no usable group on this machine")
    gid = grp.getgrnam(group).gr_gid
    with Live(c, "socket-group", ctl_conf(control={"group": group}), [c.plain("REGISTER")]) as u:
        st = os.stat(u.sock)
        c.expect(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660 and
                 st.st_gid == gid, "socket mode %o gid %d (want 0660, %d)" %
                 (st.st_mode, st.st_gid, gid))
    with Live(c, "socket-root", ctl_conf(), [c.plain("REGISTER")]) as u:
        st = os.stat(u.sock)
        c.expect(stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == os.getegid(),
                 "socket mode %o gid %d" % (st.st_mode, st.st_gid))
    d = os.path.join(c.dir, "socket-bad")
    os.makedirs(d)
    with open(os.path.join(d, "test.ini"), "w") as f:
        f.write(tdp.conf_text(ctl_conf(control={"group": "no-such-group-x"})))
    shutil.copy(os.path.join(c.dir, "nonce.secret"), d)
    shutil.copy(os.path.join(c.dir, "users.cred"), d)
    gen.write_pcap(os.path.join(d, "in.pcap"), [])
    prefix = "usher-ctl-bad-%d" % os.getpid()
    r = subprocess.run([tdp.USHER] + tdp.EAL_MEM + [
        "--no-pci", "--file-prefix", prefix, "-l", "0-1",
        "--vdev", "net_pcap0,rx_pcap=in.pcap,tx_pcap=/dev/null",
        "--vdev", "net_pcap1,rx_pcap=in.pcap,tx_pcap=/dev/null",
        "--", "--config", "test.ini"], cwd=d, capture_output=True, text=True, timeout=60)
    tdp.remove_runtime_dir(prefix)
    c.expect(r.returncode == 1 and
             "[control] socket: group no-such-group-x: no such group" in r.stdout + r.stderr,
             "bad group: exit %d: %s" % (r.returncode, (r.stdout + r.stderr)[-500:]))


def _has_group(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


CASES = {
    "commands": tc_commands,
    "set": tc_set,
    "creds": tc_creds,
    "nonce-keys": tc_nonce_keys,
    "lists": tc_lists,
    "bans": tc_bans,
    "protocol": tc_protocol,
    "socket": tc_socket,
}


def main(argv):
    return tdp.main(argv, CASES, tdp.Case, "ctl", __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
