#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Black-box tests of usher-explain: runs the built tool on tests/samples and checks its output.
"""usage: test_explain.py USHER_EXPLAIN SAMPLES_DIR CASE

CASE is one of: json human exit pcap edge stdin garbage password verdict verdict-raw
verdict-config (or 'all').
"""

import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time

EXE = None
SAMPLES = None
FAILURES = []


def run(args, stdin=b"", timeout=30):
    p = subprocess.run([EXE] + args, input=stdin, capture_output=True, timeout=timeout)
    if p.returncode < 0:
        raise AssertionError("%s killed by signal %d" % (args, -p.returncode))
    return p


def sample(name):
    return os.path.join(SAMPLES, name)


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def eq(got, want, what):
    check(got == want, "%s: got %r, want %r" % (what, got, want))


def json_lines(p):
    out = [json.loads(line) for line in p.stdout.decode().splitlines()]
    check(out and "summary" in out[-1], "last JSON line is the summary")
    return out[:-1], out[-1]["summary"]


def one(args, stdin=b""):
    p = run(["--json"] + args, stdin)
    msgs, _ = json_lines(p)
    eq(len(msgs), 1, "one message from %s" % args)
    return p, msgs[0]


ORIGIN_KEYS = ["source", "frame", "src", "dst", "length", "ok", "error", "reason", "type",
               "start_line"]
MSG_KEYS = ORIGIN_KEYS + [
    "method", "method_id", "status", "status_text", "ruri", "version", "via_count", "via_top",
    "via", "from", "to", "call_id", "cseq", "cseq_method", "max_forwards", "content_type",
    "content_length", "body_length", "contact", "expires", "user_agent", "identity",
    "header_count", "message_length", "auth"]
AUTH_KEYS = ["kind", "value", "ok", "error", "reason", "username", "realm", "nonce", "uri",
             "algorithm", "algorithm_id", "qop", "nc", "cnonce", "opaque", "response",
             "userhash", "unknown_params"]


