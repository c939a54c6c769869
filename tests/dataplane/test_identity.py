#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Suite 'dataplane': STIR/SHAKEN end to end (issue #7): usher on net_pcap punts initial
# INVITEs with Identity to a real usherd, which verifies them against a test PKI.
"""usage: test_identity.py USHER USHERD USHERCTL ID_SIGN GEN_PKI CASE...

Each case builds a PKI with tests/identity/gen_pki.sh, signs PASSporTs with id-sign (the
test signer of tests/identity, OpenSSL, independent of the verifier), writes them into a
capture of INVITEs from an allow-listed trunk, and runs usher (net_pcap, the capture read
once) with usherd verifying its punts. Forwarded frames are compared byte for byte with the
input frame rebuilt here with only the verstat parameter added (lengths and checksums
recomputed by scapy); replies are read for their status code; the counters come from
usher's --stats-json and usherctl identity stats.

Cases: verdicts, policy, unavailable, timeout ('all' runs them). Exit 77: EAL cannot start.
"""

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ctlclient  # noqa: E402
import gen  # noqa: E402
from gen import Endpoint  # noqa: E402
from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

USHER = USHERD = USHERCTL = ID_SIGN = GEN_PKI = None
SKIP = 77
EAL_MEM = ["--no-huge", "--no-shconf", "-m", "256"]
REALM = "usher.test"
TRUNK = Endpoint("02:00:5e:00:53:0b", "192.0.2.77", 5060)  # another carrier: allow-listed
TRUNK6 = "2001:db8::77"
ORIG, DEST = "12025550100", "12025550101"
X5U = "https://cert.example.test/%s.pem"
from ctlclient import REQUEST, PUNT  # noqa: E402


class Fail(Exception):
    pass


class Skip(Exception):
    pass


