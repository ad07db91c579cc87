#pragma once
// Why a tx or contract call failed: ICON/goloop failure codes (goloop service/scoreresult), shared by
// receipts (`failure.code`), contracts, execution and RPC (JSON-RPC error -30000 - code for icx_call).
// A failure is an expected result of executing a tx, returned as a value, never a node error.
#include <cstdint>
#include <string>
#include <string_view>

namespace cx::core {

enum class FailureCode : uint32_t {
  kUnknown = 1,
  kContractNotFound = 2,
  kMethodNotFound = 3,
  kMethodNotPayable = 4,
  kIllegalFormat = 5,
  kInvalidParameter = 6,
  kInvalidInstance = 7,
  kInvalidContainerAccess = 8,
  kAccessDenied = 9,     // a write (storage, event, value) in a read-only frame; a writing method from icx_call
  kOutOfStep = 10,
  kOutOfBalance = 11,
  kTimeout = 12,
  kStackOverflow = 13,   // a call deeper than contracts::kCallDepthMax
  kUserBase = 32,        // a contract's own revert code N is kUserBase + N
};

constexpr uint32_t code_value(FailureCode c) { return static_cast<uint32_t>(c); }

// A contract's own revert code `n` (ICON's UserReversion + n); saturates instead of wrapping.
constexpr FailureCode user_failure(uint32_t n) {
  constexpr uint32_t kBase = code_value(FailureCode::kUserBase);
  return static_cast<FailureCode>(n > UINT32_MAX - kBase ? UINT32_MAX : kBase + n);
}

// A receipt's failure message is at most this many bytes (Receipt::decode refuses longer ones).
inline constexpr size_t kFailureMessageBytesMax = 4096;

struct Failure {
  FailureCode code = FailureCode::kUnknown;
  std::string message;  // says what failed; at most kFailureMessageBytesMax (see make_failure)
};

// A failure whose message is cut to kFailureMessageBytesMax on a UTF-8 character boundary, so any
// message (one that quotes a tx's method name, a contract's revert text) fits in a receipt.
Failure make_failure(FailureCode code, std::string message);

// `text` cut to at most `bytes_max` bytes on a UTF-8 character boundary, with "…" appended when cut;
// for quoting input from outside (method names, addresses) in messages.
std::string clip_utf8(std::string_view text, size_t bytes_max);

}  // namespace cx::core
