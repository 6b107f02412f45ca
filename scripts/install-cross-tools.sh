#!/usr/bin/env bash
# Installs, best effort, what Tests/ContextHarness/run.sh needs to check the arm64 context
# switch on an x86_64 machine: the aarch64 cross compiler and qemu's user-mode emulator.
# Idempotent (does nothing when the tools are already there), bounded in time (every
# apt-get step runs under `timeout`, about five minutes in all), and always exits 0:
# without the tools the harness reports the arm64 configuration as skipped, not failed.
set -u

note() { printf 'install-cross-tools: %s\n' "$*" >&2; }

have_tools() {
    command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
        { command -v qemu-aarch64 >/dev/null 2>&1 || command -v qemu-aarch64-static >/dev/null 2>&1; }
}

if have_tools; then
    note "aarch64-linux-gnu-gcc and qemu-aarch64 already installed"
    exit 0
fi

if [ "$(uname -s)" != "Linux" ] || ! command -v apt-get >/dev/null 2>&1; then
    note "no apt-get here; skipping (the arm64 harness run will be skipped)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        note "not root and no passwordless sudo; skipping (the arm64 harness run will be skipped)"
        exit 0
    fi
fi

if ! command -v timeout >/dev/null 2>&1; then
    note "no timeout(1) to bound apt-get; skipping"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTIONS=(-o DPkg::Lock::Timeout=30 -o Acquire::Retries=2 -o Acquire::http::Timeout=30)

# At most ~100 s for the index update and ~200 s for the install: ~5 minutes in all.
if ! timeout --kill-after=10 90 $SUDO apt-get "${APT_OPTIONS[@]}" update -qq >/dev/null; then
    note "apt-get update failed or timed out; trying the install with the indexes we have"
fi
if ! timeout --kill-after=10 190 $SUDO apt-get "${APT_OPTIONS[@]}" install -y -qq --no-install-recommends \
        gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null; then
    note "apt-get install failed or timed out; the arm64 harness run will be skipped"
    exit 0
fi

if have_tools; then
    note "installed aarch64-linux-gnu-gcc and qemu-aarch64"
else
    note "install finished but the tools are not on PATH; the arm64 harness run will be skipped"
fi
exit 0
