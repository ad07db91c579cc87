#pragma once
// Shared by the engine tests: one instance of an example template driven through the engine with
// synthetic block times, with a ledger of what each party paid in and got out (to check that money
// is conserved per asset) and a record of the timers fired (to check that each fires once).
#include <gtest/gtest.h>

#include <set>

#include "alpha/alpha_test_util.hpp"
#include "alpha/instance.hpp"

namespace cx::alpha::test {

constexpr int64_t kT0 = 1'767'225'600;  // 2026-01-01T00:00:00Z
constexpr int64_t kDay = kSecondsPerDay;

inline std::string addr(int n) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02x", n & 0xff);
  return std::string("hx") + std::string(38, '0') + buf;
}

inline Template load_example(const std::string& name) {
  auto r = parse_template_json(read_source("examples/alpha/" + name + ".json"));
  if (auto* e = std::get_if<ParseError>(&r)) ADD_FAILURE() << e->to_string();
  return std::get<Template>(r);
}

class Sim {
 public:
  Sim(const std::string& example, json::object params, json::object parties, int64_t t0 = kT0)
      : Sim(load_example(example), std::move(params), std::move(parties), t0) {}
  Sim(Template tpl, const json::object& params, const json::object& parties, int64_t t0 = kT0,
      const Calendar* calendar = nullptr)
      : t(std::move(tpl)), now(t0) {
    auto r = propose(t, template_hash(t), 1, params, parties, now, std::nullopt, calendar);
    if (auto* e = std::get_if<EngineError>(&r)) ADD_FAILURE() << "propose: " << e->message;
    else inst = std::get<Instance>(r);
  }

  // Applies a transition's result; false (and `error` set) when refused.
  bool apply(const Result& r) {
    if (auto* e = std::get_if<EngineError>(&r)) {
      error = e->message;
      return false;
    }
    const Transition& tr = std::get<Transition>(r);
    for (const Payout& p : tr.effects.payouts) add(received[p.to][p.asset], p.amount);
    log.insert(log.end(), tr.effects.log.begin(), tr.effects.log.end());
    inst = tr.next;
    error.clear();
    return true;
  }
  bool sign_as(const std::string& who) { return apply(sign(t, inst, {now, who}, inst.hash)); }
  bool sign_all() {
    for (const Role& role : t.roles)
      if (role.signatory)
        for (const std::string& m : inst.parties.at(role.id))
          if (!sign_as(m)) return false;
    return true;
  }
  bool pay(const std::string& who, uint64_t amount, std::string asset = "") {
    if (asset.empty()) asset = t.assets.front().id;
    if (!apply(fund(t, inst, {now, who}, asset, Uint256(amount)))) return false;
    add(spent[who][asset], Uint256(amount));
    return true;
  }
  bool reserve_as(const std::string& who, uint64_t amount) {
    const std::string& asset = t.assets.front().id;
    if (!apply(reserve(t, inst, {now, who}, asset, Uint256(amount)))) return false;
    add(spent[who][asset], Uint256(amount));
    return true;
  }
  bool att(const std::string& who, const std::string& event, json::object payload = {}) {
    return apply(attest(t, inst, {now, who}, event, "n" + std::to_string(++nonce), payload));
  }
  // Opens a dispute / appeals, posting `bond` of the template's first asset.
  bool dispute_as(const std::string& who, uint64_t bond = 0) { return climb(who, bond, open_dispute); }
  bool appeal_as(const std::string& who, uint64_t bond = 0) { return climb(who, bond, appeal); }
  bool rule_as(const std::string& who, const std::string& outcome) { return apply(rule(t, inst, {now, who}, outcome)); }
  // Moves block time to `to`, firing every due timer in (deadline, id) order.
  void advance(int64_t to) {
    now = to;
    while (!inst.timers.empty() && inst.timers.front().deadline <= now) {
      uint32_t id = inst.timers.front().id;
      EXPECT_TRUE(fired.insert(id).second) << "timer " << id << " fired twice";
      EXPECT_TRUE(apply(fire_timer(t, inst, now, id))) << error;
    }
  }

