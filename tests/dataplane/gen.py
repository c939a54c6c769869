#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Traffic generator for the dataplane tests, the benchmark and the demo: SIP over UDP/IPv4 frames.
"""Builds SIP requests with digest credentials and writes them as Ethernet pcaps (scapy).

Everything that decides whether Usher accepts a request is computed here independently of the
C code, from the RFCs and from the layouts drawn in the headers:

- digest responses (RFC 2617, RFC 7616, RFC 8760) with Python's hashlib: MD5, SHA-256,
  SHA-512/256, their -sess variants, qop auth, auth-int and none;
- nonces per dataplane/auth/ush_nonce.h: 24 bytes, ver | kid | timestamp | index | algo | rsvd |
  first 12 bytes of HMAC-SHA-256(secret, bytes 0..11), sent as 32 characters of base64url
  without padding.

As a module it is what tests/dataplane/test_dataplane.py, scripts/bench and scripts/demo use.
As a program:

  gen.py bench PATH --secret FILE --out FILE.pcap [--count N]
      one pcap for a benchmark path: challenge, md5, sha256, sha512-256, fail, passthrough
  gen.py demo --secret FILE --out DIR
      the demo's traffic: DIR/outside.pcap, DIR/inside.pcap, DIR/frames.json (descriptions)
  gen.py nonce --secret FILE [--index N] [--algo NAME] [--age S]
      print one nonce (debugging aid)
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import struct
import sys
import time

try:
    from scapy.layers.inet import IP, UDP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.utils import PcapWriter
except ImportError:  # a python3 outside Debian's (pyenv, venv): use Debian's site packages
    sys.path.append("/usr/lib/python3/dist-packages")
    from scapy.layers.inet import IP, UDP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.utils import PcapWriter

# ---------------------------------------------------------------------------------------------
# Addresses: documentation ranges only (RFC 5737, RFC 7042 locally administered MACs).

MAC_PHONE = "02:00:5e:00:53:0a"
MAC_USHER = "02:00:5e:00:53:01"   # the router / Usher's outside neighbour
MAC_PBX = "02:00:5e:00:53:02"
IP_PHONE = "192.0.2.10"
IP_NAT = "198.51.100.20"          # a phone behind NAT: its Via says IP_PHONE
IP_ATTACKER = "203.0.113.66"
IP_PBX = "192.0.2.1"
REALM = "usher.test"
DOMAIN = "usher.test"

# ---------------------------------------------------------------------------------------------
# Digest (RFC 7616 §3.4; RFC 2617 §3.2.2 for qop=none)

# name -> (enum ush_algo from include/usher_algo.h, hashlib name, -sess)
ALGOS = {
    "MD5": (0, "md5", False),
    "MD5-sess": (1, "md5", True),
    "SHA-256": (2, "sha256", False),
    "SHA-256-sess": (3, "sha256", True),
    "SHA-512-256": (4, "sha512_256", False),
    "SHA-512-256-sess": (5, "sha512_256", True),
}
ALGO_BY_ID = {v[0]: k for k, v in ALGOS.items()}
ALGO_ANY = 6  # USH_ALGO_UNKNOWN in a nonce: good for any algorithm the challenge offered


def algo_base(name):
    """'SHA-256-sess' -> 'SHA-256'."""
    return name[:-5] if name.endswith("-sess") else name


def hash_hex(algo, data):
    if isinstance(data, str):
        data = data.encode()
    return hashlib.new(ALGOS[algo][1], data).hexdigest()


def ha1(algo, user, realm, password):
    """HA1 = H(user:realm:password) in hex (the stored credential)."""
    return hash_hex(algo_base(algo), "%s:%s:%s" % (user, realm, password))


def digest_response(algo, ha1_hex, nonce, method, uri, qop=None, nc=None, cnonce=None,
                    body=b"", sess_binary=False):
    """Client response (lowercase hex).

    qop None: RFC 2069 form H(HA1:nonce:HA2). -sess: HA1 = H(HA1:nonce:cnonce) over the hex HA1
    (RFC 7616 text), or over its bytes with sess_binary (RFC 2617 sample code, Kamailio).
    """
    name = ALGOS[algo][1]

    def h(b):
        return hashlib.new(name, b.encode() if isinstance(b, str) else b).hexdigest()

    a1 = ha1_hex
    if ALGOS[algo][2]:
        if sess_binary:
            a1 = h(bytes.fromhex(ha1_hex) + (":%s:%s" % (nonce, cnonce)).encode())
        else:
            a1 = h("%s:%s:%s" % (ha1_hex, nonce, cnonce))
    if qop == "auth-int":
        ha2 = h("%s:%s:%s" % (method, uri, h(body)))
    else:
        ha2 = h("%s:%s" % (method, uri))
    if qop is None:
        return h("%s:%s:%s" % (a1, nonce, ha2))
    return h("%s:%s:%s:%s:%s:%s" % (a1, nonce, nc, cnonce, qop, ha2))


# ---------------------------------------------------------------------------------------------
# Nonces (dataplane/auth/ush_nonce.h)

NONCE_VERSION = 1
NONCE_MAC_LEN = 12


class Secret:
    """One nonce secret: key id and bytes."""

    def __init__(self, key, kid=1):
        self.key = key
        self.kid = kid


def load_secret(path, kid=1):
    """The nonce secret as Usher reads nonce_secret_file (dataplane/usher/creds.c): the file's
    bytes, as they are, less trailing CR/LF (`openssl rand -hex 32 > file` gives a 64-byte key
    of hex characters). Usher runs that secret as the current key, key id 1."""
    with open(path, "rb") as f:
        data = f.read()
    return Secret(data.rstrip(b"\r\n"), kid)


def write_secret(path, key):
    """Write a secret file as an operator would: text, newline-terminated, mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def nonce_bin(secret, ts, index, algo, version=NONCE_VERSION, kid=None, rsvd=0):
    body = struct.pack(">BBIIBB", version, secret.kid if kid is None else kid, ts & 0xFFFFFFFF,
                       index & 0xFFFFFFFF, algo if isinstance(algo, int) else ALGOS[algo][0],
                       rsvd)
    mac = hmac.new(secret.key, body, hashlib.sha256).digest()[:NONCE_MAC_LEN]
    return body + mac


