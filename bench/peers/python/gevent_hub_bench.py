#!/usr/bin/env python3
"""Peer for suite `hub`: gevent (greenlets on a libev/libuv hub), no monkey-patching.

    python3 gevent_hub_bench.py                     # prints the suite's JSON on stdout
    python3 gevent_hub_bench.py --child sleepers N  # internal: one memory workload
"""

import os
import platform
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _benchutil import (best_ns_per_op, child_report, emit, log, now_ns,  # noqa: E402
                        peak_rss_mb, result, run_child)

import gevent  # noqa: E402
from gevent.queue import Queue  # noqa: E402


def _nothing():
    pass


def bench_spawn_join(n):
    spawn = gevent.spawn
    t0 = now_ns()
    for _ in range(n):
        spawn(_nothing).join()
    return now_ns() - t0


def bench_spawn_join_batch(n):
    spawn = gevent.spawn
    t0 = now_ns()
    gs = [spawn(_nothing) for _ in range(n)]
    gevent.joinall(gs)
    return now_ns() - t0


def bench_sleep0(n):
    """Two greenlets each call sleep(0) n times, so there is always another one ready."""
    def worker():
        sleep = gevent.sleep
        for _ in range(n):
            sleep(0)

    t0 = now_ns()
    gevent.joinall([gevent.spawn(worker), gevent.spawn(worker)])
    return now_ns() - t0


def bench_queue_roundtrip(n):
    q1, q2 = Queue(), Queue()

    def pong():
        get, put = q1.get, q2.put
        for _ in range(n):
            put(get())

    def ping():
        get, put = q2.get, q1.put
        for i in range(n):
            put(i)
            get()

    t0 = now_ns()
    gevent.joinall([gevent.spawn(pong), gevent.spawn(ping)])
    return now_ns() - t0


def timer_p99_late_ms(count=10_000, max_ms=100.0, seed=1):
    """count greenlets each sleep a random 0..max_ms; p99 of how late each one woke."""
    rng = random.Random(seed)
    delays = [rng.uniform(0, max_ms / 1e3) for _ in range(count)]
    late = [0.0] * count

    def sleeper(i, d):
        start = now_ns()
        gevent.sleep(d)
        late[i] = (now_ns() - start) / 1e6 - d * 1e3

    gevent.joinall([gevent.spawn(sleeper, i, d) for i, d in enumerate(delays)])
    late.sort()
    return late[min(count - 1, int(0.99 * count))]


def child_sleepers(n, seconds=0.5):
    t0 = now_ns()
    gs = [gevent.spawn(gevent.sleep, seconds) for _ in range(n)]
    gevent.joinall(gs)
    wall = (now_ns() - t0) / 1e9
    child_report({"wall_s": wall, "rss_mb": peak_rss_mb()})


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        if sys.argv[2] == "sleepers":
            child_sleepers(int(sys.argv[3]))
        sys.exit(f"unknown child workload {sys.argv[2:]}")

    results = []
    log("gevent: spawn_join")
    results.append(result("spawn_join", best_ns_per_op(bench_spawn_join), "ns"))
    log("gevent: spawn_join_100k")
    bench_spawn_join_batch(100_000)  # warm-up
    best = min(bench_spawn_join_batch(100_000) for _ in range(3))
    results.append(result("spawn_join_100k", best / 100_000, "ns"))
    log("gevent: sleep0")
    results.append(result("sleep0", best_ns_per_op(bench_sleep0, ops_per_n=2), "ns"))
    log("gevent: queue_roundtrip")
    results.append(result("queue_roundtrip", best_ns_per_op(bench_queue_roundtrip), "ns"))
    log("gevent: sleepers_100k (fresh process)")
    r = run_child(os.path.abspath(__file__), ["--child", "sleepers", 100_000])
    if r is not None:
        results.append(result("sleepers_100k_wall", r["wall_s"], "s"))
        results.append(result("sleepers_100k_rss", r["rss_mb"], "MB"))
    log("gevent: timer_p99_late (median of 3 runs)")
    p99s = sorted(timer_p99_late_ms(seed=s) for s in (1, 2, 3))
    results.append(result("timer_p99_late", p99s[1], "ms"))
    peer = (f"Python {platform.python_version()} gevent {gevent.__version__} "
            f"({gevent.get_hub().loop.__class__.__module__.split('.')[-2]})")
    emit("hub", peer, results)


if __name__ == "__main__":
    main()
