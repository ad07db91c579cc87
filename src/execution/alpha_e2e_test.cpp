// The Alpha system contract end to end through apply_block: ICON call txs register a template,
// propose, sign, fund, hand over and exercise a decision right; begin-block fires the deadlines on
// the header's timestamp, at most alpha::kTimersPerBlockMax per block; icx_call reads an instance
// at a past height; refused calls change nothing but the sender's fee.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "alpha/canonical.hpp"
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
    SnapshotReader view(states.at(height.value_or(states.size() - 1)));
    BlockContext ctx{&params, states.size(), 0, nullptr};
    contracts::CallRequest req{user(1), alpha::alpha_contract_address(), Uint256(), std::string(method), std::move(p)};
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
