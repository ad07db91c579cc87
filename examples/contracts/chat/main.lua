-- Chat on chain (the loop deck's demo): a message is stored only from a signed tx, by the account that
-- signed it (not relayed by another contract), and read back with icx_call, a page at a time.
--
-- Deploy (no params):
--   complexchain contract deploy examples/contracts/chat --keystore me.json --wait
-- Post:
--   complexchain contract send cx… post --params '{"_text":"hello, chain"}' --keystore me.json --wait
-- Read (the newest first when _newestFirst is 0x1; at most 50 a page):
--   complexchain contract call cx… count
--   complexchain contract call cx… messages --params '{"_offset":"0x0","_limit":"0xa"}'

local kTextBytesMax = 280
local kPageMax = 50

local authors = ArrayDB("authors", "Address")
local texts = ArrayDB("texts", "str")
local heights = ArrayDB("heights", "int")
local times = ArrayDB("times", "int")
local posts_by = DictDB("posts_by", "int")

local Posted = eventlog "Posted(Address indexed _author, int indexed _index, str _text)"

external "post(str _text)" (function(_text)
  if tx.hash == nil then revert("messages come from signed transactions only", 1) end
  if msg.sender ~= tx.origin then revert("post from your own account, not through a contract", 2) end
  if #_text == 0 or #_text > kTextBytesMax then revert("a message has 1.." .. kTextBytesMax .. " bytes", 3) end
  authors:put(msg.sender)
  texts:put(_text)
  heights:put(block.height)
  times:put(block.timestamp)
  posts_by[msg.sender] = posts_by[msg.sender] + 1
  Posted(msg.sender, #texts, _text)
end)

readonly "count() -> int" (function() return #texts end)

readonly "postsBy(Address _author) -> int" (function(_author) return posts_by[_author] end)

readonly "messages(int _offset = 0, int _limit = 20, bool _newestFirst = false) -> []{int index, Address author, str text, int height, int timestamp}"
(function(_offset, _limit, _newestFirst)
  if _offset < 0 then revert("the offset must not be negative", 4) end
  if _limit < 1 or _limit > kPageMax then revert("a page has 1.." .. kPageMax .. " messages", 5) end
  local n, page = #texts, {}
  local offset, limit = _offset:tointeger(), _limit:tointeger()
  for k = offset + 1, math.min(n, offset + limit) do
    local i = _newestFirst and (n - k + 1) or k
    page[#page + 1] = {index = i, author = authors[i], text = texts[i], height = heights[i], timestamp = times[i]}
  end
  return page
end)
