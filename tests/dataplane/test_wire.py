#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Suite 'dataplane': VLAN/QinQ, IPv6 and IP fragments through the real usher (EAL, net_pcap).
"""usage: test_wire.py USHER USHER_EXPLAIN COUNTERS_H CASE...

Wire coverage cases, run like tests/dataplane/test_dataplane.py (whose runner, traffic helpers
and reply checks they reuse): each CASE writes pcaps, runs `usher` on two net_pcap ports until
the input is consumed, then checks

- every reply: Ethernet addresses swapped with the request's VLAN tags kept (same tags, same
  order), IPv4 or IPv6 addresses swapped, the IPv4 header checksum, the UDP checksum (scapy
  recomputes it; mandatory and non-zero in IPv6), hop limit 64, fragments of large replies
  (IPv4, or IPv6 fragment headers) contiguous and within the MTU, then the SIP text (RFC 3261
  §8.2.6 copies, our To-tag, challenges authentic under the test secret) and usher-explain's
  and tshark's reading of it;
- the inside port: forwarded frames byte-identical to their input, and a reassembled datagram
  forwarded as its original fragments, byte-identical, in offset order;
- every counter exactly (docs/counters.md: a fragmented datagram counts its outcome once and
  frag_merged for its other fragments; fragments of bad trains count their drop each);
- exit status 0 and every mbuf back in its pool.

'all' runs every case. Exit 77 (skip) only when EAL cannot start on this machine.
"""

import ipaddress
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import test_dataplane as td  # noqa: E402
from gen import IP, UDP, TCP, Ether, Raw, DOMAIN, sip_request, SDP  # noqa: E402

from scapy.layers.inet import ICMP, fragment  # noqa: E402
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,  # noqa: E402
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, ICMPv6EchoRequest,
                                fragment6)
from scapy.layers.l2 import ARP  # noqa: E402

IP6_PHONE = "2001:db8::10"
IP6_PBX = "2001:db8::1"
TPIDS = (0x8100, 0x88A8, 0x9100)
MTU = 1500


# ---------------------------------------------------------------------------------------------
# Frames


def l2_split(fb):
    """(Ethernet addresses, [4-byte VLAN tags], rest from the EtherType on)."""
    tags = []
    off = 12
    while int.from_bytes(fb[off:off + 2], "big") in TPIDS:
        tags.append(fb[off:off + 4])
        off += 4
    return fb[:12], tags, fb[off:]


def untag(fb):
    macs, _, rest = l2_split(bytes(fb))
    return macs + rest


def tagged(pkt, tags):
    """pkt (Ether/...) with VLAN tags [(tpid, vid), ...] outermost first."""
    raw = bytes(pkt)
    out = raw[:12]
    for k, (tpid, vid) in enumerate(tags):
        # priority k: tags that differ in every field, so a reordering would show
        out += tpid.to_bytes(2, "big") + (vid | (k << 13)).to_bytes(2, "big")
    return Ether(out + raw[12:])


def frame6(payload, sport=5060, dport=5060, ext=None, udp_checksum=None, src=IP6_PHONE,
           dst=IP6_PBX, nh=None):
    """Ethernet/IPv6[/ext]/UDP with a correct checksum unless told ('zero', 'bad')."""
    ip6 = IPv6(src=src, dst=dst, hlim=64)
    if nh is not None:
        ip6.nh = nh
    l4 = UDP(sport=sport, dport=dport) / Raw(payload)
    pkt = Ether(src=gen.MAC_PHONE, dst=gen.MAC_USHER) / ip6
    if ext is not None:
        pkt = pkt / ext
    pkt = Ether(bytes(pkt / l4))
    if udp_checksum is not None:
        pkt[UDP].chksum = 0 if udp_checksum == "zero" else pkt[UDP].chksum ^ 0x5A5A
        pkt = Ether(bytes(pkt))
    return pkt


def v6msg(c, method, **kw):
    ruri = "sip:" + DOMAIN if method == "REGISTER" else "sip:bob@" + DOMAIN
    kw.setdefault("to_user", "alice" if method == "REGISTER" else "bob")
    return sip_request(method, ruri, c.cid(method.lower() + "6"), via_host="[%s]" % IP6_PHONE,
                       **kw)


def to_v6(f):
    """The same UDP datagram (ports, payload) over IPv6."""
    return frame6(bytes(f[UDP].payload), sport=f[UDP].sport, dport=f[UDP].dport)