class Case:
    def __init__(self, name, workdir):
        self.name, self.dir = name, workdir
        self.failures = []
        self.pki = os.path.join(workdir, "pki")
        p = subprocess.run([GEN_PKI, self.pki], capture_output=True, text=True)
        if p.returncode != 0:
            raise Fail("gen_pki.sh failed: %s %s" % (p.stdout, p.stderr))
        self.usherd = None
        self.node_sock = os.path.join(workdir, "usher.sock")
        self.usherd_sock = os.path.join(workdir, "usherd.sock")
        self.seq = 0

    def expect(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)
        return cond

    # -- traffic ------------------------------------------------------------------------

    def sign(self, leaf="sp", x5u=None, orig=ORIG, dest=DEST, iat=None):
        p = subprocess.run([ID_SIGN, os.path.join(self.pki, leaf + ".key"),
                            x5u or X5U % leaf, orig, dest,
                            str(int(time.time()) if iat is None else iat)],
                           capture_output=True, text=True, check=True)
        return p.stdout.strip()

    def invite(self, what, identity=None, from_params="", pai=None):
        """An initial INVITE from the trunk (bytes) and its Call-ID."""
        self.seq += 1
        cid = "%s-%d-%s@carrier.example" % (self.name, self.seq, what)
        headers = []
        if pai is not None:
            headers.append("P-Asserted-Identity: " + pai)
        if identity is not None:
            headers.append("Identity: " + identity)
        msg = gen.sip_request("INVITE", "sip:+%s@%s" % (DEST, REALM), cid, user="+" + ORIG,
                              domain="carrier.example", to_user="+" + DEST, via_host=TRUNK.ip,
                              headers=headers, body=gen.SDP, content_type="application/sdp")
        if from_params:
            msg = msg.replace(b"@carrier.example>;tag=f1",
                              b"@carrier.example" + from_params.encode() + b">;tag=f1", 1)
        return gen.frame(msg, src=TRUNK), cid

    # -- processes ----------------------------------------------------------------------

    def start_usherd(self):
        with open(os.path.join(self.dir, "users.htdigest"), "w") as f:
            f.write("alice:%s:%s\n" % (REALM, gen.ha1("MD5", "alice", REALM, "secret")))
        ini = os.path.join(self.dir, "usherd.ini")
        with open(ini, "w") as f:
            f.write("[usherd]\nsocket = %s\nstate_dir = %s\nlog_level = debug\n\n"
                    "[dataplane]\nnodes = %s\nreconnect_ms = 100\ntimeout_ms = 5000\n\n"
                    "[source]\nkind = htdigest\npath = %s\n\n"
                    "[identity]\nca_file = %s\nrepo_dir = %s\nthreads = 2\n" %
                    (self.usherd_sock, os.path.join(self.dir, "state"), self.node_sock,
                     os.path.join(self.dir, "users.htdigest"),
                     os.path.join(self.pki, "root.pem"), os.path.join(self.pki, "repo")))
        self.usherd_log = open(os.path.join(self.dir, "usherd.log"), "a")
        self.usherd = subprocess.Popen([USHERD, "--config", ini], stdout=self.usherd_log,
                                       stderr=self.usherd_log, cwd=self.dir)
        deadline = time.time() + 10
        while not os.path.exists(self.usherd_sock):
            if self.usherd.poll() is not None or time.time() > deadline:
                raise Fail("usherd did not start:\n" + self.read("usherd.log"))
            time.sleep(0.05)

    def stop_usherd(self):
        if self.usherd is not None and self.usherd.poll() is None:
            self.usherd.send_signal(signal.SIGTERM)
            self.usherd.wait(timeout=10)
        self.usherd = None

    def read(self, name):
        with open(os.path.join(self.dir, name), errors="replace") as f:
            return f.read()

    def usherctl(self, *args):
        p = subprocess.run([USHERCTL, "--socket", self.usherd_sock] + list(args),
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def run_usher(self, name, frames, identity, wait_sync=True, before=None):
        """usher on the capture (read once), stopped 2 s after the last frame. Returns
        (stats totals, frames sent inward, frames sent outward)."""
        d = os.path.join(self.dir, name)
        os.makedirs(d)
        gen.write_pcap(os.path.join(d, "in.pcap"), frames)
        gen.write_pcap(os.path.join(d, "inside.pcap"), [])
        conf = {
            "ports": {"outside": "0", "inside": "1"},
            "auth": {"realm": REALM},
            "lists": {"allow": TRUNK.ip + "/32, " + TRUNK6 + "/128"},
            "protection": {"ban_threshold": "0", "user_ban_threshold": "0"},
            "overload": {"shed": "false"},
            "control": {"socket": self.node_sock, "node": name},
            "identity": {"enabled": "true"},
        }
        if wait_sync:
            conf["control"]["wait_sync"] = "20"
        conf["identity"].update(identity)
        with open(os.path.join(d, "usher.ini"), "w") as f:
            for sec, kv in conf.items():
                f.write("[%s]\n" % sec + "".join("%s = %s\n" % x for x in kv.items()))
        prefix = "usher-id-%s-%s-%d" % (self.name, name, os.getpid())
        cmd = [USHER] + EAL_MEM + ["--no-pci", "--file-prefix", prefix, "-l", "0-1",
                                   "--vdev", "net_pcap0,rx_pcap=in.pcap,tx_pcap=out_outside.pcap",
                                   "--vdev", "net_pcap1,rx_pcap=inside.pcap,"
                                   "tx_pcap=out_inside.pcap",
                                   "--", "--config", "usher.ini", "--stats-json", "stats.json",
                                   "--idle-exit", "2"]
        p = subprocess.Popen(cmd, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
        if before is not None:
            before()
        try:
            out, _ = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
        base = "/var/run/dpdk" if os.geteuid() == 0 else \
            os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
        shutil.rmtree(os.path.join(base, prefix), ignore_errors=True)
        log = out.decode(errors="replace")
        with open(os.path.join(d, "usher.log"), "w") as f:
            f.write("$ " + " ".join(cmd) + "\n" + log)
        if p.returncode != 0:
            if re.search(r"EAL: (FATAL|Cannot|Error)|Cannot init EAL", log):
                raise Skip("EAL cannot start here: " + log[-300:])
            raise Fail("%s: usher exited %d:\n%s" % (name, p.returncode, log[-3000:]))
        self.expect(re.search(r"mbufs: all \d+ returned", log) is not None,
                    "%s: mbufs not all returned:\n%s" % (name, log[-1500:]))
        with open(os.path.join(d, "stats.json")) as f:
            st = json.load(f)
        tot = st.get("total") or st.get("counters") or {}
        return tot, gen.read_pcap_raw(os.path.join(d, "out_inside.pcap")), \
            gen.read_pcap_raw(os.path.join(d, "out_outside.pcap"))


# -- checking ---------------------------------------------------------------------------------


def payload_of(fb):
    return bytes(Ether(fb)[Raw].load)


def call_id(payload):
    m = re.search(rb"^Call-ID: (\S+)\r$", payload, re.M)
    return m.group(1).decode() if m else None


def status(payload):
    m = re.match(rb"SIP/2\.0 (\d{3}) ", payload)
    return int(m.group(1)) if m else None


def rebuilt(frame, new_payload):
    """The input frame with a new SIP payload: lengths and checksums computed by scapy."""
    pkt = Ether(bytes(frame))
    pkt[Raw].load = new_payload
    if IPv6 in pkt:
        del pkt[IPv6].plen
    else:
        del pkt[IP].len, pkt[IP].chksum
    del pkt[UDP].len, pkt[UDP].chksum
    return bytes(Ether(bytes(pkt)))


def checksums_ok(fb):
    pkt = Ether(fb)
    v6 = IPv6 in pkt
    ip_ck, udp_ck = (None if v6 else pkt[IP].chksum), pkt[UDP].chksum
    again = Ether(fb)
    if not v6:
        del again[IP].chksum
    del again[UDP].chksum
    again = Ether(bytes(again))
    return (v6 or ip_ck == again[IP].chksum) and udp_ck == again[UDP].chksum


def v6_frame(frame):
    """The same INVITE over IPv6 from the trunk's IPv6 address."""
    p4 = Ether(bytes(frame))
    pkt = Ether(src=TRUNK.mac, dst=gen.MAC_USHER) / IPv6(src=TRUNK6, dst="2001:db8::1") / \
        UDP(sport=5060, dport=5060) / Raw(p4[Raw].load)
    return Ether(bytes(pkt))


def by_call(frames):
    out = {}
    for fb in frames:
        pl = payload_of(fb)
        out.setdefault(call_id(pl), []).append(fb)
    return out


def tshark_ok(c, path):
    """Wireshark reads the forwarded frames with valid checksums (skipped without tshark)."""
    if shutil.which("tshark") is None:
        return
    p = subprocess.run(["tshark", "-r", path, "-o", "udp.check_checksum:TRUE",
                        "-o", "ip.check_checksum:TRUE", "-Y",
                        "udp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\" || "
                        "_ws.malformed", "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True, timeout=60)
    c.expect(p.returncode == 0 and p.stdout.strip() == "",
             "tshark finds bad checksums or malformed frames in %s: %r %r" %
             (path, p.stdout, p.stderr[:300]))


# -- cases --------------------------------------------------------------------------------------

CASES = {}


def case(fn):
    CASES[fn.__name__[3:].replace("_", "-")] = fn
    return fn


@case
def tc_verdicts(c):
    """Every verdict class through a real usherd, default policy (reject), plus the cache."""
    c.start_usherd()
    now = int(time.time())
    items = []  # (frame, call-id, expectation)

    def add(what, expect, **kw):
        f, cid = c.invite(what, **kw)
        items.append((f, cid, expect))
        return f

    add("valid", ("fwd", "From", "TN-Validation-Passed"), identity=c.sign())
    add("valid-again", ("fwd", "From", "TN-Validation-Passed"), identity=c.sign())
    bad = c.sign()
    bad = bad[:bad.index(";") - 6] + ("AAAAAA" if not bad[:bad.index(";")].endswith("AAAAAA")
                                      else "BBBBBB") + bad[bad.index(";"):]
    add("bad-signature", ("reply", 438), identity=bad)
    add("stale", ("reply", 403), identity=c.sign(iat=now - 3600))
    add("unknown-x5u", ("reply", 436), identity=c.sign(x5u="https://cert.example.test/no.pem"))
    add("expired", ("reply", 437), identity=c.sign(leaf="sp_expired"))
    add("verstat-in", ("fwd", "PAI", "TN-Validation-Passed"), identity=c.sign(),
        from_params=";verstat=TN-Validation-Passed",
        pai="<sip:+%s@carrier.example;verstat=TN-Validation-Passed;user=phone>" % ORIG)
    add("garbage", ("reply", 438), identity="Zm9v.YmFy;info=<https://cert.example.test/sp.pem>")
    add("no-identity", ("fwd-plain",))
    add("no-identity-verstat", ("fwd", "From-none", "No-TN-Validation"),
        from_params=";verstat=TN-Validation-Passed")
    f6, cid6 = c.invite("valid-ipv6", identity=c.sign())
    items.append((v6_frame(f6), cid6, ("fwd", "From", "TN-Validation-Passed")))

    tot, inward, outward = c.run_usher("run", [f for f, _, _ in items], {})
    ins, outs = by_call(inward), by_call(outward)
    for f, cid, exp in items:
        if exp[0] == "reply":
            got = [status(payload_of(fb)) for fb in outs.get(cid, [])]
            c.expect(got == [exp[1]], "%s: replies %r, expected [%d]" % (cid, got, exp[1]))
            c.expect(cid not in ins, "%s: forwarded though rejected" % cid)
            continue
        got = ins.get(cid, [])
        if not c.expect(len(got) == 1, "%s: %d frames forwarded, expected 1" % (cid, len(got))):
            continue
        orig = payload_of(bytes(f))
        if exp[0] == "fwd-plain":
            c.expect(got[0] == bytes(f), "%s: not forwarded byte-identical" % cid)
            continue
        want = orig
        if exp[1] == "From-none":
            want = want.replace(b"@carrier.example;verstat=TN-Validation-Passed>;tag=f1",
                                b"@carrier.example;verstat=%s>;tag=f1" % exp[2].encode(), 1)
        elif exp[1] == "From":
            want = want.replace(b"@carrier.example>;tag=f1",
                                b"@carrier.example;verstat=%s>;tag=f1" % exp[2].encode(), 1)
        else:
            want = want.replace(b"@carrier.example;verstat=TN-Validation-Passed>;tag=f1",
                                b"@carrier.example>;tag=f1", 1)
            want = want.replace(b";verstat=TN-Validation-Passed;user=phone>",
                                b";user=phone;verstat=%s>" % exp[2].encode(), 1)
        c.expect(want != orig, "%s: test error: nothing to mark" % cid)
        c.expect(got[0] == rebuilt(f, want),
                 "%s: forwarded frame differs from the input with verstat added:\n%r\n%r" %
                 (cid, payload_of(got[0])[:400], want[:400]))
        c.expect(checksums_ok(got[0]), "%s: IP or UDP checksum wrong" % cid)
    tshark_ok(c, os.path.join(c.dir, "run", "out_inside.pcap"))
    want_ctr = {"id_punted": 8, "id_precheck_reject": 1, "id_fwd_passed": 4,
                "id_reject_438": 2, "id_reject_403": 1, "id_reject_436": 1,
                "id_reject_437": 1, "id_verstat_stripped": 2, "id_fwd_no_validation": 1,
                "id_timeout": 0,
                "id_unavailable": 0, "id_verdict_late": 0, "fwd_allowed": 1}
    for k, v in want_ctr.items():
        c.expect(tot.get(k) == v, "counter %s = %r, expected %d" % (k, tot.get(k), v))

    # usherd's view: one chain built for sp, the second valid INVITE a cache hit
    rc, out, err = c.usherctl("--json", "identity", "stats")
    j = json.loads(out) if rc == 0 else {}
    c.expect(rc == 0 and j["verdicts"]["passed"] == 4 and j["verdicts"]["invalid"] == 1 and
             j["verdicts"]["stale"] == 1 and j["verdicts"]["bad_info"] == 1 and
             j["verdicts"]["unsupported_cred"] == 1 and j["punts"]["received"] == 8 and
             j["punts"]["answered"] == 8 and j["cache"]["cert_hit"] >= 2 and
             j["reasons"].get("sig_invalid") == 1 and j["reasons"].get("cert_expired") == 1 and
             j["fetch"] == {"fetches": 0, "refused": 0, "failed": 0, "too_big": 0,
                            "timeout": 0, "bytes": 0},
             "identity stats --json: %d %s %s" % (rc, out[:1500], err))
    rc, out, err = c.usherctl("identity", "stats")
    c.expect(rc == 0 and re.search(r"^verdicts:.* passed 4", out, re.M) and
             re.search(r"^certificate cache: 1 cached, [1-9]\d* hits, \d+ misses, \d+ chains built",
                       out, re.M) and "punts: 8 received, 8 answered" in out and
             "x5u fetches (HTTPS): 0, 0 refused" in out,
             "identity stats: %d %r %r" % (rc, out, err))
    rc, out, err = c.usherctl("identity", "cache", "list")
    c.expect(rc == 0 and "https://cert.example.test/sp.pem" in out and "SPC" in out,
             "identity cache list: %d %r %r" % (rc, out, err))
    rc, out, err = c.usherctl("--json", "identity", "cache", "list")
    j = json.loads(out) if rc == 0 else {}
    c.expect(rc == 0 and [e["x5u"] for e in j["certificates"]] == [X5U % "sp"],
             "identity cache list --json: %r" % out[:600])
    rc, out, err = c.usherctl("identity", "cache", "flush")
    c.expect(rc == 0, "identity cache flush: %d %r" % (rc, err))
    rc, out, err = c.usherctl("--json", "identity", "cache", "list")
    c.expect(rc == 0 and json.loads(out)["certificates"] == [], "cache not empty after flush")
    rc, out, err = c.usherctl("identity", "trust", "reload")
    c.expect(rc == 0, "identity trust reload: %d %r" % (rc, err))
    rc, out, err = c.usherctl("identity", "cache", "nope")
    c.expect(rc == 2, "identity cache nope: exit %d" % rc)


@case
def tc_policy(c):
    """Policy mark with a Reason header; require -> 428; incoming verstat of an unmarked
    (no Identity, not required) INVITE is left alone."""
    c.start_usherd()
    f1, cid1 = c.invite("bad-sig-marked", identity=c.sign(leaf="sp_expired"))
    f2, cid2 = c.invite("missing")
    tot, inward, outward = c.run_usher(
        "run", [f1, f2], {"on_unsupported_credential": "mark", "reason_header": "yes",
                          "require": "yes"})
    ins, outs = by_call(inward), by_call(outward)
    got = ins.get(cid1, [])
    want = payload_of(bytes(f1)).replace(
        b"@carrier.example>;tag=f1", b"@carrier.example;verstat=TN-Validation-Failed>;tag=f1", 1)
    want = want.replace(b"\r\nContent-Length: ",
                        b"\r\nContent-Length: ", 1)
    hdr_end = want.index(b"\r\n\r\n")
    want = want[:hdr_end] + b"\r\nReason: STIR;cause=437;text=\"cert_expired\"" + want[hdr_end:]
    c.expect(len(got) == 1 and got[0] == rebuilt(f1, want),
             "marked INVITE: %r" % (payload_of(got[0])[:900] if got else None))
    c.expect(len(got) == 1 and checksums_ok(got[0]), "marked INVITE checksums")
    c.expect([status(payload_of(fb)) for fb in outs.get(cid2, [])] == [428],
             "require: no 428 for the INVITE without Identity")
    for k, v in {"id_fwd_failed": 1, "id_reject_428": 1, "id_punted": 1}.items():
        c.expect(tot.get(k) == v, "counter %s = %r, expected %d" % (k, tot.get(k), v))


@case
def tc_unavailable(c):
    """No usherd: [identity] unavailable = 503, then forward (No-TN-Validation)."""
    f1, cid1 = c.invite("u503", identity=c.sign())
    tot, inward, outward = c.run_usher("r503", [f1], {"unavailable": "503"}, wait_sync=False)
    c.expect([status(payload_of(fb)) for fb in by_call(outward).get(cid1, [])] == [503],
             "unavailable=503: no 503")
    c.expect(tot.get("id_unavailable") == 1 and tot.get("id_reject_unavailable") == 1 and
             tot.get("id_punted", 0) == 0, "unavailable counters: %r" %
             {k: v for k, v in tot.items() if k.startswith("id_")})
    f2, cid2 = c.invite("ufwd", identity=c.sign())
    tot, inward, outward = c.run_usher("rfwd", [f2], {"unavailable": "forward"},
                                       wait_sync=False)
    got = by_call(inward).get(cid2, [])
    want = payload_of(bytes(f2)).replace(b"@carrier.example>;tag=f1",
                                         b"@carrier.example;verstat=No-TN-Validation>;tag=f1", 1)
    c.expect(len(got) == 1 and got[0] == rebuilt(f2, want), "unavailable=forward: %r" %
             (payload_of(got[0])[:500] if got else None))
    c.expect(tot.get("id_fwd_no_validation") == 1, "id_fwd_no_validation not 1")


class MuteVerifier(ctlclient.CtlClient):
    """A verifier that asks for punts (hello identity: true), records them, never answers."""

    def __init__(self, path):
        deadline = time.time() + 30
        while True:
            try:
                super().__init__(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise Fail("usher's control socket did not appear")
                time.sleep(0.1)
        self.punts = []

    def call(self, obj):
        """A request's reply; the punts that arrive before it are recorded."""
        self.send_frame(REQUEST, json.dumps(obj).encode())
        while True:
            ftype, _, payload = self.recv_frame()
            if ftype == PUNT:
                self.punts.append(payload)
                continue
            return json.loads(payload)

    def sync(self):
        r = self.call({"cmd": "hello", "version": 1, "peer": "test", "identity": True})
        if not r.get("ok") or r.get("identity") is not True:
            raise Fail("hello with identity: %r" % r)
        self.call({"cmd": "creds.begin", "mode": "full", "records": 0})
        self.call({"cmd": "creds.commit", "records": 0})

    def drain(self, seconds):
        end = time.time() + seconds
        self.sock.settimeout(0.2)
        while time.time() < end:
            try:
                ftype, _, payload = self.recv_frame()
            except socket.timeout:
                continue
            except ConnectionError:
                return
            if ftype == PUNT:
                self.punts.append(payload)


def parse_punts(payload):
    out, off = [], 0
    while off < len(payload):
        rid, il, fl, pl, tl = struct.unpack_from("!QHHHH", payload, off)
        off += 16
        fields = []
        for n in (il, fl, pl, tl):
            fields.append(payload[off:off + n])
            off += n
        out.append((rid,) + tuple(fields))
    return out


@case
def tc_timeout(c):
    """A verifier that never answers: the held INVITE gets the policy at timeout_ms, the next
    one finds the table (pending_max 1) full; the punt record as an independent decoder reads
    it."""
    ident = c.sign()
    f1, cid1 = c.invite("timeout", identity=ident,
                        pai="<sip:+%s@carrier.example;user=phone>, <tel:+%s>" % (ORIG, ORIG))
    holder = {}

    def verifier():
        v = MuteVerifier(c.node_sock)
        v.sync()
        holder["v"] = v

    # pending_max 1: a second INVITE in the same burst finds the table full
    f2, cid2 = c.invite("table-full", identity=ident)
    tot, inward, outward = c.run_usher("run", [f1, f2], {"timeout_ms": "300",
                                                         "unavailable": "forward",
                                                         "pending_max": "1"},
                                       before=verifier)
    v = holder.get("v")
    c.expect(v is not None, "mute verifier did not connect")
    if v is not None:
        v.drain(0.5)
        recs = [r for p in v.punts for r in parse_punts(p)]
        c.expect(len(recs) == 1, "%d punt records, expected 1" % len(recs))
        if recs:
            rid, i, frm, pai, to = recs[0]
            c.expect(i.decode() == ident, "punted Identity differs")
            c.expect(frm == b'"+%s" <sip:+%s@carrier.example>;tag=f1' % (ORIG.encode(),
                                                                        ORIG.encode()),
                     "punted From %r" % frm)
            c.expect(pai == b"<sip:+%s@carrier.example;user=phone>" % ORIG.encode(),
                     "punted P-Asserted-Identity (first value) %r" % pai)
            c.expect(to == b"<sip:+%s@carrier.example>" % DEST.encode(), "punted To %r" % to)
            c.expect(rid >> 48 == 0, "worker id in the punt id: %x" % rid)
    got = by_call(inward).get(cid1, [])
    want = payload_of(bytes(f1)).replace(
        b"<sip:+%s@carrier.example;user=phone>," % ORIG.encode(),
        b"<sip:+%s@carrier.example;user=phone;verstat=No-TN-Validation>," % ORIG.encode(), 1)
    c.expect(len(got) == 1 and got[0] == rebuilt(f1, want),
             "timed-out INVITE: %r" % (payload_of(got[0])[:600] if got else None))
    got2 = by_call(inward).get(cid2, [])
    want2 = payload_of(bytes(f2)).replace(b"@carrier.example>;tag=f1",
                                          b"@carrier.example;verstat=No-TN-Validation>;tag=f1", 1)
    c.expect(len(got2) == 1 and got2[0] == rebuilt(f2, want2),
             "INVITE refused by the full table: %r" % (payload_of(got2[0])[:600] if got2 else None))
    c.expect(tot.get("id_timeout") == 1 and tot.get("id_fwd_no_validation") == 2 and
             tot.get("id_table_full") == 1 and tot.get("id_punted") == 1,
             "timeout counters: %r" %
             {k: v for k, v in tot.items() if k.startswith("id_")})


def main(argv):
    global USHER, USHERD, USHERCTL, ID_SIGN, GEN_PKI
    if len(argv) < 7:
        print(__doc__)
        return 2
    USHER, USHERD, USHERCTL, ID_SIGN, GEN_PKI = [os.path.abspath(a) for a in argv[1:6]]
    names = list(CASES) if argv[6:] == ["all"] else argv[6:]
    rc = 0
    for name in names:
        work = tempfile.mkdtemp(prefix="usher-id-%s-" % name)
        c = Case(name, work)
        try:
            CASES[name](c)
        except Skip as e:
            print("SKIP %s: %s" % (name, e))
            c.stop_usherd()
            return SKIP
        except Fail as e:
            c.failures.append(str(e))
            print("FAIL:", e)
        finally:
            c.stop_usherd()
        if c.failures:
            print("%s: %d failure(s); logs kept in %s" % (name, len(c.failures), work))
            rc = 1
        else:
            print("%s: ok" % name)
            shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