def case_json():
    p, m = one([sample("register.sip")])
    eq(p.returncode, 0, "register exit code")
    eq(list(m.keys()), MSG_KEYS, "register key order (docs/explain.md)")
    eq(m["source"], sample("register.sip"), "source")
    eq((m["frame"], m["src"], m["dst"]), (None, None, None), "raw file has no frame/addresses")
    eq((m["ok"], m["error"], m["reason"]), (True, None, None), "register ok")
    eq(m["type"], "request", "type")
    eq(m["method"], "REGISTER", "method")
    eq(m["ruri"]["host"], "atlanta.example.com", "ruri host")
    eq(m["ruri"]["scheme"], "sip", "ruri scheme")
    eq(m["ruri"]["user"], None, "ruri without user")
    eq(m["via_count"], 1, "via count")
    eq(m["via_top"]["host"], "192.0.2.10", "via host")
    eq(m["via_top"]["port"], 5060, "via port")
    eq(m["via_top"]["branch"], "z9hG4bK776asdhds2", "via branch")
    eq(m["via_top"]["rport"], "", "bare rport is present and empty")
    eq(m["from"]["tag"], "1928301774", "from tag")
    eq(m["from"]["uri"]["user"], "alice", "from user")
    eq(m["to"]["tag"], None, "to without tag")
    eq(m["call_id"], "a84b4c76e66710@192.0.2.10", "call-id")
    eq((m["cseq"], m["cseq_method"]), (2, "REGISTER"), "cseq")
    eq(m["max_forwards"], 70, "max-forwards")
    eq(m["expires"], 3600, "expires")
    eq((m["content_length"], m["body_length"]), (0, 0), "lengths")
    eq(m["user_agent"], "Yealink SIP-T46S 66.86.0.15", "user-agent")
    eq(m["identity"], False, "no identity")
    eq(len(m["auth"]), 1, "one Authorization")
    a = m["auth"][0]
    eq(list(a.keys()), AUTH_KEYS, "auth key order")
    eq((a["kind"], a["ok"], a["error"]), ("authorization", True, None), "auth ok")
    eq(a["username"], "alice", "username")
    eq(a["realm"], "atlanta.example.com", "realm")
    eq(a["nonce"], "dcd98b7102dd2f0e8b11d0f600bfb0c093", "nonce")
    eq(a["uri"], "sip:atlanta.example.com", "uri")
    eq((a["algorithm"], a["algorithm_id"]), ("MD5", "MD5"), "algorithm")
    eq((a["qop"], a["nc"], a["cnonce"]), ("auth", "00000001", "0a4f113b"), "qop nc cnonce")
    eq(a["opaque"], "5ccc069c403ebaf9f0171e9517f40e41", "opaque")
    eq(a["response"], "f2cd1e00ece8b7f233afc0c4750e3140", "response")

    p, m = one([sample("invite.sip")])
    eq(p.returncode, 0, "invite exit code")
    eq((m["method"], m["ruri"]["user"]), ("INVITE", "carol"), "invite request line")
    eq(m["via_top"]["host"], "[2001:db8::20]", "IPv6 sent-by keeps brackets")
    eq(m["content_type"], "application/sdp", "content-type")
    eq(m["content_length"], m["body_length"], "body length matches content-length")
    check(m["body_length"] > 100, "invite has an SDP body")
    eq(m["from"]["display"], "Bob", "display name")
    a = m["auth"][0]
    eq((a["kind"], a["ok"]), ("proxy-authorization", True), "proxy-authorization")
    eq((a["username"], a["algorithm_id"], a["nc"]), ("bob", "SHA-256", "00000002"),
       "proxy credentials")
    eq(len(a["response"]), 64, "SHA-256 response length")

    p, m = one([sample("401.sip")])
    eq(p.returncode, 0, "401 exit code")
    eq((m["type"], m["status"], m["status_text"]), ("response", 401, "Unauthorized"), "status")
    eq((m["method"], m["ruri"]), (None, None), "a response has no method or R-URI")
    eq(m["via_top"]["received"], "192.0.2.10", "received")
    eq(m["via_top"]["rport"], "5060", "rport value")
    eq(m["auth"], [], "WWW-Authenticate is not a credentials header")

    p, m = one([sample("options.sip")])
    eq((p.returncode, m["method"], m["ruri"]["port"]), (0, "OPTIONS", 5060), "options")

    p, m = one([sample("malformed.sip")])
    eq(p.returncode, 1, "malformed exit code")
    eq(list(m.keys()), ORIGIN_KEYS, "a rejected message has only the origin keys")
    eq((m["ok"], m["error"]), (False, "bad_via"), "malformed error")
    eq(m["reason"], "Via header is malformed", "malformed reason")
    eq(m["start_line"], "REGISTER sip:192.0.2.1 SIP/2.0", "start line kept on rejection")

    # Two credentials headers: one rejected (the message is still accepted), one escaped.
    msg = (b"REGISTER sip:a.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
           b"From: <sip:alice@a.example>;tag=1\r\nTo: <sip:alice@a.example>\r\nCall-ID: c1\r\n"
           b"CSeq: 1 REGISTER\r\nAuthorization: Digest username=\"alice\", realm=\"a.example\", "
           b"nonce=\"n\", uri=\"sip:a.example\", response=\"0123\", nc=1\r\n"
           b"Proxy-Authorization: digest username=\"al\\\\ice\", realm=\"a.example\", "
           b"nonce=\"n\", uri=\"sip:a.example\", response=\"" + b"0123456789abcdef" * 2 +
           b"\"\r\n\r\n")
    p, m = one(["-"], stdin=msg)
    eq((p.returncode, m["ok"], len(m["auth"])), (0, True, 2), "credentials errors keep exit 0")
    a = m["auth"][0]
    eq(list(a.keys()), ["kind", "value", "ok", "error", "reason"], "rejected auth keys")
    eq((a["ok"], a["error"], a["reason"]), (False, "cred_nc", "nc is not 8 hexadecimal digits"),
       "credentials error")
    a = m["auth"][1]
    eq((a["kind"], a["ok"], a["username"]), ("proxy-authorization", True, "al\\ice"),
       "escaped username is unescaped")
    eq((a["algorithm"], a["algorithm_id"], a["qop"]), (None, "MD5", None), "RFC 2069 style")

    p = run(["--json", sample("register.sip"), sample("malformed.sip"), sample("401.sip")])
    msgs, summ = json_lines(p)
    eq([x["ok"] for x in msgs], [True, False, True], "messages in argument order")
    eq((summ["messages"], summ["parsed"], summ["rejected"]), (3, 2, 1), "summary counts")


def human_field(out, key, value):
    return re.search(r"^  %s +%s$" % (re.escape(key), re.escape(value)), out, re.M) is not None


