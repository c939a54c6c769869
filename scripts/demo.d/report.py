#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# scripts/demo: tells, frame by frame and by counter, what usher did with the demo traffic.
"""usage: report.py RUN_DIR COUNTERS_H

RUN_DIR holds the demo's input (outside.pcap, inside.pcap, frames.json), usher's output
(out_outside.pcap, out_inside.pcap) and its --stats-json (stats.json).
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "dataplane"))
import gen  # noqa: E402
from gen import Ether, IP, UDP  # noqa: E402

GROUPS = [
    ("Forwarded to the PBX (inside port)",
     ["fwd_auth_ok", "fwd_retransmission", "fwd_response", "fwd_exempt", "fwd_in_dialog",
      "fwd_allowed", "fwd_non_sip_port", "fwd_non_udp"]),
    ("Answered by Usher itself (outside port)",
     ["challenge_no_credentials", "challenge_stale", "challenge_bad_response",
      "challenge_nc_replay", "challenge_uri_mismatch", "challenge_algorithm", "challenge_qop",
      "challenge_nonce_invalid", "challenge_credentials_malformed", "reply_400",
      "deny_blocked", "deny_banned", "deny_rate", "shed_challenge"]),
    ("Absorbed or dropped",
     ["absorb_ack", "drop_sip_malformed", "drop_udp_checksum", "drop_ip_malformed",
      "drop_passthrough", "drop_no_mbuf", "drop_tx_full"]),
    ("From the PBX (inside port), forwarded outward", ["fwd_outward"]),
]


def descriptions(path):
    text = open(path).read()
    return dict(re.findall(r'X\(\s*\w+\s*,\s*"([a-z0-9_]+)"\s*,\s*"([^"]*)"', text))


def sip_key(payload):
    """(Call-ID, CSeq) of a SIP message, or None."""
    cid = re.search(rb"\r\n(?:Call-ID|i)\s*:\s*([^\r]*)", payload, re.I)
    cseq = re.search(rb"\r\nCSeq\s*:\s*([^\r]*)", payload, re.I)
    return (cid.group(1), cseq.group(1)) if cid and cseq else None


def main(argv):
    d, counters_h = argv[0], argv[1]
    desc = descriptions(counters_h)
    with open(os.path.join(d, "frames.json")) as f:
        what = json.load(f)
    inp = gen.read_pcap_raw(os.path.join(d, "outside.pcap"))
    out_in = gen.read_pcap_raw(os.path.join(d, "out_inside.pcap"))
    out_out = gen.read_pcap_raw(os.path.join(d, "out_outside.pcap"))
    inside = gen.read_pcap_raw(os.path.join(d, "inside.pcap"))
    with open(os.path.join(d, "stats.json")) as f:
        stats = json.load(f)

    replies = [fb for fb in out_out if fb not in inside]
    print("Frame by frame (outside port, in arrival order):\n")
    k = 0
    for n, (fb, text) in enumerate(zip(inp, what["outside"]), 1):
        if k < len(out_in) and out_in[k] == fb:
            k += 1
            verdict = "forwarded to the PBX, byte for byte"
        else:
            verdict = "dropped or absorbed (no output)"
            p = Ether(fb)
            key = sip_key(bytes(p[UDP].payload)) if UDP in p else None
            for r in replies:
                rp = bytes(Ether(r)[UDP].payload)
                if key and sip_key(rp) == key and Ether(r)[IP].dst == p[IP].src:
                    status = rp.split(b"\r\n", 1)[0].decode(errors="replace")[8:]
                    n_ch = len(re.findall(rb"\r\n(?:WWW|Proxy)-Authenticate:", rp))
                    verdict = "answered " + status
                    if n_ch:
                        verdict += " (%d challenge%s%s)" % (n_ch, "s" if n_ch > 1 else "",
                                                            ", stale=true"
                                                            if b"stale=true" in rp else "")
                    replies.remove(r)
                    break
        print("  %2d  %-58s -> %s" % (n, text, verdict))

    total = stats["counters"]
    print("\nCounters (usher --stats-json; every name is in docs/counters.md):\n")
    print("  received: %d on the outside port, %d on the inside port" %
          (total["rx_outside"], total["rx_inside"]))
    for title, names in GROUPS:
        rows = [(n, total.get(n, 0)) for n in names if total.get(n, 0)]
        print("\n  %s: %d" % (title, sum(v for _, v in rows)))
        for name, v in rows:
            print("    %-32s %4d  %s" % (name, v, desc.get(name, "")))
    shown = {n for _, names in GROUPS for n in names} | {"rx_outside", "rx_inside",
                                                         "tx_inside", "tx_outside"}
    rest = [(n, v) for n, v in total.items() if v and n not in shown]
    if rest:
        print("\n  Other counters:")
        for name, v in rest:
            print("    %-32s %4d  %s" % (name, v, desc.get(name, "")))
    mb = stats.get("mbufs", {})
    print("\n  mbufs: %s of %s returned to their pools at exit" % (mb.get("returned"),
                                                                 mb.get("total")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
