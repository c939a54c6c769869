#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
"""Writes the SIP torture corpus: valid/*.sip must parse, invalid/<errname>__<what>.sip must be
rejected with USH_SIP_E<ERRNAME>. Messages are our own, written in the spirit of the RFC 4475
categories. Digest responses are real (password "secret" for every user), so the digest tests
and fuzzers can reuse them. Run from anywhere: python3 gen_corpus.py (rewrites both dirs)."""

import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "secret"


def h(algo, s):
    name = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}[algo]
    return hashlib.new(name, s.encode()).hexdigest()


def digest(method, uri, user, realm, nonce, algo="MD5", qop=None, nc="00000001",
           cnonce="0a4f113b", upper=False):
    base = algo.replace("-sess", "")
    ha1 = h(base, f"{user}:{realm}:{PASSWORD}")
    if algo.endswith("-sess"):
        ha1 = h(base, f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(base, f"{method}:{uri}")
    if qop:
        r = h(base, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    else:
        r = h(base, f"{ha1}:{nonce}:{ha2}")
    return r.upper() if upper else r


def msg(lines, body=b"", cl=True, eol="\r\n"):
    """lines: start line and headers (str). Adds Content-Length (from the body) if cl."""
    if isinstance(body, str):
        body = body.encode()
    hdrs = list(lines)
    if cl:
        hdrs.append(f"Content-Length: {len(body)}")
    return (eol.join(hdrs) + eol + eol).encode("utf-8", "surrogateescape") + body


SDP = ("v=0\r\n"
       "o=- 3849205771 3849205771 IN IP4 192.0.2.21\r\n"
       "s=Usher test\r\n"
       "c=IN IP4 192.0.2.21\r\n"
       "t=0 0\r\n"
       "m=audio 40012 RTP/AVP 9 0 8 101\r\n"
       "a=rtpmap:9 G722/8000\r\n"
       "a=rtpmap:0 PCMU/8000\r\n"
       "a=rtpmap:8 PCMA/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\n"
       "a=fmtp:101 0-15\r\n"
       "a=ptime:20\r\n"
       "a=sendrecv\r\n")

valid = {}
invalid = {}

# ---------------------------------------------------------------- REGISTER from real phones
N1 = "YmFkY2FmZTAwMTIzNDU2Nzg5YWJjZGVm"
r = digest("REGISTER", "sip:pbx.example.com", "1001", "pbx.example.com", N1, qop="auth",
           cnonce="8a4e0f31")
valid["register_yealink"] = msg([
    "REGISTER sip:pbx.example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK1283742912;rport",
    "From: \"1001\" <sip:1001@pbx.example.com>;tag=2093814755",
    "To: \"1001\" <sip:1001@pbx.example.com>",
    "Call-ID: 0_2483712094@192.168.1.50",
    "CSeq: 2 REGISTER",
    "Contact: <sip:1001@192.168.1.50:5060>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-805ec0a1b2c3>\"",
    "Authorization: Digest username=\"1001\", realm=\"pbx.example.com\", nonce=\"%s\", "
    "uri=\"sip:pbx.example.com\", response=\"%s\", algorithm=MD5, cnonce=\"8a4e0f31\", "
    "qop=auth, nc=00000001" % (N1, r),
    "X-Grandstream-PBX: true",
    "Max-Forwards: 70",
    "User-Agent: Yealink SIP-T46S 66.86.0.15",
    "Expires: 3600",
    "Allow: INVITE, INFO, PRACK, ACK, BYE, CANCEL, OPTIONS, NOTIFY, REGISTER, SUBSCRIBE, REFER, PUBLISH, UPDATE, MESSAGE",
])

N2 = "5f1c2a7b:9e44c2d1b0a55e77"
r = digest("REGISTER", "sip:voip.example.net", "polycom42", "voip.example.net", N2, qop="auth",
           cnonce="c2d9a1f0", nc="00000003")
valid["register_polycom"] = msg([
    "REGISTER sip:voip.example.net SIP/2.0",
    "Via: SIP/2.0/UDP 10.20.30.40;branch=z9hG4bKd2a09e8c2F9B6C59",
    "From: \"Front Desk\" <sip:polycom42@voip.example.net>;tag=7E5E3FBC-4F3A82A",
    "To: <sip:polycom42@voip.example.net>",
    "CSeq: 3 REGISTER",
    "Call-ID: a7c1b09e-6a1e4c0f-9c6d2a31@10.20.30.40",
    "Contact: <sip:polycom42@10.20.30.40>;methods=\"INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, PRACK, UPDATE, REFER\"",
    "User-Agent: PolycomVVX-VVX_411-UA/6.3.1.8427",
    "Accept-Language: en",
    "Authorization: Digest username=\"polycom42\", realm=\"voip.example.net\", nonce=\"%s\", "
    "qop=auth, cnonce=\"c2d9a1f0\", nc=00000003, opaque=\"\", uri=\"sip:voip.example.net\", "
    "response=\"%s\", algorithm=MD5" % (N2, r),
    "Max-Forwards: 70",
    "Expires: 120",
])

N3 = "Y2xvdWQtc2lwLTE3MDAwMDAwMDA"
r = digest("REGISTER", "sip:sip.example.org;transport=UDP", "zoe", "sip.example.org", N3,
           qop="auth", cnonce="a1b2c3d4e5f60718")
valid["register_zoiper"] = msg([
    "REGISTER sip:sip.example.org;transport=UDP SIP/2.0",
    "Via: SIP/2.0/UDP 172.16.4.9:61234;branch=z9hG4bK-524287-1---5f2d7c33a9e2b0c1;rport",
    "Max-Forwards: 70",
    "Contact: <sip:zoe@172.16.4.9:61234;rinstance=6c1c1b0f3e2a7d45;transport=UDP>",
    "To: <sip:zoe@sip.example.org;transport=UDP>",
    "From: <sip:zoe@sip.example.org;transport=UDP>;tag=3a9f81c2",
    "Call-ID: ZDk4ZmE3NzFkNmQ0OGU2ZTcwYmQ0ZGQ5ODI1N2Q1ZGM",
    "CSeq: 2 REGISTER",
    "Expires: 60",
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE",
    "Supported: replaces, norefersub, extended-refer, timer, outbound, path, X-cisco-serviceuri",
    "User-Agent: Z 5.6.2 v2.10.19.5",
    "Authorization: Digest username=\"zoe\",realm=\"sip.example.org\",nonce=\"%s\","
    "uri=\"sip:sip.example.org;transport=UDP\",response=\"%s\",cnonce=\"a1b2c3d4e5f60718\","
    "nc=00000001,qop=auth,algorithm=MD5" % (N3, r),
    "Allow-Events: presence, kpml, talk",
])

N4 = "ZWFzdC0xNzAwMDAwMDAwLTQy"
r256 = digest("REGISTER", "sip:sip.example.org", "bob", "sip.example.org", N4,
              algo="SHA-256", qop="auth", cnonce="Ts3a9nB0")
r5 = digest("REGISTER", "sip:sip.example.org", "bob", "sip.example.org", N4,
            algo="MD5", qop="auth", cnonce="Ts3a9nB0")
valid["register_linphone_two_auth"] = msg([
    "REGISTER sip:sip.example.org SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.77:44791;branch=z9hG4bK.Qh3vXbY1m;rport",
    "From: <sip:bob@sip.example.org>;tag=~ZkP2fQx9",
    "To: sip:bob@sip.example.org",
    "CSeq: 21 REGISTER",
    "Call-ID: 8sQW3Lk0pZ",
    "Max-Forwards: 70",
    "Supported: replaces, outbound, gruu, path",
    "Accept: application/sdp",
    "Accept: text/plain",
    "Accept: application/vnd.gsma.rcs-ft-http+xml",
    "Contact: <sip:bob@192.0.2.77:44791;transport=udp>;+sip.instance=\"<urn:uuid:3f9a2c1e-55b0-4c3e-9a0e-1d2c3b4a5f60>\";+org.linphone.specs=\"lime\"",
    "Expires: 600",
    "User-Agent: Linphone-Desktop/5.2.0 (debian) Debian GNU/Linux 12, Qt 5.15.8 LinphoneCore/5.3.0",
    "Authorization:  Digest realm=\"sip.example.org\", nonce=\"%s\", algorithm=SHA-256, "
    "opaque=\"+GNywA==\", username=\"bob\",  uri=\"sip:sip.example.org\", response=\"%s\", "
    "cnonce=\"Ts3a9nB0\", nc=00000001, qop=auth" % (N4, r256),
    "Authorization:  Digest realm=\"sip.example.org\", nonce=\"%s\", algorithm=MD5, "
    "opaque=\"+GNywA==\", username=\"bob\",  uri=\"sip:sip.example.org\", response=\"%s\", "
    "cnonce=\"Ts3a9nB0\", nc=00000001, qop=auth" % (N4, r5),
])

N5 = "1712345678:2f6a0b9d0c"
r = digest("REGISTER", "sip:example.com", "alice", "example.com", N5, qop="auth",
           cnonce="f1e2d3c4b5a69788")
valid["register_baresip"] = msg([
    "REGISTER sip:example.com SIP/2.0",
    "Via: SIP/2.0/UDP 198.51.100.12:5060;branch=z9hG4bK2d7e1c0b8a5f3e9d;rport",
    "Contact: <sip:alice-0x55d0c1a2b3c4@198.51.100.12:5060>;expires=3600",
    "Max-Forwards: 70",
    "To: <sip:alice@example.com>",
    "From: <sip:alice@example.com>;tag=0b3a8e7f1c2d4e5f",
    "Call-ID: 6f2e1d0c9b8a7f6e",
    "CSeq: 47 REGISTER",
    "User-Agent: baresip v3.10.0 (x86_64/linux)",
    "Authorization: Digest username=\"alice\",realm=\"example.com\",nonce=\"%s\","
    "uri=\"sip:example.com\",response=\"%s\",cnonce=\"f1e2d3c4b5a69788\",qop=auth,"
    "nc=00000001" % (N5, r),
    "Allow: INVITE,ACK,BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE,UPDATE",
    "Supported: replaces,norefersub,100rel",
])

N6 = "3e7bca16-5d0e-11ef-9c1a-0242ac120002"
r = digest("REGISTER", "sip:192.0.2.200", "6001", "asterisk", N6, qop="auth",
           cnonce="4d0b1a5c7e8f4a9b8c6d2e1f0a3b4c5d", nc="00000002")
valid["register_pjsip_quoted_qop"] = msg([
    "REGISTER sip:192.0.2.200 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.31:5060;rport;branch=z9hG4bKPj2c7d0e1f-3a4b-4c5d-8e9f-0a1b2c3d4e5f",
    "Max-Forwards: 70",
    "From: <sip:6001@192.0.2.200>;tag=8f0e7c1d-2b3a-4c5d-9e8f-7a6b5c4d3e2f",
    "To: <sip:6001@192.0.2.200>",
    "Call-ID: 1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0",
    "CSeq: 9931 REGISTER",
    "User-Agent: PJSUA v2.14.1 Linux-6.1.0/x86_64/glibc-2.36",
    "Contact: <sip:6001@192.0.2.31:5060;ob>",
    "Expires: 300",
    "Allow: PRACK, INVITE, ACK, BYE, CANCEL, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER, MESSAGE, OPTIONS",
    "Authorization: Digest username=\"6001\", realm=\"asterisk\", nonce=\"%s\", "
    "uri=\"sip:192.0.2.200\", response=\"%s\", algorithm=\"MD5\", "
    "cnonce=\"4d0b1a5c7e8f4a9b8c6d2e1f0a3b4c5d\", qop=\"auth\", nc=00000002" % (N6, r),
])

N7 = "4aa6f3d2"
r = digest("REGISTER", "sip:example.com", "1000", "example.com", N7)
valid["register_grandstream_rfc2069"] = msg([
    "REGISTER sip:example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.168.0.160:5062;branch=z9hG4bK1781553412;rport",
    "From: \"Lobby\" <sip:1000@example.com>;tag=1427461530",
    "To: <sip:1000@example.com>",
    "Call-ID: 912834021-5062-1@BA.BBA.A.BGA",
    "CSeq: 2001 REGISTER",
    "Contact: <sip:1000@192.168.0.160:5062;transport=udp>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000B82A1B2C3>\"",
    "Authorization: Digest username=\"1000\", realm=\"example.com\", algorithm=MD5, "
    "uri=\"sip:example.com\", nonce=\"%s\", response=\"%s\"" % (N7, r),
    "Max-Forwards: 70",
    "User-Agent: Grandstream GXP2170 1.0.11.3",
    "Supported: path",
    "Expires: 3600",
])

N8 = "MTcwMDAwMDAwMDpjaXNjbw"
r = digest("REGISTER", "sip:cucm.example.com", "cisco7", "example.com", N8, qop="auth",
           cnonce="5B2E9F10", upper=True)
valid["register_cisco_upper_hex"] = msg([
    "REGISTER sip:cucm.example.com SIP/2.0",
    "Via: SIP/2.0/UDP 203.0.113.40:5060;branch=z9hG4bK-3c1a8e7f",
    "From: Reception <sip:cisco7@cucm.example.com>;tag=d8b0f2a4c6e1a9b3o0",
    "To: Reception <sip:cisco7@cucm.example.com>",
    "Call-ID: 1c5e9a7b-3d2f4e60@203.0.113.40",
    "CSeq: 43211 REGISTER",
    "Max-Forwards: 70",
    "Authorization: Digest username=\"cisco7\",realm=\"example.com\",nonce=\"%s\","
    "uri=\"sip:cucm.example.com\",algorithm=\"MD5\",response=\"%s\",qop=\"auth\","
    "nc=00000001,cnonce=\"5B2E9F10\"" % (N8, r),
    "Contact: Reception <sip:cisco7@203.0.113.40:5060>;expires=3600",
    "User-Agent: Cisco/SPA504G-7.6.2b",
    "Content-Length: 0",
    "Allow: ACK, BYE, CANCEL, INFO, INVITE, NOTIFY, OPTIONS, REFER, UPDATE",
    "Supported: replaces",
], cl=False)

# Credentials with everything RFC 7616 allows: sess algorithm, userhash, auth-int, escapes.
N9 = "dcd98b7102dd2f0e8b11d0f600bfb0c093"
r = digest("REGISTER", "sip:example.com", "ali\"ce", "example.com", N9,
           algo="SHA-512-256-sess", qop="auth", cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v")
valid["register_sha512_256_sess_escaped"] = msg([
    "REGISTER sip:example.com SIP/2.0",
    "Via: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK-sess-1",
    "From: <sip:alice@example.com>;tag=sess1",
    "To: <sip:alice@example.com>",
    "Call-ID: sess-512-1@client.example.com",
    "CSeq: 1 REGISTER",
    "Max-Forwards: 70",
    "Contact: <sip:alice@client.example.com>",
    "Authorization: DIGEST username=\"ali\\\"ce\", realm=\"example.com\",\r\n"
    "\tnonce=\"%s\", uri=\"sip:example.com\",\r\n"
    "\talgorithm=SHA-512-256-sess, response=\"%s\",\r\n"
    "\tqop=auth, nc=00000001, cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\",\r\n"
    "\tuserhash=false, opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\"" % (N9, r),
])

# ---------------------------------------------------------------- INVITE dialogs
NP = "aW52aXRlLW5vbmNlLTE"
rp1 = digest("INVITE", "sip:+15551230000@gw.example.com", "trunk7", "edge.example.com", NP,
             qop="auth", cnonce="e0c1a2b3")
rp2 = digest("INVITE", "sip:+15551230000@gw.example.com", "trunk7", "core.example.com", NP,
             algo="SHA-256", qop="auth", cnonce="e0c1a2b3")
valid["invite_two_proxy_auth_sdp"] = msg([
    "INVITE sip:+15551230000@gw.example.com SIP/2.0",
    "Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bK776asdhds;rport",
    "Max-Forwards: 69",
    "To: <sip:+15551230000@gw.example.com>",
    "From: \"Trunk Seven\" <sip:trunk7@edge.example.com>;tag=1928301774",
    "Call-ID: a84b4c76e66710@198.51.100.5",
    "CSeq: 314160 INVITE",
    "Contact: <sip:trunk7@198.51.100.5:5060>",
    "Proxy-Authorization: Digest username=\"trunk7\", realm=\"edge.example.com\", nonce=\"%s\", "
    "uri=\"sip:+15551230000@gw.example.com\", response=\"%s\", algorithm=MD5, "
    "cnonce=\"e0c1a2b3\", qop=auth, nc=00000001" % (NP, rp1),
    "Proxy-Authorization: Digest username=\"trunk7\", realm=\"core.example.com\", nonce=\"%s\", "
    "uri=\"sip:+15551230000@gw.example.com\", response=\"%s\", algorithm=SHA-256, "
    "cnonce=\"e0c1a2b3\", qop=auth, nc=00000001" % (NP, rp2),
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO, UPDATE, PRACK",
    "Supported: 100rel, timer, replaces",
    "Session-Expires: 1800;refresher=uac",
    "Min-SE: 90",
    "Content-Type: application/sdp",
], body=SDP)

valid["invite_identity_shaken"] = msg([
    "INVITE sip:+12155550199@carrier.example.net;user=phone SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.90:5060;branch=z9hG4bKstir1",
    "Max-Forwards: 70",
    "From: \"Acme Sales\" <sip:+12155550100@originating.example.com;user=phone>;tag=stir-1",
    "To: <sip:+12155550199@carrier.example.net;user=phone>",
    "Call-ID: 5a1f0b2c-stir@192.0.2.90",
    "CSeq: 1 INVITE",
    "P-Asserted-Identity: <sip:+12155550100@originating.example.com;user=phone>",
    "Identity: eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0LmV4YW1wbGUub3JnL3Bhc3Nwb3J0LnBlbSJ9."
    "eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxMjE1NTU1MDE5OSJdfSwiaWF0IjoxNzAwMDAwMDAwLCJvcmlnIjp7InRuIjoiMTIxNTU1NTAxMDAifSwib3JpZ2lkIjoiMTIzZTQ1NjctZTg5Yi0xMmQzLWE0NTYtNDI2NjU1NDQwMDAwIn0."
    "bWFkZS11cC1zaWduYXR1cmUtbm90LXZlcmlmaWFibGUtanVzdC1mb3ItcGFyc2luZw;"
    "info=<https://cert.example.org/passport.pem>;alg=ES256;ppt=\"shaken\"",
    "Contact: <sip:+12155550100@192.0.2.90:5060>",
    "Content-Type: application/sdp",
], body=SDP)

valid["invite_compact_everything"] = msg([
    "INVITE sip:carol@chicago.example.com SIP/2.0",
    "v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds7,SIP/2.0/UDP 192.0.2.3:5070;branch=z9hG4bK31",
    "V: SIP/2.0/TCP 192.0.2.2;branch=z9hG4bKouter;received=192.0.2.2",
    "f: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl",
    "t: Carol <sip:carol@chicago.example.com>",
    "i: 1j9FpLxk3uxtm8tn@biloxi.example.com",
    "CSeq: 1 INVITE",
    "m: <sips:bob@client.biloxi.example.com>",
    "k: 100rel",
    "s: Need more boxes",
    "e: identity",
    "o: dialog",
    "u: presence, dialog",
    "r: <sip:dave@example.com>",
    "b: <sip:bob@biloxi.example.com>",
    "x: 3600",
    "a: *;audio",
    "j: *;video",
    "d: proxy",
    "y: c2lnbmF0dXJl;info=<https://i.example/c.pem>",
    "c: application/sdp",
    "l: %d" % len(SDP),
], body=SDP, cl=False)

valid["ack"] = msg([
    "ACK sip:carol@192.0.2.30:5060 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds9",
    "Max-Forwards: 70",
    "From: Bob <sip:bob@biloxi.example.com>;tag=a73kszlfl",
    "To: Carol <sip:carol@chicago.example.com>;tag=8321234356",
    "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com",
    "CSeq: 1 ACK",
])
valid["bye"] = msg([
    "BYE sip:alice@pc33.atlanta.example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10",
    "Max-Forwards: 70",
    "From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf",
    "To: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
    "Call-ID: a84b4c76e66710",
    "CSeq: 231 BYE",
])
valid["cancel"] = msg([
    "CANCEL sip:bob@biloxi.example.com SIP/2.0",
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
    "Max-Forwards: 70",
    "To: Bob <sip:bob@biloxi.example.com>",
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
    "CSeq: 314159 CANCEL",
])
valid["prack"] = msg([
    "PRACK sip:gw@198.51.100.9:5060 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKprack1",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=p1",
    "To: <sip:+4930123@example.com>;tag=gw77",
    "Call-ID: prack-call@192.0.2.4",
    "CSeq: 2 PRACK",
    "RAck: 776656 1 INVITE",
])
valid["update_sdp"] = msg([
    "UPDATE sip:gw@198.51.100.9:5060 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKupd1",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=p1",
    "To: <sip:+4930123@example.com>;tag=gw77",
    "Call-ID: prack-call@192.0.2.4",
    "CSeq: 3 UPDATE",
    "Content-Type: application/sdp",
], body=SDP)
valid["info_dtmf"] = msg([
    "INFO sip:bob@192.0.2.80 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKinfo1",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=i1",
    "To: <sip:bob@example.com>;tag=i2",
    "Call-ID: info-call@192.0.2.4",
    "CSeq: 5 INFO",
    "Content-Type: application/dtmf-relay",
], body="Signal=5\r\nDuration=160\r\n")
valid["refer"] = msg([
    "REFER sip:bob@192.0.2.80 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKref1",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=r1",
    "To: <sip:bob@example.com>;tag=r2",
    "Call-ID: refer-call@192.0.2.4",
    "CSeq: 6 REFER",
    "Refer-To: <sip:carol@example.com?Replaces=abc%40host%3Bto-tag%3D1%3Bfrom-tag%3D2>",
    "Referred-By: <sip:alice@example.com>",
    "Contact: <sip:alice@192.0.2.4>",
])
valid["message_utf8"] = msg([
    "MESSAGE sip:user2@domain.example SIP/2.0",
    "Via: SIP/2.0/TCP user1pc.domain.example;branch=z9hG4bK776sgdkse",
    "Max-Forwards: 70",
    "From: \"J\u00fcrgen M\u00fcller\" <sip:user1@domain.example>;tag=49583",
    "To: \"\u5c71\u7530\" <sip:user2@domain.example>",
    "Call-ID: asd88asd77a@1.2.3.4",
    "CSeq: 1 MESSAGE",
    "Content-Type: text/plain;charset=UTF-8",
], body="Gr\u00fc\u00dfe, \u3053\u3093\u306b\u3061\u306f \U0001F600".encode())
valid["subscribe"] = msg([
    "SUBSCRIBE sip:bob@example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKsub1;rport",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=s1",
    "To: <sip:bob@example.com>",
    "Call-ID: sub-1@192.0.2.4",
    "CSeq: 1 SUBSCRIBE",
    "Event: presence",
    "Accept: application/pidf+xml",
    "Contact: <sip:alice@192.0.2.4:5060>",
    "Expires: 3600",
])
valid["notify_mwi"] = msg([
    "NOTIFY sip:1001@192.168.1.50:5060 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.200:5060;branch=z9hG4bK2a4c6e8",
    "Max-Forwards: 70",
    "From: <sip:1001@pbx.example.com>;tag=as0b1c2d3e",
    "To: <sip:1001@192.168.1.50:5060>;tag=2093814755",
    "Call-ID: 6a4d2b1c0e9f8a7b@192.0.2.200",
    "CSeq: 102 NOTIFY",
    "Event: message-summary",
    "Subscription-State: active;expires=3599",
    "Content-Type: application/simple-message-summary",
], body="Messages-Waiting: yes\r\nMessage-Account: sip:*97@pbx.example.com\r\nVoice-Message: 2/8 (0/2)\r\n")
valid["publish_pidf"] = msg([
    "PUBLISH sip:alice@example.com SIP/2.0",
    "Via: SIP/2.0/TLS pc.example.com:5061;branch=z9hG4bKpub1",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=pb1",
    "To: <sip:alice@example.com>",
    "Call-ID: pub-1@pc.example.com",
    "CSeq: 1 PUBLISH",
    "Event: presence",
    "Expires: 3600",
    "Content-Type: application/pidf+xml",
], body=('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.com">\n'
         '  <tuple id="t1"><status><basic>open</basic></status></tuple>\n'
         '</presence>\n'))
valid["options_keepalive_no_content_length"] = msg([
    "OPTIONS sip:pbx.example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK1918491221;rport",
    "From: <sip:1001@pbx.example.com>;tag=1566098017",
    "To: <sip:pbx.example.com>",
    "Call-ID: 0_1918491221@192.168.1.50",
    "CSeq: 1 OPTIONS",
    "Max-Forwards: 70",
    "User-Agent: Yealink SIP-T46S 66.86.0.15",
], cl=False)

# ---------------------------------------------------------------- responses
valid["response_100_trying"] = msg([
    "SIP/2.0 100 Trying",
    "Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bK776asdhds;rport=5060;received=198.51.100.5",
    "From: \"Trunk Seven\" <sip:trunk7@edge.example.com>;tag=1928301774",
    "To: <sip:+15551230000@gw.example.com>",
    "Call-ID: a84b4c76e66710@198.51.100.5",
    "CSeq: 314160 INVITE",
])
valid["response_401_challenge"] = msg([
    "SIP/2.0 401 Unauthorized",
    "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK1283742911;rport=5060;received=203.0.113.7",
    "From: \"1001\" <sip:1001@pbx.example.com>;tag=2093814755",
    "To: \"1001\" <sip:1001@pbx.example.com>;tag=as6b0a1f2e",
    "Call-ID: 0_2483712094@192.168.1.50",
    "CSeq: 1 REGISTER",
    "WWW-Authenticate: Digest realm=\"pbx.example.com\", nonce=\"%s\", algorithm=SHA-256, qop=\"auth\"" % N1,
    "WWW-Authenticate: Digest realm=\"pbx.example.com\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"" % N1,
    "Server: Usher",
])
valid["response_407_proxy"] = msg([
    "SIP/2.0 407 Proxy Authentication Required",
    "Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bK776asdhdr;rport=5060;received=198.51.100.5",
    "From: \"Trunk Seven\" <sip:trunk7@edge.example.com>;tag=1928301774",
    "To: <sip:+15551230000@gw.example.com>;tag=usher-5f2c",
    "Call-ID: a84b4c76e66710@198.51.100.5",
    "CSeq: 314159 INVITE",
    "Proxy-Authenticate: Digest realm=\"edge.example.com\", nonce=\"%s\", opaque=\"\", stale=FALSE, algorithm=MD5, qop=\"auth,auth-int\"" % NP,
])
valid["response_200_register_contacts"] = msg([
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK1283742912;rport=5060;received=203.0.113.7",
    "From: \"1001\" <sip:1001@pbx.example.com>;tag=2093814755",
    "To: \"1001\" <sip:1001@pbx.example.com>;tag=as6b0a1f2f",
    "Call-ID: 0_2483712094@192.168.1.50",
    "CSeq: 2 REGISTER",
    "Contact: <sip:1001@192.168.1.50:5060>;expires=3600, <sip:1001@10.0.0.8:5060>;expires=1200",
    "Date: Sat, 13 Nov 2010 23:29:00 GMT",
    "Expires: 3600",
])
valid["response_180_empty_reason"] = msg([
    "SIP/2.0 180 ",
    "Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bK776asdhds",
    "From: <sip:trunk7@edge.example.com>;tag=1928301774",
    "To: <sip:+15551230000@gw.example.com>;tag=r1",
    "Call-ID: a84b4c76e66710@198.51.100.5",
    "CSeq: 314160 INVITE",
])
valid["response_699_odd_reason"] = msg([
    "SIP/2.0 699 \u00c7a ne marche pas \u2013 weird\treason",
    "Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bK699",
    "From: <sip:a@example.com>;tag=1",
    "To: <sip:b@example.com>;tag=2",
    "Call-ID: 699@example.com",
    "CSeq: 8 FOO",
])

# ---------------------------------------------------------------- RFC 4475 spirit: valid
# wsinv-like: legal but unusual whitespace, folding, case and leading zeros everywhere.
valid["strange_whitespace"] = msg([
    "INVITE sip:marguerite@lab.example.net;oddflag SIP/2.0",
    "tO  :\r\n sip:marguerite@lab.example.net ;   tag    = 7c0ffee",
    "fRoM\t: \"M. \\\"Quirky\\\" Caller \\\\\"    <sip:quirky@example.com>\r\n  ;\r\n  tag = 55zz1",
    "max-FORWARDS: 0042",
    "Call-ID: white.space.77@198.51.100.40",
    "Content-Length   : 140",
    "CSEQ: 00031\r\n  INVITE",
    "Via  : SIP  /   2.0\r\n /UDP\r\n    198.51.100.40;branch=z9hG4bKws001",
    "s :",
    "Freshly-Invented-Header:   some   value\r\n\tthat goes on",
    "Header-With-Only-Punctuation: ,;;,;,,;",
    "c: application/sdp",
    "Route:\r\n <sip:edge.example.net;lr;flag-with=value;flag-without-value>",
    "v:  SIP/2.0/TCP relay.example.org   ;\r\n  branch  =   z9hG4bKws002  ,\r\n SIP/2.0/UDP  10.1.2.3   ; branch=\r\n z9hG4bKws003",
    "m:\"Quotes \\\"inside\\\"\" <sip:quirky@example.com> ; p1 =\r\n      v1 ;\r\n  p2 ; q = 0.5",
], cl=False)
_body = ("v=0\r\no=q 1 1 IN IP4 198.51.100.40\r\ns=-\r\nc=IN IP4 198.51.100.40\r\n"
         "t=0 0\r\nm=audio 30000 RTP/AVP 0\r\nm=video 30002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n")
_body = (_body + "a=x:" + "z" * 200)[:140]
valid["strange_whitespace"] = valid["strange_whitespace"] + _body.encode()

valid["escaped_uris"] = msg([
    "INVITE sip:sip%3Aowner%40lab.example.org@example.net SIP/2.0",
    "To: sip:%6Fwner@lab.example.org",
    "From: <sip:name%20with%20blanks@example.net>;tag=e5c",
    "Max-Forwards: 31",
    "i: escaped.6622a9f0c1@example.net",
    "CSeq: 5150 INVITE",
    "Via: SIP/2.0/UDP edge9.example.net;branch=z9hG4bKesc9",
    "C: application/sdp",
    "Contact:\r\n <sip:ca%6C%6Cee@edge9.example.net;%74ransport=udp;k%65y=v%61l%25%32%30>",
], body=SDP)

valid["escaped_semicolon_user"] = msg([
    "OPTIONS sip:svc;acct=x%40example.org@example.com SIP/2.0",
    "To: sip:svc@example.com",
    "From: sip:prober@example.org;tag=9912",
    "Max-Forwards: 5",
    "Call-ID: semi.user.0x77aa",
    "CSeq: 44 OPTIONS",
    "Accept: application/sdp, message/sipfrag, text/plain",
    "Via: SIP/2.0/UDP 203.0.113.3;branch=z9hG4bKsemi",
])

valid["unknown_scheme_ruri"] = msg([
    "OPTIONS xyzzy-proto:opaque/data;with=stuff?and=more SIP/2.0",
    "To: sip:someone@example.com",
    "From: sip:asker@example.net;tag=u77",
    "Max-Forwards: 9",
    "Call-ID: unknown.scheme.k2j3h4",
    "CSeq: 17 OPTIONS",
    "Via: SIP/2.0/TCP asker.example.net;branch=z9hG4bKunk77",
])
valid["other_schemes_in_headers"] = msg([
    "MESSAGE sip:helpdesk@example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.8;branch=z9hG4bKmsg2",
    "Max-Forwards: 70",
    "From: <mailto:someone@example.org>;tag=m1",
    "To: <urn:service:sos>",
    "Call-ID: schemes-2@192.0.2.8",
    "CSeq: 2 MESSAGE",
    "Content-Type: text/plain",
], body="help")

valid["unusual_tokens"] = msg([
    "~Odd.Method-42_*+`%!' sip:w3ird_user.Name~(yes!)&it's+ok$/sure?,/;;*:&pass+w=3,odd!*p$w~x_y.(z)@example.org SIP/2.0",
    "Via: SIP/2.0/TCP t1.example.org;branch=z9hG4bK~!%61*_+`'.-",
    "To: \"Esc\\aped \\\"quotes\\\" and \\\\ tab:\\\t\" <sip:w3ird_user.Name~(yes!)&it's+ok$/sure?,/;;*@example.org>",
    "From: tok~en1 t'o+k_2 t*%!.-3 <sip:plain@example.org>;odd-Param'~+*_!.-%=\"\u00e9t\u00e9\";tag=_t~2'+`*%!-.",
    "Call-ID: odd.word%QX-!.*_+'@w`~)(><:\\/\"][?}{",
    "CSeq: 4711 ~Odd.Method-42_*+`%!'",
    "Max-Forwards: 255",
    "X-Ext!.%*+_`'~:\ufeffvalue after a BOM",
])

valid["long_values"] = msg([
    "INVITE sip:long@example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK" + "d" * 300,
    "Via: " + ", ".join("SIP/2.0/UDP relay%d.example.com:%d;branch=z9hG4bK%04d" % (i, 5060 + i, i)
                       for i in range(1, 14)),
    "Via: SIP/2.0/TCP last.example.com;branch=z9hG4bKlast;received=192.0.2.200",
    "v: SIP/2.0/TLS tail.example.com;branch=z9hG4bKtail",
    "To: \"I have a user name of extreme length " + "x" * 400 + "\" <sip:" + "L" * 300 + "@example.com>",
    "From: <sip:long@example.com>;tag=" + "t" * 500,
    "Call-ID: " + "c" * 1000 + "@example.com",
    "CSeq: 1 INVITE",
    "Max-Forwards: 70",
    "X-Long-Header: " + "abcdefghij" * 700,
    "Unknown-Long-Param-Header: v;" + ";".join("p%d=%d" % (i, i) for i in range(300)),
    "Contact: " + ", ".join("<sip:c%d@192.0.2.%d>" % (i, i) for i in range(1, 100)),
], body=SDP)

valid["ipv6_everywhere"] = msg([
    "REGISTER sip:[2001:db8::10];transport=udp SIP/2.0",
    "Via: SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111;rport;received=2001:db8::9:255",
    "Via: SIP/2.0/UDP [2001:db8::9:255];branch=z9hG4bKas3-222",
    "From: <sip:user@[2001:db8::10]>;tag=v6from",
    "To: <sip:user@[2001:db8::10]>",
    "Call-ID: SSG95523997077@[2001:db8::9:1]",
    "CSeq: 2 REGISTER",
    "Max-Forwards: 70",
    "Contact: \"Caller\" <sip:caller@[2001:db8::9:1]:5070>",
    "Expires: 3600",
])

valid["tel_ruri"] = msg([
    "INVITE tel:+1-201-555-0123;phone-context=+1 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.6;branch=z9hG4bKtel1",
    "Max-Forwards: 70",
    "From: <tel:+12015550100>;tag=t1",
    "To: <tel:+1-201-555-0123>",
    "Call-ID: tel-1@192.0.2.6",
    "CSeq: 1 INVITE",
    "Content-Type: application/sdp",
], body=SDP)

valid["sips_lowercase_version"] = msg([
    "OPTIONS sips:registrar.example.com sip/2.0",
    "Via: sip/2.0/tls 192.0.2.6:5061;branch=z9hG4bKlow",
    "Max-Forwards: 70",
    "From: <sips:alice@example.com>;tag=lv",
    "To: <sips:registrar.example.com>",
    "Call-ID: lower-version@192.0.2.6",
    "CSeq: 1 OPTIONS",
])

valid["extra_datagram_bytes"] = msg([
    "MESSAGE sip:bob@example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKextra",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=e1",
    "To: <sip:bob@example.com>",
    "Call-ID: extra@192.0.2.4",
    "CSeq: 1 MESSAGE",
    "Content-Type: text/plain",
], body="ping") + b"\r\n\x00\x00garbage past Content-Length\xff\xfe"

valid["binary_body_nul_high_bytes"] = msg([
    "MESSAGE sip:bob@example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKbin",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=b1",
    "To: <sip:bob@example.com>",
    "Call-ID: binary@192.0.2.4",
    "CSeq: 1 MESSAGE",
    "Content-Type: application/octet-stream",
], body=bytes(range(256)) + b"\r\n\r\n\x00")

valid["empty_header_values"] = msg([
    "OPTIONS sip:example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKempty",
    "Subject:",
    "Organization: ",
    "X-Empty:\t",
    "User-Agent:",
    "From: <sip:alice@example.com>;tag=em",
    "To: <sip:example.com>",
    "Call-ID: empty@192.0.2.4",
    "CSeq: 1 OPTIONS",
    "Accept:",
])

valid["register_dereg_star"] = msg([
    "REGISTER sip:example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKstar",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=st",
    "To: <sip:alice@example.com>",
    "Call-ID: star@192.0.2.4",
    "CSeq: 9 REGISTER",
    "Contact: *",
    "Expires: 0",
])

valid["max_via_exact"] = msg([
    "OPTIONS sip:example.com SIP/2.0",
] + ["Via: SIP/2.0/UDP hop%d.example.com;branch=z9hG4bKh%d, SIP/2.0/UDP hop%db.example.com;branch=z9hG4bKh%db" % (i, i, i, i)
     for i in range(8)] + [
    "Max-Forwards: 54",
    "From: <sip:alice@example.com>;tag=mv",
    "To: <sip:example.com>",
    "Call-ID: maxvia@example.com",
    "CSeq: 1 OPTIONS",
])

_auths = []
for i in range(8):
    kind = "Authorization" if i % 2 == 0 else "Proxy-Authorization"
    realm = "realm%d.example.com" % i
    rr = digest("INVITE", "sip:bob@example.com", "alice", realm, "n%d" % i)
    _auths.append('%s: Digest username="alice", realm="%s", nonce="n%d", uri="sip:bob@example.com", response="%s"'
                  % (kind, realm, i, rr))
valid["max_auth_exact"] = msg([
    "INVITE sip:bob@example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKauth8",
    "Max-Forwards: 70",
    "From: <sip:alice@example.com>;tag=a8",
    "To: <sip:bob@example.com>",
    "Call-ID: auth8@192.0.2.4",
    "CSeq: 1 INVITE",
] + _auths)

valid["extension_method_mixed_case_names"] = msg([
    "FOOBAR sip:svc@example.com SIP/2.0",
    "vIa: SIP/2.0/UDP 192.0.2.4;bRaNcH=z9hG4bKmix",
    "mAX-forwards: 70",
    "FROM: <sip:alice@example.com>;TAG=mx1",
    "tO: <sip:svc@example.com>",
    "CALL-id: mixed@192.0.2.4",
    "cSeQ: 1 FOOBAR",
    "USER-AGENT: MiXeD/1.0",
    "CONTENT-type: text/plain",
], body="x")

# ---------------------------------------------------------------- invalid (one fault each)
BASE = [
    "INVITE sip:bob@example.com SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKinv",
    "Max-Forwards: 70",
    "From: \"Alice\" <sip:alice@example.com>;tag=inv1",
    "To: <sip:bob@example.com>",
    "Call-ID: invalid-corpus@192.0.2.4",
    "CSeq: 1 INVITE",
]


def base(replace=None, add=(), drop=(), body=b"", cl=True):
    lines = []
    for l in BASE:
        name = l.split(":")[0] if ":" in l and not l.startswith("INVITE") else None
        if name in drop:
            continue
        if replace and name in replace:
            lines.append(replace[name])
        elif replace and l.startswith("INVITE") and "START" in replace:
            lines.append(replace["START"])
        else:
            lines.append(l)
    lines.extend(add)
    return msg(lines, body=body, cl=cl)


invalid["empty__zero_bytes"] = b""
invalid["bad_version__sip7"] = base({"START": "INVITE sip:bob@example.com SIP/7.0"})
invalid["bad_version__http"] = base({"START": "INVITE sip:bob@example.com HTTP/1.1"})
invalid["bad_version__response_sip3"] = b"SIP/3.0 200 OK\r\n" + base()[base().index(b"\r\n") + 2:]
invalid["bad_start_line__garbage"] = base({"START": "HELLO"})
invalid["bad_method__separator"] = base({"START": "INV:ITE sip:bob@example.com SIP/2.0",
                                          "CSeq": "CSeq: 1 INV:ITE"})
invalid["bad_method__high_byte"] = base({"START": "INV\udce9TE sip:bob@example.com SIP/2.0",
                                          "CSeq": "CSeq: 1 INV\udce9TE"})
invalid["bad_ruri__angle_brackets"] = base({"START": "INVITE <sip:bob@example.com> SIP/2.0"})
invalid["bad_ruri__port_too_big"] = base({"START": "INVITE sip:bob@example.com:65536 SIP/2.0"})
invalid["bad_ruri__no_scheme"] = base({"START": "INVITE bob@example.com SIP/2.0"})
invalid["bad_status__too_low"] = b"SIP/2.0 099 Low\r\n" + base()[base().index(b"\r\n") + 2:]
invalid["bad_status__too_high"] = b"SIP/2.0 700 High\r\n" + base()[base().index(b"\r\n") + 2:]
invalid["bad_status__four_digits"] = b"SIP/2.0 1800 Ringing\r\n" + base()[base().index(b"\r\n") + 2:]
invalid["bad_header__no_colon"] = base(add=["This line has no colon"])
invalid["bad_header__space_in_name"] = base(add=["X Header: value"])
invalid["bad_header__high_byte_name"] = base(add=["X-Caf\udce9: value"])
invalid["bad_char__nul_in_value"] = base(add=["Subject: before\udc80after".replace("\udc80", "\x00")])
invalid["bad_char__bare_cr_in_value"] = base(add=["Subject: before\rafter"])
invalid["bad_char__nul_in_call_id"] = base({"Call-ID": "Call-ID: abc\x00def@192.0.2.4"})
invalid["bad_via__no_transport"] = base({"Via": "Via: SIP/2.0 192.0.2.4:5060;branch=z9hG4bKinv"})
invalid["bad_via__port_not_number"] = base({"Via": "Via: SIP/2.0/UDP 192.0.2.4:50x0;branch=z9hG4bKinv"})
invalid["bad_via__no_sent_by"] = base({"Via": "Via: SIP/2.0/UDP"})
invalid["bad_from__unterminated_display"] = base(
    {"From": "From: \"Alice <sip:alice@example.com>;tag=inv1"})
invalid["bad_from__unclosed_angle"] = base({"From": "From: \"Alice\" <sip:alice@example.com;tag=inv1"})
invalid["bad_to__unterminated_display"] = base({"To": "To: \"Bob <sip:bob@example.com>"})
invalid["bad_to__empty"] = base({"To": "To:"})
invalid["bad_call_id__empty"] = base({"Call-ID": "Call-ID:   "})
invalid["bad_cseq__overflow"] = base({"CSeq": "CSeq: 36893488147419103232 INVITE"})
invalid["bad_cseq__2_pow_31"] = base({"CSeq": "CSeq: 2147483648 INVITE"})
invalid["bad_cseq__no_method"] = base({"CSeq": "CSeq: 1"})
invalid["bad_cseq__negative"] = base({"CSeq": "CSeq: -1 INVITE"})
invalid["cseq_mismatch__invite_vs_bye"] = base({"CSeq": "CSeq: 1 BYE"})
invalid["cseq_mismatch__case"] = base({"CSeq": "CSeq: 1 invite"})
invalid["bad_max_forwards__300"] = base({"Max-Forwards": "Max-Forwards: 300"})
invalid["bad_max_forwards__overflow"] = base({"Max-Forwards": "Max-Forwards: 18446744073709551617"})
invalid["bad_max_forwards__negative"] = base({"Max-Forwards": "Max-Forwards: -1"})
invalid["bad_content_length__negative"] = base(add=["Content-Length: -999"], cl=False, body=b"abc")
invalid["bad_content_length__word"] = base(add=["l: ten"], cl=False)
invalid["bad_expires__word"] = base(add=["Expires: never"])
invalid["dup_header__two_call_ids"] = base(add=["Call-ID: second@192.0.2.4"])
invalid["dup_header__call_id_and_i"] = base(add=["i: invalid-corpus@192.0.2.4"])
invalid["dup_header__two_cseq"] = base(add=["CSeq: 2 INVITE"])
invalid["dup_header__two_content_lengths"] = base(add=["Content-Length: 3", "l: 3"], cl=False, body=b"abc")
invalid["dup_header__two_from"] = base(add=["f: <sip:eve@example.com>;tag=x"])
invalid["dup_header__two_to"] = base(add=["To: <sip:carol@example.com>"])
for _h in ("Via", "From", "To", "Call-ID", "CSeq"):
    invalid["missing_header__no_" + _h.lower().replace("-", "_")] = base(drop=(_h,))
invalid["body_truncated__content_length_larger"] = base(add=["Content-Type: text/plain",
                                                            "Content-Length: 5000"],
                                                       cl=False, body=b"only this much arrived")
invalid["no_end_of_headers__no_blank_line"] = base()[:-2]
invalid["no_end_of_headers__cut_in_header"] = base()[:60]
invalid["too_many_via__17_values"] = base(add=["Via: " + ",".join(
    "SIP/2.0/UDP h%d.example.com;branch=z9hG4bK%d" % (i, i) for i in range(16))])
_a9 = ['Authorization: Digest username="a", realm="r%d", nonce="n", uri="sip:bob@example.com", response="%s"'
       % (i, "0" * 32) for i in range(9)]
invalid["too_many_auth__9"] = base(add=_a9)
# Far above any sip_max_headers a build may choose (the option stops at 1024).
invalid["too_many_headers__1100_tiny"] = base(add=["Xa:%d" % (i % 10) for i in range(1100)])
invalid["too_big__70000_bytes"] = base(add=["Content-Type: text/plain"],
                                       body=b"B" * 70000)


def write(d, items):
    path = os.path.join(HERE, d)
    os.makedirs(path, exist_ok=True)
    for f in os.listdir(path):
        if f.endswith(".sip"):
            os.unlink(os.path.join(path, f))
    for name, data in sorted(items.items()):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(os.path.join(path, name + ".sip"), "wb") as f:
            f.write(data)


write("valid", valid)
write("invalid", invalid)
print("valid: %d, invalid: %d" % (len(valid), len(invalid)), file=sys.stderr)
