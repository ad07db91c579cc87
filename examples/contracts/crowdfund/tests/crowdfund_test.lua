-- Unit tests of the crowd-funding, run by `complexchain contract test examples/contracts/crowdfund`.

local beneficiary, alice, bob = chain.accounts[10], chain.accounts[2], chain.accounts[3]
local kDay = 24 * 3600

-- A campaign with a goal of `goal` ICX that closes a day from now.
local function campaign(goal)
  local deadline = chain:time() + kDay * 1000000
  return chain:deploy{params = {_beneficiary = beneficiary, _goal = icx(goal), _deadline = deadline}}, deadline
end

local function contribute(fund, from, amount)
  return chain:send{from = from, to = fund, method = "contribute", value = icx(amount)}
end

function test_goal_met_the_beneficiary_claims_once()
  local fund, deadline = campaign(5)
  assert_eq(chain:balance(beneficiary), icx(1000000), "each account starts with 1,000,000 ICX")
  local rc = contribute(fund, alice, 3)
  assert_ok(rc)
  assert_eq(find_event(rc, "Contributed(Address,int)").data, {icx(3)})
  assert_ok(contribute(fund, bob, 2))
  assert_eq(chain:balance(fund), icx(5))
  assert_revert(chain:send{to = fund, method = "claim"}, 5, "still open")
  chain:set_time(deadline // 1000000)
  assert_revert(contribute(fund, alice, 1), 3, "closed")
  assert_revert(chain:send{from = alice, to = fund, method = "refund"}, 8)
  rc = chain:send{from = alice, to = fund, method = "claim"}  -- anyone may settle
  assert_ok(rc)
  assert_eq(find_event(rc, "Claimed(Address,int)").indexed, {"Claimed(Address,int)", beneficiary})
  assert_eq(chain:balance(fund), 0)
  assert_eq(chain:balance(beneficiary), icx(1000005))
  assert_revert(chain:send{to = fund, method = "claim"}, 7)
  assert_eq(chain:call(fund, "status").claimed, true)
end

function test_goal_missed_contributors_take_refunds()
  local fund, deadline = campaign(9)
  assert_ok(contribute(fund, alice, 3))
  assert_ok(contribute(fund, bob, 1))
  chain:set_time(deadline // 1000000 + 1)
  assert_revert(chain:send{to = fund, method = "claim"}, 6, "goal was missed")
  local rc = chain:send{from = alice, to = fund, method = "refund"}
  assert_ok(rc)
  assert_eq(find_event(rc, "Refunded(Address,int)").data, {icx(3)})
  assert_eq(chain:call(fund, "contributionOf", {_owner = alice}), 0)
  assert_eq(chain:balance(fund), icx(1))
  assert_revert(chain:send{from = alice, to = fund, method = "refund"}, 9, "nothing to refund")
  assert_ok(chain:send{from = bob, to = fund, method = "refund"})
  assert_eq(chain:balance(fund), 0)
end

function test_install_and_contribute_check_their_input()
  local _, rc = chain:try_deploy{params = {_beneficiary = beneficiary, _goal = 0, _deadline = chain:time() + 1}}
  assert_revert(rc, 1)
  _, rc = chain:try_deploy{params = {_beneficiary = beneficiary, _goal = 1, _deadline = chain:time()}}
  assert_revert(rc, 2)
  local fund = campaign(1)
  assert_revert(chain:send{from = alice, to = fund, method = "contribute"}, 4)
end
