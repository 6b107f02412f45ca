#!/usr/bin/env bash
# Installs what the benchmark peers need and builds the compiled ones. Safe to re-run:
# every step checks first and says what it did.
#
#   bench/peers/install.sh              install (apt golang-go wrk redis-server, pip greenlet
#                                       gevent celery[redis] redis ray) + build
#   bench/peers/install.sh --build-only only (re)build the Go and Swift peers
#
# Environment: PYTHON (default python3) is the interpreter the Python peers run with;
# greenlet, gevent, Celery, redis-py and Ray are pip-installed into it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --build-only) BUILD_ONLY=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

say() { printf '[peers] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

# apt_install COMMAND PACKAGE CONSEQUENCE: installs Debian's PACKAGE with apt-get unless
# COMMAND is on the PATH already; CONSEQUENCE says what goes without it where there is no
# apt-get.
apt_install() {
  if command -v "$1" >/dev/null; then
    say "$1: already installed"
  elif command -v apt-get >/dev/null; then
    say "$1: installing $2 with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >/dev/null
    say "$1: installed"
  else
    say "$1: not installed and no apt-get; $3"
  fi
}

if [ "$BUILD_ONLY" = 0 ]; then
  # Go (Debian's golang-go; 1.19 on Debian 12).
  apt_install go golang-go "the Go peer will be skipped"
  if command -v go >/dev/null; then say "go: $(go version | awk '{print $3}')"; fi

  # wrk, the HTTP load of bench/net-compare.
  apt_install wrk wrk "bench/net-compare will skip the HTTP workload"

  # redis-server, the broker and result backend of the Celery peer (which starts its own).
  apt_install redis-server redis-server "the Celery peer will fail"
  if command -v redis-server >/dev/null; then
    say "redis-server: $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
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

  # Celery (Redis transport), redis-py and Ray, for the `distributed` suite's peers.
  if command -v "$PYTHON" >/dev/null; then
    if "$PYTHON" -c 'import celery, redis, ray' 2>/dev/null; then
      say "python: celery, redis and ray already installed"
    else
      say "python: pip-installing celery[redis] redis ray (Ray is a large download)"
      "$PYTHON" -m pip install -q --disable-pip-version-check 'celery[redis]' redis ray \
        || "$PYTHON" -m pip install -q --disable-pip-version-check --user 'celery[redis]' redis ray
    fi
    if "$PYTHON" -c 'import celery, redis, ray' 2>/dev/null; then
      say "python: $("$PYTHON" -c 'import celery, redis, ray; print("celery", celery.__version__, "redis-py", redis.__version__, "ray", ray.__version__)')"
    fi
  fi
fi

# Go peers (no module dependencies; never touch the network):
# bench/peers/go/bin/go-peer, and bench/peers/go-net/bin/net-server and echo-load.
if command -v go >/dev/null; then
  say "go peers: building bench/peers/go/bin/go-peer, bench/peers/go-net/bin/{net-server,echo-load}"
  (cd "$HERE/go" && GOPROXY=off go build -trimpath -o bin/go-peer .)
  (cd "$HERE/go-net" && GOPROXY=off go build -trimpath -o bin/ ./...)
  say "go peers: built"
else
  say "go peers: skipped (no go)"
fi

# build_swift_peer DIR PRODUCT BINARY: a release build of the package in bench/peers/DIR,
# its executable PRODUCT copied to bench/peers/DIR/bin/BINARY.
build_swift_peer() {
  local dir="$HERE/$1"
  say "$1: building (swift build -c release)"
  swift build -c release --package-path "$dir" 2>&1 | tail -n 2 | sed 's/^/[peers]   /'
  mkdir -p "$dir/bin"
  cp -f "$(swift build -c release --package-path "$dir" --show-bin-path)/$2" "$dir/bin/$3"
  say "$1: built bench/peers/$1/bin/$3"
}

# Swift peers: async/await (no dependencies), and the SwiftNIO / Hummingbird servers of
# bench/net-compare (a first build takes several minutes).
if command -v swift >/dev/null; then
  build_swift_peer swift-async SwiftAsyncPeer swift-async-peer
  build_swift_peer swift-nio-peer NIOPeer nio-peer
else
  say "swift peers: skipped (no swift on PATH)"
fi
say "done; run e.g.: bench/compare greenlet hub, bench/compare distributed, or bench/net-compare"
