// complexchain bench: a load generator that measures what a client sees — pre-signed transfers
// submitted over keep-alive JSON-RPC connections in batches, and commits observed by following blocks.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <thread>
#include <unordered_map>

#include "base/clock.hpp"
#include "base/mutex.hpp"
#include "base/progress.hpp"
#include "cli/args.hpp"
#include "cli/bench_contract.hpp"
#include "cli/bench_internal.hpp"
#include "cli/bench_watch.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

using namespace bench;

constexpr uint64_t kDefaultStepPrice = 12'500'000'000ull;  // ICON's default, if the node does not say
constexpr size_t kSendersMax = 100'000;
constexpr size_t kTxsMax = 10'000'000;
constexpr size_t kConcurrencyMax = 1024;
constexpr size_t kBatchMax = 10'000;
constexpr size_t kBlocksPerFetch = 16;   // missed heights fetched per JSON-RPC batch

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

// Reports carry three decimals: more would be noise from the clock and the poll interval.
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

// ---- phase (b): signing ----

double presign(const BenchConfig& cfg, const std::vector<Signer>& senders, std::vector<TxSlot>& slots,
               unsigned threads) {
  int64_t started = mono_us();
  // Per-sender nonces make every hash distinct, even for equal transfers. Open loop, each tx is
  // stamped with the time it is due to be sent (in the past by the signing time when it is), so a
  // run longer than the chain's timestamp window (5 minutes) still sends txs the chain accepts.
  int64_t base_ts = system_clock().now_us();
  auto work = [&](unsigned t) {
    for (size_t i = t; i < slots.size(); i += threads) {
      size_t s = i % senders.size();
      TxSpec spec;
      const crypto::Address& next = senders[(s + 1) % senders.size()].address;
      if (cfg.irc2) {
        spec.to = cfg.token;
        spec.data_type = "call";
        spec.data = irc2_transfer_data(next, kBenchValueLoop);
      } else {
        spec.to = next;
        spec.value = Uint256(kBenchValueLoop);
      }
      spec.step_limit = Uint256(cfg.step_limit);
      spec.timestamp_us = base_ts + (cfg.rate ? static_cast<int64_t>(i * 1'000'000 / cfg.rate) : static_cast<int64_t>(i));
      spec.nid = cfg.nid;
      spec.nonce = Uint256(i / senders.size());
      SignedTx tx = sign_tx_params(unsigned_tx_params(spec, senders[s].address), senders[s].key);
      slots[i].hash = tx.hash;
      slots[i].request = rpc_request_json(i, "icx_sendTransaction", tx.params);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, t);
  for (auto& th : pool) th.join();
  return seconds(mono_us() - started);
}

// ---- phase (c): submission ----

struct SubmitStats {
  std::atomic<size_t> accepted{0};
  std::atomic<size_t> pool_full_retries{0};
  std::atomic<int64_t> first_submit_us{0};
  std::atomic<int64_t> last_accept_us{0};
};

void submit_worker(const BenchConfig& cfg, size_t worker, std::vector<TxSlot>& slots, std::atomic<size_t>& next_batch,
                   SubmitStats& stats, Failures& failures, int64_t run_start_us, int64_t give_up_us) {
  RpcClient client(cfg.submit_urls[worker % cfg.submit_urls.size()]);
  size_t batches = (slots.size() + cfg.batch - 1) / cfg.batch;
  std::vector<size_t> todo, retry;
  for (;;) {
    size_t b = next_batch.fetch_add(1);
    if (b >= batches) return;
    if (cfg.rate) {
      // Open loop: batch b is due at b·batch/rate seconds, whether or not the chain keeps up, so
      // latency includes any queueing the node builds up.
      int64_t due = run_start_us + static_cast<int64_t>(static_cast<double>(b * cfg.batch) * 1e6 / static_cast<double>(cfg.rate));
      int64_t now = mono_us();
      if (due > now) std::this_thread::sleep_for(std::chrono::microseconds(due - now));
    }
    todo.clear();
    for (size_t i = b * cfg.batch; i < std::min(slots.size(), (b + 1) * cfg.batch); ++i) todo.push_back(i);
    auto backoff = std::chrono::milliseconds(10);
    while (!todo.empty()) {
      std::string body = "[";
      for (size_t k = 0; k < todo.size(); ++k) {
        if (k) body += ',';
        body += slots[todo[k]].request;
      }
      body += ']';
      int64_t now = mono_us();
      int64_t expected = 0;
      stats.first_submit_us.compare_exchange_strong(expected, now);
      for (size_t i : todo) slots[i].submit_us.store(now, std::memory_order_relaxed);
      auto reply = client.post(body);
      std::vector<RpcReply> replies(todo.size());
      if (!reply) {
        for (auto& r : replies) r = RpcReply::failure(kTransportFailure, reply.message());
      } else {
        boost::system::error_code ec;
        json::value v = json::parse(reply->body, ec);
        if (ec || !(v.is_array() || v.is_object())) {
          for (auto& r : replies) r = RpcReply::failure(kTransportFailure, "HTTP " + std::to_string(reply->status) + ": unparsable batch reply");
        } else if (v.is_object()) {
          RpcReply whole = parse_rpc_response(v);  // the node refused the batch as a whole
          for (auto& r : replies) r = whole.ok() ? RpcReply::failure(kTransportFailure, "batch answered with one result") : whole;
        } else {
          for (auto& r : replies) r = RpcReply::failure(kTransportFailure, "no reply for this tx in the batch");
          std::unordered_map<size_t, size_t> position;
          for (size_t k = 0; k < todo.size(); ++k) position[todo[k]] = k;
          for (const json::value& item : v.get_array()) {
            auto id = item.is_object() ? json_u64(item.get_object().if_contains("id")) : std::nullopt;
            if (!id) continue;
            if (auto it = position.find(*id); it != position.end()) replies[it->second] = parse_rpc_response(item);
          }
        }
      }
      retry.clear();
      int64_t done = mono_us();
      for (size_t k = 0; k < todo.size(); ++k) {
        const RpcReply& r = replies[k];
        if (r.ok()) {
          slots[todo[k]].accepted.store(true, std::memory_order_release);
          ++stats.accepted;
          continue;
        }
        // A full pool is back-pressure, not a verdict on the tx: offer it again after a pause.
        if (r.error->code == kRpcPoolOverflow && done < give_up_us) {
          retry.push_back(todo[k]);
          continue;
        }
        failures.add(*r.error);
      }
      int64_t last = stats.last_accept_us.load();
      while (last < done && !stats.last_accept_us.compare_exchange_weak(last, done)) {
      }
      if (!retry.empty()) {
        stats.pool_full_retries += retry.size();
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(500));
      }
      todo.swap(retry);
    }
  }
}

