// The Alpha system contract end to end through apply_block: ICON call txs register a template,
// propose, sign, fund, hand over and exercise a decision right; begin-block fires the deadlines on
// the header's timestamp, at most alpha::kTimersPerBlockMax per block; icx_call reads an instance
// at a past height; refused calls change nothing but the sender's fee.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "alpha/canonical.hpp"
#include "alpha/prose.hpp"
#include "alpha/simulate.hpp"
#include "alpha/system_contract.hpp"
#include "execution/test_probe.hpp"

namespace cx::execution::testing {
namespace {

using core::testing::icx;

constexpr int64_t kT0 = 1'767'225'600;

class SnapshotReader final : public state::StateReader {
 public:
  explicit SnapshotReader(std::map<Bytes, Bytes> v) : m_v(std::move(v)) {}
  std::optional<Bytes> get(BytesView key) const override {
    auto it = m_v.find(Bytes(key.begin(), key.end()));
    return it == m_v.end() ? std::nullopt : std::optional<Bytes>(it->second);
  }

 private:
  std::map<Bytes, Bytes> m_v;
};

// A chain in memory: each block is apply_block over the state so far; the state after every
// height is kept for reads at a past height.
struct AlphaChain {
  core::ChainParams params;
  std::vector<std::map<Bytes, Bytes>> states;  // index = height

  AlphaChain() {
    params.treasury = user(0xfe);
    for (uint8_t u = 1; u <= 40; ++u) params.accounts.push_back({user(u), icx(1000)});
    std::map<Bytes, Bytes> genesis;
    for (const auto& [k, v] : genesis_changes(params))
      if (v) genesis[k] = *v;
    states.push_back(std::move(genesis));
  }

  BlockOutput block(int64_t time_s, const std::vector<TxFields>& fields) {
    std::vector<core::TxPtr> txs;
    for (const auto& f : fields) txs.push_back(std::make_shared<const core::Transaction>(make_tx(f)));
    SnapshotReader base(states.back());
    BlockContext ctx{&params, states.size(), time_s * 1'000'000, nullptr};
    BlockOutput out = apply_block(base, ctx, txs);
    std::map<Bytes, Bytes> next = states.back();
    for (const auto& [k, v] : out.changes) {
      if (v) next[k] = *v;
      else next.erase(k);
    }
    states.push_back(std::move(next));
    return out;
  }

