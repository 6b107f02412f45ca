#!/usr/bin/env bash
# Installs, when missing, the Debian packages the GreenPatch tests need: libcurl's and
# libpq's headers (the test targets link both C libraries) and PostgreSQL (the tests start
# a private server). Idempotent (does nothing when everything is there), bounded in time
# (every apt-get step runs under `timeout`, about five minutes in all). Exits 0 when the
# packages are there afterwards; without root, apt-get or timeout(1) it says so and exits
# 0 when the headers are there (the PostgreSQL tests then skip), 1 when they are not (the
# test targets cannot build).
set -u

note() { printf 'install-test-deps: %s\n' "$*" >&2; }

# The test targets find both libraries through pkg-config.
have_headers() {
    command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libcurl libpq 2>/dev/null
}

have_server() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

give_up() {
    note "$1"
    if have_headers; then exit 0; fi
    note "libcurl's and libpq's headers are missing: the test targets cannot build"
    exit 1
}

if have_headers && have_server; then
    note "libcurl4-openssl-dev, libpq-dev and postgresql already installed"
    exit 0
fi

if [ "$(uname -s)" != "Linux" ] || ! command -v apt-get >/dev/null 2>&1; then
    give_up "no apt-get here; install libcurl, libpq and PostgreSQL by hand"
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        give_up "not root and no passwordless sudo; the PostgreSQL tests will be skipped"
    fi
fi

if ! command -v timeout >/dev/null 2>&1; then
    give_up "no timeout(1) to bound apt-get"
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTIONS=(-o DPkg::Lock::Timeout=30 -o Acquire::Retries=2 -o Acquire::http::Timeout=30)

# At most ~100 s for the index update and ~200 s for the install: ~5 minutes in all.
if ! timeout --kill-after=10 90 $SUDO apt-get "${APT_OPTIONS[@]}" update -qq >/dev/null; then
    note "apt-get update failed or timed out; trying the install with the indexes we have"
fi
if ! timeout --kill-after=10 190 $SUDO apt-get "${APT_OPTIONS[@]}" install -y -qq --no-install-recommends \
        libcurl4-openssl-dev libpq-dev postgresql pkg-config >/dev/null; then
    give_up "apt-get install failed or timed out"
fi

if have_headers && have_server; then
    note "installed libcurl4-openssl-dev, libpq-dev and postgresql"
    exit 0
fi
give_up "install finished but something is still missing"
