#!/usr/bin/env python3
"""Peer for suite `greenlet`: Python's greenlet package.

    python3 greenlet_bench.py            # prints the suite's JSON on stdout
    python3 greenlet_bench.py --child parked N   # internal: one memory workload
"""

import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _benchutil import (best_ns_per_op, child_report, emit, log, now_ns,  # noqa: E402
                        peak_rss_mb, result, run_child)

import greenlet  # noqa: E402
from greenlet import getcurrent  # noqa: E402

Greenlet = greenlet.greenlet


def bench_switch(n):
    """Two greenlets ping-pong n round trips: 2n switches."""
    def ping():
        for _ in range(n):
            g2.switch()

    def pong():
        while True:
            g1.switch()

    g1 = Greenlet(ping)
    g2 = Greenlet(pong)
    t0 = now_ns()
    g1.switch()  # returns to us when ping finishes
    t1 = now_ns()
    g2.throw(greenlet.GreenletExit)  # end the parked pong now, outside the timing
    return t1 - t0


def _nothing():
    pass


def bench_create_switch_finish(n):
    t0 = now_ns()
    for _ in range(n):
        Greenlet(_nothing).switch()
    return now_ns() - t0


def child_parked(n):
    """n greenlets that each start and switch straight back to main, where they stay."""
    main = getcurrent()

    def park():
        main.switch()

    keep = [None] * n
    t0 = now_ns()
    for i in range(n):
        g = Greenlet(park)
        g.switch()
        keep[i] = g
    t1 = now_ns()
    child_report({"create_ms": (t1 - t0) / 1e6, "rss_mb": peak_rss_mb()})


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        if sys.argv[2] == "parked":
            child_parked(int(sys.argv[3]))
        sys.exit(f"unknown child workload {sys.argv[2:]}")

    results = []
    log("greenlet: switch")
    results.append(result("switch", best_ns_per_op(bench_switch, ops_per_n=2), "ns"))
    log("greenlet: create_switch_finish")
    results.append(result("create_switch_finish", best_ns_per_op(bench_create_switch_finish), "ns"))
    me = os.path.abspath(__file__)
    for label, n in (("100k", 100_000), ("1m", 1_000_000)):
        log(f"greenlet: parked_{label} (fresh process)")
        r = run_child(me, ["--child", "parked", n])
        if r is not None:
            results.append(result(f"parked_{label}_create", r["create_ms"], "ms"))
            results.append(result(f"parked_{label}_rss", r["rss_mb"], "MB"))
    peer = f"Python {platform.python_version()} greenlet {greenlet.__version__}"
    emit("greenlet", peer, results)


if __name__ == "__main__":
    main()
