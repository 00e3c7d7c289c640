"""faults.py: the soak's faults, on a fixed schedule from the client's
start (seconds):
  graceful restart of A at 10+30k, B at 20+30k, C at 30+30k;
  SIGKILL to one child of a random httpd at 5+20k, a child that is busy
  with a request when the status page shows one;
  Redis stopped at 35+60k and started again, empty, at 45+60k.
Each server is sampled (procstat) 1 s before each of its graceful
restarts: every sample then sees a generation of children at the same age
under the same load.  Every fault is logged with its wall-clock time for
the judge."""
import os
import random
import re
import signal
import threading
import time
import urllib.request

import procstat

ROW = re.compile(r"<tr><td><b>\d+-\d+</b></td><td>(\d+)</td><td>[^<]*</td>"
                 r"<td>(?:<b>)?([A-Z_.])")


def busy_children(port):
    """Pids of children writing or reading a request (W, R), from
    /server-status; [] when the page cannot be read."""
    try:
        with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/server-status", timeout=2) as r:
            page = r.read().decode("latin-1")
    except OSError:
        return []
    return sorted({int(p) for p, mode in ROW.findall(page) if mode in "WR"})


class Faults(threading.Thread):
    def __init__(self, farm, start, seconds, seed):
        super().__init__(daemon=True)
        self.farm, self.start_t, self.seconds = farm, start, seconds
        self.rnd = random.Random(seed)
        self.events = []   # dicts: t, kind, srv, pid
        self.samples = {name: [] for name in farm.httpds}  # (t, sample)
        self.failed_samples = 0
        self.stopping = threading.Event()
        self.errors = []

    def schedule(self):
        plan = []
        for k in range(int(self.seconds // 20) + 1):
            plan.append((5 + 20 * k, "kill", None))
        for k in range(int(self.seconds // 30) + 1):
            for off, name in ((10, "A"), (20, "B"), (30, "C")):
                plan.append((off + 30 * k - 1, "sample", name))
                plan.append((off + 30 * k, "graceful", name))
        for k in range(int(self.seconds // 60) + 1):
            plan.append((35 + 60 * k, "redis-stop", None))
            plan.append((45 + 60 * k, "redis-start", None))
        # nothing starts after the client stopped, except the restart of
        # a Redis that was stopped
        return sorted(p for p in plan
                      if p[0] < self.seconds or p[1] == "redis-start")

    def log(self, kind, srv=None, pid=None):
        self.events.append({"t": time.time(), "kind": kind, "srv": srv,
                            "pid": pid})

    def kill_one(self):
        name = self.rnd.choice(sorted(self.farm.httpds))
        h = self.farm.httpds[name]
        kids = procstat.children(h.pid())
        busy = [p for p in busy_children(h.port) if p in kids]
        pool = busy or kids
        if not pool:
            return
        pid = self.rnd.choice(pool)
        self.log("kill", name, pid)  # logged first: the cut may come at once
        self.events[-1]["busy"] = pid in busy
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            self.events[-1]["kind"] = "kill-missed"

    def do(self, kind, name):
        if kind == "kill":
            self.kill_one()
        elif kind == "sample":
            s = procstat.sample(self.farm.httpds[name].pid())
            if s is None:
                self.failed_samples += 1
            else:
                self.samples[name].append((time.time() - self.start_t, s))
        elif kind == "graceful":
            self.log("graceful", name)
            self.farm.httpds[name].graceful()
        elif kind == "redis-stop":
            self.log("redis-stop")
            self.farm.redis.stop()
        elif kind == "redis-start":
            self.farm.redis.start()
            self.log("redis-start")

    def run(self):
        for at, kind, name in self.schedule():
            delay = self.start_t + at - time.time()
            if delay > 0 and self.stopping.wait(delay):
                if kind != "redis-start":
                    continue
            try:
                self.do(kind, name)
            except Exception as e:  # reported; a fault must not end the run
                self.errors.append(f"{kind} {name or ''}: {e}")
