#pragma once
// JSON-RPC error codes, as goloop uses them (server/jsonrpc/error.go). Shared by the server and
// by clients (cli) that act on them.

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
}  // namespace error_code

}  // namespace cx::rpc