def frags4(f, size=512, tags=()):
    """IPv4 fragments of frame f (scapy's fragment(): offsets in order), as frames."""
    out = [Ether(bytes(Ether(src=f.src, dst=f.dst) / x)) for x in fragment(f[IP], fragsize=size)]
    return [tagged(x, tags) if tags else x for x in out]


_frag_id = [0x1000]


def frags6(f, size=600):
    """IPv6 fragments (fragment header right after the IPv6 header) of frame f."""
    _frag_id[0] += 1
    ip6 = f[IPv6].copy()
    inner = ip6.payload.copy()
    ip6.remove_payload()
    ip6.nh = 44
    ip6.plen = None
    p = ip6 / IPv6ExtHdrFragment(id=_frag_id[0]) / inner
    return [Ether(bytes(Ether(src=f.src, dst=f.dst) / x)) for x in fragment6(p, size)]


def frag_offset(fb):
    p = Ether(untag(fb))
    if IPv6ExtHdrFragment in p:
        return p[IPv6ExtHdrFragment].offset
    return p[IP].frag


def ip4_frag(f, off, data, more, ident=None):
    """One hand-made IPv4 fragment of f's datagram: bytes data at byte offset off."""
    ip = f[IP].copy()
    ip.remove_payload()
    ip.flags = "MF" if more else 0
    ip.frag = off // 8
    ip.len = None
    ip.chksum = None
    if ident is not None:
        ip.id = ident
    return Ether(bytes(Ether(src=f.src, dst=f.dst) / ip / Raw(data)))


def ip4_payload(f):
    return bytes(f[IP].payload)[:f[IP].len - f[IP].ihl * 4]


# ---------------------------------------------------------------------------------------------
# Expectations


class W:
    """Some outside frames (one, or a fragment train) and what Usher must do with them."""

    def __init__(self, frames, ctrs, inward=(), reply=None, req=None, note=""):
        self.frames = list(frames)
        self.ctrs = dict(ctrs)
        self.inward = [bytes(x) for x in inward]
        self.reply = reply          # td.Exp of the reply (code, counter, frames), or None
        self.req = req if req is not None else (self.frames[0] if self.frames else None)
        self.note = note


def one(f, e, note=""):
    """One frame with a test_dataplane expectation (fwd, drop or reply)."""
    e.note = e.note or note
    return W([f], {e.ctr: 1}, inward=[f] if e.action == "fwd" else [],
             reply=e if e.action == "reply" else None, note=note)


def train(frames, whole, e, note=""):
    """A fragment train that reassembles into `whole`: its outcome once, frag_merged for the
    other fragments; forwarded as the original fragments in offset order."""
    e.note = e.note or note
    n = len(frames)
    fwd = sorted(frames, key=frag_offset) if e.action == "fwd" else []
    return W(frames, {e.ctr: 1, "frag_merged": n - 1, "frag_reassembled": 1}, inward=fwd,
             reply=e if e.action == "reply" else None, req=whole, note=note)


def lost(frames, ctr, note=""):
    """Fragments dropped each with counter ctr."""
    return W(frames, {ctr: len(frames)}, note=note)


def sip_challenge(method, conf, note="", **kw):
    return td.challenge(method, "challenge_no_credentials", conf, note=note, **kw)


# ---------------------------------------------------------------------------------------------
# Runs and checks


