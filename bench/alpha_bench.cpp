// Alpha Contract benchmarks (issue 12, "How fast"): instances run through to close by the engine, and
// the cost of firing due timers in one block through begin-block (docs/alpha-engine.md §3).
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "alpha/canonical.hpp"
#include "alpha/instance.hpp"
#include "alpha/system_contract.hpp"
#include "execution/begin_block.hpp"
#include "execution/test_probe.hpp"

using namespace cx;
namespace json = boost::json;

namespace {

constexpr int64_t kT0 = 1'767'225'600;

std::string read_example(const std::string& name) {
  std::ifstream f(std::string(CX_SOURCE_DIR) + "/examples/alpha/" + name + ".json", std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string hx(int n) { return execution::testing::user(static_cast<uint8_t>(n)).to_string(); }

const alpha::Transition& ok(const alpha::Result& r) { return std::get<alpha::Transition>(r); }

// One auction from proposal to close: propose, sign, two bids, the bidding deadline, a hand-over and
// the award — 7 engine transitions (the "instance steps").
void BM_AlphaAuctionToClose(benchmark::State& st) {
  const alpha::Template t = std::get<alpha::Template>(alpha::parse_template_json(read_example("auction")));
  const Hash32 th = alpha::template_hash(t);
  json::object params{{"reserve", "100"}, {"bids_close", kT0 + 86'400}, {"award_within", "P2D"}};
  json::object parties{{"owner", hx(1)}, {"referee", hx(2)}, {"bidder", json::array{hx(3), hx(4), hx(5)}}};
  for (auto _ : st) {
    alpha::Instance i = std::get<alpha::Instance>(alpha::propose(t, th, 1, params, parties, kT0, std::nullopt));
    i = ok(alpha::sign(t, i, {kT0, hx(1)}, i.hash)).next;
    i = ok(alpha::fund(t, i, {kT0, hx(3)}, "COIN", Uint256(150))).next;
    i = ok(alpha::fund(t, i, {kT0, hx(4)}, "COIN", Uint256(200))).next;
    i = ok(alpha::fire_timer(t, i, kT0 + 86'400, i.timers.front().id)).next;
    i = ok(alpha::delegate(t, i, {kT0 + 86'400, hx(1)}, "award", hx(2))).next;
    i = ok(alpha::decide(t, i, {kT0 + 86'400, hx(2)}, "award", hx(4))).next;
    if (i.status != alpha::Status::kClosed) return st.SkipWithError("the auction did not close");
  }
  st.SetItemsProcessed(st.iterations() * 7);
}
BENCHMARK(BM_AlphaAuctionToClose)->Unit(benchmark::kMicrosecond);

// range(0) proposed auctions whose signing deadlines are all due: one begin-block fires them all
// (the per-block cap lifted to range(0)), over the contract's storage in a journal.
void BM_AlphaFireDueTimers(benchmark::State& st) {
  const auto n = static_cast<uint32_t>(st.range(0));
  core::ChainParams p;
  p.treasury = execution::testing::user(0xfe);
  p.accounts = {{execution::testing::user(1), core::testing::icx(1'000'000)}};
  std::map<Bytes, Bytes> state;
  for (const auto& [k, v] : execution::genesis_changes(p))
    if (v) state[k] = *v;
  const std::string text = read_example("auction");
  const std::string th = "0x" + alpha::template_hash(std::get<alpha::Template>(alpha::parse_template_json(text))).hex();
  json::object params{{"reserve", "100"}, {"bids_close", kT0 + 86'400}, {"award_within", "P2D"}};
  json::object parties{{"owner", hx(1)}, {"referee", hx(2)}, {"bidder", json::array{hx(3)}}};
  std::vector<core::TxPtr> txs;
  auto call = [&](std::string_view method, json::object args) {
    execution::testing::TxFields f;
    f.to = alpha::alpha_contract_address();
    f.step_limit = 2'000'000'000;
    f.data = execution::testing::call_data(method, std::move(args));
    txs.push_back(std::make_shared<const core::Transaction>(execution::testing::make_tx(f)));
  };
  call("registerTemplate", {{"template", text}});
  for (uint32_t i = 0; i < n; ++i)
    call("propose", {{"template", th}, {"params", params}, {"parties", parties}, {"signBy", kT0 + 100}});
  {
    execution::testing::MapReader genesis(state::StateChanges(state.begin(), state.end()));
    execution::BlockContext ctx{&p, 1, kT0 * 1'000'000, nullptr};
    auto out = execution::apply_block(genesis, ctx, txs);
    for (const auto& r : out.receipts)
      if (!r.success) return st.SkipWithError(("setup tx failed: " + r.failure->message).c_str());
    for (const auto& [k, v] : out.changes)
      if (v) state[k] = *v;
  }
  execution::testing::MapReader base(state::StateChanges(state.begin(), state.end()));
  for (auto _ : st) {
    execution::Journal journal(base);
    execution::BlockContext ctx{&p, 2, (kT0 + 100) * 1'000'000, nullptr};
    if (execution::begin_block(journal, ctx, n) != n) return st.SkipWithError("not every timer fired");
    benchmark::DoNotOptimize(journal.take_changes());
  }
  st.SetItemsProcessed(st.iterations() * n);
}
BENCHMARK(BM_AlphaFireDueTimers)->Arg(256)->Arg(10'000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
