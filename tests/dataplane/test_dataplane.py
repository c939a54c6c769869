#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Suite 'dataplane': runs the real usher program (EAL, net_pcap) on generated traffic.
"""usage: test_dataplane.py USHER USHER_EXPLAIN COUNTERS_H CASE...

Each CASE writes pcaps with gen.py, runs `usher` with EAL on two net_pcap ports
(--no-huge --no-shconf --no-pci, its own --file-prefix) until the input is consumed
(--idle-exit 1), then checks every output frame:

- replies on the outside port: L2/L3/L4 addresses swapped, IPv4 and UDP checksums right, the
  SIP text re-read by usher-explain --json and by this script (RFC 3261 §8.2.6 copies, our
  To-tag, one challenge per offered algorithm in order, each nonce authentic under the test's
  secret with the algorithm it is offered for, stale=true exactly when due), and tshark's SIP
  dissector reporting no malformed packet and no expert warning;
- forwarded frames byte-identical to their input, in order;
- every counter in include/usher_counters.h exactly, from --stats-json;
- exit status 0 and the exit report that every mbuf went back to its pool.

'all' runs every case. Exit 77 (skip) only when EAL cannot start at all on this machine.
Set USHER_TEST_KEEP=1 to keep the run directories (printed) for inspection.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
from gen import (IP, UDP, Ether, Raw, REALM, DOMAIN, PHONE, PBX, Endpoint,  # noqa: E402
                 frame, sip_request, sip_response, credentials, make_nonce, SDP)

SKIP = 77
# Memory without hugepages and without files: DPDK 22.11 refuses --in-memory together with
# --no-huge ("--legacy-mem is not compatible with --in-memory": --no-huge implies legacy
# memory), so --no-shconf stands in for it (no shared config files, nothing to clean up but
# the empty runtime directory, removed after each run).
EAL_MEM = ["--no-huge", "--no-shconf", "-m", "256"]
RUN_TIMEOUT = 45          # seconds for one usher run (EAL start + traffic + idle exit)
IDLE_EXIT = 1
SIGNAL_AFTER = 4          # seconds before the stop signal in runs without --idle-exit
NONCE_LEAD = 3            # crafted nonces are dated this many seconds ahead (see gen.nonce_lead)
TAG_PREFIX = "ush1"       # [auth] tag_prefix default

USHER = EXPLAIN = COUNTER_NAMES = None


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def counter_names(path):
    """Counter names in table order, from the x-macro table of include/usher_counters.h."""
    with open(path) as f:
        text = f.read()
    names = re.findall(r'X\(\s*\w+\s*,\s*"([a-z0-9_]+)"', text)
    if not names:
        raise SystemExit("%s: no counters found" % path)
    return names


# ---------------------------------------------------------------------------------------------
# Expectations


class Exp:
    """What Usher must do with one outside frame."""

    def __init__(self, action, ctr, code=None, stale=False, port=None, received=None,
                 rport=None, note="", frames=1):
        self.action = action      # 'fwd', 'reply' or 'drop'
        self.ctr = ctr            # outcome counter
        self.code = code          # reply status
        self.stale = stale
        self.port = port          # reply UDP destination port (None: computed from the request)
        self.received = received  # expected received= (None: computed), False: absent
        self.rport = rport
        self.note = note
        self.frames = frames      # IPv4 fragments the reply takes (replies over the MTU)


def fwd(ctr, note=""):
    return Exp("fwd", ctr, note=note)


def drop(ctr, note=""):
    return Exp("drop", ctr, note=note)


def reply(code, ctr, stale=False, note="", **kw):
    return Exp("reply", ctr, code=code, stale=stale, note=note, **kw)


def challenge(method, ctr, conf, stale=False, note="", **kw):
    code = {"auto": 401 if method == "REGISTER" else 407, "401": 401,
            "407": 407}[conf["auth"]["challenge_code"]]
    return reply(code, ctr, stale=stale, note=note, **kw)


# ---------------------------------------------------------------------------------------------
# Configuration


def base_conf():
    return {
        "ports": {"outside": "0", "inside": "1"},
        "sip": {"ports": "5060"},
        "auth": {
            "realm": REALM,
            "algorithms": "SHA-256,MD5",
            "qop": "auth",
            "accept_no_qop": "true",
            "nonce_lifetime": "300",
            "nonce_secret_file": "nonce.secret",
            "nc_table_order": "20",
            "challenge_code": "auto",
            "in_dialog": "forward",
        },
        "policy": {"passthrough": "forward"},
        "credentials": {"file": "users.cred"},
    } | defences_off()


def defences_off():
    """[protection] bans and [overload] shedding off, where this usher has them: these cases
    test authentication, and send many failures from one source (test_protect.py tests the
    defences, one at a time)."""
    out = {}
    if usher_knows(b"user_ban_threshold"):
        out["protection"] = {"ban_threshold": "0", "user_ban_threshold": "0"}
    if usher_knows(b"full_bursts"):
        out["overload"] = {"shed": "false"}
    return out


_usher_bytes = None


def usher_knows(key):
    """Whether the usher binary has a configuration key (its key table holds the names)."""
    global _usher_bytes
    if USHER is None:
        return False
    if _usher_bytes is None:
        with open(USHER, "rb") as f:
            _usher_bytes = f.read()
    return key + b"\0" in _usher_bytes


def conf_text(conf):
    out = ["# written by tests/dataplane/test_dataplane.py"]
    for sec, kv in conf.items():
        out.append("[%s]" % sec)
        out += ["%s = %s" % (k, v) for k, v in kv.items()]
        out.append("")
    return "\n".join(out)


def offered(conf):
    return [a.strip() for a in conf["auth"]["algorithms"].split(",")]


SECRET_TEXT = "usher-dataplane-test-secret-0123456789abcdef"
# (user, password): alice has an HA1 for every hash function (Usher format), bob only an MD5
# one (htdigest line), carol exists in another realm only.
USERS = {"alice": "wonderland", "bob": "builder", "carol": "singer"}
OTHER_REALM = "other.test"


def write_credentials(path):
    with open(path, "w") as f:
        f.write("# Usher format: user:realm:ALGORITHM:ha1-hex\n")
        for a in ("MD5", "SHA-256", "SHA-512-256"):
            f.write("alice:%s:%s:%s\n" % (REALM, a, gen.ha1(a, "alice", REALM, USERS["alice"])))
        f.write("\n# htdigest: user:realm:md5-ha1\n")
        f.write("bob:%s:%s\n" % (REALM, gen.ha1("MD5", "bob", REALM, USERS["bob"])))
        f.write("carol:%s:%s\n" % (OTHER_REALM, gen.ha1("MD5", "carol", OTHER_REALM,
                                                       USERS["carol"])))


# ---------------------------------------------------------------------------------------------
# Small SIP text helpers (independent of the project's parser)


def split_sip(payload):
    head, _, body = payload.partition(b"\r\n\r\n")
    lines = head.decode("utf-8", "replace").split("\r\n")
    headers = []
    for ln in lines[1:]:
        name, _, value = ln.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers, body


def hdr_all(headers, *names):
    low = [n.lower() for n in names]
    return [v for n, v in headers if n.lower() in low]


def hdr_one(headers, *names):
    v = hdr_all(headers, *names)
    if len(v) != 1:
        raise Fail("expected one %s header, got %d" % (names[0], len(v)))
    return v[0]


def via_params(via):
    """'SIP/2.0/UDP h:p;a=b;c' -> ('SIP/2.0/UDP h:p', [('a','b'),('c',None)])."""
    parts = via.split(";")
    params = []
    for p in parts[1:]:
        k, eq, v = p.partition("=")
        params.append((k.strip().lower(), v.strip() if eq else None))
    return parts[0].strip(), params


def digest_params(value):
    """'Digest a="b", c=d' -> ('Digest', {'a': ('b', True), 'c': ('d', False)}) (quoted flag)."""
    scheme, _, rest = value.partition(" ")
    out = {}
    i = 0
    while i < len(rest):
        m = re.match(r'\s*([A-Za-z0-9_-]+)\s*=\s*', rest[i:])
        if not m:
            raise Fail("unparsable challenge: %r" % value)
        key = m.group(1).lower()
        i += m.end()
        if rest[i:i + 1] == '"':
            j = rest.index('"', i + 1)
            val, quoted = rest[i + 1:j], True
            i = j + 1
        else:
            m2 = re.match(r"[^,\s]*", rest[i:])
            val, quoted = m2.group(0), False
            i += m2.end()
        if key in out:
            raise Fail("duplicate parameter %s in %r" % (key, value))
        out[key] = (val, quoted)
        m3 = re.match(r"\s*,?\s*", rest[i:])
        i += m3.end()
    return scheme, out


REASONS = {400: "Bad Request", 401: "Unauthorized", 407: "Proxy Authentication Required"}


# ---------------------------------------------------------------------------------------------
# One run of usher


class Run:
    """One usher run: config, outside frames with expectations, inside frames."""

    def __init__(self, name, conf, items, inside=(), stop=None, extra_args=()):
        self.name, self.conf, self.items, self.inside = name, conf, items, list(inside)
        self.stop = stop              # None: --idle-exit; else a signal sent once idle
        self.extra_args = list(extra_args)
        self.stdout = self.stderr = ""
        self.replies = []      # (item index, reply frame bytes)
        self.t_start = self.t_end = 0


class Case:
    def __init__(self, name, workdir):
        self.name = name
        self.dir = workdir
        self.secret_path = os.path.join(workdir, "nonce.secret")
        gen.write_secret(self.secret_path, SECRET_TEXT)
        self.secret = gen.load_secret(self.secret_path)
        write_credentials(os.path.join(workdir, "users.cred"))
        self.now = int(time.time())
        self.failures = []
        self.seq = 0
        self.index = 1000

    # -- building traffic -------------------------------------------------------------------

    def fresh_ts(self):
        """Timestamp of a crafted 'fresh' nonce: not before usher's start (boot_time), within
        USH_NONCE_MAX_DRIFT of its clock when read."""
        return int(time.time()) + NONCE_LEAD

    def next_index(self):
        self.index += 1
        return self.index

    def cid(self, what):
        self.seq += 1
        return "%s-%d-%s@usher.test" % (self.name, self.seq, what)

    def authed(self, method, algo, user=None, password=None, qop="auth", nc=1, ts=None,
               index=None, nonce=None, uri=None, ruri=None, body=b"", realm=REALM,
               response=None, src=PHONE, cseq=2, call_id=None, nonce_algo=None,
               sess_binary=False, algorithm_param=True, auth_header=None, **kw):
        """A request with digest credentials computed here. Returns (frame, nonce)."""
        user = user or "alice"
        password = USERS.get(user, "nobody-knows") if password is None else password
        ruri = ruri or ("sip:" + DOMAIN if method == "REGISTER" else "sip:bob@" + DOMAIN)
        uri = uri or ruri
        if nonce is None:
            nonce = make_nonce(self.secret, self.fresh_ts() if ts is None else ts,
                               self.next_index() if index is None else index,
                               nonce_algo or algo)
        cred = credentials(algo, user, realm, nonce, uri, method, password=password, qop=qop,
                           nc=nc, cnonce="cn%04x" % (self.seq + 1), body=body,
                           response=response, sess_binary=sess_binary,
                           algorithm_param=algorithm_param)
        extra = {}
        if body:
            extra["content_type"] = "application/sdp"
        msg = sip_request(method, ruri, call_id or self.cid(method.lower()), cseq=cseq,
                          user="alice", to_user="alice" if method == "REGISTER" else "bob",
                          auth=cred, auth_header=auth_header, body=body, **extra, **kw)
        return frame(msg, src=src), nonce

    def plain(self, method, ruri=None, src=PHONE, **kw):
        ruri = ruri or ("sip:" + DOMAIN if method == "REGISTER" else "sip:bob@" + DOMAIN)
        kw.setdefault("to_user", "alice" if method == "REGISTER" else "bob")
        return frame(sip_request(method, ruri, kw.pop("call_id", None) or
                                 self.cid(method.lower()), **kw), src=src)

    # -- running ----------------------------------------------------------------------------

    def run(self, run, check=True):
        d = os.path.join(self.dir, run.name)
        os.makedirs(d)
        for f in ("nonce.secret", "users.cred"):
            shutil.copy(os.path.join(self.dir, f), os.path.join(d, f))
        os.chmod(os.path.join(d, "nonce.secret"), 0o600)
        with open(os.path.join(d, "test.ini"), "w") as f:
            f.write(conf_text(run.conf))
        gen.write_pcap(os.path.join(d, "in.pcap"), [f for f, _ in run.items])
        gen.write_pcap(os.path.join(d, "inside.pcap"), run.inside)
        prefix = "usher-dp-%s-%s-%d" % (self.name, run.name, os.getpid())
        cmd = [USHER] + EAL_MEM + ["--no-pci", "--file-prefix", prefix, "-l", "0-1",
               "--vdev", "net_pcap0,rx_pcap=in.pcap,tx_pcap=out_outside.pcap",
               "--vdev", "net_pcap1,rx_pcap=inside.pcap,tx_pcap=out_inside.pcap",
               "--", "--config", "test.ini", "--stats-json", "stats.json"] + run.extra_args
        if run.stop is None:
            cmd += ["--idle-exit", str(IDLE_EXIT)]
        run.t_start = int(time.time())
        p = subprocess.Popen(cmd, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            if run.stop is not None:
                try:
                    p.wait(timeout=SIGNAL_AFTER)
                except subprocess.TimeoutExpired:
                    p.send_signal(run.stop)
            out, err = p.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            remove_runtime_dir(prefix)
            run.stdout, run.stderr = out.decode(errors="replace"), err.decode(errors="replace")
            raise Fail("%s: usher still running after %d s (killed)\n%s%s" %
                       (run.name, RUN_TIMEOUT, run.stdout[-3000:], run.stderr[-3000:]))
        remove_runtime_dir(prefix)
        run.t_end = int(time.time()) + 1
        run.stdout, run.stderr = out.decode(errors="replace"), err.decode(errors="replace")
        run.dir = d
        log = run.stdout + run.stderr
        with open(os.path.join(d, "usher.log"), "w") as f:
            f.write("$ " + " ".join(cmd) + "\n" + log)
        if p.returncode != 0:
            why = eal_failure(log)
            if why:
                raise Skip("EAL cannot start on this machine: " + why)
            raise Fail("%s: usher exited with status %d:\n%s" % (run.name, p.returncode,
                                                                 log[-4000:]))
        if check:
            self.check(run)
        return run

    # -- checking ---------------------------------------------------------------------------

    def expect(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)
        return cond

    def check(self, run):
        d = run.dir
        log = run.stdout + run.stderr
        # no mbuf leaked: the program checks its pools at exit
        self.expect(re.search(r"mbufs: all \d+ returned", log) is not None,
                    "%s: no 'mbufs: all N returned' report at exit:\n%s" %
                    (run.name, log[-2000:]))
        self.check_counters(run)
        outside_in = [bytes(f) for f, _ in run.items]
        inside_in = [bytes(f) for f in run.inside]
        out_in = gen.read_pcap_raw(os.path.join(d, "out_inside.pcap"))
        out_out = gen.read_pcap_raw(os.path.join(d, "out_outside.pcap"))

        # forwarded inward: byte-identical and in order
        want_in = [outside_in[i] for i, (_, e) in enumerate(run.items) if e.action == "fwd"]
        self.expect(out_in == want_in, "%s: inside output differs from the forwarded input: "
                    "%d frames out, %d expected%s" %
                    (run.name, len(out_in), len(want_in), first_diff(out_in, want_in)))

        # outside output: inside frames forwarded outward (byte-identical) + our replies
        pending = list(inside_in)
        replies, numbers, frags = [], [], []
        for n, fb in enumerate(out_out, 1):
            if pending and fb == pending[0]:
                pending.pop(0)
                continue
            if is_fragment(fb):
                frags.append(fb)
                if not more_fragments(fb):
                    try:
                        replies.append(reassemble(frags))
                    except Fail as ex:
                        self.expect(False, "%s: reply fragments: %s" % (run.name, ex))
                        replies.append(frags[-1])
                    numbers.append(n)
                    frags = []
                continue
            replies.append(fb)
            numbers.append(n)
        self.expect(not frags, "%s: %d trailing fragments" % (run.name, len(frags)))
        self.expect(not pending, "%s: %d inside frames not forwarded outward byte-identical"
                    % (run.name, len(pending)))
        want_rep = [i for i, (_, e) in enumerate(run.items) if e.action == "reply"]
        if not self.expect(len(replies) == len(want_rep),
                           "%s: %d replies on the outside port, %d expected (%s)" %
                           (run.name, len(replies), len(want_rep),
                            ", ".join(run.items[i][1].note or str(i) for i in want_rep))):
            return
        run.replies = list(zip(want_rep, replies))
        explained = explain_frames(os.path.join(d, "out_outside.pcap"))
        tsh = tshark_frames(os.path.join(d, "out_outside.pcap"))
        for (i, fb), n in zip(run.replies, numbers):
            req, e = run.items[i]
            label = "%s: reply to item %d (%s)" % (run.name, i + 1, e.note or e.ctr)
            ex = explained.get(n)
            if e.frames > 1:
                ex = explain_text(bytes(Ether(fb)[UDP].payload))  # tool does not reassemble
            try:
                self.check_reply(run, req, e, fb, ex, label)
            except Fail as ex:
                self.expect(False, "%s: %s" % (label, ex))
            t = tsh["frames"].get(n)
            self.expect(t is not None and "sip" in t["protocols"].split(":") and
                        t["status"] == str(e.code),
                        "%s: tshark does not decode it as SIP %s: %s" % (label, e.code, t))
        reply_frames = set(numbers)
        bad = [b for b in tsh["bad"] if int(b.split("\t")[0]) in reply_frames]
        self.expect(not bad, "%s: tshark reports malformed/expert-warning replies: %s"
                    % (run.name, bad))

    def check_counters(self, run):
        path = os.path.join(run.dir, "stats.json")
        if not self.expect(os.path.exists(path), "%s: no stats.json" % run.name):
            return
        with open(path) as f:
            stats = json.load(f)
        total = stats_totals(stats)
        mb = stats.get("mbufs", {})
        self.expect(mb.get("leaked") == 0 and mb.get("returned") == mb.get("total"),
                    "%s: stats.json mbufs %s" % (run.name, mb))
        per = [w.get("counters", {}) for w in stats.get("workers", [])]
        self.expect(len(per) == 1 and all(sum(p.get(n, 0) for p in per) == total.get(n)
                                          for n in total),
                    "%s: per-worker counters do not add up to the totals" % run.name)
        want = {n: 0 for n in COUNTER_NAMES}
        want["rx_outside"] = len(run.items)
        want["rx_inside"] = len(run.inside)
        want["fwd_outward"] = len(run.inside)
        for _, e in run.items:
            want[e.ctr] += 1
        want["tx_inside"] = sum(1 for _, e in run.items if e.action == "fwd")
        want["tx_outside"] = len(run.inside) + sum(e.frames for _, e in run.items
                                                   if e.action == "reply")
        self.expect(set(total) == set(COUNTER_NAMES),
                    "%s: stats.json counter names differ from usher_counters.h: extra %s, "
                    "missing %s" % (run.name, sorted(set(total) - set(COUNTER_NAMES)),
                                    sorted(set(COUNTER_NAMES) - set(total))))
        diff = {n: (total.get(n), want[n]) for n in COUNTER_NAMES if total.get(n) != want[n]}
        self.expect(not diff, "%s: counters (got, expected): %s\n  per item: %s" %
                    (run.name, diff, [(k + 1, e.ctr) for k, (_, e) in enumerate(run.items)]))

    def check_reply(self, run, req, e, fb, ex, label):
        rq = req
        rp = Ether(fb)
        if IP not in rp or UDP not in rp:
            raise Fail("not IPv4/UDP: %r" % rp.summary())
        # L2/L3/L4 swapped; checksums right
        if rp.dst != rq.src or rp.src != rq.dst:
            raise Fail("Ethernet %s -> %s, expected %s -> %s" % (rp.src, rp.dst, rq.dst, rq.src))
        if rp[IP].src != rq[IP].dst or rp[IP].dst != rq[IP].src:
            raise Fail("IP %s -> %s, expected %s -> %s" %
                       (rp[IP].src, rp[IP].dst, rq[IP].dst, rq[IP].src))
        chk = rp.copy()
        del chk[IP].chksum
        del chk[UDP].chksum
        chk = Ether(bytes(chk))
        if rp[IP].chksum != chk[IP].chksum:
            raise Fail("IPv4 checksum 0x%04x, should be 0x%04x" % (rp[IP].chksum,
                                                                   chk[IP].chksum))
        if rp[UDP].chksum != chk[UDP].chksum:
            raise Fail("UDP checksum 0x%04x, should be 0x%04x" % (rp[UDP].chksum,
                                                                  chk[UDP].chksum))
        if rp[IP].len != len(fb) - 14 and len(fb) > 60:
            raise Fail("IPv4 total length %d for a %d-byte frame" % (rp[IP].len, len(fb)))
        if rp[IP].ttl == 0 or rp[IP].frag != 0 or rp[IP].flags.MF:
            raise Fail("IPv4 ttl/fragment fields wrong: ttl %d frag %d" % (rp[IP].ttl,
                                                                            rp[IP].frag))
        req_line, rh, _ = split_sip(bytes(rq[UDP].payload))
        top_via = hdr_all(rh, "Via", "v")[0]
        sent_by, vparams = via_params(top_via)
        has_rport = any(k == "rport" for k, _ in vparams)
        via_host = sent_by.split()[-1].rsplit(":", 1)[0]
        via_port = int(sent_by.rsplit(":", 1)[1]) if ":" in sent_by.split()[-1] else 5060
        want_port = e.port or (rq[UDP].sport if has_rport else via_port)
        if rp[UDP].sport != rq[UDP].dport or rp[UDP].dport != want_port:
            raise Fail("UDP %d -> %d, expected %d -> %d" % (rp[UDP].sport, rp[UDP].dport,
                                                           rq[UDP].dport, want_port))
        payload = bytes(rp[UDP].payload)
        if len(payload) != rp[UDP].len - 8:
            raise Fail("UDP length %d for %d payload bytes" % (rp[UDP].len, len(payload)))
        status, hh, body = split_sip(payload)
        want_status = "SIP/2.0 %d %s" % (e.code, REASONS[e.code])
        if status != want_status:
            raise Fail("status line %r, expected %r" % (status, want_status))
        if body:
            raise Fail("reply has a body of %d bytes" % len(body))
        if hdr_one(hh, "Content-Length", "l") != "0":
            raise Fail("Content-Length is not 0")
        for name, short in (("From", "f"), ("Call-ID", "i"), ("CSeq", None)):
            names = (name, short) if short else (name,)
            if hdr_one(hh, *names) != hdr_one(rh, *names):
                raise Fail("%s %r differs from the request's %r" %
                           (name, hdr_one(hh, *names), hdr_one(rh, *names)))
        to_req, to_rep = hdr_one(rh, "To", "t"), hdr_one(hh, "To", "t")
        if ";tag=" in to_req.lower():
            if to_rep != to_req:
                raise Fail("To %r changed from the request's %r (it had a tag)" %
                           (to_rep, to_req))
        else:
            m = re.fullmatch(re.escape(to_req) + r";tag=([A-Za-z0-9]+)", to_rep)
            if not m or not m.group(1).startswith(TAG_PREFIX):
                raise Fail("To %r is not the request's %r plus ;tag=%s..." %
                           (to_rep, to_req, TAG_PREFIX))
        # Vias: all copied in order; top one with received/rport (RFC 3581)
        vq, vr = hdr_all(rh, "Via", "v"), hdr_all(hh, "Via", "v")
        if len(vq) != len(vr) or vq[1:] != vr[1:]:
            raise Fail("Via headers %r, request had %r" % (vr, vq))
        r_sent_by, r_params = via_params(vr[0])
        if r_sent_by != sent_by:
            raise Fail("top Via sent-by %r, request %r" % (r_sent_by, sent_by))
        rpd = dict(r_params)
        want_received = e.received
        if want_received is None:
            want_received = rq[IP].src if (has_rport or rq[IP].src != via_host) else False
        if want_received is False:
            if "received" in rpd:
                raise Fail("top Via has received=%s, none expected" % rpd["received"])
        elif rpd.get("received") != want_received:
            raise Fail("top Via received=%s, expected %s" % (rpd.get("received"),
                                                             want_received))
        if has_rport and rpd.get("rport") != str(rq[UDP].sport):
            raise Fail("top Via rport=%s, expected %d" % (rpd.get("rport"), rq[UDP].sport))
        others_req = [(k, v) for k, v in vparams if k not in ("rport", "received")]
        others_rep = [(k, v) for k, v in r_params if k not in ("rport", "received")]
        if others_req != others_rep:
            raise Fail("top Via parameters %r, request had %r" % (others_rep, others_req))
        # challenges
        www, prx = hdr_all(hh, "WWW-Authenticate"), hdr_all(hh, "Proxy-Authenticate")
        if e.code == 400:
            if www or prx:
                raise Fail("400 carries a challenge")
        else:
            chs = www if e.code == 401 else prx
            if (prx if e.code == 401 else www):
                raise Fail("%d carries the other kind of challenge header" % e.code)
            self.check_challenges(run, chs, e)
        # usher-explain re-reads the reply
        if ex is None:
            raise Fail("usher-explain did not report the frame")
        if not ex["ok"] or ex["type"] != "response" or ex["status"] != e.code:
            raise Fail("usher-explain: ok=%s type=%s status=%s error=%s" %
                       (ex["ok"], ex.get("type"), ex.get("status"), ex.get("error")))
        if ex["via_count"] != len(vq) or ex["call_id"] != hdr_one(rh, "Call-ID", "i"):
            raise Fail("usher-explain: via_count %s call_id %s" % (ex["via_count"],
                                                                 ex["call_id"]))
        if ex["content_length"] != 0 or ex["body_length"] != 0:
            raise Fail("usher-explain: content_length %s body %s" % (ex["content_length"],
                                                                    ex["body_length"]))
        if ex["to"]["tag"] is None:
            raise Fail("usher-explain: To has no tag")

    def check_challenges(self, run, chs, e):
        algos = offered(run.conf)
        if [digest_params(c)[1].get("algorithm", ("?",))[0] for c in chs] != algos:
            raise Fail("challenges %r, expected one per algorithm in order %s" % (chs, algos))
        qop = run.conf["auth"]["qop"]
        index = shared = None
        for c in chs:
            scheme, p = digest_params(c)
            if scheme != "Digest":
                raise Fail("scheme %r" % scheme)
            allowed = {"realm", "nonce", "algorithm", "qop", "stale", "opaque", "domain"}
            if set(p) - allowed:
                raise Fail("unexpected parameters %s" % sorted(set(p) - allowed))
            if p.get("realm") != (REALM, True):
                raise Fail("realm %r" % (p.get("realm"),))
            if qop == "none":
                if "qop" in p:
                    raise Fail("qop offered with qop=none: %r" % c)
            elif p.get("qop") != (qop, True):
                raise Fail("qop %r, expected \"%s\"" % (p.get("qop"), qop))
            st = p.get("stale")
            if e.stale and (st is None or st[0].lower() != "true"):
                raise Fail("stale=true missing: %r" % c)
            if not e.stale and st is not None and st[0].lower() != "false":
                raise Fail("stale=%s where not due: %r" % (st[0], c))
            nonce, quoted = p.get("nonce", (None, False))
            if not quoted:
                raise Fail("nonce not a quoted string: %r" % c)
            info = gen.parse_nonce(self.secret, nonce)
            if info is None:
                raise Fail("nonce %r is not authentic under the test secret" % nonce)
            algo = p["algorithm"][0]
            if info["algo"] == gen.ALGO_ANY:
                # one nonce for every algorithm of the challenge (ush_nonce.h)
                if shared is not None and nonce != shared:
                    raise Fail("'any algorithm' nonces differ between the challenge headers")
                shared = nonce
            elif gen.ALGO_BY_ID.get(info["algo"]) != algo:
                raise Fail("nonce made for algorithm %d, offered as %s" % (info["algo"], algo))
            if info["version"] != 1 or info["rsvd"] != 0 or info["kid"] != self.secret.kid:
                raise Fail("nonce version %d kid %d rsvd %d" % (info["version"], info["kid"],
                                                               info["rsvd"]))
            if not run.t_start - 1 <= info["timestamp"] <= run.t_end + 1:
                raise Fail("nonce timestamp %d outside the run [%d, %d]" %
                           (info["timestamp"], run.t_start, run.t_end))
            if index is not None and info["index"] != index:
                raise Fail("nonces of one challenge have different indexes")
            index = info["index"]


def stats_totals(stats):
    """Counter totals from --stats-json (accepts {"total": {...}} or a flat object)."""
    for key in ("total", "totals", "counters"):
        if isinstance(stats.get(key), dict):
            return {k: v for k, v in stats[key].items() if isinstance(v, int)}
    return {k: v for k, v in stats.items() if isinstance(v, int) and k in COUNTER_NAMES}


def is_fragment(fb):
    p = Ether(fb)
    return IP in p and (p[IP].flags.MF or p[IP].frag != 0)


def more_fragments(fb):
    return bool(Ether(fb)[IP].flags.MF)


def reassemble(frags):
    """One IPv4 datagram from its fragments, checked on the way (same id, contiguous offsets,
    IPv4 checksum of each, frames within the 1500-byte MTU); returned as an unfragmented
    frame whose IPv4 header is rebuilt (its checksum recomputed)."""
    data = b""
    first = Ether(frags[0])
    for k, fb in enumerate(frags):
        p = Ether(fb)
        if p[IP].id != first[IP].id or p[IP].src != first[IP].src:
            raise Fail("fragment %d: id/source differ" % k)
        if p[IP].frag * 8 != len(data):
            raise Fail("fragment %d at offset %d, expected %d" % (k, p[IP].frag * 8, len(data)))
        if len(fb) - 14 > 1500:
            raise Fail("fragment %d is %d bytes of IP, over the MTU" % (k, len(fb) - 14))
        chk = p.copy()
        del chk[IP].chksum
        if Ether(bytes(chk))[IP].chksum != p[IP].chksum:
            raise Fail("fragment %d: bad IPv4 checksum" % k)
        data += bytes(p[IP].payload)[:p[IP].len - p[IP].ihl * 4]
    ip = first[IP].copy()
    ip.remove_payload()
    ip.flags, ip.frag, ip.len = 0, 0, None
    del ip.chksum
    return bytes(Ether(src=first.src, dst=first.dst) / ip / Raw(data))


def explain_text(payload):
    """usher-explain --json on one raw SIP message."""
    p = subprocess.run([EXPLAIN, "--json", "-"], input=payload, capture_output=True, timeout=60)
    return json.loads(p.stdout.decode().splitlines()[0])


def remove_runtime_dir(prefix):
    """EAL leaves an empty <runtime dir>/dpdk/<prefix>: remove ours."""
    base = "/var/run/dpdk" if os.geteuid() == 0 else \
        os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    shutil.rmtree(os.path.join(base, prefix), ignore_errors=True)


def first_diff(a, b):
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            for j, (u, v) in enumerate(zip(x, y)):
                if u != v:
                    return " (frame %d differs at byte %d)" % (k + 1, j)
            return " (frame %d: lengths %d and %d)" % (k + 1, len(x), len(y))
    return ""


def explain_frames(path):
    p = subprocess.run([EXPLAIN, "--json", path], capture_output=True, timeout=60)
    if p.returncode not in (0, 1):
        raise Fail("usher-explain %s: exit %d: %s" % (path, p.returncode, p.stderr.decode()))
    out = {}
    for ln in p.stdout.decode().splitlines():
        j = json.loads(ln)
        if "summary" not in j:
            out[j["frame"]] = j
    return out


def tshark_frames(path):
    """tshark's view: per frame protocols and SIP status; frames malformed or with expert
    infos of severity warning or more (checksums checked)."""
    opts = ["-n", "-r", path, "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
            "-d", "udp.port==5060,sip"]
    env = dict(os.environ, HOME=tempfile.gettempdir())
    p = subprocess.run(["tshark"] + opts + ["-T", "fields", "-E", "separator=|", "-e",
                                            "frame.number", "-e", "frame.protocols", "-e",
                                            "sip.Status-Code"],
                       capture_output=True, timeout=60, env=env)
    if p.returncode != 0:
        raise Fail("tshark failed: %s" % p.stderr.decode()[-500:])
    frames = {}
    for ln in p.stdout.decode().splitlines():
        n, protos, status = (ln.split("|") + ["", "", ""])[:3]
        frames[int(n)] = {"protocols": protos, "status": status}
    p = subprocess.run(["tshark"] + opts + ["-Y", '_ws.malformed or _ws.expert.severity >= '
                                            '"Warning"', "-T", "fields", "-e", "frame.number",
                                            "-e", "_ws.expert.message"],
                       capture_output=True, timeout=60, env=env)
    bad = [ln for ln in p.stdout.decode().splitlines() if ln.strip()]
    return {"frames": frames, "bad": bad}


EAL_FAIL = re.compile(r"(EAL initialisation failed[^\n]*|Cannot init EAL|EAL: FATAL|"
                      r"EAL: Cannot (?:create|init|get|open|reserve|allocate)|"
                      r"EAL: Error - exiting|rte_eal_init.*fail)", re.I)


def eal_failure(log):
    """Why EAL could not start at all, or None (then any failure is usher's)."""
    if re.search(r"port \d+ \(", log) or re.search(r"Invalid 'command line'|Usage:", log):
        return None  # it got as far as setting up ports, or we passed bad arguments
    m = EAL_FAIL.search(log)
    return m.group(0) if m else None


# ---------------------------------------------------------------------------------------------
# Cases

CASES = {}


def case(fn):
    CASES[fn.__name__[3:].replace("_", "-")] = fn
    return fn


@case
def tc_challenge(c):
    """No credentials: 401 for REGISTER, 407 otherwise, one challenge per algorithm in order;
    replies addressed per RFC 3261 §18.2.2 / RFC 3581."""
    conf = base_conf()
    nat = Endpoint(gen.MAC_PHONE, gen.IP_NAT, 40000)
    items = [
        (c.plain("REGISTER"), challenge("REGISTER", "challenge_no_credentials", conf,
                                        note="REGISTER")),
        (c.plain("INVITE", body=SDP, content_type="application/sdp"),
         challenge("INVITE", "challenge_no_credentials", conf, note="INVITE")),
        (c.plain("OPTIONS"), challenge("OPTIONS", "challenge_no_credentials", conf,
                                       note="OPTIONS")),
        (c.plain("MESSAGE", body=b"hi", content_type="text/plain"),
         challenge("MESSAGE", "challenge_no_credentials", conf, note="MESSAGE")),
        (c.plain("REGISTER", src=nat), challenge("REGISTER", "challenge_no_credentials", conf,
                                                 note="behind NAT, rport")),
        (c.plain("REGISTER", src=Endpoint(gen.MAC_PHONE, gen.IP_PHONE, 5062), via_port=5062,
                 rport=False),
         challenge("REGISTER", "challenge_no_credentials", conf, note="no rport, port 5062")),
        (c.plain("REGISTER", src=nat, rport=False),
         challenge("REGISTER", "challenge_no_credentials", conf,
                   note="NAT without rport: received=, Via port")),
        (c.plain("INVITE", extra_vias=("SIP/2.0/UDP 198.51.100.30:5060;branch=z9hG4bKp1",
                                       "SIP/2.0/TCP 198.51.100.31;branch=z9hG4bKp2;received="
                                       "198.51.100.32"),
                 via_host="198.51.100.40", src=Endpoint(gen.MAC_PHONE, "198.51.100.40", 5060)),
         challenge("INVITE", "challenge_no_credentials", conf, note="three Vias")),
        # credentials for another realm only: not ours, so no credentials
        (c.authed("REGISTER", "MD5", user="carol", realm=OTHER_REALM)[0],
         challenge("REGISTER", "challenge_no_credentials", conf, note="other realm")),
    ]
    c.run(Run("defaults", conf, items))

    conf = base_conf()
    conf["auth"].update(algorithms="SHA-512-256,MD5,SHA-256", qop="auth,auth-int",
                        challenge_code="401")
    items = [(c.plain("INVITE"), challenge("INVITE", "challenge_no_credentials", conf,
                                           note="INVITE, challenge_code=401")),
             (c.plain("REGISTER"), challenge("REGISTER", "challenge_no_credentials", conf))]
    c.run(Run("three-algorithms", conf, items))

    conf = base_conf()
    conf["auth"].update(algorithms="MD5", qop="none", challenge_code="407")
    items = [(c.plain("REGISTER"), challenge("REGISTER", "challenge_no_credentials", conf,
                                             note="REGISTER, challenge_code=407, qop none"))]
    c.run(Run("md5-no-qop", conf, items))


def verify_items(c, conf, algo):
    """Right credentials in every form for one algorithm: all forwarded."""
    items = []
    add = items.append
    f, _ = c.authed("REGISTER", algo, qop="auth")
    add((f, fwd("fwd_auth_ok", "REGISTER qop=auth")))
    f, _ = c.authed("REGISTER", algo, qop="auth-int")
    add((f, fwd("fwd_auth_ok", "REGISTER qop=auth-int, empty body")))
    f, _ = c.authed("REGISTER", algo, qop=None)
    add((f, fwd("fwd_auth_ok", "REGISTER without qop (RFC 2069)")))
    f, n = c.authed("INVITE", algo, qop="auth-int", body=SDP)
    add((f, fwd("fwd_auth_ok", "INVITE qop=auth-int with SDP")))
    f, _ = c.authed("INVITE", algo, qop="auth-int", body=SDP, nonce=n, nc=2, cseq=3)
    add((f, fwd("fwd_auth_ok", "INVITE, same nonce, nc=2")))
    f, _ = c.authed("INVITE", algo, qop="auth", body=SDP)
    add((f, fwd("fwd_auth_ok", "INVITE qop=auth with SDP")))
    f, _ = c.authed("BYE", algo, qop="auth", ruri="sip:bob@192.0.2.1:5060")
    add((f, fwd("fwd_auth_ok", "BYE without To-tag, R-URI with port")))
    f, _ = c.authed("REGISTER", algo, qop="auth", auth_header="Proxy-Authorization")
    add((f, fwd("fwd_auth_ok", "REGISTER with Proxy-Authorization")))
    return items


def verify_case(c, algo):
    conf = base_conf()
    conf["auth"].update(algorithms="SHA-512-256,SHA-256,MD5", qop="auth,auth-int")
    items = verify_items(c, conf, algo)
    if algo == "MD5":
        f, _ = c.authed("REGISTER", "MD5", algorithm_param=False)
        items.append((f, fwd("fwd_auth_ok", "no algorithm= (means MD5)")))
        f, _ = c.authed("REGISTER", "MD5", user="bob")
        items.append((f, fwd("fwd_auth_ok", "htdigest user")))
    c.run(Run("verify", conf, items))


@case
def tc_verify_md5(c):
    verify_case(c, "MD5")


@case
def tc_verify_sha256(c):
    verify_case(c, "SHA-256")


@case
def tc_verify_sha512_256(c):
    verify_case(c, "SHA-512-256")


@case
def tc_verify_sess(c):
    """-sess variants: HA1 rebound to nonce and cnonce, over the hex HA1 (RFC 7616) or, with
    sess_binary_ha1=true, over its bytes (RFC 2617 sample code, Kamailio)."""
    for binary in (False, True):
        conf = base_conf()
        conf["auth"].update(algorithms="SHA-512-256-sess,SHA-256-sess,MD5-sess",
                            qop="auth,auth-int", sess_binary_ha1="true" if binary else "false")
        items = []
        for a in ("MD5-sess", "SHA-256-sess", "SHA-512-256-sess"):
            f, _ = c.authed("REGISTER", a, sess_binary=binary)
            items.append((f, fwd("fwd_auth_ok", a)))
            f, _ = c.authed("INVITE", a, qop="auth-int", body=SDP, sess_binary=binary)
            items.append((f, fwd("fwd_auth_ok", a + " auth-int")))
            # the other HA1-sess convention must fail
            f, _ = c.authed("REGISTER", a, sess_binary=not binary)
            items.append((f, challenge("REGISTER", "challenge_bad_response", conf,
                                       note=a + " other -sess convention")))
        c.run(Run("binary" if binary else "hex", conf, items))


@case
def tc_bad_credentials(c):
    """Wrong password and unknown user: the same fresh challenge, byte for byte but for the
    nonces and the To-tag."""
    conf = base_conf()
    cid = c.cid("same")
    wrong, _ = c.authed("REGISTER", "MD5", password="guess", call_id=cid)
    unknown, _ = c.authed("REGISTER", "MD5", user="mallory", password="guess", call_id=cid)
    items = [
        (wrong, challenge("REGISTER", "challenge_bad_response", conf, note="wrong password")),
        (unknown, challenge("REGISTER", "challenge_bad_response", conf, note="unknown user")),
        (c.authed("INVITE", "SHA-256", password="guess", body=SDP)[0],
         challenge("INVITE", "challenge_bad_response", conf, note="INVITE wrong password")),
        (c.authed("REGISTER", "SHA-256", user="bob")[0],
         challenge("REGISTER", "challenge_bad_response", conf,
                   note="user without an HA1 for SHA-256")),
        (c.authed("REGISTER", "MD5", response="0" * 32)[0],
         challenge("REGISTER", "challenge_bad_response", conf, note="all-zero response")),
        (c.authed("REGISTER", "SHA-256", response="A" * 64)[0],
         challenge("REGISTER", "challenge_bad_response", conf, note="uppercase junk")),
    ]
    run = c.run(Run("bad", conf, items))
    got = dict(run.replies)
    if 0 in got and 1 in got:
        a, b = (mask_reply(got[k]) for k in (0, 1))
        c.expect(a == b, "wrong password and unknown user replies differ:\n%r\n%r" % (a, b))


def mask_reply(fb):
    payload = bytes(Ether(fb)[UDP].payload)
    payload = re.sub(rb'nonce="[^"]*"', b'nonce="N"', payload)
    return re.sub(rb";tag=" + TAG_PREFIX.encode() + rb"[A-Za-z0-9]*", b";tag=T", payload)


@case
def tc_stale(c):
    """Expired but authentic nonce with the right digest: challenged with stale=true."""
    conf = base_conf()
    old = int(time.time()) - 400
    items = [
        (c.authed("REGISTER", "SHA-256", ts=old)[0],
         challenge("REGISTER", "challenge_stale", conf, stale=True, note="expired, right")),
        (c.authed("INVITE", "MD5", ts=old, body=SDP)[0],
         challenge("INVITE", "challenge_stale", conf, stale=True, note="INVITE expired")),
        (c.authed("REGISTER", "SHA-256", ts=old, password="guess")[0],
         challenge("REGISTER", "challenge_bad_response", conf, note="expired, wrong password")),
        (c.authed("REGISTER", "MD5", ts=old, user="mallory")[0],
         challenge("REGISTER", "challenge_bad_response", conf, note="expired, unknown user")),
        (c.authed("REGISTER", "SHA-256", ts=int(time.time()) - 60)[0],
         challenge("REGISTER", "challenge_stale", conf, stale=True,
                   note="made 60 s before this start")),
        (c.authed("REGISTER", "SHA-256", qop=None, ts=old)[0],
         challenge("REGISTER", "challenge_stale", conf, stale=True, note="expired, no qop")),
    ]
    c.run(Run("stale", conf, items))


@case
def tc_replay(c):
    """A nonce-count seen before is refused (retransmission_window 0: even an exact copy)."""
    conf = base_conf()
    conf["auth"]["retransmission_window"] = "0"
    a, n = c.authed("REGISTER", "SHA-256", nc=1)
    b, _ = c.authed("REGISTER", "SHA-256", nc=2, nonce=n, cseq=3)
    noqop, _ = c.authed("REGISTER", "MD5", qop=None)
    items = [
        (a, fwd("fwd_auth_ok", "nc=1")),
        (a.copy(), challenge("REGISTER", "challenge_nc_replay", conf, note="nc=1 replayed")),
        (b, fwd("fwd_auth_ok", "nc=2")),
        (a.copy(), challenge("REGISTER", "challenge_nc_replay", conf, note="nc=1 again")),
        (b.copy(), challenge("REGISTER", "challenge_nc_replay", conf, note="nc=2 replayed")),
        (noqop, fwd("fwd_auth_ok", "no qop, first use")),
        (noqop.copy(), challenge("REGISTER", "challenge_stale", conf, stale=True,
                                 note="no qop, nonce used again")),
        (c.authed("REGISTER", "SHA-256", nc="00000000")[0],
         challenge("REGISTER", "challenge_nc_replay", conf, note="nc=00000000")),
        (c.authed("REGISTER", "SHA-256", nc=65536)[0],
         challenge("REGISTER", "challenge_nc_replay", conf, note="nc above 65535")),
    ]
    c.run(Run("replay", conf, items))


@case
def tc_retransmission(c):
    """A UDP retransmission (the same payload again, T1 later, from the same source) of the last
    request accepted on a nonce is forwarded, for the PBX's transaction layer to absorb
    ([auth] retransmission_window, default 32 s); any other request seen before is a replay."""
    conf = base_conf()
    a, n = c.authed("REGISTER", "MD5", nc=1)
    b, _ = c.authed("REGISTER", "MD5", nc=2, nonce=n, cseq=3)
    noqop, _ = c.authed("REGISTER", "SHA-256", qop=None)
    pa, pb = bytes(a[UDP].payload), bytes(b[UDP].payload)
    rebranched = pa.replace(b";branch=z9hG4bK", b";branch=z9hG4bKx", 1)
    if rebranched == pa:
        raise Fail("no Via branch in the generated REGISTER")
    items = [
        (a, fwd("fwd_auth_ok", "nc=1")),
        (frame(pa), fwd("fwd_retransmission", "nc=1 resent (new IP id, same payload)")),
        (frame(pa), fwd("fwd_retransmission", "nc=1 resent again")),
        (frame(pa, sport=5070), challenge("REGISTER", "challenge_nc_replay", conf,
                                          note="nc=1 from another source port")),
        (frame(rebranched), challenge("REGISTER", "challenge_nc_replay", conf,
                                      note="nc=1 with another branch")),
        (b, fwd("fwd_auth_ok", "nc=2")),
        (frame(pa), challenge("REGISTER", "challenge_nc_replay", conf,
                              note="nc=1 after nc=2: no longer the last request")),
        (frame(pb), fwd("fwd_retransmission", "nc=2 resent")),
        (noqop, fwd("fwd_auth_ok", "no qop, first use")),
        (frame(bytes(noqop[UDP].payload)), fwd("fwd_retransmission", "no qop, resent")),
    ]
    c.run(Run("retransmission", conf, items))
    # window 0: the behaviour before the window existed
    conf = base_conf()
    conf["auth"]["retransmission_window"] = "0"
    a, _ = c.authed("REGISTER", "MD5", nc=1)
    c.run(Run("window-off", conf, [
        (a, fwd("fwd_auth_ok", "nc=1")),
        (frame(bytes(a[UDP].payload)), challenge("REGISTER", "challenge_nc_replay", conf,
                                                 note="nc=1 resent, window 0")),
    ]))


@case
def tc_reorder(c):
    """Requests reordered within the 16-wide window are accepted once each."""
    conf = base_conf()
    first, n = c.authed("REGISTER", "MD5", nc=1)
    items = [(first, fwd("fwd_auth_ok", "nc=1"))]
    for nc, e in ((3, "fwd"), (2, "fwd"), (20, "fwd"), (5, "fwd"), (4, "replay"),
                  (3, "replay"), (19, "fwd"), (21, "fwd")):
        f, _ = c.authed("REGISTER", "MD5", nc=nc, nonce=n, cseq=nc + 1)
        items.append((f, fwd("fwd_auth_ok", "nc=%d" % nc) if e == "fwd" else
                      challenge("REGISTER", "challenge_nc_replay", conf,
                                note="nc=%d outside the window or seen" % nc)))
    c.run(Run("reorder", conf, items))


@case
def tc_nc_evicted(c):
    """A nonce whose nc-table slot went to a newer nonce is stale, never valid."""
    conf = base_conf()
    conf["auth"]["nc_table_order"] = "4"
    old_i, new_i, newer_i = 5, 5 + 16, 5 + 32
    a, na = c.authed("REGISTER", "SHA-256", index=new_i)
    b, nb = c.authed("REGISTER", "SHA-256", index=old_i)
    items = [
        (a, fwd("fwd_auth_ok", "index 21 claims slot 5")),
        (b, challenge("REGISTER", "challenge_stale", conf, stale=True,
                      note="index 5: slot held by a newer nonce")),
        (c.authed("REGISTER", "SHA-256", index=new_i, nonce=na, nc=2, cseq=3)[0],
         fwd("fwd_auth_ok", "index 21 nc=2")),
        (c.authed("REGISTER", "SHA-256", index=newer_i)[0], fwd("fwd_auth_ok", "index 37")),
        (c.authed("REGISTER", "SHA-256", index=new_i, nonce=na, nc=3, cseq=4)[0],
         challenge("REGISTER", "challenge_stale", conf, stale=True,
                   note="index 21 evicted by 37")),
        (c.authed("REGISTER", "SHA-256", index=7)[0], fwd("fwd_auth_ok", "index 7")),
    ]
    c.run(Run("evicted", conf, items))


@case
def tc_nonce_invalid(c):
    """Forged, altered, truncated and otherwise invalid nonces: a fresh challenge, even with a
    digest computed right over them."""
    conf = base_conf()
    ts = c.fresh_ts()
    sec = c.secret
    good = make_nonce(sec, ts, 77, "SHA-256")
    bad = {
        "forged (other key)": gen.forge_nonce(sec, ts, 78, "SHA-256"),
        "MAC bit flipped": gen.flip_mac_nonce(sec, ts, 79, "SHA-256"),
        "truncated to 31": good[:31],
        "truncated to 16": good[:16],
        "33 characters": good + "A",
        "not base64url": good[:10] + "+/" + good[12:],
        "version 2": make_nonce(sec, ts, 80, "SHA-256", version=2),
        "unknown key id": make_nonce(sec, ts, 81, "SHA-256", kid=9),
        "reserved byte set": make_nonce(sec, ts, 82, "SHA-256", rsvd=1),
        "60 s in the future": make_nonce(sec, int(time.time()) + 60, 83, "SHA-256"),
        "empty": "",
        "someone else's (hex)": "dcd98b7102dd2f0e8b11d0f600bfb0c0",
    }
    items = []
    for what, n in bad.items():
        f, _ = c.authed("REGISTER", "SHA-256", nonce=n)
        items.append((f, challenge("REGISTER", "challenge_nonce_invalid", conf, note=what)))
    f, _ = c.authed("REGISTER", "SHA-256", nonce_algo="MD5")
    items.append((f, challenge("REGISTER", "challenge_algorithm", conf,
                               note="MD5 nonce used with SHA-256")))
    for a in ("SHA-256", "MD5"):
        f, _ = c.authed("REGISTER", a, nonce_algo=gen.ALGO_ANY)
        items.append((f, fwd("fwd_auth_ok", "'any algorithm' nonce used with " + a)))
    f, _ = c.authed("REGISTER", "SHA-256", nonce=good)
    items.append((f, fwd("fwd_auth_ok", "the good one")))
    c.run(Run("invalid", conf, items))


@case
def tc_uri_mismatch(c):
    """The credentials' uri must be the Request-URI."""
    conf = base_conf()
    items = [
        (c.authed("REGISTER", "SHA-256", uri="sip:other.test")[0],
         challenge("REGISTER", "challenge_uri_mismatch", conf, note="other host")),
        (c.authed("INVITE", "MD5", uri="sip:carol@usher.test")[0],
         challenge("INVITE", "challenge_uri_mismatch", conf, note="other user")),
        (c.authed("REGISTER", "SHA-256", uri="sip:usher.test;transport=udp")[0],
         challenge("REGISTER", "challenge_uri_mismatch", conf, note="extra parameter")),
        (c.authed("REGISTER", "SHA-256")[0], fwd("fwd_auth_ok", "matching uri")),
    ]
    c.run(Run("uri", conf, items))


@case
def tc_algorithm_qop(c):
    """Algorithms and qop the configuration does not offer."""
    conf = base_conf()
    conf["auth"].update(algorithms="SHA-256", qop="auth", accept_no_qop="false")
    items = [
        (c.authed("REGISTER", "MD5")[0],
         challenge("REGISTER", "challenge_algorithm", conf, note="MD5 not offered")),
        (frame(sip_request("REGISTER", "sip:" + DOMAIN, c.cid("sha1"), auth=(
            'Digest username="alice", realm="%s", nonce="%s", uri="sip:%s", response="%s", '
            'algorithm=SHA-1, cnonce="ab", qop=auth, nc=00000001' %
            (REALM, make_nonce(c.secret, c.fresh_ts(), 90, "SHA-256"), DOMAIN, "0" * 40)))),
         challenge("REGISTER", "challenge_algorithm", conf, note="SHA-1")),
        (c.authed("REGISTER", "SHA-256", qop="auth-int")[0],
         challenge("REGISTER", "challenge_qop", conf, note="auth-int not offered")),
        (c.authed("REGISTER", "SHA-256", qop=None)[0],
         challenge("REGISTER", "challenge_qop", conf, note="no qop, accept_no_qop=false")),
        (c.authed("REGISTER", "SHA-256")[0], fwd("fwd_auth_ok", "SHA-256 qop=auth")),
    ]
    c.run(Run("restricted", conf, items))


@case
def tc_ack_in_dialog(c):
    """ACK to our own 401/407 absorbed; other ACK, CANCEL, PRACK exempt; in-dialog requests
    forwarded or challenged per [auth] in_dialog."""
    conf = base_conf()
    items = [
        (c.plain("ACK", to_tag=TAG_PREFIX + "0000002a"), drop("absorb_ack", "ACK, our tag")),
        (c.plain("ACK", to_tag="pbx-77"), fwd("fwd_exempt", "ACK, the PBX's tag")),
        (c.plain("CANCEL"), fwd("fwd_exempt", "CANCEL")),
        (c.plain("PRACK", to_tag="pbx-77"), fwd("fwd_exempt", "PRACK")),
        (c.plain("BYE", to_tag="pbx-77"), fwd("fwd_in_dialog", "BYE in dialog")),
        (c.plain("INVITE", to_tag="pbx-78"), fwd("fwd_in_dialog", "re-INVITE")),
        (c.plain("INFO", to_tag=TAG_PREFIX + "00000001"),
         fwd("fwd_in_dialog", "INFO with our tag prefix")),
    ]
    c.run(Run("forward", conf, items))
    conf = base_conf()
    conf["auth"]["in_dialog"] = "challenge"
    items = [
        (c.plain("ACK", to_tag=TAG_PREFIX + "0000002b"), drop("absorb_ack", "ACK, our tag")),
        (c.plain("BYE", to_tag="pbx-77"),
         challenge("BYE", "challenge_no_credentials", conf, note="BYE in dialog")),
        (c.authed("BYE", "SHA-256", to_tag="pbx-77")[0], fwd("fwd_auth_ok", "BYE, credentials")),
        (c.plain("ACK", to_tag="pbx-77"), fwd("fwd_exempt", "ACK, the PBX's tag")),
    ]
    c.run(Run("challenge", conf, items))


@case
def tc_passthrough(c):
    """Responses, non-SIP and inside traffic forwarded byte-identical; [policy] passthrough=drop
    drops non-SIP."""
    from scapy.layers.l2 import ARP
    conf = base_conf()
    arp = Ether(bytes(Ether(src=gen.MAC_PHONE, dst="ff:ff:ff:ff:ff:ff") /
                      ARP(op=1, hwsrc=gen.MAC_PHONE, psrc=gen.IP_PHONE, pdst=gen.IP_PBX)))
    rtp = frame(b"\x80\x00\x00\x01" + b"\x00" * 168, sport=49170, dport=30000)
    tcp = frame(sip_request("OPTIONS", "sip:" + DOMAIN, c.cid("tcp")), proto="tcp")
    items = [
        (frame(sip_response(200, "OK", c.cid("r200"))), fwd("fwd_response", "200 OK")),
        (frame(sip_response(180, "Ringing", c.cid("r180"))), fwd("fwd_response", "180")),
        (frame(sip_response(401, "Unauthorized", c.cid("r401"), cseq_method="REGISTER")),
         fwd("fwd_response", "a 401 from a peer")),
        (rtp, fwd("fwd_non_sip_port", "RTP")),
        (frame(b"\x00" * 40, sport=5060, dport=5061), fwd("fwd_non_sip_port", "to 5061")),
        (tcp, fwd("fwd_non_udp", "SIP over TCP")),
        (arp, fwd("fwd_non_udp", "ARP")),
    ]  # VLAN, IPv6 and fragments: test_wire.py
    inside = [
        frame(sip_response(200, "OK", c.cid("in200"), cseq_method="REGISTER"), src=PBX,
              dst=PHONE),
        frame(sip_request("INVITE", "sip:alice@192.0.2.10", c.cid("in-inv"), user="bob",
                          to_user="alice"), src=PBX, dst=PHONE),
        frame(b"\x80\x00\x00\x02" + b"\x00" * 168, src=PBX, dst=PHONE, sport=30000,
              dport=49170),
        frame(b"garbage to 5060", src=PBX, dst=PHONE),
    ]
    c.run(Run("forward", conf, items, inside))
    # Bursts of nothing but pass-through frames are counted and handed to TX whole
    # (worker.c): 40 frames, more than one burst and one TX buffer, order kept
    only = []
    for i in range(10):
        only += [(frame(b"\x80\x00" + bytes([i]) * 170, sport=49170, dport=30000),
                  fwd("fwd_non_sip_port", "RTP %d" % i)),
                 (with_ip_options(frame(b"\x80\x01" + bytes([i]) * 60, dport=30002)),
                  fwd("fwd_non_sip_port", "RTP with IPv4 options %d" % i)),
                 (tcp.copy(), fwd("fwd_non_udp", "TCP %d" % i)),
                 (arp.copy(), fwd("fwd_non_udp", "ARP %d" % i))]
    c.run(Run("forward-only", base_conf(), only))
    conf = base_conf()
    conf["policy"]["passthrough"] = "drop"
    items = [
        (frame(sip_response(200, "OK", c.cid("r200b"))), fwd("fwd_response", "200 OK")),
        (rtp.copy(), drop("drop_passthrough", "RTP")),
        (tcp.copy(), drop("drop_passthrough", "TCP")),
        (arp.copy(), drop("drop_passthrough", "ARP")),
        (c.plain("REGISTER"), challenge("REGISTER", "challenge_no_credentials", conf)),
    ]
    c.run(Run("drop", conf, items, inside))


@case
def tc_malformed(c):
    """Malformed SIP: 400 when a reply can be addressed, else a counted drop."""
    conf = base_conf()
    good = sip_request("REGISTER", "sip:" + DOMAIN, c.cid("m1")).decode()
    bad_cl = good.replace("Content-Length: 0", "Content-Length: zero").encode()
    no_via = re.sub(r"Via: [^\r]*\r\n", "", sip_request("INVITE", "sip:bob@usher.test",
                                                        c.cid("m2")).decode()).encode()
    bad_cseq = good.replace("CSeq: 1 REGISTER", "CSeq: 1 INVITE").encode()
    ack_bad = sip_request("ACK", "sip:bob@usher.test", c.cid("m3"),
                          to_tag="x").decode().replace("Content-Length: 0",
                                                       "Content-Length: -1").encode()
    bad_resp = b"SIP/2.0 99999 Odd\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n\r\n"
    bad_cred = sip_request("REGISTER", "sip:" + DOMAIN, c.cid("m4"), auth=(
        'Digest username="alice", realm="%s", nonce="abc", uri="sip:%s", response="zz", '
        'qop=auth, nc=xyz, cnonce="q"' % (REALM, DOMAIN)))
    items = [
        (frame(bad_cl), reply(400, "reply_400", note="Content-Length: zero")),
        (frame(bad_cseq), reply(400, "reply_400", note="CSeq method differs")),
        (frame(no_via), drop("drop_sip_malformed", "no Via: nowhere to answer")),
        # the parser stops at the first error: From, To, Call-ID below it are never read, so
        # the 400 cannot copy them (RFC 3261 §8.2.6) and the request is dropped instead
        (frame(good.replace("Max-Forwards: 70", "Max-Forwards: many").encode()),
         drop("drop_sip_malformed", "bad Max-Forwards above From/To/Call-ID")),
        (frame(b"HELLO WORLD\r\n\r\n"), drop("drop_sip_malformed", "not SIP at all")),
        (frame(bad_resp), drop("drop_sip_malformed", "malformed response")),
        (frame(ack_bad), drop("drop_sip_malformed", "malformed ACK: never answered")),
        (frame(bad_cred), challenge("REGISTER", "challenge_credentials_malformed", conf,
                                    note="credentials that do not parse")),
        (c.plain("REGISTER"), challenge("REGISTER", "challenge_no_credentials", conf,
                                        note="a good one after them")),
    ]
    c.run(Run("malformed", conf, items))


@case
def tc_checksum(c):
    """Bad UDP checksums dropped; zero (no checksum, RFC 768) accepted; IP/UDP lengths that do
    not fit the frame dropped."""
    conf = base_conf()
    ok = c.plain("REGISTER")
    bad = frame(bytes(ok[UDP].payload), udp_checksum="bad")
    zero = frame(bytes(c.plain("REGISTER")[UDP].payload), udp_checksum="zero")
    long_ip = bytearray(bytes(c.plain("OPTIONS")))
    long_ip[16:18] = (len(long_ip) - 14 + 20).to_bytes(2, "big")
    long_ip = fix_ip_checksum(long_ip)
    long_udp = bytearray(bytes(c.plain("OPTIONS")))
    long_udp[38:40] = (len(long_udp) - 34 + 8).to_bytes(2, "big")
    items = [
        (bad, drop("drop_udp_checksum", "bad checksum")),
        (frame(b"\x80" + b"\x00" * 100, dport=30000, udp_checksum="bad"),
         fwd("fwd_non_sip_port", "bad checksum, not to a SIP port")),
        (zero, challenge("REGISTER", "challenge_no_credentials", conf, note="checksum 0")),
        (Ether(bytes(long_ip)), drop("drop_ip_malformed", "IP total length past the frame")),
        (Ether(bytes(long_udp)), drop("drop_ip_malformed", "UDP length past the datagram")),
        (ok, challenge("REGISTER", "challenge_no_credentials", conf, note="good checksum")),
    ]
    c.run(Run("checksum", conf, items))


def fix_ip_checksum(raw):
    raw[24:26] = b"\x00\x00"
    s = sum(int.from_bytes(raw[14 + i:16 + i], "big") for i in range(0, 20, 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    raw[24:26] = (~s & 0xFFFF).to_bytes(2, "big")
    return raw


@case
def tc_restart(c):
    """Usher's own nonces and To-tags, answered by a client in a second run: the ACK with its
    tag is absorbed; the nonce, made before that start, is stale even with the right digest."""
    conf = base_conf()
    reg = c.plain("REGISTER", call_id="restart@usher.test")
    run1 = c.run(Run("first", conf, [(reg, challenge("REGISTER", "challenge_no_credentials",
                                                     conf))]))
    if not run1.replies:
        return
    payload = bytes(Ether(run1.replies[0][1])[UDP].payload)
    _, hh, _ = split_sip(payload)
    to = hdr_one(hh, "To", "t")
    tag = to.split(";tag=")[1]
    nonces = [digest_params(v)[1] for v in hdr_all(hh, "WWW-Authenticate")]
    sha = next(p["nonce"][0] for p in nonces if p["algorithm"][0] == "SHA-256")
    ack = c.plain("ACK", call_id="restart@usher.test", to_tag=tag, cseq_method="ACK")
    again, _ = c.authed("REGISTER", "SHA-256", nonce=sha, call_id="restart@usher.test")
    c.run(Run("second", conf, [
        (ack, drop("absorb_ack", "ACK with the tag of run 1")),
        (again, challenge("REGISTER", "challenge_stale", conf, stale=True,
                          note="run 1's nonce, right digest")),
    ]))


@case
def tc_large(c):
    """Frames over one mbuf (jumbo captures, multi-segment) forwarded byte-identical and
    verified over the whole body; a reply over the 1500-byte MTU sent as IPv4 fragments."""
    conf = base_conf()
    conf["auth"]["qop"] = "auth,auth-int"
    big_sdp = SDP + b"".join(b"a=x-filler:%04d %s\r\n" % (k, b"z" * 60) for k in range(50))
    # 15 Vias (the parser takes 16) of 130 bytes: the 401 is about 2.2 kB
    vias = tuple("SIP/2.0/UDP 198.51.100.%d:5060;branch=z9hG4bK-long-%s" % (k, "v" * 90)
                 for k in range(1, 15))
    items = [
        (c.authed("INVITE", "SHA-256", qop="auth-int", body=big_sdp)[0],
         fwd("fwd_auth_ok", "%d-byte INVITE, auth-int over the body" % (len(big_sdp) + 500))),
        (c.authed("INVITE", "MD5", qop="auth-int", body=big_sdp, response="0" * 32)[0],
         challenge("INVITE", "challenge_bad_response", conf, note="jumbo, wrong digest")),
        (c.plain("INVITE", body=big_sdp, content_type="application/sdp"),
         challenge("INVITE", "challenge_no_credentials", conf, note="jumbo, no credentials")),
        (c.plain("OPTIONS", extra_vias=vias),
         challenge("OPTIONS", "challenge_no_credentials", conf, frames=2,
                   note="reply over the MTU: two fragments")),
        (frame(b"\x80\x00" + b"\x11" * 5000, dport=30000), fwd("fwd_non_sip_port", "jumbo RTP")),
    ]
    c.run(Run("large", conf, items))


def with_ip_options(f):
    """The same frame with a 4-byte IPv4 option (Router Alert)."""
    p = f.copy()
    p[IP].options = [b"\x94\x04\x00\x00"]
    p[IP].ihl = None
    p[IP].len = None
    del p[IP].chksum
    del p[UDP].chksum
    return Ether(bytes(p))


@case
def tc_l2_l3(c):
    """IPv4 options, Ethernet padding, bad IPv4 header checksum (VLAN, IPv6 and IPv4/IPv6
    fragments: test_wire.py)."""
    conf = base_conf()
    reg = c.plain("REGISTER")
    bad_ipck = bytearray(bytes(c.plain("REGISTER")))
    bad_ipck[24] ^= 0xFF
    tiny = Ether(bytes(frame(b"k", sport=1024, dport=9)) + b"\x00" * 13)  # padded to 60
    rtp = frame(b"\x80" + b"\x00" * 31, dport=30000)
    items = [
        (with_ip_options(reg), challenge("REGISTER", "challenge_no_credentials", conf,
                                         note="IPv4 options")),
        (with_ip_options(c.authed("REGISTER", "MD5")[0]),
         fwd("fwd_auth_ok", "IPv4 options, right credentials")),
        (Ether(bytes(bad_ipck)), drop("drop_ip_malformed", "bad IPv4 header checksum")),
        (tiny, fwd("fwd_non_sip_port", "60-byte frame with Ethernet padding")),
        # the edges of the plain Ethernet/IPv4/UDP shape (worker.c plain_udp4()) and beyond
        (with_ip_options(rtp), fwd("fwd_non_sip_port", "IPv4 options, not a SIP port")),
        (reshape(rtp, flags=0xC0), fwd("fwd_non_sip_port", "DF and the reserved bit set")),
        (reshape(reg, flags=0xC0), challenge("REGISTER", "challenge_no_credentials", conf,
                                             note="DF and the reserved bit, SIP")),
        (reshape(rtp, tot=16), drop("drop_ip_malformed", "IP total length below its header")),
        (reshape(rtp, tot=24), drop("drop_ip_malformed", "UDP header past the datagram")),
        (reshape(rtp, ulen=7), drop("drop_ip_malformed", "UDP length below its header")),
        (reshape(rtp, vihl=0x65), drop("drop_ip_malformed", "version 6 in an IPv4 frame")),
        (reshape(rtp, vihl=0x44), drop("drop_ip_malformed", "IHL below 5")),
        (reshape(rtp, tot=27, trim=41), drop("drop_ip_malformed", "41-byte frame")),
        (reshape(rtp, tot=28, ulen=8, trim=60),
         fwd("fwd_non_sip_port", "empty UDP datagram, Ethernet padding")),
    ]
    c.run(Run("l2l3", conf, items))


def reshape(pkt, tot=None, ulen=None, flags=None, vihl=None, trim=None):
    """An IPv4/UDP frame with header fields set as given (IPv4 header checksum fixed): total
    length, UDP length, the flags byte, version/IHL; trim cuts the frame to that many bytes."""
    raw = bytearray(bytes(pkt))
    if tot is not None:
        raw[16:18] = tot.to_bytes(2, "big")
    if ulen is not None:
        raw[38:40] = ulen.to_bytes(2, "big")
    if flags is not None:
        raw[20] = flags
    if vihl is not None:
        raw[14] = vihl
    if trim is not None:
        raw = raw[:trim] + b"\x00" * (trim - len(raw))
    return Ether(bytes(fix_ip_checksum(raw)))


@case
def tc_sip_ports(c):
    """[sip] ports: every listed UDP port is SIP, others pass through."""
    conf = base_conf()
    conf["sip"]["ports"] = "5060,5080"
    to5080 = Endpoint(gen.MAC_USHER, gen.IP_PBX, 5080)
    items = [
        (frame(sip_request("REGISTER", "sip:usher.test", c.cid("p5080")), dst=to5080),
         challenge("REGISTER", "challenge_no_credentials", conf, note="to 5080")),
        (c.plain("REGISTER"), challenge("REGISTER", "challenge_no_credentials", conf,
                                        note="to 5060")),
        (frame(sip_request("REGISTER", "sip:usher.test", c.cid("p5062")),
               dst=Endpoint(gen.MAC_USHER, gen.IP_PBX, 5062)),
         fwd("fwd_non_sip_port", "to 5062")),
    ]
    c.run(Run("ports", conf, items))


@case
def tc_signal(c):
    """SIGINT and SIGTERM stop usher cleanly: counters written, every mbuf returned, exit 0."""
    import signal as sig
    conf = base_conf()
    for name, signum in (("sigint", sig.SIGINT), ("sigterm", sig.SIGTERM)):
        items = [(c.plain("REGISTER"), challenge("REGISTER", "challenge_no_credentials", conf)),
                 (c.authed("REGISTER", "SHA-256")[0], fwd("fwd_auth_ok"))]
        run = c.run(Run(name, conf, items, stop=signum))
        c.expect("total (1 worker)" in run.stdout,
                 "%s: no final counters printed on standard output" % name)


@case
def tc_config_errors(c):
    """Configuration errors read 'file:line: message' and stop usher before any port."""
    bad = [
        ("[auth]\nrealm = usher.test\nalgorithms = SHA-1\n", "test.ini:3:"),
        ("[auth]\nqop = sometimes\n", "test.ini:2:"),
        ("[auth]\nrealm = usher.test\nnot_a_key = 1\n", "test.ini:3:"),
        ("[nowhere]\nx = 1\n", "test.ini:1:"),
        ("[auth]\nnonce_lifetime = soon\n", "test.ini:2:"),
        ("[auth]\nrealm = usher.test\nnonce_secret_file = short.secret\n", "test.ini:3:"),
        ("[auth]\nrealm = usher.test\n[credentials]\nfile = broken.cred\n", "broken.cred:3:"),
        ("[auth]\nrealm = usher.test\n[policy]\npassthrough = maybe\n", "test.ini:4:"),
        ("[auth]\nrealm = usher.test\nnc_table_order = 40\n", "test.ini:3:"),
    ]
    d = os.path.join(c.dir, "config")
    os.makedirs(d)
    gen.write_secret(os.path.join(d, "short.secret"), "tiny")
    with open(os.path.join(d, "broken.cred"), "w") as f:
        f.write("# comment\nalice:%s:%s\nbob:usher.test:nothex\n" % (
            REALM, gen.ha1("MD5", "alice", REALM, "x")))
    gen.write_pcap(os.path.join(d, "empty.pcap"), [])
    cases = [(t, w, []) for t, w in bad]
    cases.append(("[auth]\nrealm = usher.test\n", "--set auth.nonce_lifetime=x",
                  ["--set", "auth.nonce_lifetime=x"]))
    for k, (text, want, extra) in enumerate(cases):
        with open(os.path.join(d, "test.ini"), "w") as f:
            f.write(text)
        prefix = "usher-dp-config-%d-%d" % (k, os.getpid())
        cmd = [USHER] + EAL_MEM + ["--no-pci", "--file-prefix", prefix, "-l", "0-1",
                                   "--vdev", "net_pcap0,rx_pcap=empty.pcap,tx_pcap=o0.pcap",
                                   "--vdev", "net_pcap1,rx_pcap=empty.pcap,tx_pcap=o1.pcap",
                                   "--", "--config", "test.ini", "--idle-exit", "1"] + extra
        p = subprocess.run(cmd, cwd=d, capture_output=True, timeout=RUN_TIMEOUT)
        remove_runtime_dir(prefix)
        log = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
        c.expect(p.returncode != 0 and want in log and not re.search(r"port \d+ \(", log),
                 "config %r: exit %d, expected an error with %r before any port:\n%s" %
                 (text, p.returncode, want, log[-800:]))


@case
def tc_mixed_burst(c):
    """Several hundred frames of every kind in a seeded random order, over many rx bursts:
    each outcome still lands on its own frame (lane bookkeeping across the batch phases)."""
    import random
    rnd = random.Random(4242)
    conf = base_conf()
    conf["auth"]["qop"] = "auth,auth-int"
    items = []
    accepted = []
    for k in range(400):
        kind = rnd.choice(["ok", "ok", "ok", "wrong", "nocred", "invite", "resp", "rtp",
                           "cksum", "ack", "bad400", "replay", "uri", "forged", "stale",
                           "rtx"])
        a = rnd.choice(["MD5", "SHA-256"])
        if kind == "ok":
            qop = rnd.choice(["auth", "auth-int", None])
            f, _ = c.authed("REGISTER", a, qop=qop)
            items.append((f, fwd("fwd_auth_ok", "ok %s %s" % (a, qop))))
            if qop:
                accepted.append(f)
        elif kind == "wrong":
            items.append((c.authed("REGISTER", a, password="pw%d" % k)[0],
                          challenge("REGISTER", "challenge_bad_response", conf)))
        elif kind == "nocred":
            items.append((c.plain("REGISTER"),
                          challenge("REGISTER", "challenge_no_credentials", conf)))
        elif kind == "invite":
            items.append((c.authed("INVITE", a, qop="auth-int", body=SDP)[0],
                          fwd("fwd_auth_ok", "INVITE auth-int")))
        elif kind == "resp":
            items.append((frame(sip_response(200, "OK", c.cid("r"))), fwd("fwd_response")))
        elif kind == "rtp":
            items.append((frame(b"\x80" + bytes([k & 0xFF]) * 100, sport=40000 + k,
                                dport=30000), fwd("fwd_non_sip_port")))
        elif kind == "cksum":
            items.append((frame(bytes(c.plain("REGISTER")[UDP].payload), udp_checksum="bad"),
                          drop("drop_udp_checksum")))
        elif kind == "ack":
            items.append((c.plain("ACK", to_tag=TAG_PREFIX + "%08x" % k), drop("absorb_ack")))
        elif kind == "bad400":
            m = sip_request("OPTIONS", "sip:usher.test", c.cid("b"))
            items.append((frame(m.replace(b"Content-Length: 0", b"Content-Length: many")),
                          reply(400, "reply_400")))
        elif kind == "replay" and accepted:
            # the same bytes from elsewhere: not a retransmission ([auth]
            # retransmission_window), a replay
            items.append((frame(bytes(rnd.choice(accepted)[UDP].payload), sport=5999),
                          challenge("REGISTER", "challenge_nc_replay", conf)))
        elif kind == "rtx" and accepted:
            # each accepted request is the last of its nonce: an exact copy is forwarded
            items.append((rnd.choice(accepted).copy(), fwd("fwd_retransmission")))
        elif kind == "uri":
            items.append((c.authed("REGISTER", a, uri="sip:elsewhere.test")[0],
                          challenge("REGISTER", "challenge_uri_mismatch", conf)))
        elif kind == "forged":
            items.append((c.authed("REGISTER", a, nonce=gen.forge_nonce(
                c.secret, c.fresh_ts(), k, a))[0],
                challenge("REGISTER", "challenge_nonce_invalid", conf)))
        elif kind == "stale":
            items.append((c.authed("REGISTER", a, ts=int(time.time()) - 1000)[0],
                          challenge("REGISTER", "challenge_stale", conf, stale=True)))
    c.run(Run("mixed", conf, items))


@case
def tc_two_workers(c):
    """Two workers, one queue and one capture each, sharing the nc table and the nonce
    secret: a request replayed to the other worker (from another source: not a
    retransmission) is refused there, whichever worker sees it first, and each worker's
    nonces use its own indexes (worker id + k * workers)."""
    conf = base_conf()
    d = os.path.join(c.dir, "two")
    os.makedirs(d)
    for f in ("nonce.secret", "users.cred"):
        shutil.copy(os.path.join(c.dir, f), os.path.join(d, f))
    with open(os.path.join(d, "test.ini"), "w") as f:
        f.write(conf_text(conf))
    a, _ = c.authed("REGISTER", "SHA-256")
    b = frame(bytes(a[UDP].payload), sport=5999)
    queues = [[a] + [c.plain("REGISTER") for _ in range(3)],
              [b] + [c.plain("REGISTER") for _ in range(3)]]
    for q, frames in enumerate(queues):
        gen.write_pcap(os.path.join(d, "in%d.pcap" % q), frames)
    gen.write_pcap(os.path.join(d, "empty.pcap"), [])
    prefix = "usher-dp-%s-%d" % (c.name, os.getpid())
    cmd = [USHER] + EAL_MEM + [
        "--no-pci", "--file-prefix", prefix, "--lcores", "0@0,1@1,2@1",
        "--vdev", "net_pcap0,rx_pcap=in0.pcap,rx_pcap=in1.pcap,"
                  "tx_pcap=out_outside0.pcap,tx_pcap=out_outside1.pcap",
        "--vdev", "net_pcap1,rx_pcap=empty.pcap,rx_pcap=empty.pcap,"
                  "tx_pcap=out_inside0.pcap,tx_pcap=out_inside1.pcap",
        "--", "--config", "test.ini", "--idle-exit", str(IDLE_EXIT),
        "--stats-json", "stats.json"]
    t_start = int(time.time())
    p = subprocess.run(cmd, cwd=d, capture_output=True, timeout=RUN_TIMEOUT)
    remove_runtime_dir(prefix)
    log = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    if p.returncode != 0:
        why = eal_failure(log)
        if why:
            raise Skip("EAL cannot start on this machine: " + why)
        raise Fail("usher exited with status %d:\n%s" % (p.returncode, log[-3000:]))
    c.expect(re.search(r"mbufs: all \d+ returned", log) is not None, "no mbuf report")
    with open(os.path.join(d, "stats.json")) as f:
        stats = json.load(f)
    total = stats_totals(stats)
    want = {n: 0 for n in COUNTER_NAMES}
    want.update(rx_outside=8, tx_inside=1, tx_outside=7, fwd_auth_ok=1,
                challenge_nc_replay=1, challenge_no_credentials=6)
    diff = {n: (total.get(n), v) for n, v in want.items() if total.get(n) != v}
    c.expect(not diff, "counters (got, expected): %s" % diff)
    per = [w["counters"]["rx_outside"] for w in stats.get("workers", [])]
    c.expect(per == [4, 4], "rx_outside per worker %s, expected [4, 4]" % per)
    fwd_frames = sum((gen.read_pcap_raw(os.path.join(d, "out_inside%d.pcap" % q))
                      for q in (0, 1)), [])
    c.expect(fwd_frames in ([bytes(a)], [bytes(b)]),
             "inside output: %d frames, expected the one request" % len(fwd_frames))
    seen = set()
    for q in (0, 1):
        for fb in gen.read_pcap_raw(os.path.join(d, "out_outside%d.pcap" % q)):
            _, hh, _ = split_sip(bytes(Ether(fb)[UDP].payload))
            chs = hdr_all(hh, "WWW-Authenticate")
            info = gen.parse_nonce(c.secret, digest_params(chs[0])[1]["nonce"][0])
            if not c.expect(info is not None, "worker %d: nonce not authentic" % q):
                continue
            c.expect(info["index"] % 2 == q, "worker %d made nonce index %d (not its own)" %
                     (q, info["index"]))
            c.expect(info["index"] not in seen, "nonce index %d given twice" % info["index"])
            c.expect(t_start - 1 <= info["timestamp"] <= int(time.time()) + 1,
                     "nonce timestamp %d outside the run" % info["timestamp"])
            seen.add(info["index"])
    c.expect(len(seen) == 7, "%d distinct challenge nonces, expected 7" % len(seen))


# ---------------------------------------------------------------------------------------------


def run_case(name, cases=None, case_class=None, prefix="dp"):
    """Run one case in a fresh directory; 0 ok, 1 failed, SKIP when EAL cannot start."""
    fn = (cases or CASES)[name]
    keep = os.environ.get("USHER_TEST_KEEP") == "1"
    workdir = tempfile.mkdtemp(prefix="usher-%s-%s-" % (prefix, name))
    c = (case_class or Case)(name, workdir)
    try:
        fn(c)
    except Skip as e:
        print("SKIP %s: %s" % (name, e))
        return SKIP
    except Fail as e:
        c.failures.append(str(e))
        print("FAIL:", e)
    finally:
        if keep:
            print("run directory kept: %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if c.failures:
                print("(USHER_TEST_KEEP=1 keeps the run directories: configs, pcaps, logs)")
    if c.failures:
        print("%s: %d check(s) failed" % (name, len(c.failures)))
        return 1
    print("%s: ok" % name)
    return 0


def main(argv, cases=None, case_class=None, prefix="dp", doc=None):
    """Command line of every dataplane driver: USHER USHER_EXPLAIN COUNTERS_H CASE..."""
    global USHER, EXPLAIN, COUNTER_NAMES
    cases = cases or CASES
    if len(argv) < 4:
        print(doc or __doc__)
        return 2
    USHER, EXPLAIN = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    COUNTER_NAMES = counter_names(argv[2])
    names = list(cases) if argv[3:] == ["all"] else argv[3:]
    for n in names:
        if n not in cases:
            print("unknown case %s; cases: %s" % (n, " ".join(cases)))
            return 2
    if shutil.which("tshark") is None:
        print("tshark not found (scripts/setup installs it)")
        return 1
    rc = 0
    for n in names:
        r = run_case(n, cases, case_class, prefix)
        if r == SKIP:
            return SKIP
        rc = rc or r
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