def case_human():
    p = run([sample("register.sip"), sample("malformed.sip")])
    out, err = p.stdout.decode(), p.stderr.decode()
    eq(p.returncode, 1, "human exit code")
    check("== %s (859 bytes): ok\n" % sample("register.sip") in out, "register heading")
    for key, value in [("start_line", "REGISTER sip:atlanta.example.com SIP/2.0"),
                       ("method", "REGISTER"), ("ruri.host", "atlanta.example.com"),
                       ("via_count", "1"), ("via_top.branch", "z9hG4bK776asdhds2"),
                       ("via_top.rport", "(empty)"), ("from.tag", "1928301774"),
                       ("call_id", "a84b4c76e66710@192.0.2.10"), ("cseq", "2"),
                       ("max_forwards", "70"), ("expires", "3600"), ("identity", "no"),
                       ("auth[0].kind", "authorization"), ("auth[0].ok", "yes"),
                       ("auth[0].username", "alice"), ("auth[0].qop", "auth"),
                       ("auth[0].nc", "00000001")]:
        check(human_field(out, key, value), "human line %s %s" % (key, value))
    check(not re.search(r"^  to\.tag ", out, re.M), "absent fields are not printed")
    check("REJECTED bad_via: Via header is malformed" in out, "rejection heading")
    check("2 messages: 1 parsed, 1 rejected" in err, "summary on stderr: %r" % err)

    p = run([sample("sample.pcap")])
    out, err = p.stdout.decode(), p.stderr.decode()
    check("== %s frame 3 [2001:db8::20]:5060 -> [2001:db8::1]:5060 (1081 bytes): ok"
          % sample("sample.pcap") in out, "pcap heading with addresses")
    check("1 UDP payload is not SIP" in err, "non-SIP frame summarised: %r" % err)


def case_exit():
    eq(run([sample("register.sip"), sample("options.sip")]).returncode, 0, "all parsed -> 0")
    eq(run([sample("options.sip"), sample("malformed.sip")]).returncode, 1, "a rejection -> 1")
    p = run([sample("register.sip"), "/nonexistent/usher.sip"])
    eq(p.returncode, 2, "unreadable file -> 2")
    check(b"/nonexistent/usher.sip" in p.stderr, "unreadable file named on stderr")
    check(b"== " in p.stdout, "the readable file is still explained")
    eq(run([sample("malformed.sip"), "/nonexistent"]).returncode, 2, "2 wins over 1")
    eq(run([]).returncode, 2, "no FILE -> 2")
    eq(run(["--bogus", sample("register.sip")]).returncode, 2, "unknown option -> 2")
    p = run(["--help"])
    eq(p.returncode, 0, "--help -> 0")
    check(b"usage: usher-explain" in p.stdout, "--help prints usage on stdout")
    eq(run([SAMPLES]).returncode, 2, "directory -> 2")
    with open(sample("sample.pcap"), "rb") as f:
        cap = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in [("header.pcap", cap[:30]), ("cut.pcap", cap[:100]),
                           ("magic.pcap", cap[:4])]:
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(data)
            p = run([path])
            eq(p.returncode, 2, "bad pcap %s -> 2" % name)
            check(name.encode() in p.stderr, "bad pcap %s named on stderr" % name)
        path = os.path.join(tmp, "wifi.pcap")
        with open(path, "wb") as f:  # IEEE 802.11 link type: not one the tool walks
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 105) +
                    struct.pack("<IIII", 0, 0, 4, 4) + b"abcd")
        p = run([path])
        eq(p.returncode, 2, "unsupported link type -> 2")
        check(b"link type 105" in p.stderr, "unsupported link type named")
    p = run(["-"], stdin=b"OPTIONS sip:a SIP/2.0\r\n" + b"X" * 70000)
    eq(p.returncode, 2, "stdin over 65535 bytes -> 2")
    check(b"larger than 65535" in p.stderr, "size limit explained")


# frame, src, dst, method or status, ok, IP version
SAMPLE_FRAMES = [
    (1, "192.0.2.1:5060", "192.0.2.10:5060", 401, True),
    (2, "192.0.2.10:5060", "192.0.2.1:5060", "REGISTER", True),
    (3, "[2001:db8::20]:5060", "[2001:db8::1]:5060", "INVITE", True),
    (4, "198.51.100.7:5060", "192.0.2.1:5060", "OPTIONS", True),
    (6, "203.0.113.66:5071", "192.0.2.1:5060", None, False),
]


def frames_of(msgs):
    return [(m["frame"], m["src"], m["dst"], m.get("method") or m.get("status"), m["ok"])
            for m in msgs]