class WireCase(td.Case):
    def run_wire(self, name, conf, items, inside=()):
        flat = [(f, it.reply or td.Exp("drop", "rx_outside")) for it in items for f in it.frames]
        r = td.Run(name, conf, flat, inside)
        r.witems = items
        return self.run(r)

    def check(self, run):
        d = run.dir
        log = run.stdout + run.stderr
        self.expect(re.search(r"mbufs: all \d+ returned", log) is not None,
                    "%s: no 'mbufs: all N returned' report at exit:\n%s" % (run.name,
                                                                           log[-2000:]))
        self.check_wire_counters(run)
        out_in = gen.read_pcap_raw(os.path.join(d, "out_inside.pcap"))
        out_out = gen.read_pcap_raw(os.path.join(d, "out_outside.pcap"))
        want_in = [b for it in run.witems for b in it.inward]
        self.expect(out_in == want_in, "%s: inside output differs from the expected forwarded "
                    "frames: %d out, %d expected%s" % (run.name, len(out_in), len(want_in),
                                                       td.first_diff(out_in, want_in)))
        pending = [bytes(f) for f in run.inside]
        replies, numbers, frags = [], [], []
        for n, fb in enumerate(out_out, 1):
            if pending and fb == pending[0]:
                pending.pop(0)
                continue
            p = Ether(untag(fb))
            if IPv6ExtHdrFragment in p or (IP in p and (p[IP].flags.MF or p[IP].frag)):
                frags.append(fb)
                more = p[IPv6ExtHdrFragment].m if IPv6ExtHdrFragment in p else p[IP].flags.MF
                if not more:
                    replies.append(frags)
                    numbers.append(n)
                    frags = []
                continue
            replies.append([fb])
            numbers.append(n)
        self.expect(not frags, "%s: %d trailing reply fragments" % (run.name, len(frags)))
        self.expect(not pending, "%s: inside frames not forwarded outward byte-identical"
                    % run.name)
        want = [it for it in run.witems if it.reply is not None]
        if not self.expect(len(replies) == len(want), "%s: %d replies, %d expected (%s)" %
                           (run.name, len(replies), len(want),
                            ", ".join(it.note for it in want))):
            return
        tsh = td.tshark_frames(os.path.join(d, "out_outside.pcap"))
        for it, fl, n in zip(want, replies, numbers):
            label = "%s: reply to %s" % (run.name, it.note or it.reply.ctr)
            try:
                self.check_wire_reply(run, it, fl, label)
            except td.Fail as ex:
                self.expect(False, "%s: %s" % (label, ex))
            t = tsh["frames"].get(n)
            self.expect(t is not None and "sip" in t["protocols"].split(":") and
                        t["status"] == str(it.reply.code),
                        "%s: tshark does not decode it as SIP %s: %s" % (label, it.reply.code,
                                                                          t))
        bad = [b for b in tsh["bad"] if int(b.split("\t")[0]) in set(numbers)]
        self.expect(not bad, "%s: tshark reports malformed/expert-warning replies: %s" %
                    (run.name, bad))

    def check_wire_counters(self, run):
        path = os.path.join(run.dir, "stats.json")
        if not self.expect(os.path.exists(path), "%s: no stats.json" % run.name):
            return
        with open(path) as f:
            stats = json.load(f)
        total = td.stats_totals(stats)
        mb = stats.get("mbufs", {})
        self.expect(mb.get("leaked") == 0, "%s: stats.json mbufs %s" % (run.name, mb))
        want = {n: 0 for n in td.COUNTER_NAMES}
        want["rx_outside"] = sum(len(it.frames) for it in run.witems)
        want["rx_inside"] = want["fwd_outward"] = len(run.inside)
        for it in run.witems:
            for k, v in it.ctrs.items():
                want[k] += v
        want["tx_inside"] = sum(len(it.inward) for it in run.witems)
        want["tx_outside"] = len(run.inside) + sum(it.reply.frames for it in run.witems
                                                   if it.reply is not None)
        diff = {n: (total.get(n), want[n]) for n in td.COUNTER_NAMES if total.get(n) != want[n]}
        self.expect(not diff, "%s: counters (got, expected): %s" % (run.name, diff))
        # docs/counters.md: each frame one outcome (held fragments are none left at exit)
        outcome = [n for n in td.COUNTER_NAMES
                   if n.startswith(("fwd_", "challenge_", "deny_", "drop_", "frag_merged",
                                    "absorb_ack", "reply_400", "shed_challenge"))
                   and n != "drop_tx_full"]
        self.expect(sum(total.get(n, 0) for n in outcome) ==
                    total.get("rx_outside", 0) + total.get("rx_inside", 0),
                    "%s: outcome counters do not add up to the frames received" % run.name)

    def check_wire_reply(self, run, it, fl, label):
        req = bytes(it.req)
        e = it.reply
        if len(fl) != e.frames:
            raise td.Fail("%d frames, %d expected" % (len(fl), e.frames))
        rmacs, rtags, _ = l2_split(req)
        for fb in fl:
            macs, tags, _ = l2_split(fb)
            if macs != rmacs[6:12] + rmacs[0:6]:
                raise td.Fail("Ethernet addresses not swapped")
            if tags != rtags:
                raise td.Fail("VLAN tags %s, request had %s" % ([t.hex() for t in tags],
                                                                [t.hex() for t in rtags]))
            if len(untag(fb)) - 14 > MTU:
                raise td.Fail("a %d-byte IP packet over the MTU" % (len(untag(fb)) - 14))
        plain = [untag(fb) for fb in fl]
        rq = Ether(untag(req))
        if IPv6 in rq:
            fb = plain[0] if len(plain) == 1 else reassemble6(plain)
            self.check_reply6(run, rq, e, fb)
            return
        fb = plain[0] if len(plain) == 1 else td.reassemble(plain)
        ex = td.explain_text(bytes(Ether(fb)[UDP].payload))
        self.check_reply(run, rq, e, fb, ex, label)

    def check_reply6(self, run, rq, e, fb):
        rp = Ether(fb)
        if IPv6 not in rp or UDP not in rp or rp[IPv6].nh != 17:
            raise td.Fail("not IPv6/UDP without extension headers: %s" % rp.summary())
        if rp[IPv6].src != rq[IPv6].dst or rp[IPv6].dst != rq[IPv6].src:
            raise td.Fail("IPv6 %s -> %s, expected %s -> %s" % (rp[IPv6].src, rp[IPv6].dst,
                                                               rq[IPv6].dst, rq[IPv6].src))
        if rp[IPv6].hlim != 64 or rp[IPv6].plen != len(fb) - 54:
            raise td.Fail("hop limit %d, payload length %d for %d bytes" %
                          (rp[IPv6].hlim, rp[IPv6].plen, len(fb) - 54))
        chk = rp.copy()
        del chk[UDP].chksum
        good = Ether(bytes(chk))[UDP].chksum
        if rp[UDP].chksum == 0 or rp[UDP].chksum != good:
            raise td.Fail("UDP checksum 0x%04x, should be 0x%04x" % (rp[UDP].chksum, good))
        if rp[UDP].sport != rq[UDP].dport or rp[UDP].dport != rq[UDP].sport:
            raise td.Fail("UDP %d -> %d" % (rp[UDP].sport, rp[UDP].dport))
        payload = bytes(rp[UDP].payload)
        if len(payload) != rp[UDP].len - 8:
            raise td.Fail("UDP length %d for %d payload bytes" % (rp[UDP].len, len(payload)))
        status, hh, body = td.split_sip(payload)
        if status != "SIP/2.0 %d %s" % (e.code, td.REASONS[e.code]) or body:
            raise td.Fail("status line %r, body %d bytes" % (status, len(body)))
        _, rh, _ = td.split_sip(bytes(rq[UDP].payload))
        for names in (("From", "f"), ("Call-ID", "i"), ("CSeq",)):
            if td.hdr_one(hh, *names) != td.hdr_one(rh, *names):
                raise td.Fail("%s not copied" % names[0])
        to = td.hdr_one(hh, "To", "t")
        if not to.startswith(td.hdr_one(rh, "To", "t") + ";tag=" + td.TAG_PREFIX):
            raise td.Fail("To %r lacks our tag" % to)
        _, vp = td.via_params(td.hdr_all(hh, "Via", "v")[0])
        vp = dict(vp)
        rec = (vp.get("received") or "").strip("[]")
        if not rec or ipaddress.ip_address(rec) != ipaddress.ip_address(rq[IPv6].src):
            raise td.Fail("top Via received=%r, expected %s" % (vp.get("received"),
                                                               rq[IPv6].src))
        if vp.get("rport") != str(rq[UDP].sport):
            raise td.Fail("top Via rport=%r" % vp.get("rport"))
        chs = td.hdr_all(hh, "WWW-Authenticate" if e.code == 401 else "Proxy-Authenticate")
        self.check_challenges(run, chs, e)
        ex = td.explain_text(payload)
        if not ex["ok"] or ex["type"] != "response" or ex["status"] != e.code:
            raise td.Fail("usher-explain: %s" % ex)


