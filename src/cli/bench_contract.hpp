#pragma once
// complexchain bench --workload irc2 (cmd_bench_contract.cpp): the IRC2 example token deployed by the
// funder, tokens handed to every sender, then pre-signed `transfer(_to, _value)` calls between them.
#include <chrono>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include <boost/json/value.hpp>

#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"

namespace cx::cli {

// A step limit comfortably above what one IRC2 transfer uses (the report prints what it did use);
// the senders are funded for it.
inline constexpr uint64_t kIrc2CallStepLimit = 2'000'000;
inline constexpr const char* kIrc2DefaultDir = "examples/contracts/irc2";

struct Irc2Workload {
  crypto::Address token;
  double setup_seconds = 0;
  uint64_t deploy_step_used = 0;
  uint64_t hand_out_step_used = 0;  // one funder -> sender transfer call
};

// Deploys the token in `dir` from `funder` (0 decimals, enough supply) and gives each sender
// `tokens_each` tokens, waiting until all of it is committed.
Result<Irc2Workload> setup_irc2(RpcClient& client, const Signer& funder, uint64_t nid, const std::string& dir,
                                const std::vector<Signer>& senders, uint64_t tokens_each, size_t batch);

// What the contract workloads' setup phases share (cmd_bench_contract.cpp).
uint64_t step_used(const boost::json::object& receipt);
// Polls until every hash has a receipt; all must have succeeded. The receipts, in order.
Result<std::vector<boost::json::object>> wait_receipts(RpcClient& client, const std::vector<std::string>& hashes,
                                                       size_t batch, std::chrono::seconds timeout);
// Sends the requests in JSON-RPC batches; any refusal is an error.
Status send_all(RpcClient& client, const std::vector<RpcRequest>& requests, size_t batch);

// The data of an IRC2 transfer call of `value` tokens to `to`.
boost::json::value irc2_transfer_data(const crypto::Address& to, uint64_t value);

}  // namespace cx::cli