// ---- phase (d): following commits ----

struct BlockStat {
  uint64_t height = 0;
  size_t txs = 0;
  size_t ours = 0;
};

struct FollowStats {
  std::vector<BlockStat> blocks;
  std::atomic<size_t> committed{0};
  int64_t last_commit_us = 0;
  uint64_t max_rss_kib = 0;
  std::string error;
};

class Follower {
 public:
  Follower(const BenchConfig& cfg, std::vector<TxSlot>& slots, FollowStats& stats)
      : m_cfg(cfg), m_slots(slots), m_stats(stats), m_client(cfg.url) {
    m_index.reserve(slots.size());
    for (size_t i = 0; i < slots.size(); ++i) m_index.emplace(slots[i].hash, i);
  }

  // The height to start after; blocks at or below it cannot hold bench txs.
  Status start_at_latest() {
    auto latest = latest_height();
    if (!latest) return latest.status();
    m_seen = *latest;
    return Status::ok();
  }

  // Polls until every accepted tx is seen, or `deadline_us` (moved by the caller) passes.
  void run(const std::atomic<bool>& submitting, const SubmitStats& submit, const std::atomic<int64_t>& deadline_us) {
    for (;;) {
      if (m_cfg.node_pid) {
        ProcSample s = sample_proc(*m_cfg.node_pid);
        if (s.ok) m_stats.max_rss_kib = std::max(m_stats.max_rss_kib, s.rss_kib);
      }
      auto latest = latest_height();
      if (!latest) {
        m_stats.error = latest.message();
      } else {
        while (m_seen < *latest) {
          uint64_t to = std::min(*latest, m_seen + kBlocksPerFetch);
          if (!fetch_blocks(m_seen + 1, to)) break;
        }
      }
      bool all_in = !submitting.load() && m_stats.committed.load() >= submit.accepted.load();
      if (all_in || mono_us() > deadline_us.load()) return;
      std::this_thread::sleep_for(m_cfg.poll_interval);
    }
  }

