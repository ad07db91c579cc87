// complexchain bench's support (bench_internal.hpp): node sampling, the accounts file, funding the
// senders, and the receipt check of the report.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "base/random.hpp"
#include "cli/bench_internal.hpp"

namespace cx::cli::bench {

namespace json = boost::json;


ProcSample sample_proc(pid_t pid) {
  ProcSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) return s;
  // The command name (field 2) may hold spaces and parentheses; the fields after its closing ')'
  // start at field 3, so utime (14) and stime (15) are the 12th and 13th tokens there.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 1));
  std::string token;
  for (int field = 3; field <= 15 && rest >> token; ++field) {
    if (field == 14 || field == 15) s.cpu_ticks += std::strtoull(token.c_str(), nullptr, 10);
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) s.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
    if (line.starts_with("VmHWM:")) s.hwm_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  s.ok = true;
  return s;
}


Result<AccountsFile> read_accounts_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return Result<AccountsFile>::error(path + ": not a JSON object");
  const json::object& o = v.get_object();
  AccountsFile f;
  if (const json::value* rpc = o.if_contains("rpc"); rpc && rpc->is_string()) f.rpc = rpc->get_string();
  f.nid = json_u64(o.if_contains("nid"));
  const json::value* accounts = o.if_contains("accounts");
  if (!accounts || !accounts->is_array() || accounts->get_array().empty())
    return Result<AccountsFile>::error(path + ": no \"accounts\" array");
  const json::value& first = accounts->get_array().front();
  const json::value* key_text = first.is_object() ? first.get_object().if_contains("private_key") : nullptr;
  if (!key_text || !key_text->is_string()) return Result<AccountsFile>::error(path + ": first account has no private_key");
  auto key = parse_private_key_hex(key_text->get_string());
  if (!key) return Result<AccountsFile>::error(path + ": first account: " + key.message());
  Signer s{*key, crypto::Address::of_public_key(*crypto::public_key_of(*key))};
  if (const json::value* a = first.get_object().if_contains("address"); a && a->is_string()) {
    if (a->get_string() != s.address.to_string())
      return Result<AccountsFile>::error(path + ": first account's address does not match its private key");
  }
  f.first = s;
  return f;
}

// ---- phase (a): funding ----

