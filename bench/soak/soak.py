#!/usr/bin/env python3
"""soak.py: `make soak` (bench/soak/soak.mk builds first).

Starts a redis-server and three httpds on free loopback ports (farm.py),
runs the load client (build/soak/soak-client) for SOAK_SECONDS while
faults.py restarts, kills and cuts, then judges every request (judge.py)
and prints one summary table.  Exits 1 when a check failed; stops
everything it started, also on Ctrl-C.

Knobs (environment): SOAK_SECONDS (300), SOAK_MPM (event; or prefork),
SOAK_CONNS (client threads = connections at once, 12), SOAK_WARMUP
(seconds before the RSS and fd baseline, 60), SOAK_SEED, BUILD (build).
"""
import collections
import glob
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import farm as farmmod  # noqa: E402
import judge as judgemod  # noqa: E402
from faults import Faults  # noqa: E402

EXIT_SIGNAL = re.compile(r"child pid (\d+) exit signal (.+?) \((\d+)\)")
# httpd's "resuming normal operations" (event AH00489, prefork AH00163)
RESUMED = re.compile(r"^\[(\w{3} \w{3} \d\d \d\d:\d\d:\d\d)(\.\d+) (\d{4})\]"
                     r".*(?:AH00489|AH00163):", re.M)


def env_int(name, default):
    return int(os.environ.get(name, default))


def status_auto(port):
    """The SspiDigest lines of /server-status?auto as a dict."""
    try:
        with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/server-status?auto", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return {}
    return dict(line.split(": ", 1) for line in text.splitlines()
                if line.startswith("SspiDigest") and ": " in line)


def store_figures(status):
    """{type: {key: value}} of the stores on one status page."""
    out = {}
    for i in range(int(status.get("SspiDigestStores", 0))):
        p = f"SspiDigestStore[{i}]"
        out[status.get(p + "Type", "?")] = {
            k: status.get(p + k, "-") for k in
            ("Accepted", "Replays", "Stale", "Evictions", "Unavailable")}
    return out


def child_signals(httpds, killed):
    """The children that exited on a signal the soak did not send.  httpd
    logs "child pid N exit signal NAME (NUM)" (AH00052) for every signal
    but SIGTERM, SIGHUP, SIGUSR1 (graceful) and SIGKILL, which are the
    ones the soak and httpd itself send: so every such line is unexpected,
    and a SIGKILL line is checked against the pids the soak killed."""
    bad = []
    for name, h in httpds.items():
        try:
            text = open(h.error_log, errors="replace").read()
        except OSError:
            continue
        for pid, sig, num in EXIT_SIGNAL.findall(text):
            if not (num == "9" and (name, int(pid)) in killed):
                bad.append(f"httpd {name}: child {pid} exit signal {sig} ({num})")
    return bad


def restarts_done(httpds, events):
    """Sets e["done"] on each graceful restart: when its httpd logged that
    it resumed normal operations (the first such line from its signal
    on; httpd logs local time).  Returns the longest restart, seconds."""
    resumed = {}
    for name, h in httpds.items():
        try:
            text = open(h.error_log, errors="replace").read()
        except OSError:
            text = ""
        resumed[name] = sorted(
            time.mktime(time.strptime(f"{d} {y}", "%a %b %d %H:%M:%S %Y"))
            + float(frac) for d, frac, y in RESUMED.findall(text))
    longest = 0.0
    for e in events:
        if e["kind"] == "graceful":
            later = [t for t in resumed[e["srv"]] if t >= e["t"] - 0.05]
            if later:
                e["done"] = later[0]
                longest = max(longest, later[0] - e["t"])
    return longest


def ledger_dups(outdir):
    count = collections.Counter()
    for path in glob.glob(os.path.join(outdir, "ledger.*")):
        with open(path) as f:
            for line in f:
                nonce, nc = line.split()[:2]
                count[(nonce, int(nc, 16))] += 1
    dups = [(k, n) for k, n in count.items() if n > 1]
    return len(count), dups


def log_messages(httpds):
    """Counts of the error logs' message ids, per level (a digest only)."""
    out = collections.Counter()
    pat = re.compile(r"\[[a-z_0-9]+:(\w+)\].*?\b((?:AH|SD)\d{5})")
    for h in httpds.values():
        try:
            for m in pat.finditer(open(h.error_log, errors="replace").read()):
                out[f"{m.group(2)} {m.group(1)}"] += 1
        except OSError:
            pass
    return out


