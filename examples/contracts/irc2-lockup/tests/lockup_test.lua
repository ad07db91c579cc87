-- Unit tests of the lock-up vault (with the irc2 example as its token), run by
-- `complexchain contract test examples/contracts/irc2-lockup` (docs/acore.md "Testing a contract").

local owner, member, stranger = chain.accounts[1], chain.accounts[2], chain.accounts[3]
local kYear = 365 * 24 * 3600  -- seconds

-- A token of 0 decimals and a vault funded with 600 of it by the owner's plain token transfer.
local function setup()
  local token = chain:deploy{dir = "../irc2", from = owner,
                             params = {_name = "Lock", _symbol = "LCK", _decimals = 0, _initialSupply = 1000}}
  local vault = chain:deploy{from = owner, params = {_token = token}}
  local rc = chain:send{from = owner, to = token, method = "transfer", params = {_to = vault, _value = 600}}
  assert_ok(rc)
  assert_true(find_event(rc, "Funded(Address,int)"), "the vault's Funded event")
  return token, vault
end

function test_funding_through_token_fallback()
  local token, vault = setup()
  assert_eq(chain:call(vault, "unallocated"), 600)
  assert_eq(chain:call(vault, "token"), token)
  assert_eq(chain:call(token, "balanceOf", {_owner = vault}), 600)
end

function test_tranches_release_at_their_block_time_and_not_before()
  local token, vault = setup()
  local now = chain:time() // 1000000
  local t1, t2 = (now + kYear) * 1000000, (now + 2 * kYear) * 1000000
  assert_ok(chain:send{from = owner, to = vault, method = "lockUp", params = {_beneficiary = member, _value = 100, _releaseAt = t1}})
  assert_ok(chain:send{from = owner, to = vault, method = "lockUp", params = {_beneficiary = member, _value = 200, _releaseAt = t2}})
  assert_eq(chain:call(vault, "lockedOf", {_beneficiary = member}), 300)
  assert_revert(chain:send{to = vault, method = "release", params = {_beneficiary = member}}, 8, "nothing to release")

  chain:set_time(now + kYear - 1)
  assert_eq(chain:call(vault, "releasableOf", {_beneficiary = member}), 0)
  chain:set_time(now + kYear)  -- the first tranche is due, to the second
  assert_eq(chain:call(vault, "releasableOf", {_beneficiary = member}), 100)
  local rc = chain:send{from = stranger, to = vault, method = "release", params = {_beneficiary = member}}
  assert_ok(rc)  -- anyone may release a due tranche; it goes to its beneficiary
  assert_eq(#rc.logs, 2, "the token's Transfer, then Released")
  assert_eq(rc.logs[2].indexed, {"Released(Address,int)", member})
  assert_eq(rc.logs[2].data, {hex(100)})
  assert_eq(chain:call(token, "balanceOf", {_owner = member}), 100)
  assert_revert(chain:send{to = vault, method = "release", params = {_beneficiary = member}}, 8)

  chain:set_time(now + 3 * kYear)
  assert_ok(chain:send{to = vault, method = "release", params = {_beneficiary = member}})
  assert_eq(chain:call(token, "balanceOf", {_owner = member}), 300)
  assert_eq(chain:call(vault, "lockedOf", {_beneficiary = member}), 0)
end

function test_only_the_owner_locks_and_only_what_is_unallocated()
  local _, vault = setup()
  assert_revert(chain:send{from = member, to = vault, method = "lockUp",
                           params = {_beneficiary = member, _value = 1, _releaseAt = 0}}, 4)
  assert_revert(chain:send{from = owner, to = vault, method = "lockUp",
                           params = {_beneficiary = member, _value = 601, _releaseAt = 0}}, 6)
  assert_revert(chain:send{from = owner, to = vault, method = "lockUp",
                           params = {_beneficiary = member, _value = 0, _releaseAt = 0}}, 5)
end

function test_only_the_owner_funds_the_vault()
  local token, vault = setup()
  assert_ok(chain:send{from = owner, to = token, method = "transfer", params = {_to = member, _value = 10}})
  local rc = chain:send{from = member, to = token, method = "transfer", params = {_to = vault, _value = 10}}
  assert_eq(rc.status, 0, "the vault's fallback refuses a stranger's tokens")
  assert_eq(chain:call(token, "balanceOf", {_owner = member}), 10)
end
