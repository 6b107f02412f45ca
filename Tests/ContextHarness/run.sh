#!/usr/bin/env bash
# Builds Tests/ContextHarness/context_harness.c against CWeaveContext's C sources and
# assembly ports and runs it in every configuration this machine can run:
#   native -O2 and -O0 (with cc) and -O2 with clang if present; arm64 -O2 and -O0 (with
#   aarch64-linux-gnu-gcc, static, under qemu-aarch64) and -O2 with clang
#   --target=aarch64-linux-gnu when the cross tools are installed
#   (scripts/install-cross-tools.sh installs them); otherwise arm64 is reported skipped.
# Prints one line per configuration, then "N passed, N failed". Exits non-zero when any
# configuration failed (a build failure counts as a failure). Writes only to a temp dir.
# Options: -v prints every configuration's full output (otherwise only failing ones).
# WEAVE_CONTEXT_SOURCES=dir builds against a copy of Sources/CWeaveContext instead.
set -u

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sources="${WEAVE_CONTEXT_SOURCES:-$root/Sources/CWeaveContext}"  # override to try a patched copy
verbose=0
[ "${1:-}" = "-v" ] && verbose=1

work="$(mktemp -d "${TMPDIR:-/tmp}/weave-context-harness.XXXXXX")"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
skipped=0

# run_configuration NAME COMPILER RUNNER FLAGS...
# RUNNER is a command prefix (may be empty) used to execute the binary.
run_configuration() {
    local name="$1" compiler="$2" runner="$3"
    shift 3
    local binary="$work/harness-$name" log="$work/$name.log"
    local c_sources=("$sources"/*.c) asm_sources=("$sources"/*.S)
    if ! "$compiler" "$@" -std=gnu11 -g -Wall -Wextra -Werror=implicit-function-declaration \
            -I"$sources/include" -I"$sources" \
            "$here/context_harness.c" "${c_sources[@]}" "${asm_sources[@]}" \
            -o "$binary" -lpthread -lm >"$log" 2>&1; then
        printf '%-24s FAILED (build)\n' "$name"
        sed 's/^/    /' "$log"
        failed=$((failed + 1))
        return
    fi
    local status=0
    # shellcheck disable=SC2086 # the runner is a word list on purpose
    timeout 300 $runner "$binary" >"$log" 2>&1 || status=$?
    local summary
    summary="$(grep -E '^context harness: .*passed, .*failed' "$log" | tail -n 1)"
    if [ "$status" -eq 0 ] && [ -n "$summary" ]; then
        printf '%-24s passed  (%s)\n' "$name" "${summary#context harness: }"
        passed=$((passed + 1))
        [ "$verbose" -eq 1 ] && sed 's/^/    /' "$log"
    else
        if [ "$status" -ge 128 ]; then
            printf '%-24s FAILED  (killed by signal %d)\n' "$name" "$((status - 128))"
        elif [ "$status" -eq 124 ]; then
            printf '%-24s FAILED  (timed out)\n' "$name"
        else
            printf '%-24s FAILED  (%s)\n' "$name" "${summary:-exit status $status, no summary}"
        fi
        sed 's/^/    /' "$log"
        failed=$((failed + 1))
    fi
}

skip_configuration() {
    printf '%-24s skipped (%s)\n' "$1" "$2"
    skipped=$((skipped + 1))
}

native_arch="$(uname -m)"
clang="$(command -v clang || true)"
native_cc="${CC:-cc}"
case "$native_arch" in
    x86_64 | aarch64 | arm64)
        run_configuration "$native_arch-O2" "$native_cc" "" -O2
        run_configuration "$native_arch-O0" "$native_cc" "" -O0
        # SwiftPM compiles the C target with clang: check its code generation too.
        if [ -n "$clang" ]; then
            run_configuration "$native_arch-clang-O2" "$clang" "" -O2
        fi
        ;;
    *)
        skip_configuration "$native_arch" "no Weave port for this architecture"
        ;;
esac

if [ "$native_arch" != "aarch64" ] && [ "$native_arch" != "arm64" ]; then
    cross_cc="$(command -v aarch64-linux-gnu-gcc || true)"
    qemu="$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)"
    if [ -n "$cross_cc" ] && [ -n "$qemu" ]; then
        run_configuration "arm64-O2 (qemu)" "$cross_cc" "$qemu" -static -O2
        run_configuration "arm64-O0 (qemu)" "$cross_cc" "$qemu" -static -O0
        if [ -n "$clang" ]; then
            run_configuration "arm64-clang-O2 (qemu)" "$clang" "$qemu" --target=aarch64-linux-gnu -static -O2
        fi
    else
        missing=""
        [ -z "$cross_cc" ] && missing="aarch64-linux-gnu-gcc"
        [ -z "$qemu" ] && missing="${missing:+$missing and }qemu-aarch64"
        skip_configuration "arm64 (qemu)" "$missing not installed; see scripts/install-cross-tools.sh"
    fi
fi

[ "$skipped" -gt 0 ] && printf '%d skipped\n' "$skipped"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
