#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Builds the sample captures from the raw .sip messages here (plain python3 + struct).
"""Write the bundled captures next to this script, byte for byte reproducibly.

sample.pcap    Ethernet, classic pcap (little-endian, microseconds): the five .sip messages
               over IPv4, IPv6 and 802.1Q, plus one DNS query (not SIP).
sample.pcapng  the same frames as a pcapng file.
edge.pcap      Ethernet, big-endian nanosecond pcap: QinQ, IPv6 extension headers, IPv4
               options, fragments, TCP, ARP, a CRLF keep-alive, a truncated and a malformed
               frame. Used by tests/explain.
sll.pcap       Linux cooked capture (SLL) with one REGISTER.
raw.pcap       raw IP link type: an OPTIONS over IPv4 and an INVITE over IPv6.

Run it again after editing a .sip file; the tests read the committed captures.
"""

import os
import socket
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1767225600  # 2026-01-01T00:00:00Z: fixed, so the output never changes

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113

MAC_PHONE = bytes.fromhex("805ec0112233")
MAC_USHER = bytes.fromhex("020000000001")


def sip(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp(src, dst, sport, dport, payload, v6=False, length=None):
    ulen = 8 + len(payload) if length is None else length
    hdr = struct.pack("!HHHH", sport, dport, ulen, 0)
    if v6:
        pseudo = src + dst + struct.pack("!I3xB", 8 + len(payload), 17)
    else:
        pseudo = src + dst + struct.pack("!xBH", 17, 8 + len(payload))
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, ulen, c) + payload


def ipv4(src, dst, proto, payload, ident=1, frag=0, options=b""):
    a, b = socket.inet_aton(src), socket.inet_aton(dst)
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), ident, frag, 64,
                      proto, 0, a, b) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv4_udp(src, dst, sport, dport, payload, **kw):
    a, b = socket.inet_aton(src), socket.inet_aton(dst)
    return ipv4(src, dst, 17, udp(a, b, sport, dport, payload), **kw)


def ipv6(src, dst, nh, payload):
    a, b = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, a, b) + payload


def ipv6_udp(src, dst, sport, dport, payload, ext=()):
    """ext: (next-header number, 8-byte-multiple body) pairs, outermost first."""
    a, b = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    chain = udp(a, b, sport, dport, payload, v6=True)
    nh = 17
    for num, body in reversed(ext):
        # Body sizes are 6 + 8k so the header (2 + body) is a multiple of 8 bytes.
        chain = struct.pack("!BB", nh, (2 + len(body)) // 8 - 1) + body + chain
        nh = num
    return ipv6(src, dst, nh, chain)


def eth(payload, ethertype, vlans=(), src=MAC_PHONE, dst=MAC_USHER):
    tags = b""
    for tpid, vid in vlans:
        tags += struct.pack("!HH", tpid, vid)
    frame = dst + src + tags + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))


def sll(payload, ethertype):
    return struct.pack("!HHH8sH", 4, 1, 6, MAC_PHONE + b"\0\0", ethertype) + payload


def write_pcap(name, linktype, frames, big_endian=False, nano=False):
    """frames: list of bytes, or (bytes, caplen) for a frame cut by the snap length."""
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for i, fr in enumerate(frames):
        data, caplen = (fr, len(fr)) if isinstance(fr, bytes) else fr
        usec = (i % 10) * 100000
        out += struct.pack(e + "IIII", T0 + i // 10, usec * 1000 if nano else usec, caplen,
                           len(data)) + data[:caplen]
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out)


def write_pcapng(name, linktype, frames):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(0x00000001, struct.pack("<HHI", linktype, 0, 65535))
    for i, data in enumerate(frames):
        ts = (T0 + i // 10) * 1000000 + (i % 10) * 100000
        out += block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data),
                                             len(data)) + data)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(out)


def dns_query():
    q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in b"_sip._udp.atlanta.example.com".split(b"."):
        q += bytes([len(label)]) + label
    return q + b"\0" + struct.pack("!HH", 35, 1)  # NAPTR, IN


