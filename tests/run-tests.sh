#!/bin/bash
# run-tests.sh - runs the unit tests (cmocka binaries in UNIT_BINS) and every
# tests/integration/*.sh, counts, and prints "N passed, N failed" last.
# Integration scripts print "ok - NAME" or "not ok - NAME: why" per test.
# Env: PHONEBOOT (binary under test), UNIT_BINS, TESTS (a subset of
# integration script names, e.g. TESTS="tftp_clients").
set -u
cd "$(dirname "$0")/.."
export PHONEBOOT=${PHONEBOOT:-$PWD/build/asan/phoneboot}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
passed=0 failed=0
failures=""
out=$(mktemp -d /tmp/phoneboot-tests.XXXXXX)
trap 'rm -rf "$out"' EXIT

for bin in ${UNIT_BINS:-}; do
    name=$(basename "$bin")
    CMOCKA_MESSAGE_OUTPUT=stdout "$bin" >"$out/$name.log" 2>&1
    rc=$?
    # a binary may run several groups (test_loop: epoll, then io_uring): sum them
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out/$name.log" | awk '{ n += $1 } END { print n + 0 }')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out/$name.log" | awk '{ n += $1 } END { print n + 0 }')
    p=${p:-0} f=${f:-0}
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi # a crash, a sanitizer report
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" != 0 ]; then
        failures="$failures $name"
        echo "--- $name: $f failed"; grep -E 'FAILED|ERROR|error|runtime error|Sanitizer' "$out/$name.log" | head -20
    else
        echo "unit $name: $p passed"
    fi
done

for t in tests/integration/*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    case $name in lib) continue ;; esac
    if [ -n "${TESTS:-}" ] && ! grep -qw "$name" <<<"$TESTS"; then continue; fi
    start=$(date +%s)
    timeout -k 10 900 bash "$t" >"$out/$name.log" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$out/$name.log")
    f=$(grep -c '^not ok ' "$out/$name.log")
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1; echo "not ok - $name: script exited $rc" >>"$out/$name.log"
    fi
    passed=$((passed + p)) failed=$((failed + f))
    echo "integration $name: $p passed, $f failed ($(( $(date +%s) - start )) s)"
    if [ "$f" != 0 ]; then
        failures="$failures $name"
        grep '^not ok ' "$out/$name.log" | head -20
        echo "--- last lines of $name:"; tail -30 "$out/$name.log"
    fi
done
[ -z "$failures" ] || echo "failed in:$failures"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