def reassemble6(frames):
    """One IPv6/UDP frame from reply fragments, checked on the way (same id, contiguous
    offsets, next header UDP)."""
    data = b""
    first = Ether(frames[0])
    fid = first[IPv6ExtHdrFragment].id
    for k, fb in enumerate(frames):
        p = Ether(fb)
        fh = p[IPv6ExtHdrFragment]
        if fh.id != fid or fh.nh != 17 or p[IPv6].nh != 44 or p[IPv6].hlim != 64:
            raise td.Fail("fragment %d: id/next header/hop limit wrong" % k)
        if fh.offset * 8 != len(data):
            raise td.Fail("fragment %d at %d, expected %d" % (k, fh.offset * 8, len(data)))
        if p[IPv6].plen != len(fb) - 54:
            raise td.Fail("fragment %d: payload length %d" % (k, p[IPv6].plen))
        data += bytes(fh.payload)
    ip6 = IPv6(src=first[IPv6].src, dst=first[IPv6].dst, hlim=first[IPv6].hlim, nh=17,
               tc=first[IPv6].tc)
    return bytes(Ether(src=first.src, dst=first.dst) / ip6 / Raw(data))


# ---------------------------------------------------------------------------------------------
# Cases

CASES = {}


def case(fn):
    CASES[fn.__name__[3:].replace("_", "-")] = fn
    return fn