 private:
  // icx_getNetworkInfo's "latest" is a few bytes; icx_getLastBlock may carry thousands of txs.
  Result<uint64_t> latest_height() { return bench::latest_height(m_client, m_network_info_has_latest); }

  bool fetch_blocks(uint64_t from, uint64_t to) {
    std::vector<RpcRequest> reqs;
    for (uint64_t h = from; h <= to; ++h)
      reqs.push_back({"icx_getBlockByHeight", json::object{{"height", Uint256(h).to_icon_hex()}}});
    auto replies = m_client.call_batch(reqs);
    int64_t observed = mono_us();
    for (size_t k = 0; k < replies.size(); ++k) {
      if (!replies[k].ok()) {
        m_stats.error = "icx_getBlockByHeight " + std::to_string(from + k) + ": " + replies[k].error->describe();
        return false;  // retried from this height on the next poll
      }
      absorb(from + k, replies[k].result, observed);
      m_seen = from + k;
    }
    return true;
  }

  void absorb(uint64_t height, const json::value& block, int64_t observed_us) {
    BlockStat stat{height, 0, 0};
    const json::object* b = block.if_object();
    const json::value* list = b ? b->if_contains("confirmed_transaction_list") : nullptr;
    if (list && list->is_array()) {
      for (const json::value& t : list->get_array()) {
        ++stat.txs;
        const json::object* o = t.if_object();
        if (!o) continue;
        const json::value* h = o->if_contains("txHash");
        if (!h) h = o->if_contains("tx_hash");
        if (!h || !h->is_string()) continue;
        auto hash = Hash32::from_hex_string(h->get_string());
        if (!hash) continue;
        auto it = m_index.find(*hash);
        if (it == m_index.end()) continue;
        int64_t zero = 0;
        if (m_slots[it->second].commit_us.compare_exchange_strong(zero, observed_us)) {
          ++stat.ours;
          ++m_stats.committed;
          m_stats.last_commit_us = observed_us;
        }
      }
    }
    m_stats.blocks.push_back(stat);
  }

  const BenchConfig& m_cfg;
  std::vector<TxSlot>& m_slots;
  FollowStats& m_stats;
  RpcClient m_client;
  std::unordered_map<Hash32, size_t, FixedBytesHasher> m_index;
  uint64_t m_seen = 0;
  bool m_network_info_has_latest = true;
};

Result<size_t> parse_count(const Args& args, std::string_view name, size_t max) {
  std::string text = args.get_or(std::string(name), "");
  auto v = parse_height(text);
  if (!v || *v == 0 || *v > max)
    return Result<size_t>::error("--" + std::string(name) + " '" + text + "': expected 1.." + std::to_string(max));
  return static_cast<size_t>(*v);
}

// While the run goes on: a line to stderr every few seconds with what is submitted and committed,
// the commit rate and an estimate of the time left (not with --json, whose output is the report).
void show_progress(const BenchConfig& cfg, const std::vector<TxSlot>& slots, const SubmitStats& submit,
                   const std::atomic<bool>& running) {
  if (cfg.json) return;
  ProgressMeter meter(3'000'000);
  while (running.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    size_t committed = 0;
    for (const TxSlot& s : slots) committed += s.commit_us.load(std::memory_order_relaxed) != 0;
    auto r = meter.update(mono_us(), committed, slots.size() - committed);
    if (!r || r->finished || r->first) continue;  // the first report only starts the clock
    std::fprintf(stderr, "  progress: %zu/%zu submitted, %zu committed, %s\n", submit.accepted.load(), slots.size(),
                 committed, ProgressMeter::describe(*r, " txs").c_str());
    std::fflush(stderr);
  }
}

}  // namespace

