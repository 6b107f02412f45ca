"""What a run ran on: the machine and the versions of every runtime and peer library.

Everything is read at run time (/proc, /etc/os-release, `--version` outputs, the Swift
peer's resolved packages); a piece that cannot be read is left out, never guessed.
"""

import json
import os
import platform
import subprocess


def describe_machine():
    """CPU model, cores, memory, kernel, OS, host and load average, as far as readable."""
    info = {"cpus": os.cpu_count(), "kernel": f"{platform.system()} {platform.release()}",
            "arch": platform.machine(), "host": platform.node()}
    model = _first_field("/proc/cpuinfo", "model name", ":")
    if model:
        info["cpu_model"] = model
    mem_kib = _first_field("/proc/meminfo", "MemTotal", ":")
    if mem_kib:
        info["mem_gib"] = round(int(mem_kib.split()[0]) / 1024 / 1024, 1)
    pretty = _first_field("/etc/os-release", "PRETTY_NAME", "=")
    if pretty:
        info["os"] = pretty.strip('"')
    try:
        with open("/proc/loadavg") as f:
            info["loadavg"] = " ".join(f.read().split()[:3])
    except OSError:
        pass
    return info


def _first_field(path, key, separator):
    """The value of the first `key<separator>value` line of a file, or None."""
    try:
        with open(path) as f:
            for line in f:
                name, sep, value = line.partition(separator)
                if sep and name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return None


def _command_output(argv, any_status=False):
    """The first non-empty line a command prints (stdout, else stderr), or None when it
    cannot run or (unless `any_status`: `wrk -v` exits 1) fails."""
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0 and not any_status:
        return None
    for line in (proc.stdout + "\n" + proc.stderr).splitlines():
        if line.strip():
            return line.strip()
    return None


PYTHON_VERSIONS = (
    "import platform, importlib\n"
    "print('Python', platform.python_version(), end='')\n"
    "for name in ('greenlet', 'gevent'):\n"
    "    try:\n"
    "        print(',', name, importlib.import_module(name).__version__, end='')\n"
    "    except ImportError:\n"
    "        print(',', name, 'not installed', end='')\n"
    "print()\n"
)


# The packages worth naming among those a Swift package resolved: what the servers and
# Weave's networking are built on.
NAMED_PACKAGES = ("swift-nio", "hummingbird")


def describe_tools(python, weave_root, nio_peer_dir):
    """label -> version line of Swift, Python with greenlet and gevent, Go, wrk, and the
    SwiftNIO (and Hummingbird) that Weave and the Swift networking peer resolved; a tool
    that is missing says so, a package never resolved is left out."""
    tools = {}
    tools["Swift"] = _command_output(["swift", "--version"]) or "not installed"
    tools["Python"] = _command_output([python, "-c", PYTHON_VERSIONS]) or f"{python}: not runnable"
    tools["Go"] = _command_output(["go", "version"]) or "not installed"
    wrk = _command_output(["wrk", "-v"], any_status=True)
    tools["wrk"] = wrk.split(" [")[0] if wrk else "not installed"
    for label, folder in (("Weave's packages", weave_root), ("SwiftNIO peer's packages", nio_peer_dir)):
        packages = swift_package_versions(folder)
        named = [f"{k} {packages[k]}" for k in NAMED_PACKAGES if k in packages]
        if named:
            tools[label] = ", ".join(named)
    return tools


def swift_package_versions(package_dir):
    """identity -> version of the packages a built Swift package resolved (its
    .build/workspace-state.json), or {} when it was never built."""
    try:
        with open(os.path.join(package_dir, ".build", "workspace-state.json")) as f:
            state = json.load(f)
    except (OSError, ValueError):
        return {}
    versions = {}
    for dep in state.get("object", {}).get("dependencies", []):
        identity = dep.get("packageRef", {}).get("identity")
        checkout = dep.get("state", {}).get("checkoutState", {})
        version = checkout.get("version") or checkout.get("revision", "")[:12]
        if identity and version:
            versions[identity] = version
    return dict(sorted(versions.items()))


def describe_revision(root):
    """The commit the repository at `root` is on ("0cd9623", with "plus uncommitted
    changes" when its tracked files differ), or None outside a git checkout."""
    commit = _command_output(["git", "-C", root, "rev-parse", "--short", "HEAD"])
    if not commit:
        return None
    try:
        dirty = subprocess.run(["git", "-C", root, "diff", "--quiet", "HEAD"],
                               timeout=60).returncode != 0
    except (OSError, subprocess.TimeoutExpired):
        dirty = False
    return f"{commit} plus uncommitted changes" if dirty else commit
