#!/usr/bin/env bash
# Installs what the benchmark peers need and builds the compiled ones. Safe to re-run:
# every step checks first and says what it did.
#
#   bench/peers/install.sh              install (apt golang-go, pip greenlet gevent) + build
#   bench/peers/install.sh --build-only only (re)build the Go and Swift peers
#
# Environment: PYTHON (default python3) is the interpreter the Python peers run with;
# greenlet and gevent are pip-installed into it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --build-only) BUILD_ONLY=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

say() { printf '[peers] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

if [ "$BUILD_ONLY" = 0 ]; then
  # Go (Debian's golang-go; 1.19 on Debian 12).
  if command -v go >/dev/null; then
    say "go: already installed ($(go version | awk '{print $3}'))"
  elif command -v apt-get >/dev/null; then
    say "go: installing golang-go with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq golang-go >/dev/null
    say "go: installed ($(go version | awk '{print $3}'))"
  else
    say "go: not installed and no apt-get; the Go peer will be skipped"
  fi

  # Python greenlet + gevent, into the interpreter the peers run with.
  if ! command -v "$PYTHON" >/dev/null; then
    say "python: $PYTHON not found; the Python peers will be skipped"
  elif "$PYTHON" -c 'import greenlet, gevent' 2>/dev/null; then
    say "python: greenlet and gevent already installed in $("$PYTHON" -c 'import sys; print(sys.executable)')"
  else
    say "python: pip-installing greenlet gevent into $("$PYTHON" -c 'import sys; print(sys.executable)')"
    "$PYTHON" -m pip install -q --disable-pip-version-check greenlet gevent \
      || "$PYTHON" -m pip install -q --disable-pip-version-check --user greenlet gevent
  fi
  if command -v "$PYTHON" >/dev/null && "$PYTHON" -c 'import greenlet, gevent' 2>/dev/null; then
    say "python: $("$PYTHON" -c 'import platform, greenlet, gevent; print("Python", platform.python_version(), "greenlet", greenlet.__version__, "gevent", gevent.__version__)')"
  fi
fi

# Go peer -> bench/peers/go/bin/go-peer (no module dependencies; never touches the network).
if command -v go >/dev/null; then
  say "go peer: building bench/peers/go/bin/go-peer"
  (cd "$HERE/go" && GOPROXY=off go build -trimpath -o bin/go-peer .)
  say "go peer: built"
else
  say "go peer: skipped (no go)"
fi

# Swift async/await peer -> bench/peers/swift-async/bin/swift-async-peer (release build).
if command -v swift >/dev/null; then
  say "swift-async peer: building (swift build -c release)"
  swift build -c release --package-path "$HERE/swift-async" 2>&1 | tail -n 2 | sed 's/^/[peers]   /'
  bin_path="$(swift build -c release --package-path "$HERE/swift-async" --show-bin-path)"
  mkdir -p "$HERE/swift-async/bin"
  cp -f "$bin_path/SwiftAsyncPeer" "$HERE/swift-async/bin/swift-async-peer"
  say "swift-async peer: built bench/peers/swift-async/bin/swift-async-peer"
else
  say "swift-async peer: skipped (no swift on PATH)"
fi
say "done; run e.g.: bench/compare greenlet hub"
