// complexchain bench --workload irc2: the token's deployment and hand-out (bench_contract.hpp).
#include <thread>

#include <boost/json.hpp>

#include "base/clock.hpp"
#include "cli/bench_contract.hpp"
#include "cli/contract_common.hpp"
#include "contracts/native.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr auto kSetupTimeout = std::chrono::seconds(120);

}  // namespace

uint64_t step_used(const json::object& receipt) {
  const json::value* v = receipt.if_contains("stepUsed");
  auto n = v && v->is_string() ? Uint256::from_icon_hex(v->get_string()) : std::nullopt;
  return n && n->fits_u64() ? n->low_u64() : 0;
}

// Polls until every hash has a receipt; all must have succeeded. Returns the receipts in order.
Result<std::vector<json::object>> wait_receipts(RpcClient& client, const std::vector<std::string>& hashes, size_t batch,
                                                std::chrono::seconds timeout) {
  std::vector<json::object> receipts(hashes.size());
  std::vector<size_t> pending(hashes.size());
  for (size_t i = 0; i < hashes.size(); ++i) pending[i] = i;
  const int64_t deadline = system_clock().monotonic_us() + std::chrono::microseconds(timeout).count();
  while (!pending.empty()) {
    std::vector<size_t> still;
    for (size_t start = 0; start < pending.size(); start += batch) {
      std::vector<RpcRequest> reqs;
      const size_t end = std::min(pending.size(), start + batch);
      for (size_t k = start; k < end; ++k)
        reqs.push_back({"icx_getTransactionResult", json::object{{"txHash", hashes[pending[k]]}}});
      auto replies = client.call_batch(reqs);
      for (size_t k = 0; k < replies.size(); ++k) {
        const size_t i = pending[start + k];
        const RpcReply& r = replies[k];
        if (!r.ok()) {
          const int64_t c = r.error->code;
          if (c == kRpcPending || c == kRpcExecuting || c == kRpcNotFound) still.push_back(i);
          else return Result<std::vector<json::object>>::error(hashes[i] + ": " + r.error->describe());
          continue;
        }
        const json::object* o = r.result.if_object();
        const json::value* status = o ? o->if_contains("status") : nullptr;
        if (!status || !status->is_string() || status->get_string() != "0x1")
          return Result<std::vector<json::object>>::error(hashes[i] + " failed: " + json::serialize(r.result));
        receipts[i] = *o;
      }
    }
    pending = std::move(still);
    if (pending.empty()) break;
    if (system_clock().monotonic_us() > deadline)
      return Result<std::vector<json::object>>::error(std::to_string(pending.size()) + " setup txs not committed in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return receipts;
}

Status send_all(RpcClient& client, const std::vector<RpcRequest>& requests, size_t batch) {
  for (size_t start = 0; start < requests.size(); start += batch) {
    const size_t n = std::min(batch, requests.size() - start);
    auto replies = client.call_batch(std::span<const RpcRequest>(requests.data() + start, n));
    for (const RpcReply& r : replies)
      if (!r.ok()) return Status::error("setup tx rejected: " + r.error->describe());
  }
  return Status::ok();
}

json::value irc2_transfer_data(const crypto::Address& to, uint64_t value) {
  return json::object{{"method", "transfer"}, {"params", {{"_to", to.to_string()}, {"_value", Uint256(value).to_icon_hex()}}}};
}

Result<Irc2Workload> setup_irc2(RpcClient& client, const Signer& funder, uint64_t nid, const std::string& dir,
                                const std::vector<Signer>& senders, uint64_t tokens_each, size_t batch) {
  const int64_t started = system_clock().monotonic_us();
  auto content = read_content(dir);
  if (!content) return Result<Irc2Workload>::error(dir + ": " + content.message());
  auto supply = Uint256(tokens_each).checked_mul(Uint256(senders.size()));
  if (!supply) return Result<Irc2Workload>::error("token supply overflows");
  TxSpec deploy;
  deploy.to = contracts::chain_contract_address();
  deploy.data_type = "deploy";
  deploy.data = json::object{{"contentType", content->type},
                             {"content", "0x" + to_hex(content->bytes)},
                             {"params", {{"_name", "BenchToken"}, {"_symbol", "BT"}, {"_decimals", "0x0"},
                                         {"_initialSupply", supply->to_icon_hex()}}}};
  deploy.nid = nid;
  // The funding txs used nonces 0..senders-1 and timestamps from the signing time; these come after.
  deploy.timestamp_us = system_clock().now_us();
  deploy.nonce = Uint256(senders.size());
  auto limit = content_step_limit(client, deploy, ContentTx::kInstall, content->bytes.size());
  if (!limit) return limit.status();
  deploy.step_limit = *limit;
  SignedTx signed_deploy = build_signed_tx(deploy, funder.key);
  if (Status s = send_all(client, {{"icx_sendTransaction", signed_deploy.params}}, 1); !s) return s;
  auto deployed = wait_receipts(client, {signed_deploy.hash_hex()}, 1, kSetupTimeout);
  if (!deployed) return Result<Irc2Workload>::error("deploying " + dir + ": " + deployed.message());
  const json::value* score = deployed->front().if_contains("scoreAddress");
  auto token = score && score->is_string() ? crypto::Address::parse(score->get_string()) : std::nullopt;
  if (!token) return Result<Irc2Workload>::error("the deploy's receipt has no scoreAddress");
  Irc2Workload out{*token, 0, step_used(deployed->front()), 0};

  std::vector<RpcRequest> hand_out;
  std::vector<std::string> hashes;
  const int64_t base_ts = system_clock().now_us();
  for (size_t i = 0; i < senders.size(); ++i) {
    TxSpec spec;
    spec.to = *token;
    spec.data_type = "call";
    spec.data = irc2_transfer_data(senders[i].address, tokens_each);
    spec.step_limit = Uint256(kIrc2CallStepLimit);
    spec.nid = nid;
    spec.timestamp_us = base_ts + static_cast<int64_t>(i);
    spec.nonce = Uint256(senders.size() + 1 + i);
    SignedTx tx = build_signed_tx(spec, funder.key);
    hashes.push_back(tx.hash_hex());
    hand_out.push_back({"icx_sendTransaction", std::move(tx.params)});
  }
  if (Status s = send_all(client, hand_out, batch); !s) return s;
  auto handed = wait_receipts(client, hashes, batch, kSetupTimeout);
  if (!handed) return Result<Irc2Workload>::error("handing out tokens: " + handed.message());
  if (!handed->empty()) out.hand_out_step_used = step_used(handed->front());
  out.setup_seconds = static_cast<double>(system_clock().monotonic_us() - started) / 1e6;
  return out;
}

}  // namespace cx::cli