@case
def tc_vlan(c):
    """802.1Q, QinQ (0x88a8 and 0x9100 outer tags): challenged with the same tags, verified
    requests and non-SIP forwarded untouched; a third tag passes through unparsed."""
    conf = td.base_conf()
    q = [(0x8100, 42)]
    qinq = [(0x88A8, 100), (0x8100, 42)]
    old = [(0x9100, 7), (0x8100, 300)]
    arp = Ether(bytes(Ether(src=gen.MAC_PHONE, dst="ff:ff:ff:ff:ff:ff") /
                      ARP(op=1, hwsrc=gen.MAC_PHONE, psrc=gen.IP_PHONE, pdst=gen.IP_PBX)))
    items = [
        one(tagged(c.plain("REGISTER"), q), sip_challenge("REGISTER", conf), "802.1Q REGISTER"),
        one(tagged(c.authed("REGISTER", "MD5")[0], q), td.fwd("fwd_auth_ok"),
            "802.1Q REGISTER, right credentials"),
        one(tagged(c.plain("INVITE"), qinq), sip_challenge("INVITE", conf), "QinQ 88a8/8100"),
        one(tagged(c.authed("INVITE", "SHA-256")[0], qinq), td.fwd("fwd_auth_ok"),
            "QinQ INVITE, right credentials"),
        one(tagged(c.plain("OPTIONS"), old), sip_challenge("OPTIONS", conf), "QinQ 9100/8100"),
        one(tagged(c.plain("REGISTER"), qinq + [(0x8100, 5)]), td.fwd("fwd_non_udp"),
            "three tags: not parsed"),
        one(tagged(arp, q), td.fwd("fwd_non_udp"), "802.1Q ARP"),
        one(tagged(gen.frame(b"\x80" * 100, dport=30000), qinq), td.fwd("fwd_non_sip_port"),
            "QinQ RTP"),
        one(tagged(frame6(v6msg(c, "REGISTER")), q), sip_challenge("REGISTER", conf),
            "802.1Q IPv6 REGISTER"),
        one(tagged(c.plain("OPTIONS", extra_vias=LONG_VIAS), qinq),
            sip_challenge("OPTIONS", conf, frames=2), "QinQ, reply over the MTU"),
        one(c.plain("REGISTER"), sip_challenge("REGISTER", conf), "untagged"),
    ]
    c.run_wire("vlan", conf, items)


LONG_VIAS = tuple("SIP/2.0/UDP 198.51.100.%d:5060;branch=z9hG4bK-long-%s" % (k, "v" * 90)
                  for k in range(1, 15))


