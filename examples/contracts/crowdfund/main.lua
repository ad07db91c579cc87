-- Crowd-funding that refunds if the goal is missed.
--
-- Deploy (the goal in loop, 1 ICX = 10^18 loop; the deadline a block timestamp in microseconds):
--   complexchain contract deploy examples/contracts/crowdfund --keystore me.json --wait \
--     --params '{"_beneficiary":"hx…","_goal":"0x3635c9adc5dea00000","_deadline":"0x6123456789abc"}'
-- Contribute (payable; --value in ICX, or 0x hex loop), before the deadline:
--   complexchain contract send cx… contribute --value 25 --keystore me.json --wait
-- After the deadline anyone may settle: if the goal was reached, `claim` pays everything raised to the
-- beneficiary (once); if it was missed, each contributor takes their own ICX back with `refund`:
--   complexchain contract send cx… claim --keystore me.json --wait
--   complexchain contract send cx… refund --keystore me.json --wait
-- Read:
--   complexchain contract call cx… status
--   complexchain contract call cx… contributionOf --params '{"_owner":"hx…"}'

local beneficiary = VarDB("beneficiary", "Address")
local goal = VarDB("goal", "int")
local deadline = VarDB("deadline", "int")
local raised = VarDB("raised", "int")
local claimed = VarDB("claimed", "bool")
local contributions = DictDB("contributions", "int")

local Contributed = eventlog "Contributed(Address indexed _from, int _value)"
local Claimed = eventlog "Claimed(Address indexed _to, int _value)"
local Refunded = eventlog "Refunded(Address indexed _to, int _value)"

local function closed() return block.timestamp >= deadline:get() end

on_install "(Address _beneficiary, int _goal, int _deadline)" (function(_beneficiary, _goal, _deadline)
  if _goal <= 0 then revert("the goal must be positive", 1) end
  if _deadline <= block.timestamp then revert("the deadline must be in the future", 2) end
  beneficiary:set(_beneficiary)
  goal:set(_goal)
  deadline:set(_deadline)
end)

payable "contribute()" (function()
  if closed() then revert("the campaign is closed", 3) end
  local value = msg.value
  if value:is_zero() then revert("send some ICX to contribute", 4) end
  contributions[msg.sender] = contributions[msg.sender] + value
  raised:set(raised:get() + value)
  Contributed(msg.sender, value)
end)

external "claim()" (function()
  if not closed() then revert("the campaign is still open", 5) end
  if raised:get() < goal:get() then revert("the goal was missed: contributors take refunds", 6) end
  if claimed:get() then revert("already claimed", 7) end
  claimed:set(true)
  local to, value = beneficiary:get(), raised:get()
  transfer(to, value)
  Claimed(to, value)
end)

external "refund()" (function()
  if not closed() then revert("the campaign is still open", 5) end
  if raised:get() >= goal:get() then revert("the goal was reached: no refunds", 8) end
  local value = contributions[msg.sender]
  if value:is_zero() then revert("nothing to refund", 9) end
  contributions[msg.sender] = 0
  transfer(msg.sender, value)
  Refunded(msg.sender, value)
end)

readonly "contributionOf(Address _owner) -> int" (function(_owner) return contributions[_owner] end)

readonly "status() -> {Address beneficiary, int goal, int raised, int deadline, bool closed, bool succeeded, bool claimed}"
(function()
  return {beneficiary = beneficiary:get(), goal = goal:get(), raised = raised:get(), deadline = deadline:get(),
          closed = closed(), succeeded = closed() and raised:get() >= goal:get(), claimed = claimed:get()}
end)
