#pragma once
// The explorer's indexes (docs/explorer-api.md), each an IndexSpec on the commit pipeline's seam
// (commit_writer.hpp): entries are staged into every final block's own batch, so they are never behind
// or ahead of the chain after a crash, and an index added to an existing directory is rebuilt from the
// chain store when the channel opens (index_rebuild.hpp).
//
//   address_txs         address ‖ ~height ‖ ~index            -> the tx's summary
//   token_transfers     address ‖ ~height ‖ ~tx ‖ ~log        -> an IRC2 Transfer log (by sender and receiver)
//                       token ‖ ~height ‖ ~tx ‖ ~log          -> the same, by token contract
//                       address ‖ token                       -> first/last height, transfers (≤ 1000 tokens)
//   validator_activity  validator                             -> last signed height, signed and missed blocks
//
// Big-endian complements (~) make a forward scan from an address's prefix read its newest entries
// first, so a page costs O(limit) reads. Each index records the next height it expects under kTipKey
// in its own column (never an address key: an address's first byte is 0 or 1).
#include <optional>
#include <vector>

#include "channel/api.hpp"
#include "channel/channel.hpp"
#include "core/validator_set.hpp"

namespace cx::channel {

inline constexpr storage::ColumnDef kAddressTxsColumn{"ex_address_txs"};
inline constexpr storage::ColumnDef kTransfersByAddressColumn{"ex_transfers_by_address"};
inline constexpr storage::ColumnDef kTransfersByTokenColumn{"ex_transfers_by_token"};
inline constexpr storage::ColumnDef kAddressTokensColumn{"ex_address_tokens"};
inline constexpr storage::ColumnDef kValidatorActivityColumn{"ex_validator_activity"};

// The IRC2 events indexed as token transfers (ICON's IRC2 standard; the project's examples/contracts/irc2
// emits the first). _from, _to and _value indexed; the older 3-argument form may carry _value as data.
inline constexpr std::string_view kIrc2TransferSignature = "Transfer(Address,Address,int,bytes)";
inline constexpr std::string_view kIrc2TransferSignatureShort = "Transfer(Address,Address,int)";

// The three indexes: "address_txs", "token_transfers", "validator_activity". `schedule` gives the set
// whose members' signatures are counted at each height.
std::vector<IndexSpec> explorer_indexes(const core::ValidatorSchedule& schedule);

// Whether a store was opened with the explorer's columns.
bool has_explorer_columns(const storage::KvStore& kv);

// ---- reads, from any thread, over what is durable; entries above `max_height` are left out (written,
// not yet published as the head). An error is an environment failure (disk).
Result<AddressTxsPage> read_address_txs(const storage::KvStore& kv, const core::Address& address, size_t limit,
                                        std::optional<PagePosition> from, uint64_t max_height);
Result<TokenTransfersPage> read_token_transfers(const storage::KvStore& kv, TransfersOf of, const core::Address& address,
                                                size_t limit, std::optional<PagePosition> from, uint64_t max_height);
Result<std::vector<TokenHolding>> read_tokens(const storage::KvStore& kv, const core::Address& address);
// nullopt fields when the validator never appeared in an indexed block.
struct ActivityRecord {
  std::optional<uint64_t> last_signed_height;
  uint64_t signed_blocks = 0;
  uint64_t missed_blocks = 0;
};
Result<ActivityRecord> read_validator_activity(const storage::KvStore& kv, const core::Address& validator);

}  // namespace cx::channel
