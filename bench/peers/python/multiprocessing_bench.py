#!/usr/bin/env python3
"""The `process` suite for Python multiprocessing: the same workloads as
Sources/WeaveBench/ProcessBenchmarks.swift, printing the benchmark contract's JSON."""
import json
import multiprocessing as mp
import time


def noop(_):
    pass


def start_join(method, iterations, rounds=3):
    ctx = mp.get_context(method)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(iterations):
            p = ctx.Process(target=noop, args=(0,))
            p.start()
            p.join()
            assert p.exitcode == 0
        best = min(best, (time.perf_counter() - start) / iterations)
    return best * 1e3


def produce(q, count):
    for i in range(count):
        q.put(i)


def consume(q, count):
    for _ in range(count):
        q.get()


def queue_throughput(pairs, messages):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    per = messages // pairs
    producers = [ctx.Process(target=produce, args=(q, per)) for _ in range(pairs)]
    consumers = [ctx.Process(target=consume, args=(q, per)) for _ in range(pairs)]
    start = time.perf_counter()
    for p in consumers + producers:
        p.start()
    for p in producers + consumers:
        p.join()
    return per * pairs / (time.perf_counter() - start)


def send_bytes(conn, payload, count):
    for _ in range(count):
        conn.send_bytes(payload)


def pipe_throughput(messages):
    ctx = mp.get_context("fork")
    size = 1 << 20
    reader, writer = ctx.Pipe(duplex=False)
    buffer = bytearray(size)
    sender = ctx.Process(target=send_bytes, args=(writer, bytes(size), messages))
    start = time.perf_counter()
    sender.start()
    writer.close()
    for _ in range(messages):
        reader.recv_bytes_into(buffer)
    sender.join()
    return messages * size / (time.perf_counter() - start) / 1e9


def increment(counter, count):
    for _ in range(count):
        with counter.get_lock():
            counter.value += 1


def locked_counter(increments):
    ctx = mp.get_context("fork")
    counter = ctx.Value("q", 0)
    workers = [ctx.Process(target=increment, args=(counter, increments)) for _ in range(2)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert counter.value == 2 * increments
    return 2 * increments / (time.perf_counter() - start)


def main():
    results = [
        ("start_join_fork", start_join("fork", 200), "ms", True),
        ("start_join_spawn", start_join("spawn", 10), "ms", True),
        ("queue_1to1", queue_throughput(1, 400_000), "ops/s", False),
        ("queue_4to4", queue_throughput(4, 400_000), "ops/s", False),
        ("pipe_1mib", pipe_throughput(1000), "GB/s", False),
        ("locked_counter", locked_counter(200_000), "ops/s", False),
    ]
    print(json.dumps({"suite": "process", "results": [
        {"name": n, "value": round(v, 3), "unit": u, "lower_is_better": low} for n, v, u, low in results
    ]}))


if __name__ == "__main__":
    main()
