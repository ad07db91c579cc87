#pragma once
// JSON-RPC error codes, as goloop uses them (server/jsonrpc/error.go). Shared by the server and
// by clients (cli) that act on them.
#include <climits>
#include <cstdint>

#include "core/failure.hpp"

namespace cx::rpc {

namespace error_code {
inline constexpr int kParse = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternal = -32603;
inline constexpr int kSystem = -31000;
inline constexpr int kPoolOverflow = -31001;
inline constexpr int kPending = -31002;
inline constexpr int kExecuting = -31003;
inline constexpr int kNotFound = -31004;
inline constexpr int kTimeout = -31006;
inline constexpr int kScore = -30000;  // contract failure code N is reported as -30000 - N

// The JSON-RPC error code of a contract failure (goloop: -30000 - failure code). A user code too
// large for an int saturates at INT_MIN instead of wrapping.
inline int contract_failure(core::FailureCode code) {
  const int64_t c = int64_t{kScore} - int64_t{core::code_value(code)};
  return c < INT_MIN ? INT_MIN : static_cast<int>(c);
}
}  // namespace error_code

}  // namespace cx::rpc
