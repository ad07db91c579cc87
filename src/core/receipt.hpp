#pragma once
// Transaction results as ICON reports them (icx_getTransactionResult).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/uint256.hpp"
#include "core/block.hpp"
#include "core/failure.hpp"

namespace cx::core {

// First indexed item of the event an ICX transfer emits (ICON's system event).
inline constexpr std::string_view kIcxTransferSignature = "ICXTransfer(Address,Address,int)";

// Bounds on a receipt's logs: Receipt::decode refuses more, so the host refuses to emit more.
inline constexpr size_t kReceiptLogsMax = 1024;
inline constexpr size_t kLogItemsMax = 64;           // indexed items, and data items, per log
inline constexpr size_t kLogItemBytesMax = 64 * 1024;

struct EventLog {
  Address score;                      // emitting contract (cx000… for the system)
  std::vector<std::string> indexed;   // signature first, e.g. "ICXTransfer(Address,Address,int)"
  std::vector<std::string> data;
};

struct Receipt {
  Hash32 tx_hash;
  uint32_t tx_index = 0;
  bool success = false;
  std::optional<Failure> failure;
  Address to;
  Uint256 step_used;
  Uint256 step_price;
  Uint256 cumulative_step_used;
  std::optional<Address> score_address;  // for deploys
  std::vector<EventLog> logs;
  LogsBloom logs_bloom;

  Bytes encode() const;
  static std::optional<Receipt> decode(BytesView b);
  Hash32 hash() const;
};

// Bloom over a log's contract address and indexed items: 3 bits of 2048 per item, from SHA3-256
// of (item position || item bytes). Deterministic; clients use it only as a filter.
void bloom_add_log(LogsBloom& bloom, const EventLog& log);
void bloom_merge(LogsBloom& into, const LogsBloom& other);

Hash32 receipts_root(const std::vector<Receipt>& receipts);

}  // namespace cx::core
