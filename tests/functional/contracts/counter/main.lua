-- Counter, version 1: the contract the functional tests deploy with icon-sdk-js.
local util = require("lib.util")

local count = VarDB("count", "int")
local label = VarDB("label", "str")
local Counted = eventlog "Counted(Address indexed who, int total)"

on_install "on_install(str label)" (function(l)
  label:set(l)
  count:set(0)
end)

external "increment(int by)" (function(by)
  local n = util.plus(count:get(), by)
  count:set(n)
  Counted(msg.sender, n)
end)

readonly "get() -> int" (function()
  return count:get()
end)

readonly "label() -> str" (function()
  return label:get()
end)
