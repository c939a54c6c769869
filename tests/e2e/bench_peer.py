#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# scripts/bench-peer: Usher against Kamailio, digest authentication per CPU core.
"""usage: bench_peer.py USHER [--seconds S] [--runs N] [--users N] [--usher-json FILE]

Kamailio (auth module, HA1s in a htable, one UDP worker, tlsf memory managers, pinned to CPU
1) in a network namespace of its own with only loopback, driven by SIPp (pinned to CPU 0) as
fast as SIPp goes: the challenge path (REGISTER, 401) and the full flow (REGISTER, 401,
REGISTER with MD5 credentials, 200). Kamailio's figure is per CPU-second it used: the CPU time
of all its processes (/proc/PID/stat utime + stime) over the run, so it stays a per-core
figure when SIPp is the limit (read from /proc/PID/schedstat, the same utime + stime at
nanosecond resolution). Then Usher's challenge and MD5 verify paths with one worker,
from tests/dataplane/bench_dataplane.py (per worker CPU-second), and the ratios.
Median of --runs runs each. Method: docs/benchmarks.md, "Against Kamailio".
"""

import argparse
import csv
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REALM = "usher.test"
ADDR = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def cpu_seconds(pids):
    """CPU time used so far by these (single-threaded) processes: utime + stime from
    /proc/PID/stat, read at nanosecond resolution from /proc/PID/schedstat (the same time,
    without the 10 ms tick rounding, which would be most of a short run's figure)."""
    total = 0.0
    for pid in pids:
        try:
            with open("/proc/%d/schedstat" % pid) as f:
                total += int(f.read().split()[0]) / 1e9
        except FileNotFoundError:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / TICK
            except (FileNotFoundError, ProcessLookupError):
                pass
    return total


def kamailio_pids(ns, exclude=()):
    r = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE, text=True)
    out = []
    for p in r.stdout.split():
        p = int(p)
        try:
            with open("/proc/%d/comm" % p) as f:
                if f.read().strip() == "kamailio" and p not in exclude:
                    out.append(p)
        except FileNotFoundError:
            pass
    return out


def sipp_run(ns, d, scenario, inf, calls, tag, seconds):
    stf = os.path.join(d, "%s.csv" % tag)
    cmd = ["ip", "netns", "exec", ns, "taskset", "-c", "0", "sipp", ADDR + ":5060", "-sf",
           os.path.join(HERE, "sipp", scenario), "-inf", inf, "-i", ADDR, "-p", "5070",
           "-m", str(calls), "-r", "100000", "-rp", "1000", "-l", "200", "-nr", "-nd",
           "-nostdin", "-timeout", "%ds" % (seconds + 30), "-recv_timeout", "2000",
           "-max_recv_loops", "5000", "-max_sched_loops", "5000", "-trace_stat", "-stf", stf,
           "-fd", "1"]
    subprocess.run(cmd, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=seconds + 60)
    with open(stf) as f:
        rows = list(csv.reader(f, delimiter=";"))
    head, last = rows[0], rows[-1]
    return int(last[head.index("SuccessfulCall(C)")]), int(last[head.index("FailedCall(C)")])


def bench_kamailio(args, d):
    ns = "ushbench%d" % (os.getpid() % 100000)
    users = ["user%04d" % i for i in range(args.users)]
    with open(os.path.join(d, "users.cfg"), "w") as f:
        for u in users:
            ha1 = hashlib.md5(("%s:%s:pw-%s" % (u, REALM, u)).encode()).hexdigest()
            f.write('    $sht(ha1=>%s) = "%s";\n' % (u, ha1))
    inf = os.path.join(d, "users.csv")
    with open(inf, "w") as f:
        f.write("RANDOM\n")
        for u in users:
            f.write("%s;[authentication username=%s password=pw-%s]\n" % (u, u, u))
    with open(os.path.join(HERE, "kamailio-bench.cfg")) as f:
        cfg = f.read()
    cfg = (cfg.replace("@ADDR@", ADDR).replace("@REALM@", REALM)
           .replace("@USERS@", os.path.join(d, "users.cfg")))
    with open(os.path.join(d, "kamailio.cfg"), "w") as f:
        f.write(cfg)
    os.makedirs(os.path.join(d, "run"))
    sh(["ip", "netns", "add", ns])
    kam = None
    try:
        sh(["ip", "-n", ns, "link", "set", "lo", "up"])
        kam = subprocess.Popen(["ip", "netns", "exec", ns, "taskset", "-c", "1", "kamailio",
                                "-f", os.path.join(d, "kamailio.cfg"), "-DD", "-E", "-x",
                                "tlsf", "-X", "tlsf", "-m", "256", "-M", "16", "-Y",
                                os.path.join(d, "run")],
                               stdout=open(os.path.join(d, "kamailio.log"), "w"),
                               stderr=subprocess.STDOUT)
        time.sleep(2)
        if kam.poll() is not None:
            raise SystemExit("kamailio did not start:\n" +
                             open(os.path.join(d, "kamailio.log")).read()[-2000:])
        res = {"challenge": [], "flow": [], "challenge_failed": 0, "flow_failed": 0,
               "sipp_rate": {"challenge": [], "flow": []}}
        # a short warm-up, then the measured runs; the number of calls per run is sized from
        # the warm-up so that a run lasts about --seconds
        t0 = time.time()
        ok, _ = sipp_run(ns, d, "bench-challenge.xml", inf, 20000, "warm", args.seconds)
        per_s = max(1000, ok / max(0.1, time.time() - t0))
        for r in range(args.runs):
            for kind, scen in (("challenge", "bench-challenge.xml"), ("flow", "bench-flow.xml")):
                calls = int(per_s * args.seconds / (2 if kind == "flow" else 1))
                pids = kamailio_pids(ns)
                c0, w0 = cpu_seconds(pids), time.time()
                ok, failed = sipp_run(ns, d, scen, inf, calls, "%s%d" % (kind, r), args.seconds)
                c1, w1 = cpu_seconds(pids), time.time()
                cpu = c1 - c0
                res[kind].append(ok / cpu if cpu > 0 else 0.0)
                res["sipp_rate"][kind].append(ok / (w1 - w0))
                res[kind + "_failed"] += failed
                print("bench-peer: kamailio %-9s run %d: %d ok, %d failed, %.2f s wall, "
                      "%.2f CPU-s -> %.0f per CPU-second (%.0f/s wall)" %
                      (kind, r + 1, ok, failed, w1 - w0, cpu, res[kind][-1], ok / (w1 - w0)),
                      file=sys.stderr)
        return res
    finally:
        if kam is not None and kam.poll() is None:
            kam.terminate()
            try:
                kam.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kam.kill()
                kam.wait()
        for p in kamailio_pids(ns):
            try:
                os.kill(p, 9)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "del", ns])


