#!/usr/bin/env python3
"""The `distributed` suite for Celery: a Redis broker and a Redis result backend, prefork
workers, the same workloads as Weave's `weave bench distributed`, printing the benchmark
contract's JSON.

    celery_bench.py [--kill-cap SECONDS]

It starts everything it measures and stops it all afterwards, also on an error, Ctrl-C,
SIGTERM or SIGHUP (and, through PR_SET_PDEATHSIG, when it is killed outright): its own
`redis-server` on a free loopback port with a temporary directory and no persistence, and
its Celery workers, `python -m celery -A celery_bench worker --pool=prefork`, each worker
node in a process group of its own. This module is also the workers' app module: given
the CELERY_BENCH_* environment variables it defines `app`.

Results:
- distributed_tiny_tasks: 20k no-op tasks on one worker node with --concurrency=2,
  submitted as one `group(...).apply_async()` (a single publish loop on one producer
  connection, the fastest way Celery offers to send many separate tasks) and collected
  with the group's `get()` (the Redis backend's native join). Celery's defaults for
  delivery (acks on receipt), a prefetch multiplier tuned for throughput. Best of 2 runs
  (1 when the first takes over 30 s).
- distributed_tiny_tasks_acks_late: the same with `acks_late=True`, the at-least-once
  delivery a user asks for when a task must survive a worker's death.
- distributed_roundtrip: one task, `delay().get()`, median of 200, after a warm-up.

The killed task sleeps and is declared `acks_late=True, reject_on_worker_lost=True`, the
configuration a user chooses so that a task survives its worker (with Celery's defaults a
killed task is lost; the notes say what happened to one).
- distributed_worker_kill_recovery: a whole worker node (the worker and its prefork child,
  one process group) is SIGKILLed mid-task, as when a machine dies, with a second node
  waiting: seconds until the task starts on that node. The unacked message comes back
  only once the broker's visibility timeout has passed, so the figure is for what a user
  would configure for tasks of a few seconds: a visibility timeout of 10 s (it must exceed
  the longest task, or tasks run twice: Redis has no lease to renew) and the sweep for
  expired messages every second. With the defaults (3600 s, swept every 100 s) the run
  waits up to --kill-cap seconds (60) and says what happened in a note.
- distributed_child_kill_recovery: only the prefork child running the task is SIGKILLed;
  its worker notices and requeues the task: seconds until it starts in another child.
"""
import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _benchutil import Beacon, emit, exit_on_termination, log, result, start_and_sleep  # noqa: E402

from celery import Celery, group  # noqa: E402
import celery  # noqa: E402
import redis  # noqa: E402

BROKER_ENV = "CELERY_BENCH_BROKER"
BACKEND_ENV = "CELERY_BENCH_BACKEND"
TRANSPORT_ENV = "CELERY_BENCH_TRANSPORT_OPTIONS"

TINY_TASKS = 20_000
ROUNDTRIPS = 200
# A run of the tiny tasks that takes longer than this (a busy machine) is not repeated.
SECOND_RUN_BELOW_S = 30
# Messages each worker process reserves ahead (Celery's default is 4). Tiny tasks gain
# from a deep prefetch: with 3,000 tasks, twice each, 64 ran about 15 % faster than 4 here.
PREFETCH_MULTIPLIER = 64
# How long the killed task sleeps when it is not killed.
SLEEP_S = 1.0
# What a user would configure for tasks that take a few seconds, when a dead node's
# tasks must come back quickly.
FAIR_VISIBILITY = {"visibility_timeout": 10, "unacked_restore_interval": 1,
                   "unacked_restore_throttle": 1}
WORKER_READY_S = 60

NOOP = "bench.noop"
NOOP_ACKS_LATE = "bench.noop_acks_late"
SLEEP_RECOVERABLE = "bench.sleep_recoverable"
SLEEP_DEFAULT = "bench.sleep_default"


def noop():
    return None


def make_app(broker, backend, transport_options):
    """The benchmark's Celery app: the same in the client and in the workers."""
    app = Celery("celery_bench", broker=broker, backend=backend, set_as_current=False)
    app.conf.update(
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
    )
    app.task(name=NOOP, shared=False)(noop)
    app.task(name=NOOP_ACKS_LATE, shared=False, acks_late=True)(noop)
    app.task(name=SLEEP_RECOVERABLE, shared=False, acks_late=True,
             reject_on_worker_lost=True)(start_and_sleep)
    app.task(name=SLEEP_DEFAULT, shared=False)(start_and_sleep)
    return app


