-- IRC2 token (ICON's IRC2 standard, as ICON's sample token): name, symbol, decimals, totalSupply,
-- balanceOf, transfer(_to, _value, _data) and the Transfer event. The deployer receives
-- _initialSupply * 10^_decimals. A transfer to a contract calls its tokenFallback(_from, _value, _data).

local name = VarDB("name", "str")
local symbol = VarDB("symbol", "str")
local decimals = VarDB("decimals", "int")
local total_supply = VarDB("total_supply", "int")
local balances = DictDB("balances", "int")

local Transfer = eventlog "Transfer(Address indexed _from, Address indexed _to, int indexed _value, bytes _data)"

on_install "(str _name, str _symbol, int _decimals, int _initialSupply)" (function(_name, _symbol, _decimals, _initialSupply)
  if #_name == 0 or #_symbol == 0 then revert("name and symbol must not be empty", 1) end
  if _decimals < 0 or _decimals > 21 then revert("decimals must be 0..21", 2) end
  if _initialSupply < 0 then revert("initial supply must not be negative", 3) end
  local supply = _initialSupply * int(10) ^ _decimals
  name:set(_name)
  symbol:set(_symbol)
  decimals:set(_decimals)
  total_supply:set(supply)
  balances[msg.sender] = supply
  Transfer("hx0000000000000000000000000000000000000000", msg.sender, supply, "mint")
end)

readonly "name() -> str" (function() return name:get() end)
readonly "symbol() -> str" (function() return symbol:get() end)
readonly "decimals() -> int" (function() return decimals:get() end)
readonly "totalSupply() -> int" (function() return total_supply:get() end)
readonly "balanceOf(Address _owner) -> int" (function(_owner) return balances[_owner] end)

external "transfer(Address _to, int _value, bytes _data = nil)" (function(_to, _value, _data)
  local from = msg.sender
  if _value < 0 then revert("transferring a negative value", 4) end
  local have = balances[from]
  if have < _value then revert("out of balance", 5) end
  balances[from] = have - _value
  balances[_to] = balances[_to] + _value
  Transfer(from, _to, _value, _data)
  if _to:sub(1, 2) == "cx" then
    call(_to, "tokenFallback", {_from = from, _value = _value, _data = tohex(_data or "")})
  end
end)
