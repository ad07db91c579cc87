-- Unit tests of the IRC2 token, run by `complexchain contract test examples/contracts/irc2`
-- (docs/acore.md "Testing a contract"). Each test_* function runs on a fresh chain.

local owner, alice, bob = chain.accounts[1], chain.accounts[2], chain.accounts[3]

local function deploy_token(supply)
  return chain:deploy{from = owner, params = {_name = "Test", _symbol = "TST", _decimals = 2, _initialSupply = supply}}
end

function test_install_mints_the_supply_to_the_deployer()
  local token, rc = deploy_token(1000)
  assert_eq(rc.scoreAddress, token)
  assert_eq(chain:call(token, "name"), "Test")
  assert_eq(chain:call(token, "decimals"), 2)
  assert_eq(chain:call(token, "totalSupply"), 100000)  -- 1000 * 10^2
  assert_eq(chain:call(token, "balanceOf", {_owner = owner}), 100000)
  local mint = find_event(rc, "Transfer(Address,Address,int,bytes)")
  assert_true(mint, "the mint's Transfer event")
  assert_eq(mint.indexed, {"Transfer(Address,Address,int,bytes)", "hx0000000000000000000000000000000000000000", owner, hex(100000)})
  assert_eq(mint.scoreAddress, token)
end

function test_transfer_moves_tokens_and_logs_transfer()
  local token = deploy_token(10)
  local rc = chain:send{from = owner, to = token, method = "transfer", params = {_to = alice, _value = 250}}
  assert_ok(rc)
  assert_true(rc.steps > 0, "steps were charged")
  assert_eq(chain:call(token, "balanceOf", {_owner = alice}), 250)
  assert_eq(chain:call(token, "balanceOf", {_owner = owner}), 750)
  local ev = find_event(rc, "Transfer(Address,Address,int,bytes)")
  assert_eq(ev.indexed[2], owner)
  assert_eq(ev.indexed[3], alice)
  assert_eq(ev.indexed[4], 250)
  assert_eq(#ev.data, 1, "the non-indexed _data")
end

function test_transfer_beyond_balance_reverts_and_changes_nothing()
  local token = deploy_token(1)
  assert_ok(chain:send{from = owner, to = token, method = "transfer", params = {_to = alice, _value = 40}})
  local rc = chain:send{from = alice, to = token, method = "transfer", params = {_to = bob, _value = 41}}
  assert_revert(rc, 5, "out of balance")
  assert_eq(#rc.logs, 0)
  assert_eq(chain:call(token, "balanceOf", {_owner = alice}), 40)
  assert_eq(chain:call(token, "balanceOf", {_owner = bob}), 0)
  assert_revert(chain:send{from = alice, to = token, method = "transfer", params = {_to = bob, _value = -1}}, 4)
end

function test_install_checks_its_params()
  local addr, rc = chain:try_deploy{params = {_name = "", _symbol = "X", _decimals = 0, _initialSupply = 1}}
  assert_eq(addr, nil)
  assert_revert(rc, 1, "must not be empty")
  addr, rc = chain:try_deploy{params = {_name = "X", _symbol = "X", _decimals = 22, _initialSupply = 1}}
  assert_revert(rc, 2)
end

function test_transfer_to_a_contract_without_fallback_fails()
  local token = deploy_token(1)
  local other = deploy_token(1)  -- a contract with no tokenFallback
  local rc = chain:send{from = owner, to = token, method = "transfer", params = {_to = other, _value = 1}}
  assert_eq(rc.status, 0)
  assert_eq(chain:call(token, "balanceOf", {_owner = owner}), 100)
end
