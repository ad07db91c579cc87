// --alpha: the Alpha contract's traffic and its audit (alpha_traffic.hpp).
#include "alpha_traffic.hpp"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "alpha/canonical.hpp"
#include "alpha/system_contract.hpp"
#include "codec/icon_serialize.hpp"
#include "core/test_tx.hpp"
#include "crypto/base64.hpp"
#include "crypto/hash.hpp"
#include "execution/accounts.hpp"
#include "execution/execute.hpp"
#include "sim.hpp"

namespace cx::sim {

namespace json = boost::json;

namespace {

constexpr int64_t kT0 = kBaseTimeUs / 1'000'000;  // block time (s) at simulated time 0
constexpr uint64_t kAlphaStepLimit = 50'000'000;
constexpr int64_t kAwardWithinS = 3;

std::string read_auction_template() {
  std::ifstream f(std::string(CX_SOURCE_DIR) + "/examples/alpha/auction.json", std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  CX_ASSERT(!ss.str().empty());
  return ss.str();
}

// An ICON call tx to the Alpha contract, signed.
core::TxPtr call_tx(uint32_t nid, const crypto::PrivateKey& key, std::string_view method, json::object params,
                    const Uint256& value, uint64_t serial) {
  json::object p;
  p["version"] = "0x3";
  p["from"] = core::testing::address_of(key).to_string();
  p["to"] = alpha::alpha_contract_address().to_string();
  p["value"] = value.to_icon_hex();
  p["stepLimit"] = Uint256(kAlphaStepLimit).to_icon_hex();
  p["timestamp"] = Uint256(static_cast<uint64_t>(kTxTimestampUs + 10'000 + static_cast<int64_t>(serial))).to_icon_hex();
  p["nid"] = Uint256(nid).to_icon_hex();
  p["nonce"] = Uint256(serial).to_icon_hex();
  p["dataType"] = "call";
  p["data"] = json::object{{"method", method}, {"params", std::move(params)}};
  Hash32 h = crypto::sha3_256(as_bytes(codec::icon_tx_serialization(p)));
  p["signature"] = crypto::base64_encode(crypto::sign(h, key).view());
  auto r = core::parse_transaction(p);
  CX_ASSERT(std::holds_alternative<core::Transaction>(r));
  return std::make_shared<const core::Transaction>(std::get<core::Transaction>(std::move(r)));
}

std::string hex_id(uint64_t id) { return Uint256(id).to_icon_hex(); }

Uint256 reserve_of(size_t j) { return *core::testing::icx(1).checked_add(Uint256(static_cast<uint64_t>(j))); }

}  // namespace

const char* alpha_outcome_name(size_t k) {
  static constexpr const char* kNames[kAlphaOutcomes] = {"sold", "not_awarded", "no_bids", "expired"};
  return k < kAlphaOutcomes ? kNames[k] : "?";
}

AlphaFixture::AlphaFixture(core::ChainParams& cp, Uint256& supply) {
  using core::testing::address_of;
  using core::testing::icx;
  nid = cp.nid;
  owner = core::testing::test_key(180);
  for (size_t b = 0; b < kAlphaBidders; ++b) bidders[b] = core::testing::test_key(static_cast<uint8_t>(181 + b));
  referee = address_of(core::testing::test_key(190));
  for (const auto* k : {&owner, &bidders[0], &bidders[1]}) {
    cp.accounts.push_back({address_of(*k), icx(1000)});
    supply = *supply.checked_add(icx(1000));
  }
  const std::string text = read_auction_template();
  auto parsed = alpha::parse_template_json(text);
  CX_ASSERT(std::holds_alternative<alpha::Template>(parsed));
  const alpha::Template& t = std::get<alpha::Template>(parsed);
  template_hash = alpha::template_hash(t);
  uint64_t serial = 0;
  register_tx = call_tx(cp.nid, owner, "registerTemplate", {{"template", text}}, 0, serial++);
  json::object parties{{"owner", address_of(owner).to_string()},
                       {"referee", referee.to_string()},
                       {"bidder", json::array{address_of(bidders[0]).to_string(), address_of(bidders[1]).to_string()}}};
  for (size_t j = 0; j < kAlphaProposals; ++j) {
    const int64_t sign_by = kT0 + 4 + static_cast<int64_t>(j % 3);
    const int64_t close = sign_by + 2;
    last_deadline_s = std::max(last_deadline_s, close + kAwardWithinS);
    // The reserve price tells the proposals apart: icx(1) + j loop.
    json::object params{{"reserve", reserve_of(j).to_dec()}, {"bids_close", close}, {"award_within", kAwardWithinS}};
    CX_ASSERT(std::holds_alternative<alpha::Instance>(alpha::propose(t, template_hash, 1, params, parties, kT0, sign_by)));
    propose[j] = call_tx(cp.nid, owner, "propose",
                         {{"template", "0x" + template_hash.hex()}, {"params", json::serialize(params)},
                          {"parties", json::serialize(parties)}, {"signBy", hex_id(static_cast<uint64_t>(sign_by))}},
                         0, serial++);
  }
  for (size_t k = 0; k < kAlphaProposals; ++k) {
    const std::string id = hex_id(k + 1);
    for (size_t j = 0; j < kAlphaProposals; ++j) sign_serial[k][j] = serial++;
    for (size_t b = 0; b < kAlphaBidders; ++b) fund[k][b] = call_tx(cp.nid, bidders[b], "fund", {{"id", id}}, icx(2 + b), serial++);
    const std::string winner = address_of(bidders[k % kAlphaBidders]).to_string();
    award[k] = call_tx(cp.nid, owner, "decide", {{"id", id}, {"decision", "award"}, {"choice", winner}}, 0, serial++);
  }
  core::testing::TxSpec stray;
  stray.to = address_of(core::testing::test_key(199));
  stray.timestamp_us = kTxTimestampUs + 9'000;
  stray.nonce = serial++;
  leak = core::testing::signed_tx(bidders[0], stray);
}

// ---- clients ----

namespace {

std::optional<alpha::Instance> read_instance(const AlphaRead& read, uint64_t id) {
  auto v = read("getInstance", json::object{{"id", hex_id(id)}});
  if (!v) return std::nullopt;
  auto inst = alpha::instance_from_json(*v);
  if (auto* i = std::get_if<alpha::Instance>(&inst)) return std::move(*i);
  return std::nullopt;
}

}  // namespace

// A client reads the chain at one node and sends what the agreement waits for: the template, the
// proposals not yet made, the owner's signature, the bids, the award (see kAlphaProposals).
std::vector<core::TxPtr> alpha_client_txs(const AlphaFixture& fx, const AlphaRead& read) {
  if (!read("getTemplate", json::object{{"hash", "0x" + fx.template_hash.hex()}})) return {fx.register_tx};
  std::vector<core::TxPtr> out;
  std::array<bool, kAlphaProposals> seen{};
  for (uint64_t id = 1; id <= kAlphaProposals; ++id) {
    auto inst = read_instance(read, id);
    if (!inst) break;
    const json::value* reserve = inst->params.if_contains("reserve");
    size_t j = kAlphaProposals;
    for (size_t c = 0; c < kAlphaProposals; ++c)
      if (reserve && reserve->is_string() && reserve->get_string() == reserve_of(c).to_dec()) j = c;
    if (j == kAlphaProposals) continue;
    const size_t k = id - 1;
    seen[j] = true;
    // The hash to sign covers the simulation of the instance at its proposal's block time, so the
    // signature is made here, over the hash the chain shows (the same tx each time: same serial).
    if (inst->status == alpha::Status::kProposed && j != 3)
      out.push_back(call_tx(fx.nid, fx.owner, "sign", {{"id", hex_id(id)}, {"hash", "0x" + inst->hash.hex()}}, 0,
                            fx.sign_serial[k][j]));
    if (inst->status != alpha::Status::kActive) continue;
    if (inst->stage == "bidding" && j < 2) out.insert(out.end(), fx.fund[k].begin(), fx.fund[k].end());
    if (inst->stage == "awarding" && j == 0) out.push_back(fx.award[k]);
  }
  for (size_t j = 0; j < kAlphaProposals; ++j)
    if (!seen[j]) out.push_back(fx.propose[j]);
  return out;
}

bool alpha_settled(const AlphaFixture& fx, int64_t time_us, const AlphaRead& read, std::string& why) {
  if (time_us / 1'000'000 <= fx.last_deadline_s) {
    why = "its last block is before the last deadline";
    return false;
  }
  auto q = read("getTimers", json::object{});
  if (!q || !q->is_array()) {
    why = "getTimers failed";
    return false;
  }
  if (!q->get_array().empty()) {
    why = std::to_string(q->get_array().size()) + " timer(s) still queued";
    return false;
  }
  for (uint64_t id = 1; id <= kAlphaProposals; ++id) {
    auto inst = read_instance(read, id);
    if (!inst) break;
    if (inst->status != alpha::Status::kClosed && inst->status != alpha::Status::kExpired) {
      why = "instance " + std::to_string(id) + " is " + alpha::status_name(inst->status) + " at " + inst->stage;
      return false;
    }
  }
  return true;
}

// ---- the audit ----

AlphaAudit::AlphaAudit(const core::ChainParams& params, std::vector<core::Address> accounts, Uint256 supply, Fail fail)
    : m_params(params), m_accounts(std::move(accounts)), m_supply(supply), m_fail(std::move(fail)) {
  m_heights[0] = Snapshot{};
}

void AlphaAudit::on_commit(const core::Block& block, const state::StateReader& view) {
  const uint64_t height = block.header.height;
  // Audited at its first honest commit (the Checker holds every other honest commit of the height to
  // the same block and state root); a node that restarts commits again what it had not written.
  if (height <= m_heights.rbegin()->first) return;
  auto before = m_heights.find(height - 1);
  CX_ASSERT(before != m_heights.end());  // every node commits in height order
  for (const auto& tx : block.txs)
    if (tx->to == alpha::alpha_contract_address()) ++m_alpha_txs;
  auto after = read(view, height);
  if (!after) return;
  check_timers(height, block.header.timestamp_us / 1'000'000, before->second, *after);
  check_money(height, view, *after);
  m_heights.erase(m_heights.begin(), before);  // keep the previous height and this one
  m_heights[height] = std::move(*after);
}

std::optional<AlphaAudit::Snapshot> AlphaAudit::read(const state::StateReader& view, uint64_t height) {
  const execution::BlockContext ctx{&m_params, height, 0, nullptr};
  auto call = [&](std::string_view method, json::object p) {
    return execution::query(view, ctx, contracts::CallRequest{core::Address(), alpha::alpha_contract_address(), Uint256(),
                                                              std::string(method), std::move(p)});
  };
  const std::string at = " at height " + std::to_string(height);
  auto refuse = [&](const std::string& why) {
    m_fail("ALPHA: " + why + at);
    return std::optional<Snapshot>();
  };
  Snapshot s;
  auto q = call("getTimers", {});
  if (!q.ok || !q.output.is_array()) return refuse("getTimers failed: " + q.message);
  for (const auto& e : q.output.get_array()) {
    const auto& a = e.as_array();
    s.queue.emplace(a.at(0).to_number<int64_t>(), a.at(1).to_number<uint64_t>(), a.at(2).to_number<uint32_t>());
  }
  for (uint64_t id = 1;; ++id) {
    auto r = call("getInstance", {{"id", hex_id(id)}});
    if (!r.ok) break;
    auto inst = alpha::instance_from_json(r.output);
    if (auto* e = std::get_if<alpha::EngineError>(&inst)) return refuse("instance " + std::to_string(id) + ": " + e->message);
    s.instances.emplace(id, std::move(std::get<alpha::Instance>(inst)));
  }
  // The queue and the instances' own timers are the same set.
  size_t held = 0;
  for (const auto& [id, inst] : s.instances)
    for (const auto& t : inst.timers) {
      ++held;
      if (!s.queue.contains({t.deadline, id, t.id}))
        return refuse("instance " + std::to_string(id) + " holds timer " + std::to_string(t.id) + " that is not queued");
    }
  if (held != s.queue.size()) return refuse("the timer queue holds timers no instance has");
  return s;
}

// Begin-block's rule (docs/alpha-engine.md §3): the due entries of the previous queue, in order, at
// most kTimersPerBlockMax, fire at the start of this block.
void AlphaAudit::check_timers(uint64_t height, int64_t now_s, const Snapshot& before, const Snapshot& after) {
  const std::string at = " at height " + std::to_string(height) + " (block time " + std::to_string(now_s) + ")";
  uint32_t due = 0;
  for (const auto& e : before.queue) {
    const auto& [deadline, id, timer] = e;
    if (deadline > now_s || due == alpha::kTimersPerBlockMax) break;
    ++due;
    const std::string what = "timer " + std::to_string(id) + "/" + std::to_string(timer) + " due at " + std::to_string(deadline);
    if (after.queue.contains(e)) return m_fail("ALPHA TIMERS: " + what + " did not fire" + at);
    if (!m_fired.emplace(id, timer).second) return m_fail("ALPHA TIMERS: " + what + " fired twice" + at);
    auto a = after.instances.find(id), b = before.instances.find(id);
    if (a == after.instances.end() || b == before.instances.end()) return m_fail("ALPHA TIMERS: " + what + " has no instance" + at);
    if (a->second.seq <= b->second.seq) return m_fail("ALPHA TIMERS: " + what + " left the queue but its instance did not move" + at);
  }
  for (const auto& [deadline, id, timer] : after.queue) {
    m_armed.emplace(id, timer);
    if (m_fired.contains({id, timer}))
      return m_fail("ALPHA TIMERS: timer " + std::to_string(id) + "/" + std::to_string(timer) + " fired and is queued again" + at);
  }
}

void AlphaAudit::check_money(uint64_t height, const state::StateReader& view, const Snapshot& s) {
  const std::string at = " at height " + std::to_string(height);
  Uint256 sum;
  for (const auto& a : m_accounts) sum = *sum.checked_add(execution::read_account(view, a).balance);
  if (sum != m_supply) return m_fail("MONEY: the balances sum to " + sum.to_dec() + at + ", genesis gave " + m_supply.to_dec());
  Uint256 held;
  for (const auto& [id, inst] : s.instances) {
    const std::string who = "MONEY: instance " + std::to_string(id);
    const bool over = inst.status == alpha::Status::kClosed || inst.status == alpha::Status::kExpired;
    for (const auto& [asset, escrow] : inst.escrow) {
      Uint256 stakes;
      if (auto st = inst.stakes.find(asset); st != inst.stakes.end())
        for (const auto& [payer, v] : st->second) stakes = *stakes.checked_add(v);
      if (stakes != escrow) return m_fail(who + "'s stakes do not sum to its escrow" + at);
      if (over && !escrow.is_zero()) return m_fail(who + " is " + alpha::status_name(inst.status) + " with " + escrow.to_dec() + " in escrow" + at);
      held = *held.checked_add(escrow);
    }
    for (const auto& [asset, ledger] : inst.reserved)
      for (const auto& [payer, v] : ledger) {
        if (over && !v.is_zero()) return m_fail(who + " is over with money still reserved" + at);
        held = *held.checked_add(v);
      }
  }
  const Uint256 balance = execution::read_account(view, alpha::alpha_contract_address()).balance;
  if (balance != held)
    return m_fail("MONEY: the Alpha contract holds " + balance.to_dec() + at + " but its instances' escrow and reservations are " + held.to_dec());
}

void AlphaAudit::finish(AlphaStats& stats) const {
  stats.alpha_txs += m_alpha_txs;
  stats.timers_fired += m_fired.size();
  const Snapshot& last = m_heights.rbegin()->second;
  stats.timers_cancelled += m_armed.size() - m_fired.size() - last.queue.size();  // fired and pending ones were armed
  stats.instances += last.instances.size();
  for (const auto& [id, inst] : last.instances) {
    if (inst.status == alpha::Status::kExpired) ++stats.outcomes[3];
    if (inst.status != alpha::Status::kClosed) continue;
    for (size_t k = 0; k < 3; ++k)
      if (inst.stage == alpha_outcome_name(k)) ++stats.outcomes[k];
  }
}

}  // namespace cx::sim
