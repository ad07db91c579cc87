#!/usr/bin/env bash
# Runs every fuzz target for a fixed number of inputs from its seed corpus. A crash fails the run and
# leaves the reproducer (crash-*) in the build directory.
set -euo pipefail
build=$(cd "${1:-build-fuzz}" && pwd)/tests/fuzz
runs=${2:-20000}
here=$(cd "$(dirname "$0")" && pwd)
failed=0
passed=0
# Also listed in tests/fuzz/CMakeLists.txt and the Makefile (FUZZ_TARGETS).
targets="fuzz_tx_json fuzz_block_decode fuzz_p2p_messages fuzz_vote_records fuzz_rpc_dispatcher fuzz_ws_monitor
         fuzz_genesis fuzz_config fuzz_deploy_package fuzz_lua_contract"
for target in $targets; do
  corpus="$here/corpus/${target#fuzz_}"
  work=$(mktemp -d)
  cp -r "$corpus/." "$work/" 2>/dev/null || true
  echo "fuzz: $target, $runs runs"
  dict=()
  [ -f "$here/${target#fuzz_}.dict" ] && dict=(-dict="$here/${target#fuzz_}.dict")
  if (cd "$build" && "./$target" -runs="$runs" -seed=1 -max_len=65536 -rss_limit_mb=2048 "${dict[@]}" "$work" > "$target.log" 2>&1); then
    passed=$((passed + 1))
    tail -n 1 "$build/$target.log"
  else
    failed=$((failed + 1))
    echo "fuzz: $target FAILED; see $build/$target.log"
    tail -n 40 "$build/$target.log"
  fi
  rm -rf "$work"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
