#!/usr/bin/env bash
# ThreadSanitizer run of the threaded tests (`make test-tsan`, part of `make test`): p2p_test (the
# network tests) and channel_test (channel and cluster tests), built by `make tsan-build`.
# Fails on any race report (TSan exit code 66) and on any failing test.
# Usage: tests/tsan/run.sh <tsan build dir>
set -uo pipefail
BUILD=${1:-build-tsan}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOGS="$BUILD/tsan-logs"
mkdir -p "$LOGS"
# suppressions.txt says what is suppressed and why (only races inside the uninstrumented RocksDB).
export TSAN_OPTIONS="suppressions=$ROOT/tests/tsan/suppressions.txt exitcode=66 second_deadlock_stack=1"

failed=0
# run <binary> <gtest filter> <strict|races-only>
run() {
  local bin=$1 filter=$2 mode=$3
  local log="$LOGS/$bin.${filter//[^A-Za-z0-9]/_}.log"
  local start=$SECONDS
  "$BUILD/$bin" --gtest_filter="$filter" >"$log" 2>&1
  local rc=$?
  if grep -q "ThreadSanitizer: unexpected memory mapping" "$log"; then
    # clang 14's TSan cannot map its shadow memory under kernels with more mmap randomisation
    # (vm.mmap_rnd_bits > 28); without address randomisation it can.
    setarch "$(uname -m)" -R "$BUILD/$bin" --gtest_filter="$filter" >"$log" 2>&1
    rc=$?
  fi
  local races
  races=$(grep -c "^WARNING: ThreadSanitizer" "$log")
  if [ "$rc" -eq 66 ] || [ "$races" -gt 0 ]; then
    echo "tsan: $bin ($filter): $races race report(s), log $log:"
    sed -n '/^WARNING: ThreadSanitizer/,/^SUMMARY: ThreadSanitizer/p' "$log"
    failed=1
  elif [ "$rc" -ne 0 ] && [ "$mode" = strict ]; then
    echo "tsan: $bin ($filter) failed (exit $rc), log $log:"
    grep -E "Failure|Expected|Which is|FAILED|Value of|Actual" "$log" | head -40
    failed=1
  elif [ "$rc" -ne 0 ]; then
    echo "tsan: $bin ($filter): no races; its assertions failed under TSan's slowdown (timing, see run.sh)"
  else
    echo "tsan: $bin ($filter): passed, no races ($((SECONDS - start)) s)"
  fi
}

run p2p_test '*' strict
run channel_test '*' strict
exit $failed
