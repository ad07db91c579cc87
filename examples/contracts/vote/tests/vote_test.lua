-- Unit tests of the vote, run by `complexchain contract test examples/contracts/vote`.

local alice, bob, carol, dave = chain.accounts[1], chain.accounts[2], chain.accounts[3], chain.accounts[4]

local function open_proposal(v, closes_in)
  local rc = chain:send{from = alice, to = v, method = "propose",
                        params = {_title = "Lunch", _options = {"pizza", "sushi", "salad"}, _closesAt = chain:height() + closes_in}}
  assert_ok(rc)
  return rc
end

local function vote(v, from, option)
  return chain:send{from = from, to = v, method = "vote", params = {_proposal = 1, _option = option}}
end

function test_one_vote_per_address()
  local v = chain:deploy{}
  local rc = open_proposal(v, 10)
  assert_eq(find_event(rc, "Proposed(int,Address,str,int)").indexed[3], alice)
  assert_ok(vote(v, bob, 2))
  assert_revert(vote(v, bob, 2), 7, "already voted")
  assert_revert(vote(v, bob, 1), 7)
  assert_eq(chain:call(v, "votedFor", {_proposal = 1, _voter = bob}), 2)
  assert_eq(chain:call(v, "tally", {_proposal = 1}), {0, 1, 0})
end

function test_closes_at_its_height_and_names_the_winner()
  local v = chain:deploy{}
  open_proposal(v, 3)
  assert_ok(vote(v, alice, 3))
  assert_ok(vote(v, bob, 2))
  assert_ok(vote(v, carol, 2))
  local _, failure = chain:try_call(v, "winner", {_proposal = 1})
  assert_eq(failure.code, 32 + 8)
  chain:next_block(3)
  assert_eq(chain:call(v, "proposal", {_proposal = 1}).open, false)
  assert_revert(vote(v, dave, 1), 5, "has closed")
  assert_eq(chain:call(v, "tally", {_proposal = 1}), {0, 2, 1})
  assert_eq(chain:call(v, "winner", {_proposal = 1}), 2)
end

function test_bad_proposals_and_options_are_refused()
  local v = chain:deploy{}
  assert_revert(chain:send{to = v, method = "propose", params = {_title = "X", _options = {"only"}, _closesAt = 100}}, 3)
  assert_revert(chain:send{to = v, method = "propose", params = {_title = "X", _options = {"a", "b"}, _closesAt = chain:height()}}, 4)
  assert_revert(vote(v, bob, 1), 1, "no proposal")
  open_proposal(v, 5)
  assert_revert(vote(v, bob, 4), 6)
  assert_revert(vote(v, bob, 0), 6)
end
