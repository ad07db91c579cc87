-- A contract whose tests (tests/failing_test.lua) must make `complexchain contract test` fail:
-- tests/contract_test/run.sh checks that the runner reports each failure with its file:line.
local counter = VarDB("counter", "int")

external "bump(int _by)" (function(_by)
  if _by <= 0 then revert("bump by a positive number", 3) end
  counter:set(counter:get() + _by)
end)

readonly "counter() -> int" (function() return counter:get() end)
