-- Unit tests of the chat, run by `complexchain contract test examples/contracts/chat`.

local alice, bob = chain.accounts[1], chain.accounts[2]

local function post(chat, from, text, step_limit)
  return chain:send{from = from, to = chat, method = "post", params = {_text = text}, step_limit = step_limit}
end

function test_posts_are_stored_with_author_height_and_time()
  local chat = chain:deploy{}
  local h = chain:next_block()
  local rc = post(chat, alice, "hello, chain")
  assert_ok(rc)
  assert_eq(find_event(rc, "Posted(Address,int,str)").indexed, {"Posted(Address,int,str)", alice, hex(1)})
  assert_eq(chain:call(chat, "count"), 1)
  assert_eq(chain:call(chat, "postsBy", {_author = alice}), 1)
  local page = chain:call(chat, "messages", {_offset = 0, _limit = 5})
  assert_eq(page, {{index = 1, author = alice, text = "hello, chain", height = h, timestamp = chain:time()}})
end

function test_messages_page_oldest_or_newest_first()
  local chat = chain:deploy{}
  for i = 1, 7 do
    assert_ok(post(chat, i % 2 == 1 and alice or bob, "message " .. i))
    chain:next_block()
  end
  assert_eq(chain:call(chat, "count"), 7)
  assert_eq(chain:call(chat, "postsBy", {_author = bob}), 3)
  local page = chain:call(chat, "messages", {_offset = 2, _limit = 3})
  assert_eq(#page, 3)
  assert_eq(page[1].text, "message 3")
  assert_eq(page[3].text, "message 5")
  local newest = chain:call(chat, "messages", {_offset = 0, _limit = 2, _newestFirst = true})
  assert_eq({newest[1].text, newest[2].text}, {"message 7", "message 6"})
  local last = chain:call(chat, "messages", {_offset = 6, _limit = 50})
  assert_eq(#last, 1)
  assert_eq(chain:call(chat, "messages", {_offset = 7, _limit = 50}), {})
end

function test_bad_posts_and_pages_are_refused()
  local chat = chain:deploy{}
  assert_revert(post(chat, alice, ""), 3)
  -- 100 kB of params cost 20M steps before the contract runs: above send's default step limit
  assert_revert(post(chat, alice, string.rep("x", 100000), 50000000), 3)
  local value, failure = chain:try_call(chat, "messages", {_offset = 0, _limit = 51})
  assert_eq(value, nil)
  assert_eq(failure.code, 32 + 5)
  -- post from an icx_call: there is no tx, so nothing is stored
  local _, refused = chain:try_call(chat, "post", {_text = "sneaky"})
  assert_true(refused, "post is not callable read-only")
  assert_eq(chain:call(chat, "count"), 0)
end

function test_posts_relayed_by_a_contract_are_refused()
  local chat = chain:deploy{}
  local relay = chain:deploy{files = {["main.lua"] = [[
external "relay(Address _chat, str _text)" (function(_chat, _text) call(_chat, "post", {_text = _text}) end)
]]}}
  local rc = chain:send{from = alice, to = relay, method = "relay", params = {_chat = chat, _text = "via a contract"}}
  assert_eq(rc.status, 0)
  assert_true(rc.error:find("not through a contract", 1, true), "the chat's own reason: " .. rc.error)
  assert_eq(chain:call(chat, "count"), 0)
end
