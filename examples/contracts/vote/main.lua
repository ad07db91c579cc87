-- A vote: anyone opens a proposal with its options and the block height at which it closes; every
-- address votes once per proposal while it is open; the tally is public at any time and the winner is
-- known once it has closed (a tie goes to the option listed first).
--
-- Deploy (no params):
--   complexchain contract deploy examples/contracts/vote --keystore me.json --wait
-- Open a proposal (closes when the chain reaches height 0x3e8), then vote for option 2:
--   complexchain contract send cx… propose --keystore me.json --wait \
--     --params '{"_title":"Lunch","_options":["pizza","sushi","salad"],"_closesAt":"0x3e8"}'
--   complexchain contract send cx… vote --params '{"_proposal":"0x1","_option":"0x2"}' --keystore me.json --wait
-- Read:
--   complexchain contract call cx… proposal --params '{"_proposal":"0x1"}'
--   complexchain contract call cx… tally --params '{"_proposal":"0x1"}'
--   complexchain contract call cx… winner --params '{"_proposal":"0x1"}'

local kOptionsMax = 16
local kTitleBytesMax = 200

local titles = ArrayDB("titles", "str")        -- proposal ids are 1..#titles
local proposers = DictDB("proposer", "Address") -- [id]
local closes_at = DictDB("closes_at", "int")    -- [id] the first height at which no vote counts
local option_count = DictDB("option_count", "int")
local options = DictDB("options", "str", 2)     -- [id][i]
local votes = DictDB("votes", "int", 2)         -- [id][i]
local voted = DictDB("voted", "int", 2)         -- [id][voter] the option chosen, 0 if none

local Proposed = eventlog "Proposed(int indexed _proposal, Address indexed _proposer, str _title, int _closesAt)"
local Voted = eventlog "Voted(int indexed _proposal, Address indexed _voter, int _option)"

local function check_proposal(id)
  if id < 1 or id > #titles then revert("no proposal " .. tostring(id), 1) end
  return id:tointeger()
end

local function is_open(id) return block.height < closes_at[id] end

external "propose(str _title, []str _options, int _closesAt) -> int" (function(_title, _options, _closesAt)
  if #_title == 0 or #_title > kTitleBytesMax then revert("a title has 1.." .. kTitleBytesMax .. " bytes", 2) end
  if #_options < 2 or #_options > kOptionsMax then revert("a proposal has 2.." .. kOptionsMax .. " options", 3) end
  if _closesAt <= block.height then revert("the closing height must be above the current one", 4) end
  titles:put(_title)
  local id = #titles
  proposers[id] = msg.sender
  closes_at[id] = _closesAt
  option_count[id] = #_options
  for i, text in ipairs(_options) do options[id][i] = text end
  Proposed(id, msg.sender, _title, _closesAt)
  return id
end)

external "vote(int _proposal, int _option)" (function(_proposal, _option)
  local id = check_proposal(_proposal)
  if not is_open(id) then revert("the vote on proposal " .. id .. " has closed", 5) end
  if _option < 1 or _option > option_count[id] then revert("no option " .. tostring(_option), 6) end
  if not voted[id][msg.sender]:is_zero() then revert("this address has already voted", 7) end
  voted[id][msg.sender] = _option
  votes[id][_option] = votes[id][_option] + 1
  Voted(id, msg.sender, _option)
end)

readonly "count() -> int" (function() return #titles end)

readonly "proposal(int _proposal) -> {str title, Address proposer, []str options, int closesAt, bool open}"
(function(_proposal)
  local id = check_proposal(_proposal)
  local list = {}
  for i = 1, option_count[id]:tointeger() do list[i] = options[id][i] end
  return {title = titles[id], proposer = proposers[id], options = list, closesAt = closes_at[id], open = is_open(id)}
end)

readonly "tally(int _proposal) -> []int" (function(_proposal)
  local id = check_proposal(_proposal)
  local counts = {}
  for i = 1, option_count[id]:tointeger() do counts[i] = votes[id][i] end
  return counts
end)

readonly "votedFor(int _proposal, Address _voter) -> int" (function(_proposal, _voter)
  return voted[check_proposal(_proposal)][_voter]
end)

readonly "winner(int _proposal) -> int" (function(_proposal)
  local id = check_proposal(_proposal)
  if is_open(id) then revert("the vote is still open", 8) end
  local best, best_votes = 1, votes[id][1]
  for i = 2, option_count[id]:tointeger() do
    if votes[id][i] > best_votes then best, best_votes = i, votes[id][i] end
  end
  return best
end)