def case_pcap():
    for name in ["sample.pcap", "sample.pcapng"]:
        p = run(["--json", sample(name)])
        eq(p.returncode, 1, "%s exit code (it holds the malformed message)" % name)
        msgs, summ = json_lines(p)
        eq(frames_of(msgs), SAMPLE_FRAMES, "%s frames" % name)
        check(all(m["source"] == sample(name) for m in msgs), "%s source" % name)
        eq(summ["frames"], 6, "%s frame count" % name)
        eq(summ["skipped"]["non_sip"], 1, "%s DNS query counted as non-SIP" % name)
        eq((summ["messages"], summ["parsed"], summ["rejected"]), (5, 4, 1), "%s counts" % name)
        eq(msgs[4]["error"], "bad_via", "%s malformed frame error" % name)
        reg = msgs[1]
        eq(reg["auth"][0]["username"], "alice", "%s REGISTER credentials" % name)
        # The same bytes as the raw file: the same model, origin apart.
        _, raw = one([sample("register.sip")])
        for k in ["source", "frame", "src", "dst"]:
            reg.pop(k)
            raw.pop(k)
        eq(reg, raw, "%s frame 2 is explained exactly like register.sip" % name)

    p = run(["--json", sample("sll.pcap"), sample("raw.pcap")])
    eq(p.returncode, 0, "sll/raw exit code")
    msgs, _ = json_lines(p)
    eq(frames_of(msgs), [(1, "192.0.2.10:5060", "192.0.2.1:5060", "REGISTER", True),
                         (1, "198.51.100.7:5060", "192.0.2.1:5060", "OPTIONS", True),
                         (2, "[2001:db8::20]:5060", "[2001:db8::1]:5060", "INVITE", True)],
       "Linux cooked and raw IP link types")


def case_edge():
    p = run(["--json", sample("edge.pcap")])
    eq(p.returncode, 0, "edge.pcap exit code")
    msgs, summ = json_lines(p)
    eq(frames_of(msgs), [(1, "198.51.100.7:5060", "192.0.2.1:5060", "OPTIONS", True),
                         (2, "[2001:db8::20]:5060", "[2001:db8::1]:5060", "REGISTER", True),
                         (11, "192.0.2.1:5060", "192.0.2.10:5060", 401, True)],
       "QinQ, IPv6 extension headers, IPv4 options")
    eq(summ["frames"], 12, "edge frame count")
    eq(summ["skipped"], {"non_ip": 1, "non_udp": 1, "fragment": 3, "truncated": 2,
                         "malformed": 1, "keepalive": 1, "non_sip": 0}, "edge skip reasons")
    p = run([sample("edge.pcap")])
    err = p.stderr.decode()
    check("frame 3 192.0.2.10 -> 192.0.2.1: fragment, not reassembled" in err,
          "IPv4 fragment reported: %r" % err)
    check("frame 5 2001:db8::20 -> 2001:db8::1: fragment, not reassembled" in err,
          "IPv6 fragment reported")
    check("frame 9 192.0.2.10:5060 -> 192.0.2.1:5060: truncated by the capture" in err,
          "truncated frame reported")


def case_stdin():
    with open(sample("register.sip"), "rb") as f:
        reg = f.read()
    p, m = one(["-"], stdin=reg)
    eq((p.returncode, m["source"], m["method"]), (0, "-", "REGISTER"), "raw message on stdin")
    eq(m["auth"][0]["username"], "alice", "stdin credentials")
    # What people type in a shell: bare LF line ends (echo -e adds one more at the end).
    lf = (b"REGISTER sip:a.example SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\n"
          b"From: <sip:alice@a.example>;tag=1\nTo: <sip:alice@a.example>\nCall-ID: c1\n"
          b"CSeq: 1 REGISTER\nAuthorization: Digest username=\"alice\", realm=\"a.example\", "
          b"nonce=\"n\", uri=\"sip:a.example\", response=\"" + b"0" * 32 + b"\"\n\n\n")
    p, m = one(["-"], stdin=lf)
    eq((p.returncode, m["ok"], m["error"]), (0, True, None), "bare LF line ends accepted")
    eq((m["call_id"], m["auth"][0]["realm"]), ("c1", "a.example"), "LF message fields")
    with open(sample("sample.pcap"), "rb") as f:
        cap = f.read()
    p = run(["--json", "-"], stdin=cap)
    msgs, _ = json_lines(p)
    eq(frames_of(msgs), SAMPLE_FRAMES, "pcap on stdin")
    p = run(["-"], stdin=b"")
    eq(p.returncode, 1, "empty stdin is an empty message")
    check(b"REJECTED empty" in p.stdout, "empty message named")


def case_garbage():
    rnd = random.Random(2026)
    with open(sample("sample.pcap"), "rb") as f:
        cap = bytearray(f.read())
    with open(sample("invite.sip"), "rb") as f:
        sip = bytearray(f.read())
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(150):
            base = cap if i % 2 == 0 else sip
            data = bytearray(base)
            for _ in range(rnd.randint(1, 12)):
                data[rnd.randrange(len(data))] = rnd.randrange(256)
            if i % 5 == 0:
                data = data[:rnd.randrange(len(data))]
            path = os.path.join(tmp, "g%d" % i)
            with open(path, "wb") as f:
                f.write(data)
            for args in (["--json", path], [path]):
                p = run(args)
                check(p.returncode in (0, 1, 2), "garbage %d exit %d" % (i, p.returncode))
                if "--json" in args:
                    for line in p.stdout.decode().splitlines():
                        json.loads(line)
        p = run(["--json", "-"], stdin=bytes(range(256)) * 8)
        msgs, _ = json_lines(p)
        check(all(ord(c) >= 0x20 for c in json.dumps(msgs)), "no control characters escape")