def make_nonce(secret, ts, index, algo, **kw):
    """A nonce as Usher makes it; algo is a name ('MD5') or enum value."""
    return b64url(nonce_bin(secret, ts, index, algo, **kw))


def parse_nonce(secret, s):
    """Decode and authenticate a nonce. Returns a dict, or None when it is not authentic."""
    if len(s) != 32:
        return None
    try:
        raw = b64url_decode(s)
    except ValueError:
        return None
    if len(raw) != 24:
        return None
    ver, kid, ts, index, algo, rsvd = struct.unpack(">BBIIBB", raw[:12])
    want = hmac.new(secret.key, raw[:12], hashlib.sha256).digest()[:NONCE_MAC_LEN]
    if not hmac.compare_digest(want, raw[12:]):
        return None
    return {"version": ver, "kid": kid, "timestamp": ts, "index": index, "algo": algo,
            "rsvd": rsvd}


def forge_nonce(secret, ts, index, algo):
    """Right layout, MAC under another key."""
    return make_nonce(Secret(hashlib.sha256(b"not the secret" + secret.key).digest(),
                             secret.kid), ts, index, algo)


def flip_mac_nonce(secret, ts, index, algo):
    """Authentic nonce with one bit of its MAC flipped."""
    raw = bytearray(nonce_bin(secret, ts, index, algo))
    raw[-1] ^= 0x01
    return b64url(bytes(raw))


# ---------------------------------------------------------------------------------------------
# SIP


class Endpoint:
    """Where a frame comes from or goes to."""

    def __init__(self, mac, ip, port):
        self.mac, self.ip, self.port = mac, ip, port


PHONE = Endpoint(MAC_PHONE, IP_PHONE, 5060)
USHER = Endpoint(MAC_USHER, IP_PBX, 5060)
PBX = Endpoint(MAC_PBX, IP_PBX, 5060)


def credentials(algo, user, realm, nonce, uri, method, ha1_hex=None, password=None,
                qop="auth", nc=1, cnonce="0a4f113b", body=b"", opaque=None,
                response=None, sess_binary=False, algorithm_param=True, extra=""):
    """A digest credentials value ('Digest username=..., ...').

    response: override the computed response (hex string); algorithm_param False leaves out
    algorithm= (which then means MD5).
    """
    if ha1_hex is None:
        ha1_hex = ha1(algo, user, realm, password)
    ncs = "%08x" % nc if isinstance(nc, int) else nc
    if response is None:
        response = digest_response(algo, ha1_hex, nonce, method, uri, qop,
                                   ncs if qop else None, cnonce if qop else None, body,
                                   sess_binary)
    parts = ['username="%s"' % user, 'realm="%s"' % realm, 'nonce="%s"' % nonce,
             'uri="%s"' % uri, 'response="%s"' % response]
    if algorithm_param:
        parts.append("algorithm=%s" % algo)
    if qop:
        parts += ['cnonce="%s"' % cnonce, "qop=%s" % qop, "nc=%s" % ncs]
    if opaque is not None:
        parts.append('opaque="%s"' % opaque)
    return "Digest " + ", ".join(parts) + extra


