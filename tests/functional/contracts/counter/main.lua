-- Counter, version 1: the contract the functional tests deploy with icon-sdk-js.
local util = require("lib.util")

local count = VarDB("count", "int")
local label = VarDB("label", "str")

event("Counted(Address,int)", { indexed = 1 })

function on_install(params)
  label:set(params.label or "counter")
  count:set(0)
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