def case_password():
    """--password / --ha1: per-header match computed by the batch engine."""
    import glob
    import hashlib

    corpus = os.path.join(SAMPLES, "..", "sip", "corpus", "valid")
    phones = sorted(glob.glob(os.path.join(corpus, "register_*.sip")))
    check(len(phones) >= 8, "phone REGISTERs found in the parser corpus")
    checked = 0
    for path in phones:
        for password, want in (("secret", True), ("Secret", False)):
            p, m = one(["--password", password, path])
            for a in m["auth"]:
                if not a["ok"]:
                    continue
                checked += 1
                eq(a["match"], want, "%s with %r" % (os.path.basename(path), password))
                eq(a["check"], "match" if want else "mismatch", "check text")
    check(checked >= 16, "every phone header checked twice (%d)" % checked)

    # --ha1 computed here with hashlib, independently of the engine
    ha1 = hashlib.md5(b"alice:atlanta.example.com:secret").hexdigest()
    _, m = one(["--ha1", ha1, sample("register.sip")])
    eq(m["auth"][0]["match"], True, "register.sip with its MD5 HA1")
    eq(m["auth"][0]["check_algorithm"], "MD5", "algorithm used")
    eq(m["auth"][0]["check_qop"], "auth", "qop used")
    _, m = one(["--ha1", ha1.upper(), sample("register.sip")])
    eq(m["auth"][0]["match"], True, "upper-case HA1 hex")
    ha1 = hashlib.sha256(b"bob:biloxi.example.com:secret").hexdigest()
    _, m = one(["--ha1", ha1, sample("invite.sip")])
    eq(m["auth"][0]["match"], True, "invite.sip with its SHA-256 HA1")
    eq(m["auth"][0]["check_algorithm"], "SHA-256", "algorithm used")
    _, m = one(["--ha1", "00" * 16, sample("invite.sip")])
    eq(m["auth"][0]["match"], None, "MD5-sized HA1 cannot check SHA-256")
    check("64 hex" in m["auth"][0]["check"], "says why: %r" % m["auth"][0]["check"])

    _, m = one(["--password", "secret", sample("options.sip")])
    eq(m.get("check"), "no credentials", "message without credentials says so")
    bad = (b"REGISTER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
           b"From: <sip:a@h>;tag=1\r\nTo: <sip:a@h>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n"
           b"Authorization: Digest username=\"a\", realm=\"h\", nonce=\"n\", uri=\"sip:h\", "
           b"response=\"0011\"\r\n\r\n")
    _, m = one(["--password", "x", "-"], stdin=bad)
    eq(m["auth"][0]["match"], None, "malformed header cannot be checked")
    eq(m["auth"][0]["check"], "malformed header", "says why")
    unk = bad.replace(b'response=\"0011\"', b'response=\"' + b"ab" * 16 + b'\", algorithm=XYZ')
    _, m = one(["--password", "x", "-"], stdin=unk)
    eq(m["auth"][0]["check"], "unknown algorithm", "unknown algorithm says why")

    p = run(["--password", "a", "--ha1", "00" * 16, sample("register.sip")])
    eq(p.returncode, 2, "--password with --ha1 is a usage error")
    p = run(["--password", "secret", sample("register.sip")])
    check(b"auth[0].check          match" in p.stdout, "human output shows the check")


# ---------------------------------------------------------------------------------------------
# --config: the workers' pipeline offline (verdicts). Traffic from tests/dataplane/gen.py.


def gen_module():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                    "dataplane"))
    import gen  # noqa: E402 (scapy is only needed by these cases)
    return gen


VERDICT_REALM = "usher.test"
VERDICT_SECRET = "usher-explain-test-secret-0123456789abcdef"
VERDICT_USERS = {"alice": "wonderland"}


def verdict_setup(d, gen, secret=True, extra=""):
    """usher.ini, users.cred and nonce.secret in d; returns the config path."""
    with open(os.path.join(d, "users.cred"), "w") as f:
        for a in ("MD5", "SHA-256"):
            f.write("alice:%s:%s:%s\n" % (VERDICT_REALM, a,
                                          gen.ha1(a, "alice", VERDICT_REALM, "wonderland")))
    gen.write_secret(os.path.join(d, "nonce.secret"), VERDICT_SECRET)
    conf = os.path.join(d, "usher.ini")
    with open(conf, "w") as f:
        f.write("[ports]\noutside = 0\ninside = 1\n[sip]\nports = 5060\n"
                "[auth]\nrealm = %s\nalgorithms = SHA-256,MD5\nqop = auth\n"
                "nonce_lifetime = 300\n%s"
                "[credentials]\nfile = users.cred\n"
                "[lists]\nblock = 203.0.113.0/24\n%s"
                % (VERDICT_REALM, "nonce_secret_file = nonce.secret\n" if secret else "",
                   extra))
    return conf


