#!/usr/bin/env python3
"""The `distributed` suite for Ray's `ray.util.multiprocessing.Pool`: the same workloads as
Weave's `weave bench distributed`, printing the benchmark contract's JSON.

    ray_bench.py

It starts a local Ray of its own (`ray.init(num_cpus=2, include_dashboard=False)`, its node
address 127.0.0.1, a small object store, its session files in a temporary directory) and
shuts it down afterwards, also on an error, Ctrl-C, SIGTERM or SIGHUP. Ray's servers still
listen on every interface of this machine, and when this script is SIGKILLed, two of Ray's
agents outlive it by about a minute before they exit. Every pool has 2 processes (Ray
actors).

Results:
- distributed_tiny_tasks: `pool.map` of a no-op over 20k inputs with chunksize=1, one actor
  call per task, as Celery and Weave send one message or row per task; best of 2 (1 when
  the first takes over 30 s).
- distributed_tiny_tasks_chunked: the same with the pool's own chunk size (Python's rule, a
  quarter of an even share: 8 calls of 2,500 inputs); best of 3.
- distributed_roundtrip: one task, `pool.apply`, median of 200 after a warm-up.
- distributed_child_kill_recovery: a task that sleeps is SIGKILLed in its actor process,
  on a pool created with `ray_remote_args={"max_restarts": -1, "max_task_retries": -1}`
  (what a user sets so that work survives a process: with the defaults the call fails,
  see the notes); seconds from the SIGKILL until the task starts again in the restarted
  actor. The node's raylet sees its worker die at once.

There is no distributed_worker_kill_recovery (a worker machine SIGKILLed, its tasks going
to another): on one machine that needs a second Ray node, which this run does not start.
"""
import contextlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _benchutil import Beacon, emit, exit_on_termination, log, result, start_and_sleep  # noqa: E402

# Ray reports usage statistics over the network unless told not to.
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
# Nothing may start a second local Ray behind the benchmark's back: a pool's result thread
# still waiting when the run is interrupted would, once `ray.shutdown()` has run.
os.environ["RAY_ENABLE_AUTO_CONNECT"] = "0"
import ray  # noqa: E402
from ray.util.multiprocessing import Pool  # noqa: E402

PROCESSES = 2
TINY_TASKS = 20_000
ROUNDTRIPS = 200
SECOND_RUN_BELOW_S = 30
SLEEP_S = 1.0
KILL_CAP_S = 60
DEFAULT_POOL_CAP_S = 5
OBJECT_STORE_BYTES = 256 * 1024 * 1024
RECOVERABLE = {"max_restarts": -1, "max_task_retries": -1}


def noop(_=None):
    return None


@contextlib.contextmanager
def open_pool(**ray_remote_args):
    """A `Pool(PROCESSES)` whose actors are stopped when the block ends, however it ends."""
    pool = Pool(PROCESSES, ray_remote_args=ray_remote_args)
    try:
        yield pool
    finally:
        pool.terminate()


def tiny_tasks(pool, chunksize, runs):
    """Tasks per second of `pool.map(noop, range(TINY_TASKS), chunksize)`: best of `runs`,
    stopping early once a run takes over `SECOND_RUN_BELOW_S`."""
    inputs = range(TINY_TASKS)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        outputs = pool.map(noop, inputs, chunksize)
        best = min(best, time.perf_counter() - start)
        assert len(outputs) == TINY_TASKS
        if best >= SECOND_RUN_BELOW_S:
            break
    return TINY_TASKS / best


def roundtrip_ms(pool):
    times = []
    for i in range(ROUNDTRIPS + 20):
        start = time.perf_counter()
        pool.apply(noop)
        if i >= 20:
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def kill_mid_task(pool, beacon, cap):
    """SIGKILLs the actor process running a sleeping task. Returns (seconds until the task
    started again in another process, or None past `cap`; the call's outcome: its value or
    the exception it raised)."""
    call = pool.apply_async(start_and_sleep, (beacon.address, SLEEP_S))
    first = beacon.wait(60)
    if first is None:
        raise RuntimeError("the sleeping task did not start within 60 s")
    killed = time.perf_counter()
    os.kill(first["pid"], signal.SIGKILL)
    again = beacon.wait(cap)
    recovered = time.perf_counter() - killed
    try:
        outcome = call.get(timeout=KILL_CAP_S)
    except Exception as error:  # the call's failure is the finding, whatever its type
        outcome = error
    if again is None:
        return None, outcome
    if again["pid"] == first["pid"]:
        raise RuntimeError("the task restarted in the process that was killed")
    return recovered, outcome


def main():
    exit_on_termination()
    session_dir = tempfile.mkdtemp(prefix="ray-bench-")
    beacon = Beacon()
    results, notes = [], []
    try:
        start = time.perf_counter()
        ray.init(num_cpus=PROCESSES, include_dashboard=False,
                 object_store_memory=OBJECT_STORE_BYTES, _temp_dir=session_dir,
                 _node_ip_address="127.0.0.1")
        log(f"ray: started in {time.perf_counter() - start:.1f} s")

        with open_pool() as pool:
            pool.map(noop, range(1000))
            log("  tiny tasks")
            results.append(result("distributed_tiny_tasks", tiny_tasks(pool, 1, 2),
                                  "ops/s", False))
            results.append(result("distributed_tiny_tasks_chunked", tiny_tasks(pool, None, 3),
                                  "ops/s", False))
            log("  round trip")
            results.append(result("distributed_roundtrip", roundtrip_ms(pool), "ms"))
            log("  SIGKILL of an actor, default pool")
            # An actor's default is max_restarts=0: nothing will run the task again.
            recovered, outcome = kill_mid_task(pool, beacon, DEFAULT_POOL_CAP_S)
        notes.append("distributed_child_kill_recovery is for a pool with ray_remote_args="
                     f"{RECOVERABLE}; with the defaults the killed task "
                     + (f"fails ({type(outcome).__name__}) and never runs again"
                        if recovered is None else f"ran again after {recovered:.2f} s"))

        log("  SIGKILL of an actor, restartable pool")
        with open_pool(**RECOVERABLE) as pool:
            pool.apply(noop)
            recovered, outcome = kill_mid_task(pool, beacon, KILL_CAP_S)
        if recovered is None:
            notes.append(f"distributed_child_kill_recovery: the killed task did not start "
                         f"again within {KILL_CAP_S} s")
        elif isinstance(outcome, Exception):
            notes.append(f"distributed_child_kill_recovery: the task ran again after "
                         f"{recovered:.2f} s but its call failed: {outcome!r}")
        else:
            results.append(result("distributed_child_kill_recovery", recovered, "s"))
        notes.append("no distributed_worker_kill_recovery: killing a worker machine needs a "
                     "second Ray node, which this local run does not start")
    finally:
        beacon.close()
        ray.shutdown()
        shutil.rmtree(session_dir, ignore_errors=True)
    emit("distributed",
         f"Ray {ray.__version__} ray.util.multiprocessing.Pool({PROCESSES}), local "
         f"ray.init(num_cpus={PROCESSES}); Python {sys.version_info[0]}.{sys.version_info[1]}",
         results, notes)


if __name__ == "__main__":
    main()
