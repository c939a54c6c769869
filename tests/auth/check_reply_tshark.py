#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Usher's replies through Wireshark's SIP dissector: no malformed packet, no warning.
"""Usage: check_reply_tshark.py REPLY_DUMP

Runs REPLY_DUMP (tests/auth/reply_dump.c), wraps each reply in Ethernet/IPv4/UDP with correct
checksums into a pcap, and asks tshark (checksum validation on) whether any frame is malformed
or carries an expert warning, and which status codes it decoded. Exit 77 (skip) without tshark.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77
T0 = 1767225600
MAC_USHER = bytes.fromhex("020000000001")
MAC_PEER = bytes.fromhex("020000000002")
IP_USHER = bytes([192, 0, 2, 1])
IP_PEER = bytes([198, 51, 100, 20])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(payload, ident, dport):
    udp_len = 8 + len(payload)
    pseudo = IP_USHER + IP_PEER + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", 5060, dport, udp_len, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident, 0x4000, 64, 17, 0,
                     IP_USHER, IP_PEER)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return MAC_PEER + MAC_USHER + struct.pack("!H", 0x0800) + ip + udp


def read_replies(dump):
    raw = subprocess.run([dump], check=True, capture_output=True).stdout
    out = []
    while raw:
        head, raw = raw.split(b"\n", 1)
        code, n = (int(x) for x in head.split())
        out.append((code, raw[:n]))
        raw = raw[n:]
    return out


def write_pcap(path, replies):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (_, sip) in enumerate(replies):
            fr = frame(sip, i + 1, 40000 + i)
            f.write(struct.pack("<IIII", T0 + i, 0, len(fr), len(fr)))
            f.write(fr)


def tshark(path, *args):
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.check_checksum:TRUE",
           "-o", "udp.check_checksum:TRUE", *args]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, HOME=tempfile.gettempdir()))
    if r.returncode != 0:
        sys.exit(f"tshark failed ({r.returncode}): {r.stderr}")
    return r.stdout


def main():
    if shutil.which("tshark") is None:
        print("tshark not installed: skipped")
        return SKIP
    replies = read_replies(sys.argv[1])
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "replies.pcap")
        write_pcap(pcap, replies)
        bad = tshark(pcap, "-Y", "_ws.malformed || _ws.expert.severity >= warning")
        if bad.strip():
            problems.append("malformed or warned frames:\n" + bad)
            problems.append(tshark(pcap, "-V", "-Y",
                                   "_ws.malformed || _ws.expert.severity >= warning"))
        fields = tshark(pcap, "-T", "fields", "-E", "separator=|", "-e", "sip.Status-Code",
                        "-e", "sip.CSeq.seq", "-e", "sip.Call-ID",
                        "-e", "sip.auth.algorithm")
        rows = [ln.split("|") for ln in fields.splitlines()]
        if len(rows) != len(replies):
            problems.append(f"{len(rows)} frames decoded, {len(replies)} written")
        for i, ((code, sip), row) in enumerate(zip(replies, rows)):
            if row[0] != str(code):
                problems.append(f"frame {i + 1}: status {row[0]!r}, expected {code}")
            cseq = sip.split(b"\r\nCSeq: ", 1)[1].split(b" ", 1)[0].decode()
            if row[1] != cseq:
                problems.append(f"frame {i + 1}: CSeq {row[1]!r}, expected {cseq}")
            if not row[2]:
                problems.append(f"frame {i + 1}: no Call-ID decoded")
            n_chal = sip.count(b"Authenticate: Digest ")
            n_alg = len(row[3].split(",")) if row[3] else 0
            if n_alg != n_chal:
                problems.append(f"frame {i + 1}: {n_alg} algorithms decoded, {n_chal} sent")
    for p in problems:
        print(p)
    print(f"{len(replies)} replies decoded by tshark, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