def verdict_capture(d, gen):
    """A capture with one case per frame; returns (path, expectations)."""
    t0 = int(time.time()) - 100
    secret = gen.load_secret(os.path.join(d, "nonce.secret"))
    uri = "sip:" + VERDICT_REALM

    def reg(call_id, nonce=None, password="wonderland", algo="SHA-256"):
        auth = None
        if nonce is not None:
            auth = gen.credentials(algo, "alice", VERDICT_REALM, nonce, uri, "REGISTER",
                                   password=password)
        return gen.sip_request("REGISTER", uri, call_id, auth=auth)

    good = gen.frame(reg("c-good", gen.make_nonce(secret, t0, 5, gen.ALGO_ANY)))
    attacker = gen.Endpoint(gen.MAC_PHONE, gen.IP_ATTACKER, 5060)
    # the same bytes from another address: a replay, not a retransmission
    elsewhere = gen.Endpoint(gen.MAC_PHONE, gen.IP_NAT, 5060)
    frames = [
        (gen.frame(reg("c-none")), "reply", "challenge_no_credentials", 401, False),
        (good, "forward", "fwd_auth_ok", None, None),
        (gen.frame(reg("c-bad", gen.make_nonce(secret, t0, 6, gen.ALGO_ANY), "wrong")),
         "reply", "challenge_bad_response", 401, False),
        (gen.frame(bytes(good[gen.UDP].payload), src=elsewhere), "reply",
         "challenge_nc_replay", 401, False),
        (gen.frame(reg("c-old", gen.make_nonce(secret, t0 - 1000, 7, gen.ALGO_ANY))),
         "reply", "challenge_stale", 401, True),
        (gen.frame(gen.sip_request("INVITE", "sip:bob@" + VERDICT_REALM, "c-inv",
                                   body=gen.SDP, content_type="application/sdp")),
         "reply", "challenge_no_credentials", 407, False),
        (gen.frame(gen.sip_response(200, "OK", "c-inv")), "forward", "fwd_response", None,
         None),
        (gen.frame(reg("c-blocked"), src=attacker), "reply", "deny_blocked", 403, None),
        (gen.frame(reg("c-port"), dport=5070), "forward", "fwd_non_sip_port", None, None),
        # byte for byte from the same source, within [auth] retransmission_window
        (good, "forward", "fwd_retransmission", None, None),
    ]
    path = os.path.join(d, "verdicts.pcap")
    gen.write_pcap(path, [f[0] for f in frames], t0=t0)
    return path, [f[1:] for f in frames]


def case_verdict():
    gen = gen_module()
    with tempfile.TemporaryDirectory() as d:
        conf = verdict_setup(d, gen)
        cap, want = verdict_capture(d, gen)
        p = run(["--json", "--config", conf, cap])
        eq(p.returncode, 0, "--config run exit code (every message parsed)")
        msgs, summ = json_lines(p)
        eq(len(msgs), len(want), "one object per SIP frame")
        for i, (m, (verdict, reason, status, stale)) in enumerate(zip(msgs, want)):
            what = "frame %d" % (i + 1)
            eq(m["frame"], i + 1, what + " number")
            eq(list(m.keys())[-5:], ["verdict", "verdict_reason", "verdict_reason_text",
                                     "event", "reply"], what + " verdict keys last")
            eq((m["verdict"], m["verdict_reason"]), (verdict, reason), what + " verdict")
            check(m["verdict_reason_text"], what + " has a reason text")
            if status is None:
                eq(m["reply"], None, what + " no reply")
                continue
            eq(m["reply"]["status"], status, what + " reply status")
            if stale is not None:
                eq(m["reply"]["stale"], stale, what + " stale")
                eq(m["reply"]["algorithms"], ["SHA-256", "MD5"], what + " algorithms")
            else:
                check("algorithms" not in m["reply"], what + " no challenge")
        eq(summ["verdicts"], {"forward": 4, "reply": 6, "drop": 0}, "summary verdicts")
        eq(summ["counters"].get("challenge_no_credentials"), 2, "summary counter")
        eq(summ["counters"].get("fwd_auth_ok"), 1, "summary fwd_auth_ok")

        # human lines
        p = run(["--config", conf, cap])
        eq(p.returncode, 0, "human --config exit code")
        lines = p.stdout.decode().splitlines()
        eq(len(lines), len(want), "one human line per message")
        eq(lines[2], "frame 3 192.0.2.10:5060 REGISTER alice -> reply 401 "
           "(challenge_bad_response: wrong password or unknown user: fresh challenge) "
           "[SHA-256, MD5]", "human verdict line")
        check("stale=true" in lines[4], "human line shows stale=true")
        check(b"verdicts: 4 forward, 6 reply, 0 drop" in p.stderr, "human summary verdicts")

        # without nonce_secret_file: a random secret, captured nonces cannot verify
        conf2 = verdict_setup(d, gen, secret=False)
        p = run(["--json", "--config", conf2, cap])
        check(b"nonce_secret_file" in p.stderr, "warning about the random secret")
        msgs, _ = json_lines(p)
        eq(msgs[1]["verdict_reason"], "challenge_nonce_invalid",
           "right password without the secret")


