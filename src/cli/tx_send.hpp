#pragma once
// What the tx-sending commands share (cmd_tx.cpp): the signing options, and signing and sending a
// TxSpec with the nid, nonce, step limit and --wait/--json handling of `complexchain tx`.
#include <chrono>
#include <memory>
#include <vector>

#include "cli/args.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"

namespace cx::cli {

// --rpc, --wait, --wait-timeout, --json, the key options, --nid, --step-limit, --estimate, --nonce.
std::vector<OptionSpec> tx_signing_options();
// Fills nid/nonce/step limit from the options, signs, sends and reports (with --wait: the result,
// including scoreAddress for a deploy). The exit status: 0 when accepted (and, with --wait, successful).
int tx_sign_and_send(const Args& args, TxSpec spec);
// The signing half of tx_sign_and_send: nid (--nid, else asked from `client`), --nonce, --step-limit or
// --estimate, the timestamp; the tx is checked with the node's own parser before it is returned.
Result<SignedTx> tx_sign(const Args& args, RpcClient& client, const Signer& signer, TxSpec spec);
// --wait-timeout, bounded to 1..86400 s.
Result<std::chrono::milliseconds> tx_wait_timeout(const Args& args);
// The client for --rpc.
Result<RpcClient*> tx_open_client(const Args& args, std::unique_ptr<RpcClient>& holder);

}  // namespace cx::cli
