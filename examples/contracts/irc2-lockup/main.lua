-- Lock-ups for an IRC2 token that release at a block time, as in an allocation plan (team, advisors
-- and reserve tranches unlocked one after another). The vault holds tokens of one IRC2 contract (the
-- irc2 example, or any token with ICON's transfer and tokenFallback). Its owner funds it with a plain
-- token transfer, then locks tranches up for beneficiaries; once the block time passes a tranche's
-- release time, anyone may release it and the tokens go to its beneficiary.
--
-- Deploy, naming the token (and fund it from the owner's account with the token's own transfer):
--   complexchain contract deploy examples/contracts/irc2-lockup --params '{"_token":"cx…"}' --keystore me.json --wait
--   complexchain contract send cx<token> transfer --params '{"_to":"cx<vault>","_value":"0x5af3107a4000"}' --keystore me.json --wait
-- Lock 1,000,000 tokens of 8 decimals for hx… until 2027-01-01 00:00 UTC (a block timestamp in µs):
--   complexchain contract send cx<vault> lockUp --keystore me.json --wait \
--     --params '{"_beneficiary":"hx…","_value":"0x5af3107a4000","_releaseAt":"0x645f0d8a7c000"}'
-- Release what is due, and read:
--   complexchain contract send cx<vault> release --params '{"_beneficiary":"hx…"}' --keystore me.json --wait
--   complexchain contract call cx<vault> grantsOf --params '{"_beneficiary":"hx…"}'
--   complexchain contract call cx<vault> lockedOf --params '{"_beneficiary":"hx…"}'

local kGrantsMax = 64  -- per beneficiary: release walks them all

local owner = VarDB("owner", "Address")
local token = VarDB("token", "Address")
local unallocated = VarDB("unallocated", "int")  -- received, not yet locked up for anyone
local grant_count = DictDB("grant_count", "int")
local grant_value = DictDB("grant_value", "int", 2)      -- [beneficiary][i]
local grant_release = DictDB("grant_release", "int", 2)  -- [beneficiary][i] block timestamp, µs
local grant_done = DictDB("grant_done", "bool", 2)       -- [beneficiary][i]

local Funded = eventlog "Funded(Address indexed _from, int _value)"
local Locked = eventlog "Locked(Address indexed _beneficiary, int _value, int _releaseAt)"
local Released = eventlog "Released(Address indexed _beneficiary, int _value)"

on_install "(Address _token)" (function(_token)
  if _token:sub(1, 2) ~= "cx" then revert("the token must be a contract", 1) end
  owner:set(msg.sender)
  token:set(_token)
end)

-- The token calls this on every transfer to the vault: only the owner's transfers of its token count.
external "tokenFallback(Address _from, int _value, bytes _data)" (function(_from, _value, _data)
  if msg.sender ~= token:get() then revert("this vault holds only " .. token:get(), 2) end
  if _from ~= owner:get() then revert("only the owner funds the vault", 3) end
  unallocated:set(unallocated:get() + _value)
  Funded(_from, _value)
end)

external "lockUp(Address _beneficiary, int _value, int _releaseAt)" (function(_beneficiary, _value, _releaseAt)
  if msg.sender ~= owner:get() then revert("only the owner locks tokens up", 4) end
  if _value <= 0 then revert("the value must be positive", 5) end
  if _value > unallocated:get() then revert("the vault holds only " .. unallocated:get() .. " unallocated", 6) end
  local n = grant_count[_beneficiary] + 1
  if n > kGrantsMax then revert("at most " .. kGrantsMax .. " lock-ups per beneficiary", 7) end
  unallocated:set(unallocated:get() - _value)
  grant_count[_beneficiary] = n
  grant_value[_beneficiary][n] = _value
  grant_release[_beneficiary][n] = _releaseAt
  Locked(_beneficiary, _value, _releaseAt)
end)

-- The due and not yet released tranches of `who`, as a list of indexes, and their sum.
local function due(who)
  local list, sum = {}, int(0)
  for i = 1, grant_count[who]:tointeger() do
    if not grant_done[who][i] and block.timestamp >= grant_release[who][i] then
      list[#list + 1] = i
      sum = sum + grant_value[who][i]
    end
  end
  return list, sum
end

external "release(Address _beneficiary) -> int" (function(_beneficiary)
  local list, sum = due(_beneficiary)
  if #list == 0 then revert("nothing to release yet", 8) end
  for _, i in ipairs(list) do grant_done[_beneficiary][i] = true end  -- before the call out
  call(token:get(), "transfer", {_to = _beneficiary, _value = sum})
  Released(_beneficiary, sum)
  return sum
end)

readonly "releasableOf(Address _beneficiary) -> int" (function(_beneficiary)
  local _, sum = due(_beneficiary)
  return sum
end)

readonly "lockedOf(Address _beneficiary) -> int" (function(_beneficiary)
  local sum = int(0)
  for i = 1, grant_count[_beneficiary]:tointeger() do
    if not grant_done[_beneficiary][i] then sum = sum + grant_value[_beneficiary][i] end
  end
  return sum
end)

readonly "grantsOf(Address _beneficiary) -> []{int value, int releaseAt, bool released}" (function(_beneficiary)
  local out = {}
  for i = 1, grant_count[_beneficiary]:tointeger() do
    out[i] = {value = grant_value[_beneficiary][i], releaseAt = grant_release[_beneficiary][i],
              released = grant_done[_beneficiary][i]}
  end
  return out
end)

readonly "unallocated() -> int" (function() return unallocated:get() end)
readonly "token() -> Address" (function() return token:get() end)
readonly "owner() -> Address" (function() return owner:get() end)
