#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# Dataplane benchmark driver behind scripts/bench: Mpps per worker per path, next to the ceiling.
"""usage: bench_dataplane.py USHER [--seconds S] [--runs N] [--workers 1,2] [--count N]
                               [--paths a,b] [--write-doc FILE]

For each path (challenge, verify-pass MD5 / SHA-256 / SHA-512-256, verify-fail, pass-through)
one pcap is generated (gen.py) and replayed in a loop by net_pcap (infinite_rx=1) into the
outside port of `usher`; net_pcap without tx_pcap drops what usher sends back on that port.
The other port is a net_null (no RX, TX frees).
The rate is read from usher's own counters: SIGUSR1 prints them, once after a warm-up and
once S seconds later; rate = difference / time between the two prints.

Ceiling: the same pcap fed to the INSIDE port, which usher forwards outward without looking at
it (plain forwarding by the same binary, same rx copy by net_pcap, same TX path). Each path's
share is its rate over the ceiling of its own pcap.

The verify-pass pcaps stay meaningful when they loop: nonces use an nc table of order 4 and
cycle each slot through three generations a third of the circle apart (gen.BENCH_GENERATIONS),
so every frame is a fresh nonce that verifies and is accepted (fwd_auth_ok), never a replay.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

SECRET = "usher-bench-nonce-secret-0123456789abcdef"
NONCE_LEAD = 4
WARMUP = 1.0

# path -> (counter that must account for (nearly) every frame, what the path measures)
PATHS = {
    "challenge": ("challenge_no_credentials", "REGISTER without credentials -> 401 (2 nonces)"),
    "md5": ("fwd_auth_ok", "REGISTER, MD5 qop=auth, right -> forwarded"),
    "sha256": ("fwd_auth_ok", "REGISTER, SHA-256 qop=auth, right -> forwarded"),
    "sha512-256": ("fwd_auth_ok", "REGISTER, SHA-512-256 qop=auth, right -> forwarded"),
    "fail": ("challenge_bad_response", "REGISTER, MD5, wrong response -> fresh 401"),
    "passthrough": ("fwd_non_sip_port", "RTP (UDP, not a SIP port) -> forwarded"),
    "mix": ("fwd_auth_ok", "90% attack (brute force, REGISTER flood), 10% legitimate; bans on"),
}

# The attack mix, per block of MIX_BLOCK frames: MIX_LEGIT right REGISTERs from legitimate
# phones, MIX_BRUTE wrong passwords (valid nonces, as a cracker answering our challenges
# sends), the rest REGISTERs without credentials (a flood), each kind from its own sources.
MIX_BLOCK = 10
MIX_LEGIT = 1
MIX_BRUTE = 5
MIX_LEGIT_SOURCES = 64
MIX_BRUTE_SOURCES = 256
MIX_FLOOD_SOURCES = 512


class Usher:
    """A running usher whose standard output is read line by line with arrival times."""

    def __init__(self, cmd, cwd):
        self.p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        self.lines = []
        self.cv = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for raw in self.p.stdout:
            with self.cv:
                self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip("\n")))
                self.cv.notify_all()
        with self.cv:
            self.lines.append((time.monotonic(), None))
            self.cv.notify_all()

    def wait_for(self, pattern, start=0, timeout=30):
        """Index and time of the first line from `start` matching pattern."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        i = start
        with self.cv:
            while True:
                while i < len(self.lines):
                    t, ln = self.lines[i]
                    if ln is None:
                        raise RuntimeError("usher exited:\n" + self.log()[-3000:])
                    if rx.search(ln):
                        return i, t
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("timeout waiting for %r:\n%s" % (pattern,
                                                                     self.log()[-3000:]))
                self.cv.wait(left)

    def worker_cpu(self):
        """CPU seconds used so far by each worker thread (rte-worker-N), by thread name."""
        out = {}
        tick = os.sysconf("SC_CLK_TCK")
        base = "/proc/%d/task" % self.p.pid
        for tid in os.listdir(base):
            try:
                with open("%s/%s/comm" % (base, tid)) as f:
                    name = f.read().strip()
                if not name.startswith("rte-worker"):
                    continue
                with open("%s/%s/stat" % (base, tid)) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                out[name] = (int(fields[11]) + int(fields[12])) / tick
            except OSError:
                continue
        return out

    def snapshot(self, n_workers):
        """SIGUSR1, then the totals block it prints: (arrival time of its first line,
        counters). The block is written and flushed at once, right after the counters are
        read."""
        start = len(self.lines)
        cpu = self.worker_cpu()
        self.p.send_signal(signal.SIGUSR1)
        i, t = self.wait_for(r"^total \(%d worker" % n_workers, start)
        time.sleep(0.05)
        ctr = {}
        with self.cv:
            for _, ln in self.lines[i + 1:]:
                m = re.match(r"^\s+([a-z0-9_]+)\s+(\d+)$", ln or "")
                if not m:
                    break
                ctr[m.group(1)] = int(m.group(2))
        return t, ctr, cpu

    def stop(self):
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
        self.t.join(timeout=5)
        return self.p.returncode

    def log(self):
        return "\n".join(ln for _, ln in self.lines if ln is not None)


