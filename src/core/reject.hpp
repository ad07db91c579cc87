#pragma once
// Expected rejections of a transaction, returned as values. Policy (drop, error code, penalty) is
// decided by the caller: the mempool maps them to JSON-RPC errors, block validation to a bad proposal.
#include <string>

namespace cx::core {

enum class TxReject {
  kMalformed,            // not an object, wrong JSON types, unknown/missing fields
  kTooLarge,             // above the byte limit for its dataType
  kBadVersion,           // version is not 0x3
  kBadAddress,           // from/to not a valid hx/cx address
  kBadNumber,            // value/stepLimit/nonce/timestamp/nid not ICON hex
  kBadSignature,         // not base64 of 65 bytes, or recovery failed
  kSignerMismatch,       // signature recovers to an address other than `from`
  kWrongNid,             // nid is not this channel's
  kTimestampOutOfRange,  // too far from the node's time or the block's time
  kUnsupportedDataType,  // dataType unknown or not supported yet (deploy before ACORE)
  kBadData,              // data does not fit the dataType
  kDuplicate,            // already in the pool or on the chain
  kPoolFull,             // pool bounds reached
  kStepLimitTooLow,      // below the minimum steps this tx needs
  kStepLimitTooHigh,     // above the channel's maximum
  kInsufficientBalance,  // cannot pay value + stepLimit * stepPrice
  kNoCertificate,        // txPki: the sender holds no good certificate from the chain CA (docs/ca.md)
  kNotTransacting,       // this node takes no txs: an auditor, or not a member (yet) (docs/membership.md)
};
// How many reasons there are: tables indexed by TxReject size themselves with this. Keep it after the
// last reason above.
inline constexpr size_t kTxRejectCount = static_cast<size_t>(TxReject::kNotTransacting) + 1;

const char* to_string(TxReject r);

struct TxRejection {
  TxReject reason;
  std::string detail;  // human-readable, names the offending field and value
};

}  // namespace cx::core
