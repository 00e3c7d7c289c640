#!/usr/bin/env python3
"""test_procstat.py: procstat must survive processes that vanish while it
reads /proc.  A parent forks short-lived children over and over while the
sampler reads it; a pid that is gone gives None, never an exception.
Run: python3 bench/soak/test_procstat.py (also run by `make soak`)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procstat  # noqa: E402


def main():
    # a parent whose children live a millisecond or so each
    churn = subprocess.Popen(
        ["sh", "-c", "while :; do sleep 0.001 & sleep 0.001 & wait; done"])
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        assert procstat.rss_kb(gone.pid) is None, "a reaped pid has no RSS"
        assert procstat.fds(gone.pid) is None, "a reaped pid has no fds"
        assert procstat.sample(gone.pid) is None, "nor a sample"
        taken = missed = 0
        end = time.time() + 3
        while time.time() < end:
            s = procstat.sample(churn.pid)
            if s is None:
                missed += 1  # no child alive at that instant: reported
            else:
                assert s["parent_rss"] > 0 and s["children"] >= 1, s
                taken += 1
        assert taken > 0, "no sample could be taken at all"
        print(f"ok: {taken} samples, {missed} without a live child, "
              "no exception")
    finally:
        churn.terminate()
        churn.wait()


if __name__ == "__main__":
    main()
