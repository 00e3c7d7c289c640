"""judge.py: what the soak's requests should have got, given the faults.

Every request line from the client (class, server, status, stale, retry,
t0, t1, t_ref, t_conn) is judged against the fault log:
  ok           the expected answer;
  store down   503 from A or B while Redis was down (from its stop to 1.5 s
               after its start: a child waits 250 ms after a failed
               connection, and a reply may take 200 ms to time out);
  stale round  401 stale=true for a valid login whose nonce was minted
               before Redis came back empty (A, B), or on C, whose small
               table evicts; only once per login: its repeat must pass;
               and for a 1 s nonce (valid-short) used 0.9 s or more after
               the challenge (expired: the lifetime counts whole seconds);
  interrupted  no whole response, on a connection during whose life the
               soak's restart of that httpd or kill of one of its children
               took effect (see fault_during);
  FAIL         anything else (any 500, any 2xx to a replay).
"""
import statistics

EXPECT = {
    "valid-ka": "2xx", "valid-new": "2xx", "valid-int": "2xx",
    "valid-slow": "2xx", "valid-h2": "2xx", "valid-short": "2xx",
    "challenge": "401",
    "replay-same": "401", "replay-conn": "401", "replay-server": "401",
    "forged": "401", "foreign": "401", "wrong-password": "401",
    "unknown-user": "401", "expired": "401 stale", "malformed": "400",
    "big-header": "400", "big-uri": "414", "body-over": "413",
    "drop-header": "none", "drop-body": "none", "client-error": "-",
}
ORDER = list(EXPECT)
VERDICTS = ["ok", "store down", "stale round", "interrupted", "FAIL"]


class Req:
    __slots__ = ("cls", "srv", "status", "stale", "retry", "t0", "t1",
                 "t_ref", "t_conn", "tag")

    def __init__(self, line):
        f = line.split()
        self.cls, self.srv = f[0], f[1]
        self.status, self.stale, self.retry = int(f[2]), f[3] == "1", f[4] == "1"
        self.t0, self.t1, self.t_ref, self.t_conn = map(float, f[5:9])
        self.tag = f[9] if len(f) > 9 else "-"


class Judge:
    def __init__(self, events):
        self.faults = [e for e in events if e["kind"] in ("graceful", "kill")]
        self.outages = []  # (stop, start) of Redis
        stop = None
        for e in events:
            if e["kind"] == "redis-stop":
                stop = e["t"]
            elif e["kind"] == "redis-start" and stop is not None:
                self.outages.append((stop, e["t"]))
                stop = None
        if stop is not None:
            self.outages.append((stop, float("inf")))
        self.restarts = [b for _, b in self.outages]

    def fault_during(self, r):
        """A fault of r's server took effect while r's connection was
        open: a SIGKILL at once (0.5 s allowed); a graceful restart from
        its signal until 2 s after httpd logged that it resumed normal
        operations (e["done"]): the old children serve on until the
        parent has read its configuration again, then close their idle
        keep-alive connections when they notice."""
        for e in self.faults:
            if e["srv"] != r.srv:
                continue
            end = (e.get("done") or e["t"] + 5.0) + 2.0 \
                if e["kind"] == "graceful" else e["t"] + 0.5
            if e["t"] - 0.2 <= r.t1 and r.t_conn <= end:
                return True
        return False

    def store_down(self, r):
        return r.srv in "AB" and any(
            a - 0.2 <= r.t1 and r.t0 <= b + 1.5 for a, b in self.outages)

    def records_lost(self, r):
        """Redis came back empty after the nonce was minted."""
        return r.srv in "AB" and any(
            r.t_ref - 1.0 <= b <= r.t1 + 0.5 for b in self.restarts)

    def verdict(self, r):
        if r.status == 500:
            return "FAIL"
        if r.status == 0:
            return "interrupted" if self.fault_during(r) else "FAIL"
        want = EXPECT.get(r.cls, "-")
        if want == "none":
            return "ok" if r.status == -1 else "FAIL"
        if want == "2xx":
            return self.valid(r)
        if r.cls.startswith("replay-"):
            return self.replay(r)
        if r.status == 503 and self.store_down(r) and r.cls == "challenge":
            return "FAIL"  # challenges never need the store
        if want == "401 stale":
            return "ok" if r.status == 401 and r.stale else "FAIL"
        if want == "401":
            return "ok" if r.status == 401 and not r.stale else "FAIL"
        return "ok" if str(r.status) == want else "FAIL"

    def valid(self, r):
        if 200 <= r.status < 300:
            return "ok"
        if r.status == 503 and self.store_down(r):
            return "store down"
        if r.status == 401 and r.stale and not r.retry and (
                r.srv == "C" or self.records_lost(r)):
            return "stale round"
        if (r.status == 401 and r.stale and r.cls == "valid-short"
                and r.t1 - r.t_ref >= 0.9):
            return "stale round"  # the 1 s nonce expired
        return "FAIL"

    def replay(self, r):
        if r.status == 401 and not r.stale:
            return "ok"
        if r.status == 503 and self.store_down(r):
            return "store down"
        if r.status == 401 and r.stale and (
                r.srv == "C" or self.records_lost(r)):
            return "stale round"  # the record is gone: stale, not accepted
        return "FAIL"