def sip_request(method, ruri, call_id, cseq=1, user="alice", domain=DOMAIN, to_user=None,
                from_tag="f1", to_tag=None, branch=None, via_host=IP_PHONE, via_port=5060,
                rport=True, extra_vias=(), auth=None, auth_header=None, body=b"",
                content_type=None, cseq_method=None, headers=(), max_forwards=70):
    """A request as a phone sends it (bytes, CRLF). auth: a credentials value; auth_header
    defaults to Authorization for REGISTER and Proxy-Authorization otherwise."""
    if branch is None:
        branch = "z9hG4bK-" + hashlib.md5(("%s|%s|%d" % (call_id, method, cseq))
                                          .encode()).hexdigest()[:12]
    to_user = user if to_user is None else to_user
    via = "SIP/2.0/UDP %s:%d;%sbranch=%s" % (via_host, via_port, "rport;" if rport else "",
                                             branch)
    lines = ["%s %s SIP/2.0" % (method, ruri), "Via: " + via]
    lines += ["Via: " + v for v in extra_vias]
    lines += ["Max-Forwards: %d" % max_forwards,
              'From: "%s" <sip:%s@%s>;tag=%s' % (user.capitalize(), user, domain, from_tag),
              "To: <sip:%s@%s>%s" % (to_user, domain, ";tag=" + to_tag if to_tag else ""),
              "Call-ID: " + call_id,
              "CSeq: %d %s" % (cseq, cseq_method or method),
              "Contact: <sip:%s@%s:%d>" % (user, via_host, via_port)]
    if auth is not None:
        if auth_header is None:
            auth_header = "Authorization" if method == "REGISTER" else "Proxy-Authorization"
        lines.append("%s: %s" % (auth_header, auth))
    if method == "REGISTER":
        lines.append("Expires: 3600")
    lines += list(headers)
    lines.append("User-Agent: usher-gen")
    if content_type:
        lines.append("Content-Type: " + content_type)
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def sip_response(code, reason, call_id, cseq=1, cseq_method="INVITE", user="alice",
                 from_tag="f1", to_tag="pbx1", via_host=IP_PHONE, via_port=5060):
    lines = ["SIP/2.0 %d %s" % (code, reason),
             "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-resp%s" % (via_host, via_port, call_id[:6]),
             "From: <sip:%s@%s>;tag=%s" % (user, DOMAIN, from_tag),
             "To: <sip:%s@%s>;tag=%s" % (user, DOMAIN, to_tag),
             "Call-ID: " + call_id,
             "CSeq: %d %s" % (cseq, cseq_method),
             "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


SDP = (b"v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\n"
       b"c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8\r\n"
       b"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n")


# ---------------------------------------------------------------------------------------------
# Frames and pcaps

_ip_id = [1]


def frame(payload, src=PHONE, dst=USHER, sport=None, dport=None, udp_checksum=None, proto="udp"):
    """An Ethernet/IPv4/UDP frame (scapy packet) with correct checksums unless udp_checksum
    ('bad', 'zero' or a number) says otherwise."""
    _ip_id[0] = (_ip_id[0] + 1) & 0xFFFF
    ip = IP(src=src.ip, dst=dst.ip, id=_ip_id[0], ttl=64, flags="DF")
    sport = src.port if sport is None else sport
    dport = dst.port if dport is None else dport
    if proto == "tcp":
        l4 = TCP(sport=sport, dport=dport, flags="PA", seq=1000, ack=1)
    else:
        l4 = UDP(sport=sport, dport=dport)
    pkt = Ether(src=src.mac, dst=dst.mac) / ip / l4 / Raw(payload)
    pkt = Ether(bytes(pkt))  # fills lengths and checksums
    if udp_checksum is not None:
        good = pkt[UDP].chksum
        if udp_checksum == "bad":
            c = good ^ 0x5A5A
        elif udp_checksum == "zero":
            c = 0
        else:
            c = udp_checksum
        pkt[UDP].chksum = c
        pkt = Ether(bytes(pkt))
    return pkt


def frame_bytes(pkt):
    return bytes(pkt)


def write_pcap(path, frames, t0=None):
    """Write frames (scapy packets or bytes) to a classic Ethernet pcap; an empty list writes
    only the file header."""
    t0 = time.time() if t0 is None else t0
    w = PcapWriter(path, linktype=1, sync=False)
    if not frames:
        w.write_header(None)
    for i, f in enumerate(frames):
        p = f if not isinstance(f, (bytes, bytearray)) else Ether(bytes(f))
        p.time = t0 + i * 1e-4
        w.write(p)
    w.close()


def read_pcap_raw(path):
    """Frames of a classic pcap as bytes (plain struct: no scapy re-encoding)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return out
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise ValueError("%s: not a classic pcap" % path)
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        out.append(data[off:off + incl])
        off += incl
    return out


# ---------------------------------------------------------------------------------------------
# Benchmark and demo traffic

BENCH_USERS = 64
BENCH_PATHS = ("challenge", "md5", "sha256", "sha512-256", "fail", "passthrough")
# Generations a benchmark nonce slot cycles through: three points a third of the way round the
# 28-bit generation circle of an nc table of order 4 (dataplane/auth/ush_nonce.h). Each step is
# less than half the circle, so by the table's serial-number arithmetic every request is a
# newer nonce claiming its slot (accepted), even when the pcap loops.
BENCH_NC_ORDER = 4
BENCH_GENERATIONS = (0, 0x5555555, 0xAAAAAAA)


def bench_user(i):
    return "user%03d" % i, "pw-%03d" % i


def bench_credentials_file(path, realm=REALM):
    """Usher-format credentials for the benchmark users, every hash function."""
    with open(path, "w") as f:
        for i in range(BENCH_USERS):
            u, p = bench_user(i)
            for a in ("MD5", "SHA-256", "SHA-512-256"):
                f.write("%s:%s:%s:%s\n" % (u, realm, a, ha1(a, u, realm, p)))


def bench_frames(path, secret, count, ts, slots=range(8)):
    """Frames of one benchmark path, one request per frame.

    Verify paths: nonce index i uses slot slots[i % len(slots)] of an nc table of order
    BENCH_NC_ORDER, cycling through BENCH_GENERATIONS, always with nc=1: every frame verifies
    and is accepted, on the first pass through the pcap and on every loop after it."""
    frames = []
    algo = {"md5": "MD5", "sha256": "SHA-256", "sha512-256": "SHA-512-256", "fail": "MD5"}
    slots = list(slots)
    for i in range(count):
        cid = "bench-%s-%06d" % (path, i)
        u, p = bench_user(i % BENCH_USERS)
        if path == "passthrough":
            pl = b"\x80\x00" + struct.pack(">HII", i & 0xFFFF, 160 * i, 0x5eed) + b"\xd5" * 160
            frames.append(frame(pl, sport=16000 + (i & 0xFF) * 2, dport=20000))
            continue
        if path == "challenge":
            msg = sip_request("REGISTER", "sip:" + DOMAIN, cid, user=u, from_tag="t%d" % i)
            frames.append(frame(msg))
            continue
        a = algo[path]
        slot = slots[i % len(slots)]
        gen_ = BENCH_GENERATIONS[(i // len(slots)) % len(BENCH_GENERATIONS)]
        n = make_nonce(secret, ts, (gen_ << BENCH_NC_ORDER) | slot, a)
        uri = "sip:" + DOMAIN
        resp = "0" * 32 if path == "fail" else None
        cred = credentials(a, u, REALM, n, uri, "REGISTER", password=p, nc=1,
                           cnonce="c%06x" % i, response=resp)
        msg = sip_request("REGISTER", uri, cid, user=u, from_tag="t%d" % i, auth=cred)
        frames.append(frame(msg))
    return frames


# The demo's users (scripts/demo.d/subscribers.sql: a password for alice, HA1s for bob and carol).
DEMO_USERS = {"alice": "wonderland", "bob": "builder", "carol": "singer"}


def demo_frames(secret, ts):
    """The demo's outside traffic: [(frame, description)] in order."""
    out = []
    uri = "sip:" + DOMAIN
    mallory = Endpoint(MAC_PHONE, IP_ATTACKER, 5070)

    def reg(user, call_id, auth=None, src=PHONE, cseq=1):
        return frame(sip_request("REGISTER", uri, call_id, cseq=cseq, user=user, auth=auth),
                     src=src)

    def cred(algo, user, password, index, qop="auth", when=ts, method="REGISTER", ruri=uri,
             body=b""):
        n = make_nonce(secret, when, index, algo)
        return credentials(algo, user, REALM, n, ruri, method, password=password, qop=qop,
                           body=body)

    out.append((reg("alice", "demo-1"), "alice REGISTER without credentials"))
    out.append((reg("alice", "demo-1", cred("SHA-256", "alice", "wonderland", 101), cseq=2),
                "alice REGISTER, SHA-256, right password"))
    bob = reg("bob", "demo-3", cred("MD5", "bob", "builder", 102))
    out.append((bob, "bob REGISTER, MD5 (an HA1 only, no password), right password"))
    out.append((reg("carol", "demo-4", cred("SHA-512-256", "carol", "singer", 103,
                                            qop="auth-int")),
                "carol REGISTER, SHA-512-256 qop=auth-int, right password"))
    out.append((bob.copy(), "bob's phone resends it byte for byte (UDP retransmission)"))
    out.append((frame(bytes(bob[UDP].payload), src=mallory),
                "the same request replayed from 203.0.113.66 (same nonce, nc)"))
    out.append((reg("bob", "demo-6", cred("MD5", "bob", "123456", 201), src=mallory),
                "bob REGISTER from 203.0.113.66, wrong password"))
    out.append((reg("admin", "demo-7", cred("MD5", "admin", "admin", 202), src=mallory),
                "admin REGISTER from 203.0.113.66 (no such user)"))
    out.append((reg("alice", "demo-8", cred("SHA-256", "alice", "wonderland", 104,
                                            when=ts - 3600)),
                "alice REGISTER, right password, nonce an hour old"))
    invite = lambda auth=None, cseq=1: frame(sip_request(  # noqa: E731
        "INVITE", "sip:bob@" + DOMAIN, "demo-9", cseq=cseq, to_user="bob", auth=auth, body=SDP,
        content_type="application/sdp"))
    out.append((invite(), "alice INVITE bob without credentials"))
    out.append((invite(cred("SHA-256", "alice", "wonderland", 105, method="INVITE",
                            ruri="sip:bob@" + DOMAIN), cseq=2),
                "alice INVITE bob, right password"))
    out.append((frame(sip_response(180, "Ringing", "demo-9", cseq=2, user="bob")),
                "180 Ringing (a response)"))
    out.append((frame(b"REGISTER sip:usher.test SIP/2.0\r\nVia: nonsense\r\n\r\n",
                      src=mallory), "a scanner's broken REGISTER"))
    for i in range(3):
        out.append((frame(b"\x80\x00" + struct.pack(">HI", i, 160 * i) + b"\xd5" * 164,
                          sport=49170, dport=30000), "RTP to port 30000 (not SIP)"))
    return out


def demo_inside_frames():
    """What the PBX sends back during the demo: forwarded outward untouched."""
    return [(frame(sip_response(200, "OK", "demo-1", cseq=2, cseq_method="REGISTER"), src=PBX,
                   dst=PHONE), "PBX: 200 OK to alice's REGISTER")]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("path", choices=["challenge", "md5", "sha256", "sha512-256", "fail",
                                    "passthrough"])
    b.add_argument("--secret", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--count", type=int, default=1024)
    b.add_argument("--credentials", help="also write the bench users' credentials file")
    d = sub.add_parser("demo")
    d.add_argument("--secret", required=True)
    d.add_argument("--out", required=True)
    n = sub.add_parser("nonce")
    n.add_argument("--secret", required=True)
    n.add_argument("--index", type=int, default=0)
    n.add_argument("--algo", default="MD5", choices=list(ALGOS))
    n.add_argument("--age", type=int, default=0)
    args = ap.parse_args(argv)
    secret = load_secret(args.secret)
    now = int(time.time())
    if args.cmd == "bench":
        if args.credentials:
            bench_credentials_file(args.credentials)
        write_pcap(args.out, bench_frames(args.path, secret, args.count, now + nonce_lead()))
    elif args.cmd == "demo":
        items = demo_frames(secret, now + nonce_lead())
        inside = demo_inside_frames()
        write_pcap(os.path.join(args.out, "outside.pcap"), [f for f, _ in items])
        write_pcap(os.path.join(args.out, "inside.pcap"), [f for f, _ in inside])
        with open(os.path.join(args.out, "frames.json"), "w") as f:
            json.dump({"outside": [w for _, w in items], "inside": [w for _, w in inside]}, f,
                      indent=1)
    else:
        print(make_nonce(secret, now - args.age, args.index, args.algo))
    return 0


def nonce_lead():
    """Seconds added to 'now' in the timestamps of crafted nonces.

    Usher answers stale for nonces made before it started (boot_time, like Kamailio's
    up_since check), so traffic generated just before a run carries timestamps slightly in
    the future; they stay within USH_NONCE_MAX_DRIFT (5 s) of its clock when it reads them."""
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