@case
def tc_ipv6(c):
    """SIP over UDP/IPv6: challenged over IPv6 (checksum, hop limit), verified and forwarded;
    hop-by-hop, destination options and routing headers skipped; zero and wrong checksums
    dropped; AH counted unsupported; large replies as IPv6 fragments."""
    conf = td.base_conf()
    ok6 = to_v6(c.authed("REGISTER", "SHA-256")[0])
    hbh = IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
    ah = bytes([17, 4, 0, 0]) + b"\x00\x00\x10\x01" + b"\x00\x00\x00\x01" + b"\xab" * 12
    udp_after_ah = bytes(UDP(sport=5060, dport=5060) / Raw(v6msg(c, "REGISTER")))
    items = [
        one(frame6(v6msg(c, "REGISTER")), sip_challenge("REGISTER", conf), "IPv6 REGISTER"),
        one(ok6, td.fwd("fwd_auth_ok"), "IPv6 REGISTER, right credentials"),
        one(frame6(v6msg(c, "INVITE", body=SDP, content_type="application/sdp"), ext=hbh),
            sip_challenge("INVITE", conf), "hop-by-hop + destination options"),
        one(frame6(v6msg(c, "OPTIONS"), ext=IPv6ExtHdrRouting(segleft=0) /
                   IPv6ExtHdrDestOpt()), sip_challenge("OPTIONS", conf),
            "routing + destination options"),
        one(frame6(v6msg(c, "REGISTER"), udp_checksum="zero"), td.drop("drop_udp_checksum"),
            "UDP checksum 0 (invalid in IPv6)"),
        one(frame6(v6msg(c, "REGISTER"), udp_checksum="bad"), td.drop("drop_udp_checksum"),
            "wrong UDP checksum"),
        one(Ether(bytes(Ether(src=gen.MAC_PHONE, dst=gen.MAC_USHER) /
                        IPv6(src=IP6_PHONE, dst=IP6_PBX, nh=51) / Raw(ah + udp_after_ah))),
            td.drop("drop_ipv6_ext"), "AH: not walked"),
        one(Ether(bytes(Ether(src=gen.MAC_PHONE, dst=gen.MAC_USHER) /
                        IPv6(src=IP6_PHONE, dst=IP6_PBX) / TCP(sport=5060, dport=5060) /
                        Raw(v6msg(c, "OPTIONS")))), td.fwd("fwd_non_udp"), "IPv6 TCP"),
        one(Ether(bytes(Ether(src=gen.MAC_PHONE, dst=gen.MAC_USHER) /
                        IPv6(src=IP6_PHONE, dst=IP6_PBX) / ICMPv6EchoRequest())),
            td.fwd("fwd_non_udp"), "ICMPv6"),
        one(frame6(b"\x80" * 100, dport=30000), td.fwd("fwd_non_sip_port"), "IPv6 RTP"),
        one(frame6(v6msg(c, "OPTIONS", extra_vias=LONG_VIAS)),
            sip_challenge("OPTIONS", conf, frames=2), "IPv6 reply over the MTU: fragments"),
    ]
    long6 = bytearray(bytes(frame6(v6msg(c, "REGISTER"))))
    long6[18:20] = (len(long6) - 54 + 40).to_bytes(2, "big")
    items.append(one(Ether(bytes(long6)), td.drop("drop_ip_malformed"),
                     "payload length past the frame"))
    c.run_wire("ipv6", conf, items)


