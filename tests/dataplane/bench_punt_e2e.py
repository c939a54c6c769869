#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# STIR/SHAKEN punt throughput end to end: usher on a looping capture of signed INVITEs,
# a real usherd verifying; never run as a test.
"""usage: bench_punt_e2e.py USHER USHERD USHERCTL ID_SIGN GEN_PKI [SECONDS] [PENDING_MAX]

One worker (CPU 1); the main lcore and usherd share CPU 0. net_pcap replays 64 INVITEs with
distinct valid PASSporTs (one x5u, allow-listed trunk) in a loop (infinite_rx=1), far faster
than any verifier: the pending table stays full, and what does not fit gets the unavailable
policy (forward, No-TN-Validation). Reads usher's counters over the control socket twice,
SECONDS apart, and prints rates: frames received, punted, verified and forwarded
(id_fwd_passed), refused by the full table; and usherd's identity stats (cache hits).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_identity as ti  # noqa: E402
from ctlclient import CtlClient  # noqa: E402


def main(argv):
    if len(argv) < 6:
        print(__doc__)
        return 2
    ti.USHER, ti.USHERD, ti.USHERCTL, ti.ID_SIGN, ti.GEN_PKI = \
        [os.path.abspath(a) for a in argv[1:6]]
    seconds = float(argv[6]) if len(argv) > 6 else 5.0
    pending = argv[7] if len(argv) > 7 else "1024"
    c = ti.Case("bench", tempfile.mkdtemp(prefix="usher-punt-bench-"))
    frames = [c.invite("b%d" % i, identity=c.sign())[0] for i in range(64)]
    c.start_usherd()
    d = os.path.join(c.dir, "run")
    os.makedirs(d)
    ti.gen.write_pcap(os.path.join(d, "in.pcap"), frames)
    with open(os.path.join(d, "usher.ini"), "w") as f:
        f.write("[ports]\noutside = 0\ninside = 1\n[auth]\nrealm = %s\n"
                "[lists]\nallow = %s/32\n[overload]\nshed = false\n"
                "[control]\nsocket = %s\nnode = bench\nwait_sync = 20\n"
                "[identity]\nenabled = true\npending_max = %s\n" %
                (ti.REALM, ti.TRUNK.ip, c.node_sock, pending))
    prefix = "usher-punt-bench-%d" % os.getpid()
    cmd = ["taskset", "-c", "0,1", ti.USHER, "--no-huge", "--no-shconf", "--no-pci",
           "--file-prefix", prefix, "--lcores", "0@0,1@1", "-m", "256",
           "--vdev", "net_pcap0,rx_pcap=in.pcap,infinite_rx=1", "--vdev", "net_null0,no-rx=1",
           "--", "--config", "usher.ini"]
    log = open(os.path.join(d, "usher.log"), "w")
    p = subprocess.Popen(cmd, cwd=d, stdout=log, stderr=log)
    try:
        deadline = time.time() + 30
        while True:
            try:
                cl = CtlClient(c.node_sock)
                if cl.check("stats")["total"]["rx_outside"] > 0:
                    break
                cl.close()
            except (OSError, KeyError):
                pass
            if time.time() > deadline:
                raise SystemExit("usher did not start")
            time.sleep(0.2)
        time.sleep(1.0)
        t1, s1 = time.time(), cl.check("stats")["total"]
        time.sleep(seconds)
        t2, s2 = time.time(), cl.check("stats")["total"]
        cl.close()
    finally:
        p.terminate()
        p.wait(timeout=30)
    dt = t2 - t1
    rate = {k: (s2[k] - s1[k]) / dt for k in s2}
    for k in ("rx_outside", "id_punted", "id_fwd_passed", "id_table_full", "id_ring_full",
              "id_fwd_no_validation", "id_timeout", "id_too_big"):
        print("%-22s %12.0f /s" % (k, rate.get(k, 0)))
    rc, out, err = c.usherctl("--json", "identity", "stats")
    j = json.loads(out)
    print("usherd: verdicts %s, cache %s" % (j["verdicts"], j["cache"]))
    c.stop_usherd()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
