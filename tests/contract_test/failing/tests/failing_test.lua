-- Tests of which all but test_a_passes must fail, each at a known line (tests/contract_test/run.sh).

function test_a_passes()
  local c = chain:deploy{}
  assert_ok(chain:send{to = c, method = "bump", params = {_by = 2}})
  assert_eq(chain:call(c, "counter"), 2)
end

function test_b_wrong_value()
  local c = chain:deploy{}
  assert_ok(chain:send{to = c, method = "bump", params = {_by = 2}})
  assert_eq(chain:call(c, "counter"), 3)  -- line 12
end

function test_c_fresh_chain_each_test()
  local c = chain:deploy{}
  assert_eq(chain:call(c, "counter"), 0)
  assert_revert(chain:send{to = c, method = "bump", params = {_by = 1}}, 3)  -- line 18: it succeeds
end

function test_d_runaway_loop()
  while true do end
end

function test_e_wrong_revert_code()
  local c = chain:deploy{}
  assert_revert(chain:send{to = c, method = "bump", params = {_by = 0}}, 4)  -- line 27
end

function test_f_error()
  error("plain error")  -- line 31
end