@case
def tc_frag_ipv4(c):
    """Fragmented IPv4 requests reassembled and decided on as a whole: challenged in order and
    out of order, verified ones forwarded as their original fragments (byte-identical); UDP to
    other ports reassembled and passed through as the originals; non-UDP fragments passed
    through at once."""
    conf = td.base_conf()
    conf["auth"]["qop"] = "auth,auth-int"  # auth-int: the digest covers the reassembled body
    inv = c.plain("INVITE", body=SDP * 4, content_type="application/sdp")
    ok = c.authed("INVITE", "SHA-256", body=SDP * 4, qop="auth-int")[0]
    ok2 = c.authed("INVITE", "MD5", body=SDP * 3)[0]
    ok2_elsewhere = gen.frame(bytes(ok2[UDP].payload), sport=5999)
    inv_rev = c.plain("INVITE", body=SDP * 5, content_type="application/sdp")
    reg_tag = c.plain("REGISTER", extra_vias=LONG_VIAS[:6])
    rtp = gen.frame(b"\x80\x00" + bytes(range(256)) * 8, dport=30000)
    icmp = Ether(bytes(Ether(src=gen.MAC_PHONE, dst=gen.MAC_USHER) /
                       IP(src=gen.IP_PHONE, dst=gen.IP_PBX) / ICMP() / Raw(b"p" * 1200)))
    # a last fragment of a few bytes: its frame is padded to 60 and must leave as it came
    small = c.plain("OPTIONS")
    n = len(ip4_payload(small))
    cut = (n - 4) // 8 * 8
    small_frags = [ip4_frag(small, 0, ip4_payload(small)[:cut], True),
                   ip4_frag(small, cut, ip4_payload(small)[cut:], False)]
    small_frags[1] = Ether(bytes(small_frags[1]) + b"\x00" * (60 - len(small_frags[1])))
    fr = frags4(inv_rev, 256)
    icmp_frags = frags4(icmp, 600)
    shuffled = [fr[2], fr[0], fr[3], fr[1]] + fr[4:]
    items = [
        train(frags4(inv), inv, sip_challenge("INVITE", conf), "INVITE in 512-byte fragments"),
        train(frags4(ok), ok, td.fwd("fwd_auth_ok"), "verified INVITE, forwarded as fragments"),
        train(list(reversed(frags4(ok2, 256))), ok2, td.fwd("fwd_auth_ok"),
              "verified INVITE, fragments reversed"),
        train(shuffled, inv_rev, sip_challenge("INVITE", conf), "fragments shuffled"),
        train(frags4(reg_tag, 600, tags=[(0x8100, 42)]), tagged(reg_tag, [(0x8100, 42)]),
              sip_challenge("REGISTER", conf), "802.1Q-tagged fragments"),
        train(small_frags, small, sip_challenge("OPTIONS", conf), "padded last fragment"),
        train(frags4(rtp, 800), rtp, td.fwd("fwd_non_sip_port"), "fragmented RTP"),
        W(icmp_frags, {"fwd_non_udp": len(icmp_frags)}, inward=icmp_frags,
          note="ICMP fragments: passed through at once"),
        train(frags4(ok2.copy(), 700), ok2, td.fwd("fwd_retransmission"),
              "a verified INVITE again, refragmented: an exact retransmission"),
        train(frags4(ok2_elsewhere, 700), ok2_elsewhere,
              td.challenge("INVITE", "challenge_nc_replay", conf),
              "the same INVITE from another source port, refragmented: replay"),
        one(c.plain("REGISTER"), sip_challenge("REGISTER", conf), "unfragmented after them"),
    ]
    c.run_wire("frag4", conf, items)
    conf = td.base_conf()
    conf["policy"]["passthrough"] = "drop"
    rtp2 = gen.frame(b"\x80\x01" + bytes(range(256)) * 8, dport=30000)
    ok3 = c.authed("INVITE", "SHA-256", body=SDP * 3)[0]
    c.run_wire("frag4-drop", conf, [
        train(frags4(rtp2, 800), rtp2, td.drop("drop_passthrough"),
              "fragmented RTP, passthrough=drop"),
        train(frags4(ok3, 700), ok3, td.fwd("fwd_auth_ok"), "verified INVITE, passthrough=drop"),
    ])


@case
def tc_frag_bad(c):
    """Overlapping, duplicated, incomplete and oversized fragment trains dropped and counted;
    a full table refuses new trains; reassembly memory bounded."""
    conf = td.base_conf()
    conf["reassembly"] = {"max_flows": "64", "timeout_ms": "100"}
    inv = c.plain("INVITE", body=SDP * 4, content_type="application/sdp")
    data = ip4_payload(inv)
    ov = [ip4_frag(inv, 0, data[:512], True), ip4_frag(inv, 256, data[256:768], True),
          ip4_frag(inv, 768, data[768:], False)]
    inv2 = c.plain("INVITE", body=SDP * 4, content_type="application/sdp")
    d2 = ip4_payload(inv2)
    dup = [ip4_frag(inv2, 0, d2[:512], True), ip4_frag(inv2, 0, d2[:512], True)]
    inv3 = c.plain("INVITE", body=SDP * 4, content_type="application/sdp")
    d3 = ip4_payload(inv3)
    hole = [ip4_frag(inv3, 0, d3[:512], True), ip4_frag(inv3, 768, d3[768:], False)]
    inv4 = c.plain("OPTIONS")
    d4 = ip4_payload(inv4)
    # a fragment whose end is past 65535 bytes of datagram (ping of death)
    big = [ip4_frag(inv4, 65528, d4[:16], False)]
    odd = [ip4_frag(inv4, 0, d4[:13], True, ident=4244)]
    tiny = [ip4_frag(inv4, 0, d4[:0] + b"\x00" * 0, True, ident=4245)]
    items = [
        lost(ov, "drop_frag_invalid", "overlapping fragments"),
        lost(dup, "drop_frag_invalid", "first fragment twice"),
        lost(hole, "drop_frag_timeout", "middle fragment missing: expires"),
        lost(big, "drop_frag_invalid", "past 64 KiB"),
        lost(odd, "drop_frag_invalid", "non-final fragment not a multiple of 8"),
        lost(tiny, "drop_frag_invalid", "empty first fragment"),
        train(frags4(inv), inv, sip_challenge("INVITE", conf), "a good train after them"),
    ]
    c.run_wire("bad", conf, items)

    # one train at a time: a second one finds no room; the first expires at exit
    conf = td.base_conf()
    conf["reassembly"] = {"max_flows": "1"}
    a = c.plain("INVITE", body=SDP * 4, content_type="application/sdp")
    b = c.plain("INVITE", body=SDP * 4, content_type="application/sdp")
    fa, fb = frags4(a), frags4(b)
    c.run_wire("full", conf, [
        lost(fa[:1], "drop_frag_timeout", "train A, incomplete"),
        lost(fb, "drop_frag_no_room", "train B: no room"),
        one(c.plain("REGISTER"), sip_challenge("REGISTER", conf), "unfragmented still served"),
    ])

    # reassembly off: fragments pass through unparsed (the pass-through policy)
    conf = td.base_conf()
    conf["reassembly"] = {"max_flows": "0"}
    fi = frags4(inv.copy())
    c.run_wire("off", conf, [W(fi, {"fwd_non_udp": len(fi)}, inward=fi,
                               note="max_flows = 0")])


