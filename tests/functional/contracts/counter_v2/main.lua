-- Counter, version 2: same storage, one more method; on_update records the update.
local util = require("lib.util")

local count = VarDB("count", "int")
local label = VarDB("label", "str")
local updates = VarDB("updates", "int")

event("Counted(Address,int)", { indexed = 1 })

function on_update(params)
  updates:set(updates:get() + 1)
end

external("increment", { inputs = { { name = "by", type = "int" } } }, function(params)
  local n = count:get() + util.clamp_step(params.by)
  count:set(n)
  emit("Counted(Address,int)", msg.sender, n)
end)

readonly("get", { outputs = { { type = "int" } } }, function()
  return count:get()
end)

readonly("label", { outputs = { { type = "str" } } }, function()
  return label:get()
end)

readonly("updates", { outputs = { { type = "int" } } }, function()
  return updates:get()
end)