  CallResult query(std::string_view method, json::value p, std::optional<size_t> height = std::nullopt) {
    return query_at(alpha::alpha_contract_address(), method, std::move(p), height);
  }
  CallResult query_at(const Address& contract, std::string_view method, json::value p,
                      std::optional<size_t> height = std::nullopt) {
    SnapshotReader view(states.at(height.value_or(states.size() - 1)));
    BlockContext ctx{&params, states.size(), 0, nullptr};
    contracts::CallRequest req{user(1), contract, Uint256(), std::string(method), std::move(p)};
    return execution::query(view, ctx, req);
  }
  json::object instance(uint64_t id, std::optional<size_t> height = std::nullopt) {
    CallResult r = query("getInstance", json::object{{"id", Uint256(id).to_icon_hex()}}, height);
    EXPECT_TRUE(r.ok) << r.message;
    return r.ok ? r.output.as_object() : json::object();
  }
  Uint256 balance(const Address& a) const {
    SnapshotReader view(states.back());
    return read_account(view, a).balance;
  }
};

TxFields alpha_call(uint8_t from, std::string_view method, json::object p, Uint256 value = 0) {
  TxFields f;
  f.from = user(from);
  f.to = alpha::alpha_contract_address();
  f.value = value;
  f.step_limit = 2'000'000'000;
  f.data = call_data(method, std::move(p));
  return f;
}

std::string read_example(const std::string& name) {
  std::ifstream f(std::string(CX_SOURCE_DIR) + "/examples/alpha/" + name + ".json", std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string read_prose(const std::string& name) {
  std::ifstream f(std::string(CX_SOURCE_DIR) + "/examples/alpha/prose/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string auction_hash(const std::string& text) {
  return "0x" + alpha::template_hash(std::get<alpha::Template>(alpha::parse_template_json(text))).hex();
}

json::object auction_proposal(const std::string& hash, int64_t bids_close, std::optional<int64_t> sign_by = std::nullopt) {
  json::object params{{"reserve", icx(100).to_dec()}, {"bids_close", bids_close}, {"award_within", "P2D"}};
  json::object parties{{"owner", user(1).to_string()},
                       {"referee", user(5).to_string()},
                       {"bidder", json::array{user(2).to_string(), user(3).to_string(), user(4).to_string()}}};
  json::object p{{"template", hash}, {"params", json::serialize(params)}, {"parties", json::serialize(parties)}};
  if (sign_by) p["signBy"] = Uint256(static_cast<uint64_t>(*sign_by)).to_icon_hex();
  return p;
}

TEST(AlphaSystemContract, AuctionEndToEndThroughBlocks) {
  AlphaChain c;
  const std::string text = read_example("auction");
  const std::string hash = auction_hash(text);
  std::string bad = text;
  const std::string timeout = "\"on_timeout\": { \"refund\": \"all\", \"goto\": \"not_awarded\" }";
  bad.replace(bad.find(timeout), timeout.size(), "\"next\": \"sale\"");  // a deadline without its default
  auto b1 = c.block(kT0, {alpha_call(1, "registerTemplate", {{"template", text}}),
                          alpha_call(1, "registerTemplate", {{"template", bad}}),
                          alpha_call(1, "propose", auction_proposal(hash, kT0 + 5 * 86'400))});
  ASSERT_TRUE(b1.receipts[0].success) << b1.receipts[0].failure->message;
  ASSERT_FALSE(b1.receipts[1].success);
  EXPECT_NE(b1.receipts[1].failure->message.find("[default_outcome]"), std::string::npos) << b1.receipts[1].failure->message;
  ASSERT_TRUE(b1.receipts[2].success) << b1.receipts[2].failure->message;
  json::object inst = c.instance(1);
  EXPECT_EQ(inst["status"], "proposed");

  // Signing: a wrong hash is refused, the owner's signature starts the auction.
  auto b2 = c.block(kT0 + 60, {alpha_call(1, "sign", {{"id", "0x1"}, {"hash", "0x" + std::string(64, '0')}}),
                               alpha_call(1, "sign", {{"id", "0x1"}, {"hash", "0x" + std::string(inst["hash"].as_string())}}),
                               alpha_call(2, "fund", {{"id", "0x1"}}, icx(150)),
                               alpha_call(3, "fund", {{"id", "0x1"}}, icx(200)),
                               alpha_call(4, "fund", {{"id", "0x1"}}, icx(50))});
  EXPECT_FALSE(b2.receipts[0].success);
  EXPECT_NE(b2.receipts[0].failure->message.find("wrong instance hash"), std::string::npos);
  for (int i = 1; i <= 3; ++i) EXPECT_TRUE(b2.receipts[i].success) << b2.receipts[i].failure->message;
  EXPECT_FALSE(b2.receipts[4].success);  // below the reserve: the value goes back
  EXPECT_EQ(c.balance(alpha::alpha_contract_address()), icx(350));
  const size_t bidding_height = c.states.size() - 1;
  const Uint256 bidder1 = c.balance(user(2)), bidder3 = c.balance(user(4));

  // At bids_close begin-block closes the collection; the owner hands the award to the referee.
  auto b3 = c.block(kT0 + 5 * 86'400, {alpha_call(1, "delegate", {{"id", "0x1"}, {"decision", "award"}, {"to", user(5).to_string()}}),
                                       alpha_call(1, "decide", {{"id", "0x1"}, {"decision", "award"}, {"choice", user(2).to_string()}}),
                                       alpha_call(5, "decide", {{"id", "0x1"}, {"decision", "award"}, {"choice", user(3).to_string()}})});
  EXPECT_TRUE(b3.receipts[0].success) << b3.receipts[0].failure->message;
  EXPECT_FALSE(b3.receipts[1].success);
  EXPECT_NE(b3.receipts[1].failure->message.find("can no longer decide"), std::string::npos);
  ASSERT_TRUE(b3.receipts[2].success) << b3.receipts[2].failure->message;
  inst = c.instance(1);
  EXPECT_EQ(inst["status"], "closed");
  EXPECT_EQ(inst["stage"], "sold");
  EXPECT_EQ(c.balance(alpha::alpha_contract_address()), Uint256(0));
  EXPECT_EQ(c.balance(user(2)), *bidder1.checked_add(icx(150)));  // the losing bid, in full
  EXPECT_EQ(c.balance(user(4)), bidder3);
  // The instance as it was while bidding, read at that height.
  json::object past = c.instance(1, bidding_height);
  EXPECT_EQ(past["stage"], "bidding");
  EXPECT_EQ(past["escrow"].as_object()["COIN"], json::value(icx(350).to_dec()));
}

TEST(AlphaSystemContract, TimersBeyondTheCapCarryOverToTheNextBlock) {
  AlphaChain c;
  const std::string text = read_example("auction");
  const std::string hash = auction_hash(text);
  const uint32_t n = alpha::kTimersPerBlockMax + 44;
  std::vector<TxFields> txs{alpha_call(1, "registerTemplate", {{"template", text}})};
  for (uint32_t i = 0; i < n; ++i) txs.push_back(alpha_call(1, "propose", auction_proposal(hash, kT0 + 86'400, kT0 + 100)));
  auto b1 = c.block(kT0, txs);
  for (const auto& r : b1.receipts) ASSERT_TRUE(r.success) << r.failure->message;
  EXPECT_EQ(c.query("getTimers", nullptr).output.as_array().size(), n);
  c.block(kT0 + 100, {});  // every signing deadline is due: the first kTimersPerBlockMax expire
  EXPECT_EQ(c.query("getTimers", nullptr).output.as_array().size(), 44u);
  EXPECT_EQ(c.instance(1)["status"], "expired");
  EXPECT_EQ(c.instance(alpha::kTimersPerBlockMax)["status"], "expired");
  EXPECT_EQ(c.instance(alpha::kTimersPerBlockMax + 1)["status"], "proposed");
  c.block(kT0 + 101, {});
  EXPECT_EQ(c.query("getTimers", nullptr).output.as_array().size(), 0u);
  EXPECT_EQ(c.instance(n)["status"], "expired");
  for (uint64_t id : {uint64_t(1), uint64_t(n)}) EXPECT_EQ(c.instance(id)["seq"], 1);  // fired once each
  // A signature after expiry is refused.
  auto late = c.block(kT0 + 102, {alpha_call(1, "sign", {{"id", "0x1"}, {"hash", "0x" + std::string(c.instance(1)["hash"].as_string())}})});
  EXPECT_FALSE(late.receipts[0].success);
}

// COSSE's deposit at signing: the buyer reserves before signing; the signature that completes the
// instance pays the deposit from the reservation, and what is left waits for the later stages.
TEST(AlphaSystemContract, ReservedDepositIsPaidAtSigning) {
  AlphaChain c;
  const std::string text = read_example("manufacturing-order");
  const std::string hash = "0x" + alpha::template_hash(std::get<alpha::Template>(alpha::parse_template_json(text))).hex();
  json::object params{{"price", icx(100).to_dec()}, {"deposit_rate", 1000}, {"interim1_rate", 2000}, {"interim2_rate", 2000},
                      {"holdback_rate", 500}, {"sample_by", kT0 + 10 * 86'400}, {"production_by", kT0 + 30 * 86'400},
                      {"finish_by", kT0 + 60 * 86'400}, {"deliver_by", kT0 + 80 * 86'400}, {"late_rate_per_day", 50},
                      {"late_cap_rate", 1000}, {"defect_max", 20000}, {"inspect_within", "P7D"}, {"warranty", "P30D"}};
  json::object parties{{"buyer", user(1).to_string()},     {"seller", user(2).to_string()},
                       {"inspector", user(3).to_string()}, {"carrier", user(4).to_string()},
                       {"referee", user(5).to_string()},   {"platform", user(6).to_string()},
                       {"panel", json::array{user(7).to_string(), user(8).to_string(), user(9).to_string()}}};
  auto b1 = c.block(kT0, {alpha_call(1, "registerTemplate", {{"template", text}}),
                          alpha_call(1, "propose", {{"template", hash}, {"params", params}, {"parties", parties}})});
  for (const auto& r : b1.receipts) ASSERT_TRUE(r.success) << r.failure->message;
  const std::string ihash = "0x" + std::string(c.instance(1)["hash"].as_string());
  auto b2 = c.block(kT0 + 60, {alpha_call(2, "reserve", {{"id", 1}}, icx(1)),  // the seller pays nothing
                               alpha_call(1, "reserve", {{"id", 1}}, icx(15)),
                               alpha_call(1, "sign", {{"id", 1}, {"hash", ihash}}),
                               alpha_call(2, "sign", {{"id", 1}, {"hash", ihash}})});
  EXPECT_FALSE(b2.receipts[0].success);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(b2.receipts[i].success) << b2.receipts[i].failure->message;
  json::object inst = c.instance(1);
  EXPECT_EQ(inst["stage"], "sample");
  EXPECT_EQ(inst["escrow"].as_object()["COIN"], json::value(icx(10).to_dec()));
  EXPECT_EQ(inst["reserved"].as_object()["COIN"].as_object()["buyer#0"], json::value(icx(5).to_dec()));
  EXPECT_EQ(c.balance(alpha::alpha_contract_address()), icx(15));
}

// Refunds are ICXTransfer logs; begin-block has no receipt, so a receipt's log cap (1,024) must not
// stop it: 40 auctions x 30 bids refunded in one block (1,200 payouts).
TEST(AlphaSystemContract, ManyRefundsInOneBeginBlock) {
  AlphaChain c;
  const std::string text = read_example("auction");
  const std::string hash = auction_hash(text);
  json::array bidders;
  for (uint8_t u = 10; u < 40; ++u) bidders.push_back(json::value(user(u).to_string()));
  json::object params{{"reserve", "1"}, {"bids_close", kT0 + 86'400}, {"award_within", "P1D"}};
  json::object parties{{"owner", user(1).to_string()}, {"referee", user(5).to_string()}, {"bidder", bidders}};
  std::vector<TxFields> setup{alpha_call(1, "registerTemplate", {{"template", text}})};
  for (int i = 0; i < 40; ++i) setup.push_back(alpha_call(1, "propose", {{"template", hash}, {"params", params}, {"parties", parties}}));
  for (const auto& r : c.block(kT0, setup).receipts) ASSERT_TRUE(r.success) << r.failure->message;
  std::vector<TxFields> bids;
  for (uint64_t id = 1; id <= 40; ++id) {
    bids.push_back(alpha_call(1, "sign", {{"id", id}, {"hash", "0x" + std::string(c.instance(id)["hash"].as_string())}}));
    for (uint8_t u = 10; u < 40; ++u) bids.push_back(alpha_call(u, "fund", {{"id", id}}, Uint256(1000)));
  }
  for (const auto& r : c.block(kT0 + 60, bids).receipts) ASSERT_TRUE(r.success) << r.failure->message;
  EXPECT_EQ(c.balance(alpha::alpha_contract_address()), Uint256(40 * 30 * 1000));
  c.block(kT0 + 86'400, {});      // bidding closes: awaiting the award
  c.block(kT0 + 2 * 86'400, {});  // nobody awards: every bid back
  EXPECT_EQ(c.instance(40)["stage"], "not_awarded");
  EXPECT_EQ(c.balance(alpha::alpha_contract_address()), Uint256(0));
}

// ---- IRC2 escrow: the car jeonse in a KRW token (examples/contracts/irc2, the real Lua contract) ----

std::string hex_text(std::string_view s) { return "0x" + to_hex(as_bytes(s)); }

// A deploy tx of a Lua source from `from`; `nonce` keeps two deploys of one sender apart.
TxFields deploy_tx(uint8_t from, const std::string& source, json::object params, uint64_t nonce) {
  TxFields f;
  f.from = user(from);
  f.to = contracts::chain_contract_address();
  f.data_type = "deploy";
  f.step_limit = 2'000'000'000;
  f.nonce = nonce;
  f.data = json::object{{"contentType", "application/x-lua"}, {"content", hex_text(source)}, {"params", std::move(params)}};
  return f;
}

TxFields token_call(uint8_t from, const Address& token, std::string_view method, json::object p) {
  TxFields f = alpha_call(from, method, std::move(p));
  f.to = token;
  return f;
}

// An IRC2 transfer to the Alpha contract whose tokenFallback funds (or reserves for) instance `id`.
TxFields pay_tokens(uint8_t from, const Address& token, uint64_t value, std::string_view data) {
  return token_call(from, token, "transfer", {{"_to", alpha::alpha_contract_address().to_string()},
                                              {"_value", Uint256(value).to_icon_hex()}, {"_data", hex_text(data)}});
}
std::string fund_data(uint64_t id) { return R"({"method":"fund","params":{"id":")" + Uint256(id).to_icon_hex() + "\"}}"; }

// A lessor that is a contract: it signs through the Alpha contract, refuses tokens until told to
// accept them (setAccept 1), and then claims what the Alpha contract owes it. With setAccept 2 it
// calls the Alpha contract back from inside a payout; with 3 it spins until it runs out of steps.
const char* kPickyLessor = R"lua(
local accept = VarDB("accept", "int")
external "signAlpha(Address _alpha, int _id, str _hash)" (function(_alpha, _id, _hash)
  call(_alpha, "sign", {id = _id, hash = _hash})
end)
external "setAccept(int _on)" (function(_on) accept:set(_on) end)
external "tokenFallback(Address _from, int _value, bytes _data)" (function(_from, _value, _data)
  if accept:get() < 1 then revert("not accepting tokens now", 1) end
  if accept:get() > 2 then
    local n = 0
    while true do n = n + 1 end
  elseif accept:get() > 1 then
    call("cx0000000000000000000000000000000000000a01", "claim", {token = msg.sender})
  end
end)
external "claimFrom(Address _alpha, Address _token)" (function(_alpha, _token)
  call(_alpha, "claim", {token = _token})
end)
)lua";

struct JeonseChain : AlphaChain {
  Address token, picky;
  std::string hash;
  static constexpr uint64_t kSupply = 1'000'000'000, kDeposit = 24'400'000, kPrepay = 9'760'000;

  JeonseChain() {
    std::ifstream f(std::string(CX_SOURCE_DIR) + "/examples/contracts/irc2/main.lua", std::ios::binary);
    std::ostringstream irc2;
    irc2 << f.rdbuf();
    auto b = block(kT0, {deploy_tx(1, irc2.str(), {{"_name", "Won"}, {"_symbol", "KRW"}, {"_decimals", "0x0"},
                                                   {"_initialSupply", Uint256(kSupply).to_icon_hex()}}, 1),
                         deploy_tx(1, kPickyLessor, {}, 2)});
    for (const auto& r : b.receipts) EXPECT_TRUE(r.success) << r.failure->message;
    token = *b.receipts.at(0).score_address;
    picky = *b.receipts.at(1).score_address;
    const std::string text = read_example("car-jeonse");
    hash = auction_hash(text);
    EXPECT_TRUE(block(kT0 + 1, {alpha_call(1, "registerTemplate", {{"template", text}})}).receipts[0].success);
  }
  TxFields propose_tx(const Address& lessor) const {
    json::object params{{"car_price", "48800000"}, {"prepay_rate", 2000}, {"deposit_rate", 5000}, {"term_months", 48},
                        {"change_after", 12}, {"krw_token", token.to_string()}};
    json::object parties{{"lessee", user(1).to_string()}, {"lessor", lessor.to_string()},
                         {"inspector", user(3).to_string()}, {"referee", user(4).to_string()}};
    return alpha_call(1, "propose", {{"template", hash}, {"params", params}, {"parties", parties}});
  }
  Uint256 tokens(const Address& owner) {
    CallResult r = query_at(token, "balanceOf", json::object{{"_owner", owner.to_string()}});
    EXPECT_TRUE(r.ok) << r.message;
    return r.ok ? *Uint256::from_icon_hex(r.output.as_string()) : Uint256();
  }
  json::object held(const Address& account) {
    CallResult r = query("getTokens", json::object{{"token", token.to_string()}, {"account", account.to_string()}});
    EXPECT_TRUE(r.ok) << r.message;
    return r.ok ? r.output.as_object() : json::object();
  }
};

// Instance 1 runs to `returned` (payouts in txs); instance 2, whose lessor is a contract refusing
// tokens, to `forfeited` (a payout in begin-block): its payouts are owed, then claimed.
TEST(AlphaSystemContract, CarJeonseInAnIrc2Token) {
  JeonseChain c;
  const Address alpha = alpha::alpha_contract_address();
  auto b = c.block(kT0 + 2, {c.propose_tx(user(2)), c.propose_tx(c.picky)});
  for (const auto& r : b.receipts) ASSERT_TRUE(r.success) << r.failure->message;
  const std::string h1 = "0x" + std::string(c.instance(1)["hash"].as_string());
  const std::string h2 = "0x" + std::string(c.instance(2)["hash"].as_string());
  b = c.block(kT0 + 3, {alpha_call(1, "sign", {{"id", 1}, {"hash", h1}}), alpha_call(2, "sign", {{"id", 1}, {"hash", h1}}),
                        alpha_call(1, "sign", {{"id", 2}, {"hash", h2}}),
                        token_call(2, c.picky, "signAlpha", {{"_alpha", alpha.to_string()}, {"_id", "0x2"}, {"_hash", h2}})});
  for (const auto& r : b.receipts) ASSERT_TRUE(r.success) << r.failure->message;
  EXPECT_EQ(c.instance(2)["status"], "active");

  // Bad _data, a payment in the native coin and a wrong amount are refused: the tokens stay.
  b = c.block(kT0 + 4, {pay_tokens(1, c.token, JeonseChain::kDeposit, "fund 1"),
                        pay_tokens(1, c.token, JeonseChain::kDeposit, R"({"method":"attest","params":{"id":"0x1"}})"),
                        alpha_call(1, "fund", {{"id", 1}}, icx(1)),
                        pay_tokens(1, c.token, JeonseChain::kDeposit - 1, fund_data(1))});
  for (const auto& r : b.receipts) EXPECT_FALSE(r.success);
  EXPECT_NE(b.receipts[0].failure->message.find("_data must be the hex of"), std::string::npos) << b.receipts[0].failure->message;
  EXPECT_NE(b.receipts[2].failure->message.find("takes no native coin"), std::string::npos) << b.receipts[2].failure->message;
  EXPECT_NE(b.receipts[3].failure->message.find("takes exactly"), std::string::npos) << b.receipts[3].failure->message;
  EXPECT_EQ(c.tokens(user(1)), Uint256(JeonseChain::kSupply));
  EXPECT_EQ(c.tokens(alpha), Uint256(0));

  std::vector<TxFields> pay;
  for (uint64_t id : {1, 2}) {
    pay.push_back(pay_tokens(1, c.token, JeonseChain::kDeposit, fund_data(id)));
    pay.push_back(pay_tokens(1, c.token, JeonseChain::kPrepay, fund_data(id)));
    pay.push_back(alpha_call(1, "attest", {{"id", id}, {"event", "car_delivered"}, {"nonce", "d"}}));
  }
  b = c.block(kT0 + 5, pay);
  for (const auto& r : b.receipts) ASSERT_TRUE(r.success) << r.failure->message;
  // The prepayments were released to the lessors: user(2) has its own, the picky lessor's is owed.
  EXPECT_EQ(c.tokens(user(2)), Uint256(JeonseChain::kPrepay));
  EXPECT_EQ(c.tokens(c.picky), Uint256(0));
  EXPECT_EQ(c.held(c.picky)["owed"], json::value(Uint256(JeonseChain::kPrepay).to_icon_hex()));
  EXPECT_EQ(c.tokens(alpha), Uint256(2 * JeonseChain::kDeposit + JeonseChain::kPrepay));
  EXPECT_EQ(c.held(c.picky)["held"], json::value(Uint256(2 * JeonseChain::kDeposit + JeonseChain::kPrepay).to_icon_hex()));
  EXPECT_EQ(c.instance(1)["escrow"].as_object()["KRW"], json::value(std::to_string(JeonseChain::kDeposit)));

  // Past the 48 months: the car comes back undamaged on instance 1; instance 2's is never returned.
  const int64_t term_end = kT0 + 5 + 1461 * 86'400;  // 2026-01-01 + 48 months
  b = c.block(term_end + 86'400, {alpha_call(3, "attest", {{"id", 1}, {"event", "car_returned"}, {"nonce", "r"},
                                                           {"fields", json::object{{"damage", "0"}}}})});
  ASSERT_TRUE(b.receipts[0].success) << b.receipts[0].failure->message;
  EXPECT_EQ(c.instance(1)["stage"], "car_return");  // the inspection waits out its 7-day dispute window
  c.block(term_end + 8 * 86'400 + 1, {});
  EXPECT_EQ(c.instance(1)["stage"], "returned");
  EXPECT_EQ(c.tokens(user(1)), Uint256(JeonseChain::kSupply - 2 * JeonseChain::kPrepay - JeonseChain::kDeposit));
  c.block(term_end + 15 * 86'400, {});  // begin-block: forfeited, the deposit released to the lessor
  EXPECT_EQ(c.instance(2)["stage"], "forfeited");
  for (uint64_t id : {1, 2}) EXPECT_TRUE(c.instance(id)["escrow"].as_object().empty());
  EXPECT_EQ(c.held(c.picky)["owed"], json::value(Uint256(JeonseChain::kPrepay + JeonseChain::kDeposit).to_icon_hex()));

  // The picky lessor claims: refused while it refuses, paid once it accepts; nothing is left.
  b = c.block(term_end + 16 * 86'400, {token_call(2, c.picky, "claimFrom", {{"_alpha", alpha.to_string()}, {"_token", c.token.to_string()}}),
                                       token_call(2, c.picky, "setAccept", {{"_on", "0x1"}}),
                                       token_call(2, c.picky, "claimFrom", {{"_alpha", alpha.to_string()}, {"_token", c.token.to_string()}})});
  EXPECT_FALSE(b.receipts[0].success);
  for (int i : {1, 2}) ASSERT_TRUE(b.receipts[i].success) << b.receipts[i].failure->message;
  EXPECT_EQ(c.tokens(c.picky), Uint256(JeonseChain::kPrepay + JeonseChain::kDeposit));
  EXPECT_EQ(c.tokens(alpha), Uint256(0));
  EXPECT_EQ(c.held(c.picky), (json::object{{"held", "0x0"}, {"owed", "0x0"}}));
}

// The digest sealed at propose is simulate's over simulation_input(): what `complexchain alpha
// simulate` prints for that input. Another signing time or param value gives another digest.
TEST(AlphaSystemContract, ProposalSealsTheSimulationDigest) {
  JeonseChain c;
  auto b = c.block(kT0 + 2, {c.propose_tx(user(2))});
  ASSERT_TRUE(b.receipts[0].success) << b.receipts[0].failure->message;
  json::object inst = c.instance(1);
  const alpha::Template t = std::get<alpha::Template>(alpha::parse_template_json(read_example("car-jeonse")));
  json::object input{{"signed_at", kT0 + 2}, {"params", inst["params"]}, {"parties", inst["parties"]}};
  auto in = alpha::parse_instance_input(t, json::serialize(input));
  ASSERT_TRUE(std::holds_alternative<alpha::InstanceInput>(in)) << std::get<alpha::ParseError>(in).to_string();
  auto sim = alpha::simulate(t, std::get<alpha::InstanceInput>(in));
  ASSERT_TRUE(std::holds_alternative<alpha::SimResult>(sim));
  EXPECT_EQ(inst["simulation_digest"], json::value(std::get<alpha::SimResult>(sim).digest.hex()));
  EXPECT_NE(inst["simulation_digest"], json::value(std::string(64, '0')));
  input["signed_at"] = kT0 + 3;
  auto later = alpha::simulate(t, std::get<alpha::InstanceInput>(alpha::parse_instance_input(t, json::serialize(input))));
  EXPECT_NE(std::get<alpha::SimResult>(later).digest, std::get<alpha::SimResult>(sim).digest);
}

// Prose sources registered with the template are rendered from each proposal's params, and the
// rendered texts' hashes are bound to the instance hash (through prose_digest).
TEST(AlphaSystemContract, ProposalBindsTheRenderedProse) {
  JeonseChain c;
  const std::string text = read_example("car-jeonse"), en = read_prose("car-jeonse.en.md"), ko = read_prose("car-jeonse.ko.md");
  auto b = c.block(kT0 + 2, {c.propose_tx(user(2)),
                             alpha_call(1, "registerTemplate", {{"template", text}, {"prose", json::object{{"en", ko}}}}),
                             alpha_call(1, "registerTemplate", {{"template", text}, {"prose", json::object{{"en", en}, {"ko", ko}}}}),
                             c.propose_tx(user(2))});
  for (int i : {0, 2, 3}) ASSERT_TRUE(b.receipts[i].success) << b.receipts[i].failure->message;
  ASSERT_FALSE(b.receipts[1].success);
  EXPECT_NE(b.receipts[1].failure->message.find("prose.en: the source hashes to"), std::string::npos) << b.receipts[1].failure->message;
  json::object before = c.instance(1), inst = c.instance(2);
  const alpha::Template t = std::get<alpha::Template>(alpha::parse_template_json(text));
  EXPECT_EQ(before["prose"].as_object()["en"], json::value("source:" + t.prose[0].hash.hex()));
  json::object input{{"signed_at", kT0 + 2}, {"params", inst["params"]}, {"parties", inst["parties"]}};
  auto in = std::get<alpha::InstanceInput>(alpha::parse_instance_input(t, json::serialize(input)));
  for (const auto& [lang, source] : {std::pair{"en", en}, std::pair{"ko", ko}}) {
    auto r = alpha::render_prose(t, in, lang, source);
    ASSERT_TRUE(std::holds_alternative<alpha::RenderedProse>(r));
    EXPECT_EQ(inst["prose"].as_object()[lang], json::value("rendered:" + std::get<alpha::RenderedProse>(r).hash.hex()));
  }
  // Same params and parties: only the prose binding differs, and with it the hash signatories sign.
  EXPECT_EQ(before["simulation_digest"], inst["simulation_digest"]);
  EXPECT_NE(before["prose_digest"], inst["prose_digest"]);
  EXPECT_NE(before["hash"], inst["hash"]);
}

// The picky lessor in `mode`, paid its prepayment in an attestation's transition: returns the
// PayoutDeferred log's reason ("" if none), after checking the payout is owed, then claimed.
std::string deferred_payout(const char* mode) {
  JeonseChain c;
  const Address alpha = alpha::alpha_contract_address();
  auto b = c.block(kT0 + 2, {c.propose_tx(c.picky), token_call(2, c.picky, "setAccept", {{"_on", mode}})});
  for (const auto& r : b.receipts)
    if (!r.success) return "failed: " + r.failure->message;
  const std::string h = "0x" + std::string(c.instance(1)["hash"].as_string());
  b = c.block(kT0 + 3, {alpha_call(1, "sign", {{"id", 1}, {"hash", h}}),
                        token_call(2, c.picky, "signAlpha", {{"_alpha", alpha.to_string()}, {"_id", "0x1"}, {"_hash", h}}),
                        pay_tokens(1, c.token, JeonseChain::kDeposit, fund_data(1)),
                        pay_tokens(1, c.token, JeonseChain::kPrepay, fund_data(1)),
                        alpha_call(1, "attest", {{"id", 1}, {"event", "car_delivered"}, {"nonce", "d"}})});
  for (const auto& r : b.receipts)
    if (!r.success) return "failed: " + r.failure->message;
  const auto& logs = b.receipts[4].logs;
  auto deferred = std::find_if(logs.begin(), logs.end(), [](const core::EventLog& l) {
    return l.indexed[0] == "PayoutDeferred(Address,Address,int,str)";
  });
  const std::string why = deferred == logs.end() ? "" : deferred->data.at(1);  // before b is reused
  EXPECT_TRUE(b.receipts[4].success);
  EXPECT_EQ(c.instance(1)["stage"], "first_year");
  EXPECT_EQ(c.tokens(c.picky), Uint256(0));
  EXPECT_EQ(c.held(c.picky)["owed"], json::value(Uint256(JeonseChain::kPrepay).to_icon_hex()));
  EXPECT_TRUE(c.query("getInstance", json::object{{"id", 1}}).ok);  // unlocked again
  b = c.block(kT0 + 4, {token_call(2, c.picky, "setAccept", {{"_on", "0x1"}}),
                        token_call(2, c.picky, "claimFrom", {{"_alpha", alpha.to_string()}, {"_token", c.token.to_string()}})});
  for (const auto& r : b.receipts) EXPECT_TRUE(r.success) << r.failure->message;
  EXPECT_EQ(c.tokens(c.picky), Uint256(JeonseChain::kPrepay));
  return why;
}

// A payee that calls the Alpha contract back from inside a token payout finds it locked; one that
// spins runs out of the payout's step bound (store::kTokenCallSteps). Either way its tokenFallback
// fails, the payout is owed, and the transition is committed as it was.
TEST(AlphaSystemContract, APayeeCannotReenterOrSpinDuringATokenPayout) {
  const std::string reentered = deferred_payout("0x2");
  EXPECT_FALSE(reentered.starts_with("failed: ")) << reentered;
  EXPECT_NE(reentered.find("cannot be called back in the middle of it"), std::string::npos) << reentered;
  const std::string spun = deferred_payout("0x3");
  EXPECT_FALSE(spun.empty() || spun.starts_with("failed: ")) << spun;
  EXPECT_EQ(spun.find("called back"), std::string::npos) << spun;
}

// propose refuses a token that is not a contract, one token for two assets, and the Alpha contract
// as a party; nothing is stored.
TEST(AlphaSystemContract, ProposalChecksTokensAndParties) {
  JeonseChain c;
  std::string text = read_example("car-jeonse");
  const std::string asset = R"("KRW": { "kind": "irc2", "contract": "krw_token", "decimals": 0 })";
  ASSERT_NE(text.find(asset), std::string::npos);
  std::string two = text;
  two.replace(two.find(asset), asset.size(), asset + R"(, "KRWB": { "kind": "irc2", "contract": "krw_token" })");
  TxFields not_contract = c.propose_tx(user(2)), same_token = c.propose_tx(user(2)), alpha_party = c.propose_tx(alpha::alpha_contract_address());
  json::object& p = not_contract.data.as_object()["params"].as_object();
  json::object params = p["params"].as_object();
  params["krw_token"] = user(9).to_string();
  p["params"] = params;
  same_token.data.as_object()["params"].as_object()["template"] = auction_hash(two);
  auto b = c.block(kT0 + 2, {alpha_call(1, "registerTemplate", {{"template", two}}), not_contract, same_token, alpha_party});
  ASSERT_TRUE(b.receipts[0].success) << b.receipts[0].failure->message;
  for (int i = 1; i <= 3; ++i) ASSERT_FALSE(b.receipts[i].success) << i;
  EXPECT_NE(b.receipts[1].failure->message.find("must be a contract address"), std::string::npos) << b.receipts[1].failure->message;
  EXPECT_NE(b.receipts[2].failure->message.find("assets KRW and KRWB are the same token"), std::string::npos) << b.receipts[2].failure->message;
  EXPECT_NE(b.receipts[3].failure->message.find("the Alpha contract cannot be a party"), std::string::npos) << b.receipts[3].failure->message;
  EXPECT_FALSE(c.query("getInstance", json::object{{"id", 1}}).ok);
}

}  // namespace
}  // namespace cx::execution::testing

namespace cx::execution::testing {
namespace {

// Business-day calendars governed on chain: the validators register and amend a calendar (each
// amendment a new version, the old ones still readable), an instance pins the latest version at
// proposal and keeps it after an amendment; a non-governor and a malformed table are refused.
TEST(AlphaSystemContract, CalendarsAreGovernedVersionedAndPinned) {
  AlphaChain c;
  c.params.validators = {user(30)};
  std::string text = R"J({ "act": 1, "template": { "id": "t.cal", "version": "1" }, "calendar": "BANK@1",
    "prose": { "en": { "uri": "u", "hash": "sha3-256:0000000000000000000000000000000000000000000000000000000000000000" },
               "governing": "en" },
    "params": { "price": { "type": "amount", "asset": "COIN" } },
    "roles": { "buyer": { "signatory": true }, "seller": { "signatory": true } },
    "assets": { "COIN": { "kind": "native" } },
    "stages": [ { "id": "deposit", "pay": { "from": "buyer", "to": "escrow", "amount": "price" },
                  "due": "business_days(signed_at, 2)", "on_timeout": { "goto": "cancelled" } },
                { "id": "pay_seller", "release": "seller", "goto": "closed" } ],
    "terminals": ["closed", "cancelled", "faulted"], "on_fault": { "refund": "all", "goto": "faulted" } })J";
  const std::string hash = "0x" + alpha::template_hash(std::get<alpha::Template>(alpha::parse_template_json(text))).hex();
  json::object propose{{"template", hash}, {"params", json::object{{"price", icx(1).to_dec()}}},
                       {"parties", json::object{{"buyer", user(1).to_string()}, {"seller", user(2).to_string()}}}};
  json::object v1{{"name", "BANK"}, {"weekend", "[5, 6]"}, {"holidays", json::array{"2026-01-02"}}};
  auto b1 = c.block(kT0, {alpha_call(1, "registerTemplate", {{"template", text}}),
                          alpha_call(1, "propose", propose),           // no calendar yet
                          alpha_call(1, "setCalendar", v1),            // not a governor
                          alpha_call(30, "setCalendar", {{"name", "BANK"}, {"weekend", json::array{7}}}),
                          alpha_call(30, "setCalendar", {{"name", "BANK"}, {"holidays", json::array{"2026-02-30"}}}),
                          alpha_call(30, "setCalendar", v1),
                          alpha_call(1, "propose", propose)});
  ASSERT_TRUE(b1.receipts[0].success);
  EXPECT_NE(b1.receipts[1].failure->message.find("calendar BANK@1 is not registered"), std::string::npos);
  EXPECT_NE(b1.receipts[2].failure->message.find("is not a calendar governor"), std::string::npos);
  EXPECT_NE(b1.receipts[3].failure->message.find("weekday numbers are 0 (Monday) to 6"), std::string::npos);
  EXPECT_NE(b1.receipts[4].failure->message.find("is not a date"), std::string::npos);
  ASSERT_TRUE(b1.receipts[5].success) << b1.receipts[5].failure->message;
  ASSERT_TRUE(b1.receipts[6].success) << b1.receipts[6].failure->message;
  // The amendment (2026-01-05 too) is version 2; a second instance pins it, the first keeps version 1.
  json::object v2{{"name", "BANK"}, {"weekend", json::array{5, 6}}, {"holidays", json::array{"2026-01-02", "2026-01-05"}}};
  auto b2 = c.block(kT0 + 60, {alpha_call(30, "setCalendar", v2), alpha_call(1, "propose", propose)});
  for (const auto& r : b2.receipts) ASSERT_TRUE(r.success) << r.failure->message;
  EXPECT_EQ(c.instance(1)["calendar"].at("id"), "BANK@1");
  EXPECT_EQ(c.instance(2)["calendar"].at("id"), "BANK@2");
  CallResult old = c.query("getCalendar", json::object{{"name", "BANK"}, {"version", "0x1"}});
  ASSERT_TRUE(old.ok) << old.message;
  EXPECT_EQ(old.output.at("holidays").as_array().size(), 1u);
  EXPECT_EQ(c.query("getCalendar", json::object{{"name", "BANK"}}).output.at("id"), "BANK@2");
  // Both signed on Thursday 2026-01-01: two business days later is Tuesday the 6th under version 1
  // (Friday the 2nd a holiday, then the weekend) and Wednesday the 7th under version 2.
  std::vector<TxFields> signs;
  for (uint64_t id : {1, 2})
    for (uint8_t who : {1, 2})
      signs.push_back(alpha_call(who, "sign", {{"id", id}, {"hash", "0x" + std::string(c.instance(id)["hash"].as_string())}}));
  auto b3 = c.block(kT0 + 120, signs);
  for (const auto& r : b3.receipts) ASSERT_TRUE(r.success) << r.failure->message;
  EXPECT_EQ(c.instance(1)["timers"].at(0).at("deadline").as_int64(), kT0 + 120 + 5 * 86'400);
  EXPECT_EQ(c.instance(2)["timers"].at(0).at("deadline").as_int64(), kT0 + 120 + 6 * 86'400);
}

}  // namespace
}  // namespace cx::execution::testing