  // Per asset: paid in == paid out + escrow.
  void expect_conserved() const {
    for (const Asset& a : t.assets) {
      Uint256 in, out;
      for (const auto& [_, m] : spent) add(in, get(m, a.id));
      for (const auto& [_, m] : received) add(out, get(m, a.id));
      add(out, get(inst.escrow, a.id));
      for (const auto* held : {&inst.reserved, &inst.bonds})
        if (auto it = held->find(a.id); it != held->end())
          for (const auto& [_, v] : it->second) add(out, v);
      EXPECT_EQ(in, out) << "asset " << a.id << " not conserved";
    }
  }
  void expect_closed(const std::string& terminal) const {
    EXPECT_EQ(inst.status, Status::kClosed) << status_name(inst.status) << " at " << inst.stage;
    EXPECT_EQ(inst.stage, terminal);
    EXPECT_TRUE(inst.escrow.empty());
    EXPECT_TRUE(inst.reserved.empty());
    EXPECT_TRUE(inst.bonds.empty());
    EXPECT_TRUE(inst.timers.empty());
    expect_conserved();
  }
  Uint256 got(const std::string& who, std::string asset = "") const {
    if (asset.empty()) asset = t.assets.front().id;
    auto it = received.find(who);
    return it == received.end() ? Uint256() : get(it->second, asset);
  }

  Template t;
  Instance inst;
  int64_t now;
  std::string error;
  std::vector<std::string> log;
  std::set<uint32_t> fired;
  std::map<std::string, std::map<std::string, Uint256>> spent, received;
  int nonce = 0;

 private:
  using Climb = Result (*)(const Template&, const Instance&, const Act&, const std::string&, const Uint256&);
  bool climb(const std::string& who, uint64_t bond, Climb step) {
    const std::string& asset = t.assets.front().id;
    if (!apply(step(t, inst, {now, who}, asset, Uint256(bond)))) return false;
    add(spent[who][asset], Uint256(bond));
    return true;
  }
  static void add(Uint256& a, const Uint256& b) { a = *a.checked_add(b); }
  static Uint256 get(const std::map<std::string, Uint256>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? Uint256() : it->second;
  }
};

// The manufacturing order with the parties its tests use.
inline const std::string kBuyer = addr(1), kSeller = addr(2), kInspector = addr(3), kCarrier = addr(4), kReferee = addr(5),
                  kPlatform = addr(6), kPanel1 = addr(7), kPanel2 = addr(8), kPanel3 = addr(9);

inline json::object order_params() {
  return {{"price", "1000000"},       {"deposit_rate", 1000},     {"interim1_rate", 2000},
          {"interim2_rate", 2000},    {"holdback_rate", 500},     {"sample_by", kT0 + 10 * kDay},
          {"production_by", kT0 + 30 * kDay}, {"finish_by", kT0 + 60 * kDay}, {"deliver_by", kT0 + 80 * kDay},
          {"late_rate_per_day", 50},  {"late_cap_rate", 1000},    {"defect_max", 20000},
          {"inspect_within", "P7D"},  {"warranty", "P30D"}};
}
inline json::object order_parties() {
  return {{"buyer", kBuyer},     {"seller", kSeller},   {"inspector", kInspector},
          {"carrier", kCarrier}, {"referee", kReferee}, {"platform", kPlatform},
          {"panel", json::array{kPanel1, kPanel2, kPanel3}}};
}

inline Sim order() {
  Sim s("manufacturing-order", order_params(), order_parties());
  EXPECT_TRUE(s.sign_all()) << s.error;
  EXPECT_EQ(s.inst.stage, "deposit_payment");
  return s;
}

// Deposit, sample approved, both interim payments, the balance: the order waits for delivery.
inline Sim order_until_delivery() {
  Sim s = order();
  EXPECT_TRUE(s.pay(kBuyer, 100'000)) << s.error;
  s.now += kDay;
  EXPECT_TRUE(s.att(kBuyer, "sample_approved", {{"result", "approved"}})) << s.error;
  EXPECT_TRUE(s.pay(kBuyer, 200'000)) << s.error;
  s.now += kDay;
  EXPECT_TRUE(s.att(kInspector, "production_started")) << s.error;
  EXPECT_TRUE(s.pay(kBuyer, 200'000)) << s.error;
  s.now += 20 * kDay;
  EXPECT_TRUE(s.att(kInspector, "goods_finished")) << s.error;
  EXPECT_TRUE(s.pay(kBuyer, 500'000)) << s.error;
  EXPECT_EQ(s.inst.stage, "delivery");
  return s;
}

}  // namespace cx::alpha::test
