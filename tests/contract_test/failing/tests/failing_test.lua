-- Tests of which all but the test_a_* ones must fail, each at its "fails here" line (tests/contract_test/run.sh).

function test_a_passes()
  local c = chain:deploy{}
  assert_ok(chain:send{to = c, method = "bump", params = {_by = 2}})
  assert_eq(chain:call(c, "counter"), 2)
  print("counter", chain:call(c, "counter"), true, nil)  -- to stderr, each argument once
end

-- Passes: an update keeps the address and the state; coin moves; a step limit too small fails the tx.
function test_a_update_transfer_and_steps()
  local c = chain:deploy{}
  assert_ok(chain:send{to = c, method = "bump", params = {_by = 5}})
  local v2 = 'local counter = VarDB("counter", "int")\n' ..
             'readonly "counter() -> int" (function() return counter:get() * 10 end)\n'
  local same, rc = chain:deploy{to = c, files = {["main.lua"] = v2}}
  assert_eq(same, c)
  assert_ok(rc)
  assert_eq(chain:call(c, "counter"), 50)
  local _, failure = chain:try_call(c, "bump", {_by = 1})
  assert_true(failure, "v2 has no bump")
  local to = chain.accounts[9]
  assert_ok(chain:transfer(to, icx(2), chain.accounts[8]))
  assert_eq(chain:balance(to), icx(1000002))
  local c2 = chain:deploy{}
  local steps = chain:send{to = c2, method = "bump", params = {_by = 1}}.steps
  rc = chain:send{to = c2, method = "bump", params = {_by = 1}, step_limit = steps - 1}
  assert_eq(rc.status, 0, "one step short")
  assert_eq(rc.steps, steps - 1)
  assert_eq(chain:call(c2, "counter"), 1)
end

function test_b_wrong_value()
  local c = chain:deploy{}
  assert_ok(chain:send{to = c, method = "bump", params = {_by = 2}})
  assert_eq(chain:call(c, "counter"), 3)  -- fails here: b
end

function test_c_fresh_chain_each_test()
  local c = chain:deploy{}
  assert_eq(chain:call(c, "counter"), 0)
  assert_revert(chain:send{to = c, method = "bump", params = {_by = 1}}, 3)  -- fails here: c (it succeeds)
end

function test_d_runaway_loop()
  while true do end  -- fails here: d
end

function test_e_wrong_revert_code()
  local c = chain:deploy{}
  assert_revert(chain:send{to = c, method = "bump", params = {_by = 0}}, 4)  -- fails here: e
end

function test_f_error()
  error("plain error")  -- fails here: f
end

function test_g_dot_for_colon()
  chain.deploy{}  -- fails here: g
end