@case
def tc_frag_ipv6(c):
    """IPv6 fragments (fragment header after the IPv6 header) reassembled: challenged over
    IPv6, verified ones forwarded as their original fragments, out of order too; overlapping
    trains dropped; a fragment header after another extension header counted unsupported."""
    conf = td.base_conf()
    conf["auth"]["qop"] = "auth,auth-int"
    inv = frame6(v6msg(c, "INVITE", body=SDP * 4, content_type="application/sdp"))
    ok = to_v6(c.authed("INVITE", "SHA-256", body=SDP * 4)[0])
    ok2 = to_v6(c.authed("INVITE", "MD5", body=SDP * 3, qop="auth-int")[0])
    dst = frame6(v6msg(c, "OPTIONS", body=SDP * 3, content_type="application/sdp"),
                 ext=IPv6ExtHdrDestOpt())
    ov_req = frame6(v6msg(c, "INVITE", body=SDP * 4, content_type="application/sdp"))
    ovf = frags6(ov_req, 400)
    # the middle fragment again, one 8-byte unit earlier: overlaps both neighbours
    mid = ovf[1].copy()
    mid[IPv6ExtHdrFragment].offset -= 1
    mid = Ether(bytes(mid))
    hbh = frame6(v6msg(c, "INVITE", body=SDP * 4, content_type="application/sdp"))
    reg = frame6(v6msg(c, "REGISTER", extra_vias=LONG_VIAS))
    hf = frags6(hbh, 600)
    hbh_frags = []
    for f in hf:
        ip6 = f[IPv6].copy()
        rest = bytes(ip6.payload)
        ip6.remove_payload()
        ip6.nh = 0
        ip6.plen = None
        hbh_frags.append(Ether(bytes(Ether(src=f.src, dst=f.dst) / ip6 /
                                     IPv6ExtHdrHopByHop(nh=44) / Raw(rest))))
    items = [
        train(frags6(inv), inv, sip_challenge("INVITE", conf), "IPv6 INVITE in fragments"),
        train(frags6(ok), ok, td.fwd("fwd_auth_ok"), "verified IPv6 INVITE, as fragments"),
        train(list(reversed(frags6(ok2, 400))), ok2, td.fwd("fwd_auth_ok"),
              "verified, fragments reversed"),
        train(frags6(dst, 500), dst, sip_challenge("OPTIONS", conf),
              "destination options in the fragmentable part"),
        lost([ovf[0], ovf[1], mid, ovf[2]], "drop_frag_invalid", "overlapping IPv6 fragments"),
        W(hbh_frags, {"drop_ipv6_ext": len(hbh_frags)},
          note="hop-by-hop before the fragment header"),
        train(frags6(reg, 700), reg, sip_challenge("REGISTER", conf, frames=2),
              "REGISTER in fragments, reply over the MTU"),
    ]
    c.run_wire("frag6", conf, items)


# ---------------------------------------------------------------------------------------------


def main(argv):
    return td.main(argv, CASES, WireCase, "wire", __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