class Soak:
    def __init__(self):
        self.top = os.path.abspath(
            os.path.join(os.path.dirname(__file__), "..", ".."))
        build = os.environ.get("BUILD", "build")
        self.build = build if build.startswith("/") else os.path.join(
            self.top, build)
        self.seconds = env_int("SOAK_SECONDS", 300)
        self.mpm = os.environ.get("SOAK_MPM", "event")
        self.conns = env_int("SOAK_CONNS", 12)
        self.warmup = env_int("SOAK_WARMUP", 60)
        self.seed = env_int("SOAK_SEED", int(time.time()))
        self.farm = None
        self.client = None
        self.faults = None
        self.t_begin = time.time()

    def log(self, msg):
        print(f"[soak {time.time() - self.t_begin:4.0f}s] {msg}",
              file=sys.stderr, flush=True)

    def stop_all(self):
        if self.faults is not None:
            self.faults.stopping.set()
            self.faults.join(30)
        if self.client is not None and self.client.poll() is None:
            self.client.terminate()
            self.client.wait()
        if self.farm is not None:
            self.farm.stop()

    def run(self):
        self.farm = farmmod.Farm(self.top, self.build, self.mpm)
        self.log(f"farm in {self.farm.tmp}: {self.mpm} MPM, "
                 f"{self.seconds}s, {self.conns} connections, seed {self.seed}")
        self.farm.start()
        ports = {n: h.port for n, h in self.farm.httpds.items()}
        self.log(f"httpd A {ports['A']}, B {ports['B']} (Redis "
                 f"{self.farm.redis.port}), C {ports['C']} (shm)")
        outdir = os.path.join(self.farm.tmp, "out")
        os.makedirs(outdir)
        start = time.time()
        self.client = subprocess.Popen(
            [os.path.join(self.build, "soak", "soak-client"),
             "-A", str(ports["A"]), "-B", str(ports["B"]),
             "-C", str(ports["C"]), "-d", str(self.seconds),
             "-T", str(self.conns), "-m", str(farmmod.MAX_BODY),
             "-o", outdir, "-s", str(self.seed)])
        self.faults = Faults(self.farm, start, self.seconds, self.seed)
        self.faults.start()
        while self.client.poll() is None:
            time.sleep(1)
            if time.time() > start + self.seconds + 120:
                self.log("the client did not stop in time")
                self.client.kill()
        client_rc = self.client.wait()
        self.faults.stopping.set()
        self.faults.join(30)
        self.log(f"client done (exit {client_rc}); judging")
        stores = {n: store_figures(status_auto(h.port))
                  for n, h in self.farm.httpds.items()}
        time.sleep(1)  # let the parents reap and log the last children
        self.farm.stop()
        return self.report(outdir, client_rc, stores)

    def report(self, outdir, client_rc, stores):
        reqs = []
        for path in glob.glob(os.path.join(outdir, "results.*")):
            with open(path) as f:
                reqs.extend(judgemod.Req(line) for line in f if line.strip())
        events = self.faults.events
        self.longest_restart = restarts_done(self.farm.httpds, events)
        judge = judgemod.Judge(events)
        lines, rows, fails = judgemod.table(reqs, judge, self.seconds)
        killed = {(e["srv"], e["pid"]) for e in events if e["kind"] == "kill"}
        bad_sig = child_signals(self.farm.httpds, killed)
        busy = sum(1 for e in events if e["kind"] == "kill" and e["busy"])
        pairs, dups = ledger_dups(outdir)
        n500 = sum(1 for r in reqs if r.status == 500)
        kinds = collections.Counter(e["kind"] for e in events)
        valid = [c for c in rows if judgemod.EXPECT.get(c) == "2xx"]
        bad = [c for c in rows if judgemod.EXPECT.get(c) in
               ("400", "401", "401 stale", "413", "414")
               and not c.startswith("replay-") and c != "challenge"]
        checks = []

        def check(ok, text):
            checks.append(("PASS" if ok else "FAIL", text))

        vf = sum(rows[c]["FAIL"] for c in valid)
        vn = sum(rows[c]["n"] for c in valid)
        check(vf == 0, f"valid logins: {vn} requests, {vf} not 2xx beyond "
              f"{sum(rows[c]['store down'] for c in valid)} 503 while Redis "
              f"was down and {sum(rows[c]['stale round'] for c in valid)} "
              "stale rounds")
        bf = sum(rows[c]["FAIL"] for c in bad)
        check(bf == 0, f"bad requests: {sum(rows[c]['n'] for c in bad)}, "
              f"{bf} without their 400/401/413/414")
        rf = sum(rows[c]["FAIL"] for c in rows if c.startswith("replay-"))
        check(rf == 0, f"replays: {sum(rows[c]['n'] for c in rows if c.startswith('replay-'))}, "
              f"{rf} not refused")
        other = [c for c in rows if c not in valid + bad
                 and not c.startswith("replay-")]
        of = sum(rows[c]["FAIL"] for c in other)
        check(of == 0, f"challenges, dropped connections, client: {of} wrong")
        check(n500 == 0, f"no 500: {n500}")
        check(not bad_sig, f"child exits on a signal the soak did not send: "
              f"{len(bad_sig)} (the soak sent {len(killed)} SIGKILLs, "
              f"{busy} to a child busy with a request)")
        check(not dups, f"(nonce, nc) accepted twice across the farm: "
              f"{len(dups)} of {pairs} accepted pairs")
        c_evict = stores.get("C", {}).get("shm", {}).get("Evictions", "-")
        check(c_evict not in ("-", "0", "-1"), f"C's {farmmod.SHM_SIZE}-octet "
              f"table evicted: {c_evict} records")
        mem_lines = []
        for name in sorted(self.faults.samples):
            g = judgemod.growth(self.faults.samples[name], self.warmup)
            if g is None:  # not a failure: the run was too short
                checks.append(("SKIP", f"httpd {name} memory and fds: fewer "
                               "than two samples after warm-up"))
                continue
            pr, cr = g["parent_rss"], g["child_rss"]
            pf, cf = g["parent_fds"], g["child_fds"]
            check(pr[2] < 5 and cr[2] < 5,
                  f"httpd {name} RSS growth after warm-up: parent "
                  f"{pr[0]:.0f}->{pr[1]:.0f} kB ({pr[2]:+.1f}%), child "
                  f"median {cr[0]:.0f}->{cr[1]:.0f} kB ({cr[2]:+.1f}%), "
                  f"{g['n']} samples")
            # the parent serves no request: none of its fds may come and
            # go; a child's regular files include those of requests in
            # flight (the page, the user file), so its trend is judged
            check(pf[3] <= pf[0] and cf[1] <= cf[0],
                  f"httpd {name} fds flat: parent {pf[0]:.0f}->{pf[1]:.0f} "
                  f"(max {pf[3]}), child non-socket {cf[0]:.0f}->"
                  f"{cf[1]:.0f} (max {cf[3]})")
        check(not self.faults.errors and client_rc == 0,
              f"faults and client ran: client exit {client_rc}, fault "
              f"errors {len(self.faults.errors)}")
        self.print_report(lines, checks, kinds, stores, fails, dups,
                          bad_sig)
        return 0 if all(c[0] != "FAIL" for c in checks) else 1

    def print_report(self, lines, checks, kinds, stores, fails, dups,
                     bad_sig):
        httpd_v = subprocess.run([self.farm.binary, "-v"], capture_output=True,
                                 text=True).stdout.splitlines()[0]
        out = ["=" * 100,
               f"mod_auth_sspidigest soak  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
               f"  {self.mpm} MPM, {self.seconds}s, {self.conns} "
               f"connections, seed {self.seed}",
               f"{httpd_v.replace('Server version: ', '')}; load average "
               f"{open('/proc/loadavg').read().split()[0]}; "
               f"{os.cpu_count()} CPUs",
               f"faults: {kinds['graceful']} graceful restarts, "
               f"{kinds['kill']} SIGKILLs ({kinds['kill-missed']} missed), "
               f"{kinds['redis-stop']} Redis outages of 10 s; longest "
               f"graceful restart {self.longest_restart:.2f} s; "
               f"{self.faults.failed_samples} /proc samples failed", ""]
        out += lines + [""]
        for name in sorted(stores):
            for typ, f in sorted(stores[name].items()):
                out.append(f"store at {name} ({typ}): " + ", ".join(
                    f"{k} {v}" for k, v in f.items()))
        out.append("")
        out += [f"{s}  {t}" for s, t in checks]
        for r in fails[:10]:
            out.append(f"  failed: {r.cls} server {r.srv} status {r.status}"
                       f" stale {int(r.stale)} retry {int(r.retry)} at "
                       f"{r.t0 - self.faults.start_t:.3f}s "
                       f"({(r.t1 - r.t0) * 1000:.1f} ms) nonce/nc {r.tag}")
        for (nonce, nc), n in dups[:5]:
            out.append(f"  accepted {n} times: nonce {nonce} nc {nc:08x}")
        out += [f"  {b}" for b in bad_sig[:10]]
        out += [f"  fault error: {e}" for e in self.faults.errors[:5]]
        msgs = log_messages(self.farm.httpds)
        out.append("error log ids: " + ", ".join(
            f"{k} x{v}" for k, v in sorted(msgs.items())))
        out.append("=" * 100)
        text = "\n".join(out)
        print(text)
        os.makedirs(os.path.join(self.build, "soak"), exist_ok=True)
        with open(os.path.join(self.build, "soak",
                               f"report-{self.mpm}.txt"), "w") as f:
            f.write(text + "\n")


def main():
    soak = Soak()

    def on_signal(signum, frame):
        signal.signal(signum, signal.SIG_IGN)  # once: cleaning up now
        raise KeyboardInterrupt

    # set explicitly: a shell's background job starts with SIGINT ignored
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    rc = 1
    try:
        rc = soak.run()
    except KeyboardInterrupt:
        soak.log("interrupted: stopping everything")
        rc = 130
    except Exception as e:
        soak.log(f"error: {e}")
        rc = 1
    finally:
        soak.stop_all()
        if soak.farm is not None and os.environ.get("SOAK_KEEP") != "1":
            soak.farm.remove()
    return rc


if __name__ == "__main__":
    sys.exit(main())
