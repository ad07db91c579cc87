-- Counter, version 2: the same storage, one more method; on_update records that it ran.
local util = require("lib.util")

local count = VarDB("count", "int")
local label = VarDB("label", "str")
local updates = VarDB("updates", "int")
local Counted = eventlog "Counted(Address indexed who, int total)"

on_update(function()
  updates:set(1)
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

readonly "updates() -> int" (function()
  return updates:get()
end)