int cmd_bench(const Argv& argv) {
  Args args("complexchain bench [options]",
            "Load generator: funds fresh senders, pre-signs transfers, submits them in JSON-RPC batches over "
            "keep-alive connections and follows the chain until they are committed; reports committed tx/s, "
            "submit-to-commit latency and, with --node-pid, the node's CPU and memory.",
            {{"rpc", "URL[,URL...]", "node JSON-RPC endpoint(s); submissions are spread over all of them, the first is followed (default: the accounts file's rpc, else " + std::string(kDefaultRpcUrl) + ")", ""},
             {"accounts-file", "FILE", "localnet accounts; the first one funds the senders", kDefaultAccountsFile},
             {"key-file", "FILE", "fund from the hex private key in FILE instead", ""},
             {"nid", "NID", "network id (default: the accounts file's, else icx_getNetworkInfo)", ""},
             {"txs", "N", "transfers to send", "50000"},
             {"senders", "M", "fresh sender accounts, used round-robin", "200"},
             {"concurrency", "C", "keep-alive connections submitting in parallel", "8"},
             {"batch", "B", "txs per JSON-RPC batch", "100"},
             {"rate", "TPS", "offer this many tx/s (open loop; 0 = as fast as accepted)", "0"},
             {"node-pid", "PID", "sample this process's CPU time and RSS from /proc", ""},
             {"timeout", "SECONDS", "give up on commits this long after the last submission", "120"},
             {"poll-ms", "MS", "block polling interval", "20"},
             {"workload", "KIND", "transfer (plain coin transfers), irc2 (the funder deploys --contract, hands "
                                  "tokens to the senders, then IRC2 transfer calls are measured) or alpha (Alpha "
                                  "instances run to their close, and --alpha-timers deadlines due at once)", "transfer"},
             {"alpha-instances", "N", "--workload alpha: instances run from proposal to close", "200"},
             {"alpha-timers", "N", "--workload alpha: signing deadlines that fall due in one block", "0"},
             {"contract", "DIR", "the IRC2 token for --workload irc2", kIrc2DefaultDir},
             {"watch", "URL[,URL...]", "sample these nodes' heights (followers, auditors) every 100 ms during the run and report "
                                       "how far each trails the --rpc endpoints, in blocks and in ms", ""},
             {"json", "", "print the report as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (!args.positionals().empty()) return fail("unexpected argument '" + args.positionals().front() + "'");

  BenchConfig cfg;
  cfg.json = args.flag("json");
  auto txs = parse_count(args, "txs", kTxsMax);
  auto senders = parse_count(args, "senders", kSendersMax);
  auto concurrency = parse_count(args, "concurrency", kConcurrencyMax);
  auto batch = parse_count(args, "batch", kBatchMax);
  auto timeout_s = parse_count(args, "timeout", 24 * 3600);
  auto poll_ms = parse_count(args, "poll-ms", 10'000);
  size_t rate = 0;
  if (auto r = args.get("rate"); r && *r != "0") {
    auto v = parse_count(args, "rate", 10'000'000);
    if (!v) return fail(v.message());
    rate = *v;
  }
  if (!txs) return fail(txs.message());
  if (!senders) return fail(senders.message());
  if (!concurrency) return fail(concurrency.message());
  if (!batch) return fail(batch.message());
  if (!timeout_s) return fail(timeout_s.message());
  if (!poll_ms) return fail(poll_ms.message());
  cfg.txs = *txs;
  cfg.senders = std::min(*senders, *txs);
  cfg.concurrency = *concurrency;
  cfg.batch = *batch;
  cfg.rate = rate;
  cfg.commit_timeout = std::chrono::seconds(*timeout_s);
  cfg.poll_interval = std::chrono::milliseconds(*poll_ms);
  const std::string workload = args.get_or("workload", "transfer");
  if (workload != "transfer" && workload != "irc2" && workload != "alpha")
    return fail("--workload '" + workload + "': expected transfer, irc2 or alpha");
  cfg.irc2 = workload == "irc2";
  cfg.contract_dir = args.get_or("contract", kIrc2DefaultDir);
  if (cfg.irc2) cfg.step_limit = kIrc2CallStepLimit;
  if (auto pid = args.get("node-pid")) {
    auto v = parse_height(*pid);
    if (!v || *v == 0 || *v > 4'194'304 || !sample_proc(static_cast<pid_t>(*v)).ok)
      return fail("--node-pid '" + *pid + "': no such process in /proc");
    cfg.node_pid = static_cast<pid_t>(*v);
  }

  AccountsFile accounts;
  if (auto key_file = args.get("key-file")) {
    auto text = read_text_file(*key_file);
    if (!text) return fail(text.message());
    auto key = parse_private_key_hex(*text);
    if (!key) return fail(*key_file + ": " + key.message());
    cfg.funder = {*key, crypto::Address::of_public_key(*crypto::public_key_of(*key))};
  } else {
    auto f = read_accounts_file(args.get_or("accounts-file", kDefaultAccountsFile));
    if (!f) return fail(f.message() + " (start 'complexchain localnet' first, or give --accounts-file / --key-file)");
    accounts = *f;
    cfg.funder = *accounts.first;
  }
  auto submit_urls = parse_url_list(args.get_or("rpc", accounts.rpc.empty() ? kDefaultRpcUrl : accounts.rpc), "rpc", kConcurrencyMax);
  if (!submit_urls) return fail(submit_urls.message());
  cfg.submit_urls = *submit_urls;
  cfg.url = cfg.submit_urls.front();
  std::vector<Url> watch_urls;
  if (auto w = args.get("watch")) {
    auto urls = parse_url_list(*w, "watch", kWatchUrlsMax);
    if (!urls) return fail(urls.message());
    watch_urls = *urls;
  }

  RpcClient control(cfg.url);
  Uint256 step_price(kDefaultStepPrice);
  {
    RpcReply info = control.call("icx_getNetworkInfo");
    if (info.ok() && info.result.is_object()) {
      const json::object& o = info.result.get_object();
      if (const json::value* sp = o.if_contains("stepPrice"); sp && sp->is_string())
        if (auto v = Uint256::from_icon_hex(sp->get_string())) step_price = *v;
      if (auto nid = json_u64(o.if_contains("nid")); nid && !accounts.nid) accounts.nid = nid;
    } else if (!info.ok() && info.error->is_transport()) {
      return fail(info.error->message);
    }
  }
  if (auto nid = args.get("nid")) {
    auto v = parse_height(*nid);
    if (!v) return fail("--nid '" + *nid + "' is not a number");
    cfg.nid = *v;
  } else if (accounts.nid) {
    cfg.nid = *accounts.nid;
  } else {
    return fail("cannot learn the nid (no accounts file nid, no icx_getNetworkInfo); give --nid");
  }

  if (workload == "alpha") return run_alpha(cfg, control, step_price, args);
  auto say = [&](const char* fmt, auto... a) {
    if (!cfg.json) {
      std::fprintf(stderr, fmt, a...);
      std::fflush(stderr);
    }
  };
  say("bench: %zu transfers from %zu senders, %zu connections, batches of %zu -> %s%s (nid 0x%llx)", cfg.txs,
      cfg.senders, cfg.concurrency, cfg.batch, cfg.url.to_string().c_str(),
      cfg.submit_urls.size() > 1 ? (" (+" + std::to_string(cfg.submit_urls.size() - 1) + " more endpoints)").c_str() : "",
      static_cast<unsigned long long>(cfg.nid));
  if (cfg.rate) say(", offered at %zu tx/s", cfg.rate);
  say("\n");

  // (a) funding
  auto funding = fund_senders(cfg, control, step_price);
  if (!funding) return fail("funding: " + funding.message());
  say("funded %zu senders in %.2f s\n", cfg.senders, funding->seconds);
  Irc2Workload irc2;
  if (cfg.irc2) {
    const size_t per_sender = (cfg.txs + cfg.senders - 1) / cfg.senders;
    auto set_up = setup_irc2(control, cfg.funder, cfg.nid, cfg.contract_dir, funding->senders,
                             kBenchValueLoop * (per_sender + per_sender / 10 + 10), cfg.batch);
    if (!set_up) return fail("irc2 workload: " + set_up.message());
    irc2 = *set_up;
    cfg.token = irc2.token;
    say("deployed %s at %s and handed tokens to %zu senders in %.2f s (deploy %llu steps, one transfer call %llu steps)\n",
        cfg.contract_dir.c_str(), irc2.token.to_string().c_str(), cfg.senders, irc2.setup_seconds,
        static_cast<unsigned long long>(irc2.deploy_step_used), static_cast<unsigned long long>(irc2.hand_out_step_used));
  }

  // (b) signing, timed apart from the run: it measures this client, not the chain.
  std::vector<TxSlot> slots(cfg.txs);
  unsigned sign_threads = std::max(1u, std::thread::hardware_concurrency());
  double sign_seconds = presign(cfg, funding->senders, slots, sign_threads);
  say("signed %zu txs in %.2f s (%.0f tx/s on %u threads)\n", cfg.txs, sign_seconds,
      static_cast<double>(cfg.txs) / std::max(sign_seconds, 1e-9), sign_threads);

  // (c)+(d) submission and commit following run together.
  FollowStats follow;
  Follower follower(cfg, slots, follow);
  if (Status s = follower.start_at_latest(); !s) return fail(s.message());
  Failures failures;
  SubmitStats submit;
  std::atomic<bool> submitting{true};
  // Until submission ends the follower must not stop; then it gets `timeout` more to see commits.
  std::atomic<int64_t> deadline_us{INT64_MAX};
  ProcSample proc_start = cfg.node_pid ? sample_proc(*cfg.node_pid) : ProcSample{};
  HeightWatch watch(cfg.submit_urls, watch_urls, kWatchInterval);
  if (!watch_urls.empty()) watch.start();
  int64_t run_start = mono_us();
  std::thread follow_thread([&] { follower.run(submitting, submit, deadline_us); });
  std::atomic<bool> running{true};
  std::thread progress_thread([&] { show_progress(cfg, slots, submit, running); });
  std::atomic<size_t> next_batch{0};
  std::vector<std::thread> workers;
  int64_t give_up_us = run_start + static_cast<int64_t>(cfg.commit_timeout.count()) * 1000;
  for (size_t c = 0; c < cfg.concurrency; ++c)
    workers.emplace_back(submit_worker, std::cref(cfg), c, std::ref(slots), std::ref(next_batch), std::ref(submit),
                         std::ref(failures), run_start, give_up_us);
  for (auto& w : workers) w.join();
  int64_t submit_end = mono_us();
  deadline_us = submit_end + static_cast<int64_t>(cfg.commit_timeout.count()) * 1000;
  submitting = false;
  say("submitted: %zu accepted, %zu rejected in %.2f s\n", submit.accepted.load(), failures.count.load(),
      seconds(submit_end - run_start));
  follow_thread.join();
  watch.stop();
  running = false;
  progress_thread.join();
  int64_t run_end = mono_us();
  ProcSample proc_end = cfg.node_pid ? sample_proc(*cfg.node_pid) : ProcSample{};

  // (e) report
  ReceiptCheck receipts = check_receipts(cfg, slots);
  std::vector<int64_t> latencies;
  size_t committed = 0;
  for (const TxSlot& s : slots) {
    int64_t c = s.commit_us.load();
    if (!c) continue;
    ++committed;
    latencies.push_back(std::max<int64_t>(0, c - s.submit_us.load()));
  }
  std::sort(latencies.begin(), latencies.end());
  int64_t first_submit = submit.first_submit_us.load();
  double commit_window = committed ? seconds(follow.last_commit_us - first_submit) : 0;
  double commit_rate = commit_window > 0 ? static_cast<double>(committed) / commit_window : 0;
  double submit_rate = static_cast<double>(submit.accepted.load()) / std::max(seconds(submit_end - first_submit), 1e-9);
  // Blocks of the run: from the first to the last that carried one of our txs.
  size_t first_block = follow.blocks.size(), last_block = 0;
  for (size_t k = 0; k < follow.blocks.size(); ++k) {
    if (!follow.blocks[k].ours) continue;
    first_block = std::min(first_block, k);
    last_block = k;
  }
  size_t run_blocks = 0, run_block_txs = 0, max_block_txs = 0;
  uint64_t first_height = 0, last_height = 0;
  if (first_block < follow.blocks.size()) {
    first_height = follow.blocks[first_block].height;
    last_height = follow.blocks[last_block].height;
    for (size_t k = first_block; k <= last_block; ++k) {
      ++run_blocks;
      run_block_txs += follow.blocks[k].txs;
      max_block_txs = std::max(max_block_txs, follow.blocks[k].txs);
    }
  }
  double mean_block_txs = run_blocks ? static_cast<double>(run_block_txs) / static_cast<double>(run_blocks) : 0;
  double cpu_percent = -1;
  if (proc_start.ok && proc_end.ok && run_end > run_start) {
    double cpu_s = static_cast<double>(proc_end.cpu_ticks - proc_start.cpu_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
    cpu_percent = 100.0 * cpu_s / seconds(run_end - run_start);
  }
  double p50 = percentile_ms(latencies, 50), p99 = percentile_ms(latencies, 99);
  double pmax = latencies.empty() ? 0 : static_cast<double>(latencies.back()) / 1000.0;
  bool complete = committed == cfg.txs && receipts.success == receipts.sampled;

  if (cfg.json) {
    json::object failed_by;
    for (const auto& [reason, n] : failures.by_reason()) failed_by[reason] = n;
    json::object out{
        {"rpc", cfg.url.to_string()},
        {"workload", cfg.irc2 ? "irc2" : "transfer"},
        {"txs", cfg.txs},
        {"senders", cfg.senders},
        {"concurrency", cfg.concurrency},
        {"batch", cfg.batch},
        {"offered_tps", cfg.rate},
        {"funding_seconds", round3(funding->seconds)},
        {"signing_seconds", round3(sign_seconds)},
        {"signing_threads", sign_threads},
        {"submitted", submit.accepted.load()},
        {"failed", failures.count.load()},
        {"failed_by_reason", failed_by},
        {"pool_full_retries", submit.pool_full_retries.load()},
        {"submit_tps", round3(submit_rate)},
        {"committed", committed},
        {"commit_seconds", round3(commit_window)},
        {"committed_tps", round3(commit_rate)},
        {"latency_ms", {{"p50", round3(p50)}, {"p99", round3(p99)}, {"max", round3(pmax)}}},
        {"blocks", run_blocks},
        {"first_height", first_height},
        {"last_height", last_height},
        {"mean_txs_per_block", round3(mean_block_txs)},
        {"max_txs_per_block", max_block_txs},
        {"receipts_sampled", receipts.sampled},
        {"receipts_success", receipts.success},
        {"step_used_per_tx", receipts.step_used_max},
        {"complete", complete},
    };
    if (!follow.error.empty()) out["last_follow_error"] = follow.error;
    if (!watch_urls.empty()) out["watch"] = watch_json(watch.report());
    if (cfg.irc2) out["token"] = irc2.token.to_string();
    if (cfg.node_pid) {
      out["node_pid"] = *cfg.node_pid;
      out["node_cpu_percent"] = round3(cpu_percent);
      out["node_peak_rss_mib"] = round3(static_cast<double>(proc_end.hwm_kib) / 1024.0);
      out["node_max_sampled_rss_mib"] = round3(static_cast<double>(follow.max_rss_kib) / 1024.0);
    }
    std::printf("%s\n", pretty_json(out).c_str());
  } else {
    std::printf("submitted:   %zu accepted, %zu failed (%.0f tx/s accepted; %zu pool-full retries)\n",
                submit.accepted.load(), failures.count.load(), submit_rate, submit.pool_full_retries.load());
    for (const auto& [reason, n] : failures.by_reason()) std::printf("  %8zu  %s\n", n, reason.c_str());
    std::printf("committed:   %zu / %zu in %.2f s -> %.1f tx/s (first submit to last commit)\n", committed, cfg.txs,
                commit_window, commit_rate);
    std::printf("latency:     submit->commit p50 %.1f ms, p99 %.1f ms, max %.1f ms (poll interval %lld ms)\n", p50,
                p99, pmax, static_cast<long long>(cfg.poll_interval.count()));
    std::printf("blocks:      %zu (heights %llu..%llu), mean %.1f txs/block, max %zu\n", run_blocks,
                static_cast<unsigned long long>(first_height), static_cast<unsigned long long>(last_height),
                mean_block_txs, max_block_txs);
    std::printf("receipts:    %zu / %zu sampled with status 0x1, at most %llu steps each (%s)\n", receipts.success,
                receipts.sampled, static_cast<unsigned long long>(receipts.step_used_max),
                cfg.irc2 ? "IRC2 transfer calls" : "plain transfers");
    for (const auto& p : receipts.problems) std::printf("  %s\n", p.c_str());
    if (cfg.node_pid) {
      std::printf("node:        CPU %.0f%% of one core over the run, peak RSS %.1f MiB (VmHWM), max sampled RSS %.1f MiB\n",
                  cpu_percent, static_cast<double>(proc_end.hwm_kib) / 1024.0,
                  static_cast<double>(follow.max_rss_kib) / 1024.0);
    }
    print_watch(watch.report());
    if (!follow.error.empty() && committed < cfg.txs) std::printf("last follow error: %s\n", follow.error.c_str());
  }
  return complete ? 0 : 1;
}

}  // namespace cx::cli
