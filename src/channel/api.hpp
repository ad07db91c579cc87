#pragma once
// The rpc-to-channel seam. rpc/ calls only this; it never touches storage or state directly.
// Every method is safe to call from any thread (RPC I/O threads call concurrently).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "acore/code_store.hpp"
#include "base/result.hpp"
#include "contracts/host.hpp"
#include "core/block.hpp"
#include "core/chain_params.hpp"
#include "core/receipt.hpp"

namespace cx::channel {

struct SubmitResult {
  Hash32 hash;                                // valid whenever parsing got far enough to hash
  std::optional<core::TxRejection> rejection;  // nullopt = admitted to the pool
};

enum class TxStatus {
  kUnknown,    // never seen (or evicted)
  kPending,    // in the pool
  kExecuting,  // in a block that is not final yet
  kCommitted,  // final, with a receipt
};

struct TxLookup {
  TxStatus status = TxStatus::kUnknown;
  core::TxPtr tx;
  uint64_t height = 0;           // for kExecuting/kCommitted
  Hash32 block_hash;             // for kExecuting/kCommitted
  uint32_t index = 0;
  std::optional<core::Receipt> receipt;  // for kCommitted
};

struct BlockEvent {
  std::shared_ptr<const core::Block> block;
  std::shared_ptr<const std::vector<core::Receipt>> receipts;
};

struct NetworkInfo {
  std::string platform = "complexchain";
  std::string channel;
  uint64_t nid = 0;
  uint64_t earliest = 0;
  uint64_t latest = 0;
  Uint256 step_price;
};

using SubscriptionId = uint64_t;

// A Merkle proof of one state key after block `height` (state::verify_proof checks it against
// state_root, which the header of block height+1 carries as prev_result.state_root).
struct StateProof {
  uint64_t height = 0;
  Hash32 state_root;
  std::optional<Bytes> value;  // nullopt: the proof shows the key absent
  std::vector<Bytes> nodes;
};

class ChannelApi {
 public:
  virtual ~ChannelApi() = default;

  virtual const core::ChainParams& params() const = 0;
  virtual NetworkInfo network_info() const = 0;

  // Parses, verifies the signature (on the mempool's worker pool) and admits. Blocks the caller
  // until verification is done; many callers may be in here at once.
  virtual SubmitResult submit_tx(const boost::json::object& params) = 0;
  // The same for many txs at once (a JSON-RPC batch): signatures are verified in parallel.
  virtual std::vector<SubmitResult> submit_txs(const std::vector<const boost::json::object*>& txs) {
    std::vector<SubmitResult> out;
    out.reserve(txs.size());
    for (const auto* t : txs) out.push_back(submit_tx(*t));
    return out;
  }

  virtual uint64_t last_height() const = 0;  // highest committed height (0 = genesis)
  virtual std::shared_ptr<const core::Block> block_by_height(uint64_t height) const = 0;
  virtual std::shared_ptr<const core::Block> block_by_hash(const Hash32& hash) const = 0;
  virtual std::shared_ptr<const std::vector<core::Receipt>> receipts_of(uint64_t height) const = 0;

  // nullopt height = latest committed state. Error if the height is not (yet) available.
  virtual Result<Uint256> balance(const core::Address& account, std::optional<uint64_t> height) const = 0;
  virtual Result<Uint256> total_supply(std::optional<uint64_t> height) const = 0;

  virtual TxLookup lookup_tx(const Hash32& hash) const = 0;
  // Calls `fn` exactly once, from a channel thread, when the tx is committed (with its lookup), or
  // never if cancelled first. If it is committed already, `fn` runs before this returns.
  virtual SubscriptionId watch_tx(const Hash32& hash, std::function<void(const TxLookup&)> fn) = 0;
  virtual void unwatch_tx(SubscriptionId id) = 0;

  // Every committed block, in height order, from a channel thread. Keep `fn` fast (post elsewhere).
  virtual SubscriptionId subscribe_blocks(std::function<void(const BlockEvent&)> fn) = 0;
  virtual void unsubscribe_blocks(SubscriptionId id) = 0;

  // Read-only call (icx_call) at a height (nullopt = latest).
  virtual Result<contracts::CallResult> call(const contracts::CallRequest& req, std::optional<uint64_t> height) const = 0;
  // Steps the tx would use if executed now on the latest state (debug_estimateStep); signature not needed.
  virtual Result<Uint256> estimate_step(const boost::json::object& tx_params) const = 0;

  // icx_getScoreApi at a height (nullopt = latest): the API of the contract at `address`, or nullopt
  // if there is none (or only a first version waiting for audit). Error if the height is not available.
  virtual Result<std::optional<std::vector<acore::AbiEntry>>> score_api(const core::Address& address,
                                                                        std::optional<uint64_t> height) const {
    return Status::error("contract APIs are not available from this channel");
  }
  // The raw state entry `key` (state key space, e.g. execution::contract_storage_key) after block
  // `height`, with its Merkle proof (cx_getProof, docs/ca.md).
  virtual Result<StateProof> state_proof(BytesView key, uint64_t height) const {
    return Status::error("state proofs are not available from this channel");
  }
  // icx_getScoreStatus at a height: the code store's record of a deployed contract, or nullopt.
  virtual Result<std::optional<acore::ContractInfo>> score_status(const core::Address& address,
                                                                  std::optional<uint64_t> height) const {
    return Status::error("contract status is not available from this channel");
  }
};

}  // namespace cx::channel