def bench_usher(args, d):
    if args.usher_json:
        with open(args.usher_json) as f:
            data = json.load(f)
    else:
        out = os.path.join(d, "usher.json")
        sh(["/usr/bin/python3", os.path.join(ROOT, "tests", "dataplane", "bench_dataplane.py"),
            args.usher, "--paths", "challenge,md5", "--workers", "1", "--seconds",
            str(args.seconds), "--runs", str(args.runs), "--json", out],
           stdout=subprocess.DEVNULL)
        with open(out) as f:
            data = json.load(f)
    rates = {}
    for row in data["rows"]:
        if row["workers"] == 1 and row["path"] in ("challenge", "md5") and row["rate_cpu"]:
            rates[row["path"]] = statistics.median(row["rate_cpu"]) * 1e6
    if set(rates) != {"challenge", "md5"}:
        raise SystemExit("bench-peer: usher bench gave no challenge/md5 rows")
    return rates


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("usher")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--usher-json", help="reuse scripts/bench --json output (1 worker rows)")
    args = ap.parse_args()
    if os.cpu_count() < 2:
        raise SystemExit("bench-peer: needs 2 CPUs (SIPp on 0, Kamailio on 1)")
    d = tempfile.mkdtemp(prefix="usher-bench-peer-")
    os.chmod(d, 0o755)
    try:
        k = bench_kamailio(args, d)
        u = bench_usher(args, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    med = statistics.median
    kc, kf = med(k["challenge"]), med(k["flow"])
    # Kamailio's verify alone: the flow's CPU per flow less one challenge's
    kv = 1.0 / (1.0 / kf - 1.0 / kc) if kf < kc else float("inf")
    uc, uv = u["challenge"], u["md5"]
    uf = 1.0 / (1.0 / uc + 1.0 / uv)
    print()
    print("Digest authentication per CPU core (median of %d runs of %d s; %d users, MD5, "
          "qop=auth)" % (args.runs, args.seconds, args.users))
    print()
    print("| path | Kamailio per core | Usher per core | Usher / Kamailio |")
    print("|---|---:|---:|---:|")
    for name, kr, ur in (("challenge (REGISTER → 401)", kc, uc),
                         ("verify (REGISTER with credentials → accepted)", kv, uv),
                         ("full flow (challenge + verified REGISTER)", kf, uf)):
        print("| %s | %s/s | %s/s | %.0f× |" % (name, fmt(kr), fmt(ur), ur / kr))
    print()
    print("Kamailio: SIPp drove %s challenges/s and %s flows/s (wall clock, median); failed "
          "calls: %d challenge, %d flow." % (fmt(med(k["sipp_rate"]["challenge"])),
                                             fmt(med(k["sipp_rate"]["flow"])),
                                             k["challenge_failed"], k["flow_failed"]))
    goal = uf / kf >= 30
    print("Goal (Usher >= 30x Kamailio per core, full flow): %s" % ("met" if goal else
                                                                     "NOT met"))
    return 0


def fmt(x):
    if x >= 1e6:
        return "%.2f M" % (x / 1e6)
    if x >= 1e3:
        return "%.1f k" % (x / 1e3)
    return "%.0f " % x


if __name__ == "__main__":
    sys.exit(main())