def case_verdict_raw():
    gen = gen_module()
    with tempfile.TemporaryDirectory() as d:
        conf = verdict_setup(d, gen)
        raw = os.path.join(d, "register.sip")
        with open(raw, "wb") as f:
            f.write(gen.sip_request("REGISTER", "sip:" + VERDICT_REALM, "c-raw"))
        p, m = one(["--config", conf, raw])
        eq((m["verdict"], m["verdict_reason"], m["reply"]["status"]),
           ("reply", "challenge_no_credentials", 401), "raw REGISTER challenged")
        p, m = one(["--config", conf, "--src", "203.0.113.9:5060", raw])
        eq((m["verdict"], m["verdict_reason"]), ("reply", "deny_blocked"),
           "--src on the block list")
        p, m = one(["--config", conf, "--src", "[2001:db8::1]:5062", raw])
        eq(m["verdict_reason"], "challenge_no_credentials", "IPv6 --src")
        # a nonce made at --now verifies; the same one an hour later is stale
        secret = gen.load_secret(os.path.join(d, "nonce.secret"))
        nonce = gen.make_nonce(secret, 1700000000, 9, gen.ALGO_ANY)
        with open(raw, "wb") as f:
            f.write(gen.sip_request("REGISTER", "sip:" + VERDICT_REALM, "c-raw2",
                                    auth=gen.credentials("MD5", "alice", VERDICT_REALM, nonce,
                                                         "sip:" + VERDICT_REALM, "REGISTER",
                                                         password="wonderland")))
        p, m = one(["--config", conf, "--now", "1700000010", raw])
        eq(m["verdict_reason"], "fwd_auth_ok", "--now within the lifetime")
        p, m = one(["--config", conf, "--now", "1700003600", raw])
        eq((m["verdict_reason"], m["reply"]["stale"]), ("challenge_stale", True),
           "--now past the lifetime")
        p = run(["--config", conf, "--src", "nowhere", raw])
        eq(p.returncode, 2, "bad --src")
        p = run(["--config", conf, "--now", "-5", raw])
        eq(p.returncode, 2, "bad --now")


def case_verdict_config():
    gen = gen_module()
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.ini")
        with open(bad, "w") as f:
            f.write("[auth]\nrealm = usher.test\nnonce_lifetime = soon\n")
        p = run(["--config", bad, sample("register.sip")])
        eq(p.returncode, 2, "bad config exit code")
        check(re.search(r"bad\.ini:3: ", p.stderr.decode()) is not None,
              "file:line: message (%r)" % p.stderr)
        eq(p.stdout, b"", "nothing explained with a bad config")
        p = run(["--config", os.path.join(d, "missing.ini"), sample("register.sip")])
        eq(p.returncode, 2, "missing config exit code")
        conf = verdict_setup(d, gen, extra="")
        os.unlink(os.path.join(d, "nonce.secret"))
        p = run(["--config", conf, sample("register.sip")])
        eq(p.returncode, 2, "missing nonce secret file")
        check(re.search(r"usher\.ini:\d+: cannot open", p.stderr.decode()) is not None,
              "secret error names the config line (%r)" % p.stderr)
        p = run(["--help"])
        check(b"--config" in p.stdout, "--help mentions --config")


def usher_says(conf, overrides):
    """usher's own message for a bad --set (it reads the configuration before EAL starts),
    or None when usher was not built (USHER unset)."""
    usher = os.environ.get("USHER", "")
    if not usher or not os.access(usher, os.X_OK):
        return None
    args = [usher, "--", "--config", conf]
    for o in overrides:
        args += ["--set", o]
    p = subprocess.run(args, capture_output=True, timeout=30)
    eq(p.returncode, 1, "usher with a bad --set exits 1")
    return p.stderr.decode().strip()