if BROKER_ENV in os.environ:
    app = make_app(os.environ[BROKER_ENV], os.environ[BACKEND_ENV],
                   json.loads(os.environ.get(TRANSPORT_ENV, "{}")))


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In a child between fork and exec: SIGKILL it when this benchmark dies, however."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Services:
    """The processes this run starts, each the leader of its own process group, with their
    output in log files of a temporary directory. `stop_all` ends every group and removes
    the directory."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="celery-bench-")
        self._procs = {}

    def start(self, name, argv, env=None, cwd=None):
        log_path = os.path.join(self.directory, f"{name}.log")
        with open(log_path, "wb") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                    start_new_session=True, preexec_fn=_die_with_parent)
        self._procs[proc.pid] = (name, proc)
        return proc

    def name(self, pid):
        """The name a process was started with, or None if this run did not start it."""
        entry = self._procs.get(pid)
        return entry[0] if entry else None

    def output(self, proc, lines=5):
        with open(os.path.join(self.directory, f"{self._procs[proc.pid][0]}.log"),
                  errors="replace") as f:
            return " | ".join(f.read().strip().splitlines()[-lines:])

    def kill(self, pid):
        """SIGKILLs a process's whole group at once, as a machine dies, and reaps it."""
        _, proc = self._procs.pop(pid)
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self, proc, grace=15.0):
        """SIGTERM to the group (a Celery worker's warm shutdown), SIGKILL to whatever is
        left after `grace` seconds; returns once the leader is reaped and the group empty."""
        self._procs.pop(proc.pid, None)
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log(f"  pid {proc.pid} ignored SIGTERM for {grace:.0f} s: SIGKILL")
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self):
        for _, proc in list(self._procs.values()):
            self.stop(proc)
        shutil.rmtree(self.directory, ignore_errors=True)


def _signal_group(pgid, signum):
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def start_redis(services):
    """`redis-server` on a free loopback port, no persistence; returns (port, version)."""
    for _ in range(3):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        proc = services.start("redis", [
            "redis-server", "--port", str(port), "--bind", "127.0.0.1",
            "--dir", services.directory, "--save", "", "--appendonly", "no",
            "--daemonize", "no"])
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                version = client.info("server")["redis_version"]
                client.close()
                return port, version
            except redis.ConnectionError:
                time.sleep(0.05)
        log(f"  redis-server on port {port} did not come up: {services.output(proc)}")
        services.stop(proc)
    raise RuntimeError("redis-server did not start on any of 3 free ports")


class Cluster:
    """One configuration of the broker (its own pair of Redis databases) with its worker
    nodes, and the client app that talks to them."""

    def __init__(self, services, port, databases, transport_options):
        broker = f"redis://127.0.0.1:{port}/{databases[0]}"
        backend = f"redis://127.0.0.1:{port}/{databases[1]}"
        self.services = services
        self.app = make_app(broker, backend, transport_options)
        self.env = dict(os.environ, **{BROKER_ENV: broker, BACKEND_ENV: backend,
                                       TRANSPORT_ENV: json.dumps(transport_options)})

    def start_node(self, name, concurrency):
        """A worker node, `celery worker --pool=prefork --concurrency=N`; returns once it
        answers a ping."""
        hostname = f"{name}@celery-bench"
        here = os.path.dirname(os.path.abspath(__file__))
        proc = self.services.start(f"worker-{name}", [
            sys.executable, "-m", "celery", "-A", "celery_bench", "worker",
            "--pool=prefork", f"--concurrency={concurrency}", f"--hostname={hostname}",
            f"--prefetch-multiplier={PREFETCH_MULTIPLIER}",
            "--loglevel=WARNING", "--without-gossip", "--without-mingle",
            "--without-heartbeat"], env=self.env, cwd=here)
        deadline = time.monotonic() + WORKER_READY_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker {name} exited with status "
                                   f"{proc.returncode}: {self.services.output(proc)}")
            if self.app.control.ping(destination=[hostname], timeout=0.5):
                return proc
        raise RuntimeError(f"celery worker {name} did not answer a ping within "
                           f"{WORKER_READY_S} s: {self.services.output(proc)}")

    def task(self, name):
        return self.app.tasks[name]


def tiny_tasks(cluster, task_name):
    """Tasks per second: `TINY_TASKS` no-ops sent as one group, all results collected.
    Best of 2 runs, the second only when the first took under `SECOND_RUN_BELOW_S`."""
    task = cluster.task(task_name)
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        outcome = group(task.s() for _ in range(TINY_TASKS)).apply_async()
        values = outcome.get(timeout=600)
        best = min(best, time.perf_counter() - start)
        assert len(values) == TINY_TASKS
        outcome.forget()
        if best >= SECOND_RUN_BELOW_S:
            break
    return TINY_TASKS / best


def roundtrip_ms(cluster):
    """Median milliseconds of `delay().get()` for one no-op task."""
    task = cluster.task(NOOP)
    times = []
    for i in range(ROUNDTRIPS + 20):
        start = time.perf_counter()
        task.delay().get(timeout=30)
        if i >= 20:
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def kill_mid_task(cluster, beacon, task_name, cap, whole_node):
    """SIGKILLs the process running a sleeping task (with `whole_node`, its worker node's
    whole process group). Returns (seconds until the task started again in another
    process or None past `cap`, the task's AsyncResult)."""
    outcome = cluster.task(task_name).delay(beacon.address, SLEEP_S)
    first = beacon.wait(30)
    if first is None:
        raise RuntimeError(f"{task_name} did not start within 30 s")
    killed = time.perf_counter()
    if whole_node:
        cluster.services.kill(first["ppid"])
    else:
        os.kill(first["pid"], signal.SIGKILL)
    again = beacon.wait(cap)
    recovered = time.perf_counter() - killed
    if again is None:
        return None, outcome
    if again["pid"] == first["pid"]:
        raise RuntimeError(f"{task_name} restarted in the process that was killed")
    return recovered, outcome


