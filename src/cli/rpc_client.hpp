#pragma once
// A small synchronous JSON-RPC 2.0 client for ICON v3 endpoints (goloop doc/jsonrpc_v3.md), used by
// the wallet commands and the load generator. One client = one keep-alive HTTP/1.1 connection; it is
// not thread-safe, so concurrent users (bench) hold one client each.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "base/result.hpp"
#include "cli/args.hpp"
#include "crypto/secp256k1.hpp"
#include "rpc/error_codes.hpp"

namespace cx::cli {

inline constexpr const char* kDefaultRpcUrl = "http://127.0.0.1:9000/api/v3";

// goloop's JSON-RPC error codes that clients act on (the server's own table).
inline constexpr int64_t kRpcMethodNotFound = rpc::error_code::kMethodNotFound;
inline constexpr int64_t kRpcPoolOverflow = rpc::error_code::kPoolOverflow;
inline constexpr int64_t kRpcPending = rpc::error_code::kPending;
inline constexpr int64_t kRpcExecuting = rpc::error_code::kExecuting;
inline constexpr int64_t kRpcNotFound = rpc::error_code::kNotFound;
inline constexpr int64_t kRpcTimeout = rpc::error_code::kTimeout;
// Not a JSON-RPC code: the request never got a JSON-RPC answer (connect, I/O, timeout, bad HTTP).
inline constexpr int64_t kTransportFailure = 1;

struct Url {
  std::string host;
  std::string port;    // numeric, defaults to 80 (443 for https)
  std::string target;  // path and query, starts with '/'
  bool tls = false;    // https:// (docs/membership.md "TLS")

  // http:// or https://.
  static Result<Url> parse(std::string_view text);
  std::string to_string() const;
};

struct RpcError {
  int64_t code = 0;  // kTransportFailure or the node's JSON-RPC code
  std::string message;
  boost::json::value data;  // optional "data" member of the error

  bool is_transport() const { return code == kTransportFailure; }
  // "message (code -31004)" for people; transport failures have no code to show.
  std::string describe() const;
};

struct RpcReply {
  std::optional<RpcError> error;
  boost::json::value result;

  bool ok() const { return !error.has_value(); }
  static RpcReply failure(int64_t code, std::string message);
};

struct RpcRequest {
  std::string method;
  boost::json::value params;  // null = no params member (ICON methods without params)
};

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

struct RpcClientOptions {
  std::chrono::milliseconds timeout{30000};        // per connect / request+response exchange
  uint64_t response_bytes_max = 256ull << 20;      // a block with 10k txs is a few MB; bound it anyway
  // Signs every request with this member key (Cx-Auth, rpc/client_auth.hpp): for channels whose RPC
  // requires signed requests (docs/membership.md).
  std::optional<crypto::PrivateKey> auth_key;
  // https:// only. Empty fields are taken from the environment: CX_RPC_CLIENT_CERT, CX_RPC_CLIENT_KEY
  // (a TLS client certificate from the chain CA and its key, PEM) and CX_RPC_CA (the PEM that signs the
  // node's certificate; empty: the system's trust store). The node's name is checked against the URL's host.
  std::string client_cert_file{};
  std::string client_key_file{};
  std::string ca_file{};
};

// How a command reaches a channel that authenticates its clients (docs/membership.md): --auth-key (signed
// requests) and, for https:// endpoints, --client-cert, --client-key and --rpc-ca (else the environment, above).
std::vector<OptionSpec> client_auth_options();
Status apply_client_auth_options(const Args& args, RpcClientOptions& options);

class RpcClient {
 public:
  explicit RpcClient(Url url, RpcClientOptions options = {});
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  const Url& url() const { return m_url; }

  RpcReply call(std::string_view method, boost::json::value params = nullptr);
  // One HTTP exchange; replies are returned in request order (matched by id, as the server may
  // reorder them). If the exchange itself fails, every reply carries that transport error.
  std::vector<RpcReply> call_batch(std::span<const RpcRequest> requests);

  // POSTs a ready JSON body and returns the HTTP status and body whatever the status is, because
  // ICON nodes send JSON-RPC errors with HTTP 400. Reconnects once if a reused keep-alive
  // connection turns out to be closed by the server.
  Result<HttpReply> post(std::string_view body);
  // GETs the URL's target (a node's /metrics or /health), with the same reconnect rule as post().
  Result<HttpReply> get();

  void close();

 private:
  struct Connection;
  Status connect();
  enum class Verb { kPost, kGet };
  Result<HttpReply> exchange(Verb verb, std::string_view body);
  Result<HttpReply> send(Verb verb, std::string_view body);

  Url m_url;
  RpcClientOptions m_options;
  std::shared_ptr<void> m_tls_context;  // https: the asio::ssl::context, made at the first connect
  std::unique_ptr<Connection> m_conn;
  uint64_t m_next_id = 1;
};

// Interprets one JSON-RPC response object ({"result":…} or {"error":{code,message}}).
RpcReply parse_rpc_response(const boost::json::value& response);

// A request object {"jsonrpc":"2.0","id":id,"method":…,"params":…} as compact JSON text.
std::string rpc_request_json(uint64_t id, std::string_view method, const boost::json::value& params);

// ---- ICON helpers shared by the commands ----

// The channel's nid from icx_getNetworkInfo.
Result<uint64_t> fetch_nid(RpcClient& client);

// Polls icx_getTransactionResult until the tx leaves the pending/executing states (or is still
// unknown when `timeout` runs out). Returns the final reply: a receipt, or the node's error.
RpcReply wait_tx_result(RpcClient& client, std::string_view tx_hash, std::chrono::milliseconds timeout);

// Sends a signed tx. With `wait`, uses icx_sendTransactionAndWait and falls back to
// icx_sendTransaction + polling when the node lacks that method or its wait times out first.
// The reply is the tx hash (no wait) or the receipt (wait).
// `tx_hash` ("0x…") is what the client computed; polling uses it.
RpcReply send_tx(RpcClient& client, const boost::json::object& params, std::string_view tx_hash, bool wait,
                 std::chrono::milliseconds timeout);

// A JSON-RPC numeric field that ICON sends either as a JSON number (block "height") or as 0x hex.
std::optional<uint64_t> json_u64(const boost::json::value* v);

// Indented JSON for --json output meant to be read by people as well as by jq.
std::string pretty_json(const boost::json::value& v);

// The debug endpoint that serves debug_estimateStep: goloop puts it at /api/v3d (and /api/v3d/{channel}).
Url debug_url(const Url& api_url);

}  // namespace cx::cli
