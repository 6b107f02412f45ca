"""Shared helpers for the Python peers: calibrated best-of-N timing, fresh-process
memory workloads and the benchmark contract's JSON output."""

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time

now_ns = time.perf_counter_ns

# Every child workload must finish within this many seconds, or its figures are dropped.
CHILD_TIMEOUT_S = float(os.environ.get("PEER_CHILD_TIMEOUT", "60"))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def best_ns_per_op(run, ops_per_n=1, target_s=0.2, rounds=5):
    """`run(n)` performs n iterations and returns elapsed nanoseconds; each iteration is
    `ops_per_n` operations. Calibrates n so a round takes about `target_s` (the
    calibration doubles as the warm-up), then returns the best ns/op of `rounds` rounds."""
    n = 256
    while True:
        elapsed = run(n)
        if elapsed >= 30e6:
            break
        n *= 4
    n = max(1, int(n * target_s * 1e9 / max(elapsed, 1)))
    best = min(run(n) for _ in range(rounds))
    return best / (n * ops_per_n)


def peak_rss_mb():
    """Peak resident set size of this process, MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_child(script, args):
    """Runs `python script args...` in a fresh process; returns its JSON dict or None."""
    cmd = [sys.executable, script] + [str(a) for a in args]
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, timeout=CHILD_TIMEOUT_S, check=True)
    except subprocess.TimeoutExpired:
        log(f"  {' '.join(cmd[2:])}: over {CHILD_TIMEOUT_S:.0f} s, skipped")
        return None
    except subprocess.CalledProcessError as e:
        log(f"  {' '.join(cmd[2:])}: child failed with status {e.returncode}, skipped")
        return None
    return json.loads(out.stdout)


def child_report(fields):
    """A child prints its figures and leaves at once, without tearing down what it built
    (unwinding a million parked coroutines would only measure teardown)."""
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()
    os._exit(0)


def result(name, value, unit, lower_is_better=True):
    return {"name": name, "value": round(value, 4), "unit": unit, "lower_is_better": lower_is_better}


def emit(suite, peer, results, notes=()):
    """Prints the contract's JSON object; `notes` (what a reader must know about a figure,
    or why one is missing) become the report's `notes`, which bench/compare shows."""
    report = {"suite": suite, "peer": peer, "results": results}
    if notes:
        report["notes"] = list(notes)
    print(json.dumps(report))


def exit_on_termination():
    """Turns SIGTERM and SIGHUP into SystemExit, as Ctrl-C is KeyboardInterrupt, so that a
    peer's `finally` blocks stop the servers and workers it started."""
    def leave(signum, _frame):
        raise SystemExit(128 + signum)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, leave)


class Beacon:
    """A UDP socket on loopback to which tasks running in other processes report that they
    started (`signal_start`), so that a benchmark learns at once which process runs a task
    and when, without polling."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self.address = self._sock.getsockname()

    def wait(self, timeout):
        """The next report (a dict), or None when none arrives within `timeout` seconds."""
        self._sock.settimeout(timeout)
        try:
            data, _ = self._sock.recvfrom(65536)
        except socket.timeout:
            return None
        return json.loads(data)

    def close(self):
        self._sock.close()


def signal_start(address, **fields):
    """Called in a task: tells the Beacon at `address` that this process started it, with
    its pid and parent pid and any other `fields`."""
    report = dict(fields, pid=os.getpid(), ppid=os.getppid())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(json.dumps(report).encode(), tuple(address))


def start_and_sleep(beacon, seconds):
    """The task the distributed peers kill: reports its start to the benchmark's Beacon,
    sleeps, and returns its pid."""
    signal_start(beacon)
    time.sleep(seconds)
    return os.getpid()
