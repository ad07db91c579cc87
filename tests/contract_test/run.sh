#!/usr/bin/env bash
# `complexchain contract test` must fail when a Lua test fails, naming the file:line of each failure,
# end a runaway test, and pass on a passing test alone (--filter). Usage: run.sh COMPLEXCHAIN
set -u
bin=$1
dir=$(dirname "$0")/failing
fails=0
# The line of the "fails here: X" mark in the test file.
at() { grep -n "fails here: $1" "$dir/tests/failing_test.lua" | cut -d: -f1; }
check() {  # check WHAT CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}
out=$("$bin" contract test "$dir" 2>&1); rc=$?
echo "$out"
check "exit status 1 when tests fail" test "$rc" = 1
check "print writes each argument once" grep -q '^  | counter	0x2	true	nil$' <<<"$out"
check "the passing tests pass" grep -q '^ok .*test_a_passes' <<<"$out"
check "update, transfer, step limit" grep -q '^ok .*test_a_update_transfer_and_steps' <<<"$out"
check "wrong value at its line" grep -q "FAILED .*test_b_wrong_value: tests/failing_test.lua:$(at b): assert_eq: got \"0x2\", want 3" <<<"$out"
check "unexpected success at its line" grep -q "FAILED .*test_c_fresh_chain_each_test: tests/failing_test.lua:$(at c): assert_revert: the tx succeeded" <<<"$out"
check "runaway loop ended" grep -q "FAILED .*test_d_runaway_loop: tests/failing_test.lua:$(at d): the test ran more than" <<<"$out"
check "wrong revert code at its line" grep -q "FAILED .*test_e_wrong_revert_code: tests/failing_test.lua:$(at e): assert_revert: want revert code 4, got code 35" <<<"$out"
check "error() at its line" grep -q "FAILED .*test_f_error: tests/failing_test.lua:$(at f): plain error" <<<"$out"
check "a dot for a colon" grep -q "FAILED .*test_g_dot_for_colon: tests/failing_test.lua:$(at g): call the chain's methods with ':'" <<<"$out"
check "a file that does not load" grep -q "FAILED  tests/zz_syntax_test.lua: tests/zz_syntax_test.lua:3:" <<<"$out"
check "summary" grep -q '^2 passed, 7 failed$' <<<"$out"
loads=$(mktemp -d); cp -r "$dir/." "$loads/"; rm "$loads/tests/zz_syntax_test.lua"
"$bin" contract test "$loads" --filter test_a_ > /dev/null 2>&1; rc=$?
check "--filter runs the passing tests alone: status 0" test "$rc" = 0
rm -rf "$loads"
"$bin" contract test "$dir" --filter nothing_matches > /dev/null 2>&1; rc=$?
check "--filter matching nothing fails" test "$rc" = 1
json=$("$bin" contract test "$dir" --json 2>/dev/null)
check "--json" python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["passed"]==2 and o["failed"]==7, o' "$json"
empty=$(mktemp -d); cp "$dir/main.lua" "$empty/"
"$bin" contract test "$empty" > /dev/null 2>&1; rc=$?
check "a contract without tests fails" test "$rc" = 1
rm -rf "$empty"
echo "$fails check(s) failed"
exit $((fails > 0))
