#!/usr/bin/env python3
"""The `pool` suite for Python's multiprocessing.Pool and ProcessPoolExecutor: the same
workloads as Sources/WeaveBench/PoolBenchmarks.swift, printing the benchmark contract's JSON.

    pool_bench.py              runs the suite
    pool_bench.py imap-10m     the isolated imap workload (run in a fresh process)
"""
import concurrent.futures as cf
import multiprocessing as mp
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _benchutil import best_ns_per_op, child_report, emit, peak_rss_mb, result, run_child  # noqa: E402

CTX = mp.get_context("fork")


def double(n):
    return 2 * n


def count_primes(limit):
    count = 0
    for candidate in range(2, limit):
        divisor = 2
        prime = True
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                prime = False
                break
            divisor += 1
        if prime:
            count += 1
    return count


def pool_map(tasks, chunksize):
    """Tiny tasks per second through Pool(2).map, workers started beforehand; best of 3."""
    inputs = list(range(tasks))
    best = float("inf")
    with CTX.Pool(2) as pool:
        for _ in range(3):
            start = time.perf_counter()
            outputs = pool.map(double, inputs, chunksize)
            best = min(best, time.perf_counter() - start)
            assert len(outputs) == tasks and outputs[-1] == 2 * (tasks - 1)
    return tasks / best


def apply_roundtrip():
    """Microseconds per Pool(2).apply of a module function (pickled by name)."""
    with CTX.Pool(2) as pool:
        def run(n):
            start = time.perf_counter_ns()
            for i in range(n):
                assert pool.apply(double, (i,)) == 2 * i
            return time.perf_counter_ns() - start
        return best_ns_per_op(run) / 1e3


def executor_roundtrip():
    """Microseconds per ProcessPoolExecutor(2).submit(...).result()."""
    with cf.ProcessPoolExecutor(2, mp_context=CTX) as executor:
        def run(n):
            start = time.perf_counter_ns()
            for i in range(n):
                assert executor.submit(double, i).result() == 2 * i
            return time.perf_counter_ns() - start
        return best_ns_per_op(run) / 1e3


def cpu_speedup():
    """A CPU-bound map on Pool(2), as a speed-up over running it serially. Each task takes a
    few milliseconds, as the Swift side's do with ten times the limit. Serial and parallel
    runs alternate, three of each, and the best of each is compared, as on the Swift side."""
    inputs = [6_000] * 64
    best_serial = best_parallel = float("inf")
    with CTX.Pool(2) as pool:
        for _ in range(3):
            start = time.perf_counter()
            serial = [count_primes(n) for n in inputs]
            best_serial = min(best_serial, time.perf_counter() - start)
            start = time.perf_counter()
            parallel = pool.map(count_primes, inputs, 1)
            best_parallel = min(best_parallel, time.perf_counter() - start)
            assert parallel == serial
    return best_serial / best_parallel


def imap_10m():
    """Peak RSS growth (MiB) of Pool(2).imap over 10M lazily generated inputs."""
    count = 10_000_000
    with CTX.Pool(2) as pool:
        before = peak_rss_mb()
        total = sum(pool.imap(double, (i for i in range(count)), 1000))
        assert total == count * (count - 1)
        child_report({"imap_10m_rss": peak_rss_mb() - before})


def main():
    if sys.argv[1:] == ["imap-10m"]:
        imap_10m()
        return
    apply_us = apply_roundtrip()
    results = [
        result("pool_map_auto", pool_map(1_000_000, None), "ops/s", False),
        result("pool_map_chunk1", pool_map(50_000, 1), "ops/s", False),
        result("pool_apply_roundtrip", apply_us, "us"),
        # Python cannot send a closure; its nearest form is pickling a module function.
        result("pool_apply_new_closure", apply_us, "us"),
        result("executor_submit_roundtrip", executor_roundtrip(), "us"),
        result("pool_cpu_speedup", cpu_speedup(), "x", False),
    ]
    child = run_child(os.path.abspath(__file__), ["imap-10m"])
    if child is not None:
        results.append(result("imap_10m_rss", child["imap_10m_rss"], "MB"))
    emit("pool", "Python %d.%d multiprocessing" % sys.version_info[:2], results)


if __name__ == "__main__":
    main()
