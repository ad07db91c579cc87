#pragma once
// The rpc-to-channel seam. rpc/ calls only this; it never touches storage or state directly.
// Every method is safe to call from any thread (RPC I/O threads call concurrently).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// ---- the explorer's reads (docs/explorer-api.md; kept by the indexes of channel/explorer_index.hpp) ----

inline constexpr size_t kExplorerPageMax = 100;          // entries per page
inline constexpr size_t kExplorerPageDefault = 25;
inline constexpr size_t kTokensPerAddressMax = 1000;     // token contracts recorded per address

// Where a page starts (inclusive), newest first: a tx (height, index) or a token transfer (height, tx
// index, log index). Clients see it as an opaque cursor string: 32 hex digits.
struct PagePosition {
  uint64_t height = 0;
  uint32_t tx_index = 0;
  uint32_t log_index = 0;
  std::string to_cursor() const;
  static std::optional<PagePosition> from_cursor(std::string_view cursor);
  bool operator==(const PagePosition&) const = default;
};

struct AddressTx {
  Hash32 tx_hash;
  uint64_t height = 0;
  uint32_t index = 0;
  core::Address from;
  core::Address to;
  core::DataType data_type = core::DataType::kNone;
  Uint256 value;
  bool success = false;
  int64_t timestamp_us = 0;  // the block's time
};
struct AddressTxsPage {
  std::vector<AddressTx> txs;
  std::optional<PagePosition> next;  // nullopt: no older entry
};

struct TokenTransfer {
  core::Address token;
  core::Address from;
  core::Address to;
  Uint256 value;
  Hash32 tx_hash;
  uint64_t height = 0;
  uint32_t tx_index = 0;
  uint32_t log_index = 0;    // position of the Transfer log in the tx's receipt
  int64_t timestamp_us = 0;  // the block's time
};
struct TokenTransfersPage {
  std::vector<TokenTransfer> transfers;
  std::optional<PagePosition> next;
};
enum class TransfersOf { kAddress, kToken };

struct TokenHolding {
  core::Address token;
  uint64_t first_height = 0;
  uint64_t last_height = 0;
  uint64_t transfers = 0;
};

struct ValidatorActivity {
  core::Address address;
  uint64_t weight = 1;
  std::string group;
  std::optional<uint64_t> last_signed_height;  // nullopt: never signed a committing QC
  uint64_t signed_blocks = 0;
  uint64_t missed_blocks = 0;
  // From the governance contract at the height asked (docs/governance.md): 1 supervision, 2 adjustment,
  // 3 business; nullopt when it holds no member record (the genesis rule then gives tier 1 to validators
  // when no member names a tier). Institution empty when not named.
  std::optional<uint32_t> tier;
  std::string institution;
};
struct ValidatorsAt {
  uint64_t height = 0;
  uint64_t total_weight = 0;
  Hash32 set_hash;
  std::vector<ValidatorActivity> validators;
};

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

  // The explorer's reads, over indexes kept with the chain; an error when they are off on this node
  // (explorer_indexes() false) or the disk fails.
  // Pages hold at most `limit` (1..kExplorerPageMax) entries, newest first, from `from` (nullopt = the
  // newest); each costs O(limit) reads, whatever the chain's length.
  virtual bool explorer_indexes() const { return false; }
  virtual Result<AddressTxsPage> address_txs(const core::Address& address, size_t limit,
                                             std::optional<PagePosition> from) const {
    return Status::error(kNoIndexes);
  }
  virtual Result<TokenTransfersPage> token_transfers(TransfersOf of, const core::Address& address, size_t limit,
                                                     std::optional<PagePosition> from) const {
    return Status::error(kNoIndexes);
  }
  // Every token contract `address` sent or received (up to kTokensPerAddressMax), by token address.
  virtual Result<std::vector<TokenHolding>> tokens_of(const core::Address& address) const {
    return Status::error(kNoIndexes);
  }
  // The validator set in force at `height` (nullopt = latest) with each one's signing record as of
  // the latest committed block. Error if the height is not committed.
  virtual Result<ValidatorsAt> validators_at(std::optional<uint64_t> height) const { return Status::error(kNoIndexes); }
  // The channels this node serves (this one among them), for cx_getChannels.
  virtual std::vector<const ChannelApi*> served_channels() const { return {this}; }
  // Signed RPC requests (docs/membership.md): why `a` may not use this channel's RPC, or nullopt when
  // it is a member now (any role) that is not suspended. By default the genesis members.
  virtual std::optional<std::string> member_refusal(const core::Address& a) const {
    if (params().role_of(a)) return std::nullopt;
    return a.to_string() + " is not a member of channel " + params().channel;
  }

  static constexpr const char* kNoIndexes =
      "the explorer indexes are off on this node (config.json \"indexes\": false); they are on by default";
};

}  // namespace cx::channel
