// complexchain bench --workload alpha (docs/alpha-engine.md §7): Alpha instances of the cash-with-order
// term (examples/alpha/terms/cwo.json) created and run through to close on the chain, phase by phase
// with pre-signed txs (propose; both signatures; the buyer's payment; the seller's confirmation; the
// carrier's shipment), then --timers proposals whose signing deadlines all fall due at once, followed
// block by block while begin-block expires them at most 256 per block.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "alpha/canonical.hpp"
#include "alpha/system_contract.hpp"
#include "alpha/template.hpp"
#include "cli/bench_contract.hpp"
#include "cli/bench_internal.hpp"

namespace cx::cli::bench {

namespace json = boost::json;

namespace {

constexpr const char* kTemplatePath = "examples/alpha/terms/cwo.json";
constexpr auto kPhaseTimeout = std::chrono::seconds(600);
constexpr uint64_t kCountMax = 100'000;  // --alpha-instances, --alpha-timers
constexpr size_t kInstanceTxs = 6;  // propose, 2 signs, fund, 2 attestations: one transition each

struct Phase {
  std::string name;
  size_t txs = 0;
  double seconds = 0;
  uint64_t step_used_max = 0;
};

struct Call {
  const Signer* from;
  std::string method;
  json::object params;
  uint64_t value = 0;
};

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

int fail(const std::string& m) {
  std::fprintf(stderr, "error: alpha workload: %s\n", m.c_str());
  return 1;
}

// Signs every call (not timed), sends them in batches and waits for every receipt (timed).
Result<std::vector<json::object>> run_phase(const BenchConfig& cfg, RpcClient& client, const std::string& name,
                                            const std::vector<Call>& calls, std::vector<Phase>& phases) {
  std::vector<RpcRequest> reqs;
  std::vector<std::string> hashes;
  const int64_t base_ts = system_clock().now_us();
  for (size_t i = 0; i < calls.size(); ++i) {
    TxSpec spec;
    spec.to = alpha::alpha_contract_address();
    spec.value = Uint256(calls[i].value);
    spec.data_type = "call";
    spec.data = json::object{{"method", calls[i].method}, {"params", calls[i].params}};
    spec.step_limit = Uint256(cfg.step_limit);
    spec.nid = cfg.nid;
    spec.timestamp_us = base_ts + static_cast<int64_t>(i);
    SignedTx tx = build_signed_tx(spec, calls[i].from->key);
    hashes.push_back(tx.hash_hex());
    reqs.push_back({"icx_sendTransaction", std::move(tx.params)});
  }
  const int64_t started = mono_us();
  if (Status s = send_all(client, reqs, cfg.batch); !s) return Result<std::vector<json::object>>::error(name + ": " + s.message());
  auto receipts = wait_receipts(client, hashes, cfg.batch, kPhaseTimeout);
  if (!receipts) return Result<std::vector<json::object>>::error(name + ": " + receipts.message());
  Phase p{name, calls.size(), seconds(mono_us() - started), 0};
  for (const json::object& r : *receipts) p.step_used_max = std::max(p.step_used_max, step_used(r));
  phases.push_back(p);
  return receipts;
}

// The instance ids the proposals' AlphaTransition logs carry, in order.
Result<std::vector<std::string>> proposed_ids(const std::vector<json::object>& receipts) {
  std::vector<std::string> ids;
  for (const json::object& r : receipts) {
    const json::value* logs = r.if_contains("eventLogs");
    std::string id;
    if (logs && logs->is_array())
      for (const json::value& l : logs->get_array())
        if (const json::value* idx = l.as_object().if_contains("indexed"); idx && idx->as_array().size() >= 2)
          id = std::string(idx->as_array()[1].as_string());
    if (id.empty()) return Result<std::vector<std::string>>::error("a proposal's receipt has no AlphaTransition log");
    ids.push_back(id);
  }
  return ids;
}

// getInstance of every id, in batches (at `height` when given).
Result<std::vector<json::object>> read_instances(const BenchConfig& cfg, RpcClient& client, const std::vector<std::string>& ids) {
  std::vector<json::object> out;
  for (size_t start = 0; start < ids.size(); start += cfg.batch) {
    std::vector<RpcRequest> reqs;
    for (size_t k = start; k < std::min(ids.size(), start + cfg.batch); ++k)
      reqs.push_back({"icx_call", json::object{{"to", alpha::alpha_contract_address().to_string()}, {"dataType", "call"},
                                               {"data", {{"method", "getInstance"}, {"params", {{"id", ids[k]}}}}}}});
    for (const RpcReply& r : client.call_batch(reqs)) {
      if (!r.ok() || !r.result.is_object()) return Result<std::vector<json::object>>::error("getInstance: " + (r.ok() ? "not an object" : r.error->describe()));
      out.push_back(r.result.get_object());
    }
  }
  return out;
}

struct Setup {
  std::string template_hash;
  const std::vector<Signer>* senders;
  int64_t now_s;
};

json::object propose_params(const Setup& s, size_t k, std::optional<int64_t> sign_by) {
  const auto& S = *s.senders;
  const size_t m = S.size();
  json::object params{{"price", "1"}, {"confirm_within", "P1D"}, {"ship_by", s.now_s + 30 * 86'400}};
  json::object parties{{"buyer", S[(3 * k) % m].address.to_string()}, {"seller", S[(3 * k + 1) % m].address.to_string()},
                       {"carrier", S[(3 * k + 2) % m].address.to_string()}};
  json::object p{{"template", s.template_hash}, {"params", json::serialize(params)}, {"parties", json::serialize(parties)}};
  if (sign_by) p["signBy"] = Uint256(static_cast<uint64_t>(*sign_by)).to_icon_hex();
  return p;
}

// Every instance from proposal to its close at `completed`; returns how many closed there.
Result<size_t> run_instances(const BenchConfig& cfg, RpcClient& client, const Setup& s, size_t n, std::vector<Phase>& phases) {
  const auto& S = *s.senders;
  const size_t m = S.size();
  std::vector<Call> calls;
  for (size_t k = 0; k < n; ++k) calls.push_back({&S[(3 * k) % m], "propose", propose_params(s, k, std::nullopt)});
  auto proposed = run_phase(cfg, client, "propose", calls, phases);
  if (!proposed) return proposed.status();
  auto ids = proposed_ids(*proposed);
  if (!ids) return ids.status();
  auto insts = read_instances(cfg, client, *ids);
  if (!insts) return insts.status();
  auto each = [&](const char* name, auto&& make) -> Status {
    calls.clear();
    for (size_t k = 0; k < n; ++k) make(k, (*ids)[k]);
    auto r = run_phase(cfg, client, name, calls, phases);
    return r ? Status::ok() : r.status();
  };
  Status st = each("sign", [&](size_t k, const std::string& id) {
    const std::string hash = "0x" + std::string((*insts)[k].at("hash").as_string());
    calls.push_back({&S[(3 * k) % m], "sign", {{"id", id}, {"hash", hash}}});
    calls.push_back({&S[(3 * k + 1) % m], "sign", {{"id", id}, {"hash", hash}}});
  });
  if (st) st = each("fund", [&](size_t k, const std::string& id) { calls.push_back({&S[(3 * k) % m], "fund", {{"id", id}}, 1}); });
  if (st)
    st = each("confirm", [&](size_t k, const std::string& id) {
      calls.push_back({&S[(3 * k + 1) % m], "attest", {{"id", id}, {"event", "order_confirmed"}, {"nonce", "c"}, {"result", "accepted"}}});
    });
  if (st)
    st = each("ship", [&](size_t k, const std::string& id) {
      calls.push_back({&S[(3 * k + 2) % m], "attest", {{"id", id}, {"event", "shipped"}, {"nonce", "s"}}});
    });
  if (!st) return st;
  auto closed = read_instances(cfg, client, *ids);
  if (!closed) return closed.status();
  return static_cast<size_t>(std::count_if(closed->begin(), closed->end(), [](const json::object& o) {
    return o.at("status") == "closed" && o.at("stage") == "completed";
  }));
}

struct TimerRun {
  size_t proposed = 0;
  size_t fired_early = 0;  // timers already gone when the last proposal was committed
  size_t blocks = 0;       // blocks in which timers fired
  size_t max_per_block = 0;
  double chain_seconds = 0;  // block time from the deadline to the last firing block
  double wall_seconds = 0;   // from the deadline (wall clock) to the queue seen empty
};

// The queued timers due by `due` (other instances' later timers are left out).
Result<size_t> queue_length(RpcClient& client, std::optional<uint64_t> height, int64_t due) {
  json::object req{{"to", alpha::alpha_contract_address().to_string()}, {"dataType", "call"}, {"data", {{"method", "getTimers"}}}};
  if (height) req["height"] = Uint256(*height).to_icon_hex();
  RpcReply r = client.call("icx_call", std::move(req));
  if (!r.ok() || !r.result.is_array()) return Result<size_t>::error("getTimers: " + (r.ok() ? "not a list" : r.error->describe()));
  return static_cast<size_t>(std::count_if(r.result.get_array().begin(), r.result.get_array().end(), [&](const json::value& e) {
    return e.is_array() && !e.get_array().empty() && e.get_array()[0].is_int64() && e.get_array()[0].get_int64() <= due;
  }));
}

Result<std::pair<uint64_t, int64_t>> last_block(RpcClient& client) {
  RpcReply r = client.call("icx_getLastBlock");
  const json::object* o = r.ok() ? r.result.if_object() : nullptr;
  auto h = o ? json_u64(o->if_contains("height")) : std::nullopt;
  auto ts = o ? json_u64(o->if_contains("time_stamp")) : std::nullopt;
  if (!h || !ts) return Result<std::pair<uint64_t, int64_t>>::error("icx_getLastBlock: no height or time_stamp");
  return std::make_pair(*h, static_cast<int64_t>(*ts));
}

// n proposals whose signing deadlines are all `delay_s` from now; then every block until the queue is empty.
Result<TimerRun> run_timers(const BenchConfig& cfg, RpcClient& client, const Setup& s, size_t n, int64_t delay_s,
                            std::vector<Phase>& phases) {
  TimerRun out;
  const int64_t due = system_clock().now_us() / 1'000'000 + delay_s;
  std::vector<Call> calls;
  for (size_t k = 0; k < n; ++k) calls.push_back({&(*s.senders)[(3 * k) % s.senders->size()], "propose", propose_params(s, k, due)});
  auto proposed = run_phase(cfg, client, "propose-for-timers", calls, phases);
  if (!proposed) return proposed.status();
  out.proposed = n;
  auto before = last_block(client);
  if (!before) return before.status();
  auto queued = queue_length(client, before->first, due);
  if (!queued) return queued.status();
  out.fired_early = n > *queued ? n - *queued : 0;
  size_t left = *queued;
  uint64_t seen = before->first;
  int64_t last_ts = 0;
  while (system_clock().now_us() / 1'000'000 < due) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t wall_start = mono_us();
  while (left > 0) {
    if (mono_us() - wall_start > std::chrono::microseconds(kPhaseTimeout).count())
      return Result<TimerRun>::error(std::to_string(left) + " due timers still queued after 600 s");
    auto latest = last_block(client);
    if (!latest) return latest.status();
    for (; seen < latest->first; ++seen) {
      auto q = queue_length(client, seen + 1, due);
      if (!q) return q.status();
      if (*q < left) {
        RpcReply b = client.call("icx_getBlockByHeight", json::object{{"height", Uint256(seen + 1).to_icon_hex()}});
        auto ts = b.ok() && b.result.is_object() ? json_u64(b.result.get_object().if_contains("time_stamp")) : std::nullopt;
        if (!ts) return Result<TimerRun>::error("icx_getBlockByHeight: no time_stamp");
        last_ts = static_cast<int64_t>(*ts);
        ++out.blocks;
        out.max_per_block = std::max(out.max_per_block, left - *q);
      }
      left = *q;
    }
    if (left) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out.wall_seconds = seconds(mono_us() - wall_start);
  out.chain_seconds = seconds(last_ts - due * 1'000'000);
  return out;
}

Result<std::string> register_template(const BenchConfig& cfg, RpcClient& client, std::vector<Phase>& phases) {
  std::ifstream f(kTemplatePath, std::ios::binary);
  if (!f) return Result<std::string>::error(std::string("cannot read ") + kTemplatePath + " (run from the source tree)");
  std::stringstream file;
  file << f.rdbuf();
  // The bench runs instances to their close within seconds of block time: its copy of the term drops
  // the 3-day dispute window after shipment (during which the stage would wait; docs/alpha-engine.md §6).
  boost::system::error_code ec;
  json::value tv = json::parse(file.str(), ec);
  if (ec || !tv.is_object()) return Result<std::string>::error(std::string(kTemplatePath) + " is not a JSON object");
  if (json::value* events = tv.as_object().if_contains("events"); events && events->is_object())
    for (auto& kv : events->as_object())
      if (kv.value().is_object()) kv.value().as_object().erase("dispute_window");
  const std::string text = json::serialize(tv);
  std::vector<Call> calls{{&cfg.funder, "registerTemplate", {{"template", text}}}};
  auto r = run_phase(cfg, client, "register", calls, phases);
  if (!r) return r.status();
  phases.pop_back();  // setup, not measured
  auto parsed = alpha::parse_template_json(text);
  if (!std::holds_alternative<alpha::Template>(parsed)) return Result<std::string>::error(std::string(kTemplatePath) + " does not parse");
  return "0x" + alpha::template_hash(std::get<alpha::Template>(parsed)).hex();
}

}  // namespace

int run_alpha(BenchConfig& cfg, RpcClient& control, const Uint256& step_price, const Args& args) {
  auto n = parse_height(args.get_or("alpha-instances", "200")), t = parse_height(args.get_or("alpha-timers", "0"));
  if (!n || !t || *n > kCountMax || *t > kCountMax)
    return fail("--alpha-instances, --alpha-timers: expected 0.." + std::to_string(kCountMax));
  const size_t instances = *n, timers = *t;
  if (cfg.senders < 3) return fail("needs at least 3 senders (buyer, seller, carrier)");
  cfg.step_limit = kAlphaBenchStepLimit;
  // Each sender pays at most 2 txs per instance it takes part in, with 1 loop of value (the price).
  cfg.txs = (instances * kInstanceTxs + timers) * 3 / 2 + cfg.senders;
  auto funding = fund_senders(cfg, control, step_price);
  if (!funding) return fail("funding: " + funding.message());
  std::vector<Phase> phases;
  auto hash = register_template(cfg, control, phases);
  if (!hash) return fail(hash.message());
  Setup setup{*hash, &funding->senders, system_clock().now_us() / 1'000'000};
  if (!cfg.json) std::fprintf(stderr, "alpha: template %s registered; %zu instances from %zu senders\n", hash->c_str(), instances, cfg.senders);
  size_t closed = 0;
  if (instances) {
    auto c = run_instances(cfg, control, setup, instances, phases);
    if (!c) return fail(c.message());
    closed = *c;
  }
  double run_s = 0;
  size_t run_txs = 0;
  for (const Phase& p : phases) run_s += p.seconds, run_txs += p.txs;
  const double propose_rate = instances && phases.front().seconds > 0 ? static_cast<double>(instances) / phases.front().seconds : 100;
  TimerRun tr;
  if (timers) {
    const int64_t delay = 15 + static_cast<int64_t>(2.0 * static_cast<double>(timers) / propose_rate);
    auto t = run_timers(cfg, control, setup, timers, delay, phases);
    if (!t) return fail(t.message());
    tr = *t;
  }
  json::array ph;
  for (const Phase& p : phases)
    ph.push_back(json::object{{"phase", p.name}, {"txs", p.txs}, {"seconds", round3(p.seconds)},
                              {"tps", round3(p.seconds > 0 ? static_cast<double>(p.txs) / p.seconds : 0)}, {"step_used_max", p.step_used_max}});
  json::object out{{"workload", "alpha"}, {"template", kTemplatePath}, {"instances", instances}, {"closed", closed},
                   {"run_seconds", round3(run_s)}, {"txs", run_txs},
                   {"instances_per_second", round3(run_s > 0 ? static_cast<double>(closed) / run_s : 0)},
                   {"steps_per_second", round3(run_s > 0 ? static_cast<double>(closed * kInstanceTxs) / run_s : 0)},
                   {"txs_per_second", round3(run_s > 0 ? static_cast<double>(run_txs) / run_s : 0)}, {"phases", ph}};
  if (timers)
    out["timers"] = json::object{{"proposed", tr.proposed}, {"fired_early", tr.fired_early}, {"blocks", tr.blocks},
                                 {"max_per_block", tr.max_per_block}, {"chain_seconds", round3(tr.chain_seconds)},
                                 {"ms_per_block", round3(tr.blocks ? 1000.0 * tr.chain_seconds / static_cast<double>(tr.blocks) : 0)},
                                 {"wall_seconds", round3(tr.wall_seconds)}};
  if (cfg.json) {
    std::printf("%s\n", pretty_json(out).c_str());
  } else {
    for (const Phase& p : phases)
      std::printf("%-20s %6zu txs in %7.2f s -> %7.1f tx/s (at most %llu steps each)\n", p.name.c_str(), p.txs, p.seconds,
                  p.seconds > 0 ? static_cast<double>(p.txs) / p.seconds : 0, static_cast<unsigned long long>(p.step_used_max));
    if (instances)
      std::printf("instances:  %zu / %zu closed at 'completed' in %.2f s -> %.1f instances/s, %.1f steps/s, %.1f tx/s\n", closed,
                  instances, run_s, out["instances_per_second"].as_double(), out["steps_per_second"].as_double(),
                  out["txs_per_second"].as_double());
    if (timers)
      std::printf("timers:     %zu due at once (%zu fired before the last proposal) expired in %zu blocks, at most %zu per block; "
                  "the last %.2f s of block time after the deadline (%.0f ms/block), %.2f s on the wall clock\n",
                  tr.proposed, tr.fired_early, tr.blocks, tr.max_per_block, tr.chain_seconds,
                  tr.blocks ? 1000.0 * tr.chain_seconds / static_cast<double>(tr.blocks) : 0.0, tr.wall_seconds);
  }
  return closed == instances && tr.fired_early == 0 ? 0 : 1;
}

}  // namespace cx::cli::bench