def conf_text(path):
    return "\n".join([
        "# scripts/bench",
        "[sip]", "ports = 5060",
        "[auth]", "realm = %s" % gen.REALM, "algorithms = SHA-256,MD5", "qop = auth",
        "nonce_lifetime = 300", "nonce_secret_file = nonce.secret",
        "nc_table_order = %d" % gen.BENCH_NC_ORDER,
        "[credentials]", "file = users.cred", ""])


def defences_off(exe):
    """--set overrides that turn [protection] bans and [overload] shedding off, where this
    usher has them: a benchmark path sends thousands of failures from one source and must
    measure the path itself, not a ban or a shed."""
    with open(exe, "rb") as f:
        data = f.read()
    out = []
    if b"user_ban_threshold\0" in data:
        out += ["--set", "protection.ban_threshold=0", "--set", "protection.user_ban_threshold=0"]
    if b"full_bursts\0" in data:
        out += ["--set", "overload.shed=false"]
    if os.environ.get("USHER_BENCH_RTX") is not None:
        out += ["--set", "auth.retransmission_window=" + os.environ["USHER_BENCH_RTX"]]
    return out


def lcores(n_workers):
    # 2 cores: with 2 workers the main lcore (management, asleep most of the time) shares
    # CPU 0 with worker 1
    return "0@0,1@1" if n_workers == 1 else "0@0,1@0,2@1"


def mix_count(count, nslots):
    """Frames of a mix pcap: whole blocks, with the legitimate frames a whole number of
    generation cycles of every slot (so that each loop leaves every slot one cycle on)."""
    unit = MIX_BLOCK * nslots * len(gen.BENCH_GENERATIONS) // MIX_LEGIT
    return max(unit, count - count % unit)