def case_verdict_set():
    """--set: usher's overrides, applied after the file, change the verdicts."""
    gen = gen_module()
    with tempfile.TemporaryDirectory() as d:
        conf = verdict_setup(d, gen)
        cap, want = verdict_capture(d, gen)

        def verdicts(*sets):
            args = ["--json", "--config", conf]
            for kv in sets:
                args += ["--set", kv]
            p = run(args + [cap])
            eq(p.returncode, 0, "--set %r exit code" % (sets,))
            msgs, _ = json_lines(p)
            eq(len(msgs), len(want), "--set %r: one object per frame" % (sets,))
            return msgs

        base = verdicts()
        eq((base[0]["reply"]["algorithms"], base[1]["verdict_reason"]),
           (["SHA-256", "MD5"], "fwd_auth_ok"), "the file's values")
        # [auth] algorithms: the challenge offers MD5 only, and a SHA-256 answer is refused
        m = verdicts("auth.algorithms=MD5")
        eq((m[0]["verdict"], m[0]["reply"]["algorithms"]), ("reply", ["MD5"]),
           "algorithms=MD5: challenge")
        eq((m[1]["verdict"], m[1]["verdict_reason"]), ("reply", "challenge_algorithm"),
           "algorithms=MD5: the SHA-256 answer")
        # [auth] realm: the right password for usher.test no longer opens other.test
        m = verdicts("auth.realm=other.test")
        eq((m[1]["verdict"], m[1]["verdict_reason"]), ("reply", "challenge_no_credentials"),
           "realm=other.test: credentials for another realm")
        # repeatable, applied in order: the last of a key wins
        m = verdicts("auth.algorithms=MD5", "auth.challenge_code=407",
                     "auth.algorithms=SHA-256")
        eq((m[0]["reply"]["status"], m[0]["reply"]["algorithms"], m[1]["verdict_reason"]),
           (407, ["SHA-256"], "fwd_auth_ok"), "several --set, last one wins")
        # human output too
        p = run(["--config", conf, "--set", "auth.challenge_code=407", cap])
        eq(p.returncode, 0, "human --set exit code")
        first = p.stdout.decode().splitlines()[0]
        check(first.startswith("frame 1 ") and " -> reply 407 (challenge_no_credentials" in first,
              "human line shows 407: %r" % first)

        # errors: usher's messages, nothing explained, exit 2 (usher-explain's bad input)
        for bad, msg in (("auth.nope=1", "--set auth.nope=1: unknown key auth.nope"),
                         ("auth.nonce_lifetime=0", "--set auth.nonce_lifetime=0: "
                          "auth.nonce_lifetime: '0' is not a number from 1 to 86400"),
                         ("auth.algorithms=SHA-1", None),
                         ("authnope", "--set authnope: expected section.key=value"),
                         ("nosuch.key=1", "--set nosuch.key=1: unknown key nosuch.key")):
            p = run(["--config", conf, "--set", bad, cap])
            eq(p.returncode, 2, "--set %s exit code" % bad)
            eq(p.stdout, b"", "--set %s: nothing explained" % bad)
            err = p.stderr.decode().strip()
            check(err.startswith("usher-explain: --set %s: " % bad.split("=")[0]) or
                  err.startswith("usher-explain: --set %s" % bad), "--set %s: %r" % (bad, err))
            if msg is not None:
                eq(err, "usher-explain: " + msg, "--set %s message" % bad)
            theirs = usher_says(conf, [bad])
            if theirs is not None:
                eq(err, "usher-explain: " + theirs, "--set %s: usher says the same" % bad)
        p = run(["--set", "auth.realm=x", cap])
        eq(p.returncode, 2, "--set without --config")
        check(b"--set needs --config" in p.stderr, "--set without --config: %r" % p.stderr)
        p = run(["--help"])
        check(b"--set SECTION.KEY=VALUE" in p.stdout, "--help mentions --set")


CASES = {"password": case_password, "json": case_json, "human": case_human, "exit": case_exit, "pcap": case_pcap,
         "edge": case_edge, "stdin": case_stdin, "garbage": case_garbage,
         "verdict": case_verdict, "verdict-raw": case_verdict_raw,
         "verdict-config": case_verdict_config, "verdict-set": case_verdict_set}


def main():
    global EXE, SAMPLES
    if len(sys.argv) != 4 or (sys.argv[3] not in CASES and sys.argv[3] != "all"):
        print(__doc__, file=sys.stderr)
        return 2
    EXE, SAMPLES = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for name in CASES if sys.argv[3] == "all" else [sys.argv[3]]:
        try:
            CASES[name]()
        except (AssertionError, ValueError, KeyError, TypeError, IndexError) as e:
            FAILURES.append("%s: %r" % (name, e))
            print("FAIL: %s: %r" % (name, e))
    print("%d failure(s)" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