def one_node_workloads(services, port, beacon, cap):
    """Throughput, round trip and SIGKILLs of a prefork child on one node, concurrency 2."""
    cluster = Cluster(services, port, (0, 1), {})
    node = cluster.start_node("node", concurrency=2)
    results, notes = [], []
    group(cluster.task(NOOP).s() for _ in range(500)).apply_async().get(timeout=120)
    log("  tiny tasks")
    results.append(result("distributed_tiny_tasks", tiny_tasks(cluster, NOOP), "ops/s", False))
    results.append(result("distributed_tiny_tasks_acks_late",
                          tiny_tasks(cluster, NOOP_ACKS_LATE), "ops/s", False))
    log("  round trip")
    results.append(result("distributed_roundtrip", roundtrip_ms(cluster), "ms"))

    log("  SIGKILL of a prefork child")
    recovered, outcome = kill_mid_task(cluster, beacon, SLEEP_RECOVERABLE, cap, False)
    if recovered is None:
        notes.append(f"distributed_child_kill_recovery: the killed task did not start "
                     f"again within the {cap:.0f} s cap")
    else:
        outcome.get(timeout=60)
        results.append(result("distributed_child_kill_recovery", recovered, "s"))

    # Celery's defaults (acks on receipt): the parent reports the task failed, and no
    # process runs it again.
    recovered, outcome = kill_mid_task(cluster, beacon, SLEEP_DEFAULT, 5, False)
    outcome.get(timeout=60, propagate=False)
    notes.append(
        "the kill recoveries are for a task declared acks_late=True, "
        "reject_on_worker_lost=True; with Celery's defaults a task whose prefork child is "
        "killed " + (f"ends in {outcome.state} ({type(outcome.result).__name__}) and never "
                     "runs again" if recovered is None
                     else f"ran again after {recovered:.2f} s"))
    services.stop(node)
    return results, notes


def node_kill(services, port, beacon, cap, databases, transport_options):
    """Seconds from the SIGKILL of a whole worker node mid-task until the task starts on
    the surviving node, or None past `cap`."""
    cluster = Cluster(services, port, databases, transport_options)
    nodes = [cluster.start_node(name, concurrency=1) for name in ("a", "b")]
    recovered, outcome = kill_mid_task(cluster, beacon, SLEEP_RECOVERABLE, cap, True)
    if recovered is not None:
        outcome.get(timeout=60)
    for node in nodes:
        if services.name(node.pid):
            services.stop(node)
    return recovered


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill-cap", type=float, default=60.0, metavar="SECONDS",
                        help="how long to wait for a killed task to run again (default 60)")
    cap = parser.parse_args().kill_cap
    if shutil.which("redis-server") is None:
        sys.exit("celery_bench.py: redis-server is not on PATH (bench/peers/install.sh "
                 "installs it)")
    exit_on_termination()
    services = Services()
    beacon = Beacon()
    try:
        port, redis_version = start_redis(services)
        log(f"celery: redis-server {redis_version} on 127.0.0.1:{port}")
        results, notes = one_node_workloads(services, port, beacon, cap)

        log("  SIGKILL of a whole worker node, visibility timeout 10 s")
        fair = node_kill(services, port, beacon, cap, (2, 3), FAIR_VISIBILITY)
        if fair is None:
            notes.append(f"distributed_worker_kill_recovery: not recovered within the "
                         f"{cap:.0f} s cap")
        else:
            results.append(result("distributed_worker_kill_recovery", fair, "s"))
        notes.append("distributed_worker_kill_recovery: a worker node (worker and prefork "
                     "child) SIGKILLed mid-task, a second node waiting; broker transport "
                     "options " + ", ".join(f"{k}={v}" for k, v in FAIR_VISIBILITY.items()))

        log(f"  SIGKILL of a whole worker node, Celery's defaults (cap {cap:.0f} s)")
        default = node_kill(services, port, beacon, cap, (4, 5), {})
        notes.append(
            "with the default visibility timeout (3600 s, swept every 100 s) the dead "
            "node's task " + (f"did not run again within the {cap:.0f} s cap"
                              if default is None else f"ran again after {default:.1f} s"))
    except BaseException as error:
        # Frees the unwound frames' task results now, while Redis still runs: each
        # unsubscribes from its result's channel when it goes.
        traceback.clear_frames(error.__traceback__)
        raise
    finally:
        beacon.close()
        services.stop_all()
    emit("distributed",
         f"Celery {celery.__version__}, prefork --concurrency=2, prefetch multiplier "
         f"{PREFETCH_MULTIPLIER}; Redis {redis_version} broker and result backend "
         f"(redis-py {redis.__version__}); Python {sys.version_info[0]}.{sys.version_info[1]}",
         results, notes)


if __name__ == "__main__":
    main()