def mix_frames(secret, count, ts, slots, q):
    """The attack mix (MIX_* above) for queue q. Legitimate frame j is user j mod 64 from its
    own phone, on nc slot slots[j mod len(slots)] cycling through gen.BENCH_GENERATIONS like
    the verify-pass paths: fresh on every loop. Attackers' nonces are valid but their
    responses wrong (challenge_bad_response until the source or source + user is banned);
    their nonce indexes are never accepted, so they never touch the nc table."""
    slots = list(slots)
    frames, legit = [], 0
    uri = "sip:" + gen.DOMAIN

    def src(net, k):
        # distinct addresses, per queue for the attack kinds too
        return gen.Endpoint(gen.MAC_PHONE, "%s.%d.%d" % (net, k >> 8, k & 0xFF), 5060)

    for i in range(count):
        kind = i % MIX_BLOCK
        cid = "mix-q%d-%06d" % (q, i)
        if kind < MIX_LEGIT:
            j = legit
            legit += 1
            u, p = gen.bench_user(j % gen.BENCH_USERS)
            slot = slots[j % len(slots)]
            gen_ = gen.BENCH_GENERATIONS[(j // len(slots)) % len(gen.BENCH_GENERATIONS)]
            n = gen.make_nonce(secret, ts, (gen_ << gen.BENCH_NC_ORDER) | slot, "MD5")
            cred = gen.credentials("MD5", u, gen.REALM, n, uri, "REGISTER", password=p, nc=1,
                                   cnonce="c%06x" % i)
            s = src("10.%d" % (1 + q), j % MIX_LEGIT_SOURCES)
        elif kind < MIX_LEGIT + MIX_BRUTE:
            # each cracker cycles through the usernames: its source ban comes first
            u, _ = gen.bench_user((i // MIX_BRUTE_SOURCES) % gen.BENCH_USERS)
            n = gen.make_nonce(secret, ts, 0x0FFFFFF0 + (i & 0xF), "MD5")
            cred = gen.credentials("MD5", u, gen.REALM, n, uri, "REGISTER",
                                   response="%032x" % (i * 2654435761), nc=1,
                                   cnonce="c%06x" % i)
            s = src("100.%d" % (64 + q), i % MIX_BRUTE_SOURCES)
        else:
            u, cred = gen.bench_user(i % gen.BENCH_USERS)[0], None
            s = src("100.%d" % (96 + q), i % MIX_FLOOD_SOURCES)
        msg = gen.sip_request("REGISTER", uri, cid, user=u, from_tag="t%d" % i, auth=cred,
                              via_host=s.ip)
        frames.append(gen.frame(msg, src=s))
    return frames


def measure(exe, d, path, n_workers, seconds, count, ceiling, tag):
    """One run; returns (Mpps total, counters delta, final stats)."""
    secret = gen.Secret(SECRET.encode())
    ts = int(time.time()) + NONCE_LEAD
    pcaps = []
    # one nc slot per frame position, each cycling through all three generations per loop
    nslots = 16 if n_workers == 1 else 8
    if path == "mix":
        count = mix_count(count, nslots)
    else:
        count -= count % (nslots * len(gen.BENCH_GENERATIONS))
    for q in range(n_workers):
        # one pcap per queue, on its own nc slots so that two workers never share a nonce
        slots = range(nslots * q, nslots * (q + 1))
        name = "%s-q%d.pcap" % (path, q)
        frames = mix_frames(secret, count, ts, slots, q) if path == "mix" else \
            gen.bench_frames(path, secret, count, ts, slots)
        gen.write_pcap(os.path.join(d, name), frames)
        pcaps.append(name)
    # the looping pcap (its TX drops what it is given) and a null port (no RX, TX frees):
    # no port reads an empty file on every poll
    busy = "net_pcap0," + ",".join("rx_pcap=%s" % p for p in pcaps) + ",infinite_rx=1"
    idle = "net_null0,no-rx=1"
    ports = ["--set", "ports.outside=net_null0", "--set", "ports.inside=net_pcap0"] \
        if ceiling else ["--set", "ports.outside=net_pcap0", "--set", "ports.inside=net_null0"]
    if path == "sha512-256":
        ports += ["--set", "auth.algorithms=SHA-512-256,SHA-256,MD5"]
    prefix = "usher-bench-%s-%d" % (tag, os.getpid())
    cmd = [exe, "--no-huge", "--no-shconf", "--no-pci", "--file-prefix", prefix,
           "--lcores", lcores(n_workers), "-m", "256",
           "--vdev", busy, "--vdev", idle,
           "--", "--config", "bench.ini", "--stats-json", "stats-%s.json" % tag] + ports
    if path != "mix":
        # the mix keeps [protection] at its defaults: bans on ([overload] never sheds on
        # net_pcap unless full_bursts is set)
        cmd += defences_off(exe)
    u = Usher(cmd, d)
    try:
        u.wait_for(r"worker %d on lcore" % (n_workers - 1))
        time.sleep(WARMUP)
        t1, c1, cpu1 = u.snapshot(n_workers)
        time.sleep(seconds)
        t2, c2, cpu2 = u.snapshot(n_workers)
    finally:
        rc = u.stop()
        shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)
    log = u.log()
    if rc != 0 or not re.search(r"mbufs: all \d+ returned", log):
        raise RuntimeError("usher exit %d:\n%s" % (rc, log[-3000:]))
    with open(os.path.join(d, "stats-%s.json" % tag)) as f:
        if json.load(f)["mbufs"]["leaked"] != 0:
            raise RuntimeError("usher leaked mbufs:\n" + log[-2000:])
    delta = {k: c2.get(k, 0) - c1.get(k, 0) for k in set(c1) | set(c2)}
    rx = delta.get("rx_inside" if ceiling else "rx_outside", 0)
    size = sum(len(f) for f in gen.read_pcap_raw(os.path.join(d, pcaps[0]))) // count
    # CPU the workers actually got: other processes on the machine take some of it
    cpu = sum(cpu2.get(k, 0) - cpu1.get(k, 0) for k in cpu2)
    share = cpu / (n_workers * (t2 - t1))
    return {"mpps": rx / (t2 - t1) / 1e6, "mpps_cpu": rx / cpu / 1e6 if cpu > 0 else 0.0,
            "cpu_share": share, "delta": delta, "size": size, "total": c2,
            "legit_share": MIX_LEGIT / MIX_BLOCK if path == "mix" else 0.0}


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("usher")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--count", type=int, default=1536,
                    help="frames per pcap (rounded down to a multiple of 48)")
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--write-doc", help="replace the '## Dataplane' section of this file")
    ap.add_argument("--json", help="write all results here")
    ap.add_argument("--from-json", help="no run: report (and --write-doc) saved results")
    args = ap.parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            results = json.load(f)
        args.seconds, args.runs, args.count = (results["seconds"], results["runs"],
                                               results["count"])
        report = format_report(results, args)
        print(report)
        if args.write_doc:
            write_doc(args.write_doc, report, args)
        return 0
    exe = os.path.abspath(args.usher)
    paths = args.paths.split(",")
    workers = [int(w) for w in args.workers.split(",")]
    d = tempfile.mkdtemp(prefix="usher-bench-")
    try:
        gen.write_secret(os.path.join(d, "nonce.secret"), SECRET)
        gen.bench_credentials_file(os.path.join(d, "users.cred"))
        with open(os.path.join(d, "bench.ini"), "w") as f:
            f.write(conf_text(None))
        results = run_all(exe, d, paths, workers, args)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    report = format_report(results, args)
    print(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.write_doc:
        write_doc(args.write_doc, report, args)
    return 0


def run_all(exe, d, paths, workers, args):
    results = {"machine": machine(), "seconds": args.seconds, "runs": args.runs,
               "count": args.count, "rows": []}
    for nw in workers:
        for path in paths:
            row = {"path": path, "workers": nw, "rate": [], "ceiling": [], "rate_cpu": [],
                   "ceiling_cpu": [], "cpu_share": [], "outcome": {}, "error": None}
            for r in range(args.runs):
                # the mix is judged on its outcomes, not against a forwarding ceiling
                for ceiling in (False,) if path == "mix" else (False, True):
                    tag = "%s-w%d-r%d-%s" % (path, nw, r, "ceil" if ceiling else "path")
                    try:
                        m = measure(exe, d, path, nw, args.seconds, args.count, ceiling, tag)
                        row["frame_bytes"] = m["size"]
                        mpps, delta = m["mpps"], m["delta"]
                    except RuntimeError as e:
                        row["error"] = first_line_of_cause(str(e))
                        print("bench: %s, %d worker(s): %s" % (path, nw, row["error"]),
                              file=sys.stderr)
                        break
                    (row["ceiling"] if ceiling else row["rate"]).append(mpps)
                    (row["ceiling_cpu"] if ceiling else row["rate_cpu"]).append(m["mpps_cpu"])
                    row["cpu_share"].append(m["cpu_share"])
                    if not ceiling:
                        tot = max(1, delta.get("rx_outside", 0))
                        row["outcome"] = {k: v / tot for k, v in delta.items()
                                          if v and k not in ("rx_outside", "tx_inside",
                                                             "tx_outside")}
                    if path == "mix":
                        row.setdefault("mix", []).append(mix_summary(m))
                    print("bench: %-11s %d worker(s) run %d %-7s %7.3f Mpps, %7.3f per "
                          "worker CPU-second (workers got %3.0f%% of their CPUs)" %
                          (path, nw, r + 1, "ceiling" if ceiling else "path", mpps,
                           m["mpps_cpu"], 100 * m["cpu_share"]), file=sys.stderr)
                if row["error"]:
                    break
            results["rows"].append(row)
    return results


def mix_summary(m):
    """What happened to the legitimate and the attack frames of one mix run (interval)."""
    d = m["delta"]
    rx = d.get("rx_outside", 0)
    legit = rx * m["legit_share"]
    attack = rx - legit
    ok = d.get("fwd_auth_ok", 0)
    banned = d.get("deny_banned", 0) + d.get("deny_rate", 0) + d.get("deny_blocked", 0)
    return {"mpps_cpu": m["mpps_cpu"], "legit": legit, "legit_ok": ok,
            "legit_ok_share": ok / legit if legit else 0.0,
            "attack": attack,
            "denied": banned / attack if attack else 0.0,
            "challenged_nocreds": (d.get("challenge_no_credentials", 0) +
                                   d.get("shed_challenge", 0)) / attack if attack else 0.0,
            "challenged_bad": d.get("challenge_bad_response", 0) / attack if attack else 0.0,
            "ban_started_run": m["total"].get("ban_started", 0)}


def format_mix(res):
    rows = [r for r in res["rows"] if r.get("mix")]
    if not rows:
        return ""
    out = ["| workers | per worker CPU-s | legitimate sent | verified and forwarded "
           "(`fwd_auth_ok`) | attack sent | banned (`deny_banned`, 403) | challenged, no "
           "credentials | challenged, wrong password | bans started (whole run) |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    med = statistics.median
    for row in rows:
        mx = row["mix"]
        out.append("| %d | %.2f Mpps | %.0f | %.1f%% | %.0f | %.1f%% | %.1f%% | %.2f%% | %d |" %
                   (row["workers"], med(x["mpps_cpu"] for x in mx),
                    med(x["legit"] for x in mx), 100 * min(x["legit_ok_share"] for x in mx),
                    med(x["attack"] for x in mx), 100 * med(x["denied"] for x in mx),
                    100 * med(x["challenged_nocreds"] for x in mx),
                    100 * med(x["challenged_bad"] for x in mx),
                    med(x["ban_started_run"] for x in mx)))
    return "\n".join(out)


def first_line_of_cause(text):
    m = re.search(r"Cause: (.*)", text)
    return m.group(1).strip() if m else text.strip().splitlines()[0]


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    model = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": model, "cpus": os.cpu_count()}


# judged on the rate per worker CPU-second (robust to other load on the machine)
TARGETS = {"challenge": ("≥ 3 Mpps/worker", lambda r, c: r >= 3.0),
           "md5": ("≥ 2 Mpps/worker", lambda r, c: r >= 2.0),
           "passthrough": ("≥ 80% of ceiling", lambda r, c: c > 0 and r / c >= 0.8)}


def format_report(res, args):
    out = ["| path | frame B | workers | Mpps total | Mpps per worker | per worker CPU-s | "
           "ceiling per worker CPU-s | share | CPU got | target | outcome (share of frames) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for row in res["rows"]:
        nw = row["workers"]
        if row["error"] and not row["rate"]:
            out.append("| %s | | %d |" % (row["path"], nw) + " — |" * 7 +
                       " not measured: %s |" % row["error"].replace("|", "/"))
            continue
        med = statistics.median
        rate, rate_cpu = med(row["rate"]), med(row["rate_cpu"])
        ceil_cpu = med(row["ceiling_cpu"]) if row["ceiling_cpu"] else 0.0
        target = ""
        if row["path"] in TARGETS:
            what, ok = TARGETS[row["path"]]
            target = "%s: %s" % (what, "met" if ok(rate_cpu, ceil_cpu) else "**not met**")
        outcome = ", ".join("%s %.1f%%" % (k, 100 * v) for k, v in
                            sorted(row["outcome"].items(), key=lambda kv: -kv[1])[:3])
        if row["path"] != "mix" and row["outcome"].get(PATHS[row["path"]][0], 0) < 0.99:
            outcome += " (**not the intended outcome %s**)" % PATHS[row["path"]][0]
        out.append("| %s | %d | %d | %.2f | %.2f | %.2f | %s | %s | %.0f%% | %s | %s |" %
                   (row["path"], row.get("frame_bytes", 0), nw, rate, rate / nw, rate_cpu,
                    "%.2f" % ceil_cpu if ceil_cpu else "—",
                    "%.1f%%" % (100 * rate_cpu / ceil_cpu) if ceil_cpu else "—",
                    100 * min(row["cpu_share"]), target, outcome))
    mix = format_mix(res)
    if mix:
        out += ["", "Attack mix, per interval (medians; the legitimate share is the lowest of "
                "the runs):", "", mix]
    return "\n".join(out)


def write_doc(path, table, args):
    """Replace (or append) the '## Dataplane' section; other sections are left as they are."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    section = DOC_TEMPLATE.format(table=table, date=time.strftime("%Y-%m-%d"),
                                  cpu=machine()["cpu"], count=args.count - args.count % 48,
                                  warmup=WARMUP, seconds=args.seconds, runs=args.runs)
    m = re.search(r"^## Dataplane\n.*?(?=^## |\Z)", text, re.M | re.S)
    if m:
        text = text[:m.start()] + section + text[m.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


DOC_TEMPLATE = """## Dataplane

`scripts/bench` (driver `tests/dataplane/bench_dataplane.py`), run on {date} on this machine:
{cpu}, 2 vCPUs (KVM guest), DPDK 22.11, `buildtype=debugoptimized` (-O2). Rebuild this table
with `scripts/bench --write-doc docs/benchmarks.md` (about 12 minutes; the machine must be
otherwise idle, since every worker polls its CPU).

**Method.** For each path, `tests/dataplane/gen.py` writes one pcap of {count} frames, which
net_pcap replays in a loop (`infinite_rx=1`) into usher's outside port; usher's replies on
that port are dropped by net_pcap (no `tx_pcap`), and the other port is a `net_null` (no RX,
TX frees the frames). After a {warmup:g} s warm-up, usher's own counters are read twice
{seconds:g} s apart (SIGUSR1 prints them) and the rate is the difference in received frames
over the time between the two prints. Each figure is the median of {runs} runs.

**Per worker CPU-second.** This machine is shared (other builds and tests run on it), and a
polling worker that loses its CPU to another process loses throughput with it. The bench reads
each worker thread's CPU time (`/proc/PID/task/TID/stat`, threads `rte-worker-N`) at both
prints: "per worker CPU-s" is frames received over the CPU time the workers actually got, the
figure the targets are judged on; "CPU got" is the lowest share of their CPUs the workers got
in any run (100% on an idle machine, where both figures agree). Cache and memory-bandwidth
interference from other processes is not corrected for.

**Ceiling.** In the same invocation, the same pcap is fed to the *inside* port instead, which
usher forwards outward without looking at the frames: the same rx copy by net_pcap, the same
TX buffering, no inspection. "share" is a path's rate over the ceiling of its own pcap.

**Lcores.** One worker: main lcore (management; it sleeps 10 ms at a time) on CPU 0, the
worker on CPU 1. Two workers: this machine has only 2 CPUs, so the main lcore shares CPU 0
with worker 1; each worker has its own RX queue fed by its own pcap (net_pcap has no RSS: one
`rx_pcap` per queue), the per-worker figure is the total divided by two.

**Paths.** Configuration: realm `usher.test`, `algorithms = SHA-256,MD5`, `qop = auth`, 64
users in an Usher-format credentials file, `[protection]` bans and `[overload]` shedding off
except for the mix (every frame comes from one source address: bans would turn the paths into
`deny_banned`).

| path | frames |
|---|---|
| challenge | REGISTER without credentials: one 401 with two `WWW-Authenticate` headers sharing one nonce (one HMAC-SHA-256) |
| md5, sha256, sha512-256 | REGISTER with right credentials (qop=auth, nc=1), forwarded (for sha512-256, `--set auth.algorithms=SHA-512-256,SHA-256,MD5`) |
| fail | REGISTER, MD5, wrong response: verified, then a fresh 401 |
| passthrough | RTP, 214-byte frames to UDP port 20000 (not a SIP port), forwarded |
| mix | the attack mix below, `[protection]` at its defaults (bans on) |

**Attack mix.** Per 10 frames: 1 legitimate REGISTER with the right MD5 credentials (64
users, each from its own phone address, nonces fresh on every loop as below), 5 wrong
passwords from 256 cracker addresses (valid nonces, wrong responses, each address cycling
through the usernames), 4
REGISTERs without credentials from 512 flooding addresses. `[protection]` keeps its defaults:
a source is banned for 600 s after 10 failures in 60 s, a source + username after 5;
banned requests get a 403 (`deny_banned`). No rate limit (`rate = 0`: a looping pcap sends
every source, the legitimate ones too, thousands of requests a second) and no shedding
(`[overload] full_bursts = 0` on net_pcap). The crackers are banned within the first
milliseconds (the warm-up): the interval measures the steady state of an attack already
recognised. "legitimate sent" is a tenth of the frames received in the interval. A mix pcap
holds whole cycles of the legitimate nonce slots: 1440 frames, 144 of them legitimate.

**Looping verify-pass traffic.** A looping pcap replays its nonces: with ordinary nonces every
frame after the first pass is a replayed nc, refused with a fresh challenge
(`challenge_nc_replay`), so the "verify-pass" figure would really measure verify + refusal +
challenge. Instead the bench runs with `nc_table_order = 4` and gives frame *i* the nonce
index `generation << 4 | slot`, slot = *i* mod 16 (8 per worker with two workers, disjoint),
the generation cycling through 0, 0x5555555 and 0xAAAAAAA, and nc=1 always. Each step goes a
third of the way round the table's 28-bit generation circle, less than half, so by the
table's serial-number arithmetic (`dataplane/auth/ush_nonce.h`) every frame carries a newer
nonce that claims its slot and is accepted: the counters show `fwd_auth_ok` for every frame,
on every loop. The work per frame is exactly that of an honest request (nonce MAC check,
credential lookup, digest, nc table compare-and-swap, forward); only Usher's own nonce
issuing is not exercised, as no client answers a challenge here.

{table}

The outcome column is the share of received frames per outcome counter during the measured
interval (`docs/counters.md`).
"""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