namespace {

// Waits until every hash has a final result; returns the number that did not succeed.
Result<size_t> wait_all_committed(RpcClient& client, const std::vector<std::string>& hashes, size_t batch,
                                  std::chrono::milliseconds timeout, Failures& failures) {
  std::vector<std::string> pending = hashes;
  int64_t deadline = mono_us() + timeout.count() * 1000;
  size_t failed = 0;
  while (!pending.empty()) {
    std::vector<std::string> still;
    for (size_t start = 0; start < pending.size(); start += batch) {
      std::vector<RpcRequest> reqs;
      for (size_t i = start; i < std::min(pending.size(), start + batch); ++i)
        reqs.push_back({"icx_getTransactionResult", json::object{{"txHash", pending[i]}}});
      auto replies = client.call_batch(reqs);
      for (size_t i = 0; i < replies.size(); ++i) {
        const RpcReply& r = replies[i];
        if (!r.ok()) {
          int64_t c = r.error->code;
          if (c == kRpcPending || c == kRpcExecuting || c == kRpcNotFound) {
            still.push_back(pending[start + i]);
            continue;
          }
          if (r.error->is_transport()) return Result<size_t>::error(r.error->message);
          failures.add(*r.error);
          ++failed;
          continue;
        }
        const json::object* o = r.result.if_object();
        const json::value* status = o ? o->if_contains("status") : nullptr;
        if (!status || !status->is_string() || status->get_string() != "0x1") {
          failures.add(RpcError{-30000, "receipt status " + (status ? json::serialize(*status) : "missing"), nullptr});
          ++failed;
        }
      }
    }
    pending = std::move(still);
    if (pending.empty()) break;
    if (mono_us() > deadline)
      return Result<size_t>::error(std::to_string(pending.size()) + " funding txs still not committed after " +
                                   std::to_string(timeout.count() / 1000) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return failed;
}

}  // namespace

Result<Funding> fund_senders(const BenchConfig& cfg, RpcClient& client, const Uint256& step_price) {
  Funding out;
  size_t per_sender = (cfg.txs + cfg.senders - 1) / cfg.senders;
  // Enough for every transfer's value and maximum fee, with headroom for a re-run's retries.
  auto fee = Uint256(cfg.step_limit).checked_mul(step_price);
  auto per_tx = fee ? fee->checked_add(Uint256(kBenchValueLoop)) : std::nullopt;
  auto amount = per_tx ? per_tx->checked_mul(Uint256(per_sender + per_sender / 10 + 10)) : std::nullopt;
  auto funding_fee = Uint256(kStepDefault).checked_mul(step_price);
  auto each = amount && funding_fee ? amount->checked_add(*funding_fee) : std::nullopt;
  auto total = each ? each->checked_mul(Uint256(cfg.senders)) : std::nullopt;
  if (!total) return Result<Funding>::error("funding amounts overflow; is the step price sane?");

  RpcReply bal = client.call("icx_getBalance", json::object{{"address", cfg.funder.address.to_string()}});
  if (!bal.ok()) return Result<Funding>::error("icx_getBalance of the funder: " + bal.error->describe());
  auto balance = bal.result.is_string() ? Uint256::from_icon_hex(bal.result.get_string()) : std::nullopt;
  if (!balance) return Result<Funding>::error("icx_getBalance returned " + json::serialize(bal.result));
  if (*balance < *total) {
    return Result<Funding>::error("funder " + cfg.funder.address.to_string() + " holds " + format_icx(*balance) +
                                  " ICX; funding " + std::to_string(cfg.senders) + " senders needs " +
                                  format_icx(*total) + " ICX");
  }

  for (size_t i = 0; i < cfg.senders; ++i) {
    auto key = crypto::generate_private_key(os_random());
    out.senders.push_back({key, crypto::Address::of_public_key(*crypto::public_key_of(key))});
  }
  int64_t started = mono_us();
  int64_t base_ts = system_clock().now_us();
  std::vector<std::string> hashes;
  std::vector<RpcRequest> requests;
  Failures failures;
  auto flush = [&]() -> Status {
    auto replies = client.call_batch(requests);
    for (const RpcReply& r : replies)
      if (!r.ok()) return Status::error("funding transfer rejected: " + r.error->describe());
    requests.clear();
    return Status::ok();
  };
  for (size_t i = 0; i < cfg.senders; ++i) {
    TxSpec spec;
    spec.to = out.senders[i].address;
    spec.value = *amount;
    spec.step_limit = Uint256(kStepDefault);
    spec.timestamp_us = base_ts + static_cast<int64_t>(i);
    spec.nid = cfg.nid;
    spec.nonce = Uint256(i);
    SignedTx tx = build_signed_tx(spec, cfg.funder.key);
    hashes.push_back(tx.hash_hex());
    requests.push_back({"icx_sendTransaction", std::move(tx.params)});
    if (requests.size() == cfg.batch)
      if (Status s = flush(); !s) return s;
  }
  if (!requests.empty())
    if (Status s = flush(); !s) return s;
  auto failed = wait_all_committed(client, hashes, cfg.batch, std::chrono::seconds(120), failures);
  if (!failed) return failed.status();
  if (*failed) {
    const auto by_reason = failures.by_reason();
    std::string why = by_reason.empty() ? "" : by_reason.begin()->first;
    return Result<Funding>::error(std::to_string(*failed) + " funding txs failed: " + why);
  }
  out.seconds = seconds(mono_us() - started);
  return out;
}

// ---- phase (e): report ----


ReceiptCheck check_receipts(const BenchConfig& cfg, const std::vector<TxSlot>& slots) {
  ReceiptCheck out;
  std::vector<size_t> committed;
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].commit_us.load()) committed.push_back(i);
  if (committed.empty()) return out;
  size_t n = std::min(kReceiptSampleMax, committed.size());
  std::vector<RpcRequest> reqs;
  std::vector<size_t> picked;
  for (size_t k = 0; k < n; ++k) {
    size_t i = committed[k * committed.size() / n];  // spread over the whole run
    picked.push_back(i);
    reqs.push_back({"icx_getTransactionResult", json::object{{"txHash", "0x" + slots[i].hash.hex()}}});
  }
  RpcClient client(cfg.url);
  auto replies = client.call_batch(reqs);
  out.sampled = n;
  for (size_t k = 0; k < replies.size(); ++k) {
    const RpcReply& r = replies[k];
    const json::object* o = r.ok() ? r.result.if_object() : nullptr;
    const json::value* status = o ? o->if_contains("status") : nullptr;
    if (status && status->is_string() && status->get_string() == "0x1") {
      ++out.success;
      const json::value* steps = o->if_contains("stepUsed");
      auto n = steps && steps->is_string() ? Uint256::from_icon_hex(steps->get_string()) : std::nullopt;
      if (n && n->fits_u64()) out.step_used_max = std::max(out.step_used_max, n->low_u64());
    } else if (out.problems.size() < 5) {
      out.problems.push_back("0x" + slots[picked[k]].hash.hex() + ": " +
                             (r.ok() ? json::serialize(r.result) : r.error->describe()));
    }
  }
  return out;
}

double percentile_ms(std::vector<int64_t>& sorted_us, double p) {
  if (sorted_us.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted_us.size() - 1) + 0.5);
  return static_cast<double>(sorted_us[std::min(rank, sorted_us.size() - 1)]) / 1000.0;
}

}  // namespace cx::cli::bench