def main():
    v4_phone, v4_usher = "192.0.2.10", "192.0.2.1"
    v6_phone, v6_usher = "2001:db8::20", "2001:db8::1"

    sample = [
        eth(ipv4_udp(v4_usher, v4_phone, 5060, 5060, sip("401.sip")), 0x0800,
            src=MAC_USHER, dst=MAC_PHONE),
        eth(ipv4_udp(v4_phone, v4_usher, 5060, 5060, sip("register.sip")), 0x0800),
        eth(ipv6_udp(v6_phone, v6_usher, 5060, 5060, sip("invite.sip")), 0x86DD),
        eth(ipv4_udp("198.51.100.7", v4_usher, 5060, 5060, sip("options.sip")), 0x0800,
            vlans=((0x8100, 100),)),
        eth(ipv4_udp(v4_phone, "192.0.2.53", 53124, 53, dns_query()), 0x0800),
        eth(ipv4_udp("203.0.113.66", v4_usher, 5071, 5060, sip("malformed.sip")), 0x0800),
    ]
    write_pcap("sample.pcap", LINKTYPE_ETHERNET, sample)
    write_pcapng("sample.pcapng", LINKTYPE_ETHERNET, sample)

    invite = sip("invite.sip")
    whole = udp(socket.inet_aton(v4_phone), socket.inet_aton(v4_usher), 5060, 5060, invite)
    cut = 512  # a multiple of 8, as fragment offsets require
    v6_frag = struct.pack("!BBHI", 17, 0, 0x0001, 0xCAFE) + udp(
        socket.inet_pton(socket.AF_INET6, v6_phone), socket.inet_pton(socket.AF_INET6, v6_usher),
        5060, 5060, invite, v6=True)[:cut]
    truncated = eth(ipv4_udp(v4_phone, v4_usher, 5060, 5060, sip("register.sip")), 0x0800)
    bad_udp = ipv4(v4_phone, v4_usher, 17, struct.pack("!HHHH", 5060, 5060, 400, 0) + b"x" * 16)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_PHONE,
                      socket.inet_aton(v4_phone), b"\0" * 6, socket.inet_aton(v4_usher))
    edge = [
        eth(ipv4_udp("198.51.100.7", v4_usher, 5060, 5060, sip("options.sip")), 0x0800,
            vlans=((0x88A8, 10), (0x8100, 100))),
        eth(ipv6_udp(v6_phone, v6_usher, 5060, 5060, sip("register.sip"),
                     ext=((0, b"\x01\x04\0\0\0\0"), (60, b"\x01\x04\0\0\0\0"))), 0x86DD),
        eth(ipv4(v4_phone, v4_usher, 17, whole[:cut], ident=7, frag=0x2000), 0x0800),
        eth(ipv4(v4_phone, v4_usher, 17, whole[cut:], ident=7, frag=cut // 8), 0x0800),
        eth(ipv6(v6_phone, v6_usher, 44, v6_frag), 0x86DD),
        eth(ipv4(v4_phone, v4_usher, 6, b"\0" * 20), 0x0800),
        eth(arp, 0x0806),
        eth(ipv4_udp(v4_phone, v4_usher, 5060, 5060, b"\r\n\r\n"), 0x0800),
        (truncated, 200),
        eth(bad_udp, 0x0800),
        eth(ipv4_udp(v4_usher, v4_phone, 5060, 5060, sip("401.sip"),
                     options=b"\x01\x01\x01\x00"), 0x0800),
        (b"\x02\0\0\0\0\x01\x80\x5e\xc0\x11", 10),
    ]
    write_pcap("edge.pcap", LINKTYPE_ETHERNET, edge, big_endian=True, nano=True)

    write_pcap("sll.pcap", LINKTYPE_LINUX_SLL,
               [sll(ipv4_udp(v4_phone, v4_usher, 5060, 5060, sip("register.sip")), 0x0800)])
    write_pcap("raw.pcap", LINKTYPE_RAW,
               [ipv4_udp("198.51.100.7", v4_usher, 5060, 5060, sip("options.sip")),
                ipv6_udp(v6_phone, v6_usher, 5060, 5060, sip("invite.sip"))])


if __name__ == "__main__":
    main()