def pct(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def table(reqs, judge, seconds):
    """The per-class rows, and the failures (a few kept as examples)."""
    rows, fails = {}, []
    for r in reqs:
        v = judge.verdict(r)
        row = rows.setdefault(r.cls, {k: 0 for k in VERDICTS} | {"lat": [],
                                                                  "n": 0})
        row[v] += 1
        row["n"] += 1
        if r.status > 0:
            row["lat"].append((r.t1 - r.t0) * 1000)
        if v == "FAIL":
            fails.append(r)
    lines = [f"{'class':<15} {'expect':>9} {'requests':>8} {'ok':>7} "
             f"{'503 down':>8} {'stale':>6} {'interr':>6} {'FAIL':>5} "
             f"{'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"]
    for cls in ORDER + sorted(set(rows) - set(ORDER)):
        if cls not in rows:
            continue
        w = rows[cls]
        lines.append(
            f"{cls:<15} {EXPECT.get(cls, '-'):>9} {w['n']:>8} {w['ok']:>7} "
            f"{w['store down']:>8} {w['stale round']:>6} "
            f"{w['interrupted']:>6} {w['FAIL']:>5} {w['n'] / seconds:>7.1f} "
            f"{pct(w['lat'], 0.5):>7.1f} {pct(w['lat'], 0.99):>7.1f}")
    total = {k: sum(w[k] for w in rows.values()) for k in VERDICTS + ["n"]}
    lat = [x for w in rows.values() for x in w["lat"]]
    lines.append(
        f"{'all':<15} {'':>9} {total['n']:>8} {total['ok']:>7} "
        f"{total['store down']:>8} {total['stale round']:>6} "
        f"{total['interrupted']:>6} {total['FAIL']:>5} "
        f"{total['n'] / seconds:>7.1f} {pct(lat, 0.5):>7.1f} "
        f"{pct(lat, 0.99):>7.1f}")
    return lines, rows, fails


def growth(samples, warmup):
    """For each measure over the samples taken after warm-up: (baseline,
    end, growth in %, largest sample), where baseline and end are the
    medians of the first and of the last three samples (one odd
    generation of children does not decide), or None with fewer than two
    samples."""
    after = [s for t, s in samples if t >= warmup]
    if len(after) < 2:
        return None
    k = min(3, len(after) // 2)
    out = {}
    for key in ("parent_rss", "parent_fds", "child_rss", "child_fds"):
        a = statistics.median(s[key] for s in after[:k])
        b = statistics.median(s[key] for s in after[-k:])
        out[key] = (a, b, 100.0 * (b - a) / a if a else 0.0,
                    max(s[key] for s in after))
    out["n"] = len(after)
    return out


def median(values):
    return statistics.median(values) if values else 0
