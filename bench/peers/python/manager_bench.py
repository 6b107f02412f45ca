#!/usr/bin/env python3
"""The `manager` suite for Python multiprocessing: `Manager().dict()` get and set round
trips from one client, over a Unix socket and over TCP loopback, the same workloads as
Sources/WeaveBench/ManagerBenchmarks.swift, printing the benchmark contract's JSON."""
import os
import shutil
import tempfile
import time
from multiprocessing.managers import SyncManager

from _benchutil import emit, result


def dict_round_trips(address, seconds=1.0, rounds=3):
    """Round trips per second, best of `rounds` rounds of about `seconds`: each round
    reads a value and writes it back incremented, over and over; every read and every
    write is one round trip to the manager process."""
    manager = SyncManager(address=address, authkey=os.urandom(32))
    manager.start()
    try:
        shared = manager.dict()
        shared["key"] = 0
        best = 0.0
        for _ in range(rounds):
            count = 0
            start = time.perf_counter()
            deadline = start + seconds
            while True:
                for _ in range(500):
                    shared["key"] = shared["key"] + 1
                count += 1000
                now = time.perf_counter()
                if now >= deadline:
                    break
            best = max(best, count / (now - start))
        return best
    finally:
        manager.shutdown()


def main():
    directory = tempfile.mkdtemp(prefix="manager-bench-")
    try:
        unix = dict_round_trips(os.path.join(directory, "manager.sock"))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    tcp = dict_round_trips(("127.0.0.1", 0))
    emit("manager", "Python multiprocessing.managers.SyncManager", [
        result("manager_dict_unix", unix, "ops/s", lower_is_better=False),
        result("manager_dict_tcp", tcp, "ops/s", lower_is_better=False),
    ])


if __name__ == "__main__":
    main()
