#pragma once
// The node's client-facing HTTP server: ICON JSON-RPC v3 (goloop doc/jsonrpc_v3.md) so that ICON's
// SDKs work unmodified, WebSocket block/event monitors (goloop doc/btp_extension.md), and /health.
//
//   POST /api/v3[/{channel}]        JSON-RPC v3 (no channel = the default channel)
//   POST /api/v3d[/{channel}]       the same plus debug_estimateStep
//   GET  /api/v3[/{channel}]/block  WebSocket block monitor
//   GET  /api/v3[/{channel}]/event  WebSocket event monitor
//   GET  /health                    200 {"status":"ok","height":N,"channels":{name:N}}
//   GET  /, /gapp/, /lib/x.js ...   the web pages under web_root (rpc/static_files.hpp)
//   GET  /metrics                   Prometheus text format 0.0.4 (base/metrics.hpp, docs/operations.md)
//
// Every JSON-RPC error goes out with HTTP 400 (icon-sdk-js turns an error sent with 200 into
// `undefined`); a batch response goes out with 200 whatever it contains.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "channel/api.hpp"

namespace cx::rpc {

// TLS on the listener (rpc/tls_context.hpp): ordinary web PKI for the server's side.
struct TlsOptions {
  std::string cert_file;  // PEM: the server's certificate (then its chain)
  std::string key_file;   // PEM: its private key
  bool operator==(const TlsOptions&) const = default;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9000;              // 0 = pick a free port (see Server::port())
  unsigned io_threads = 2;           // threads "rpc-io-N" running all sockets and handlers
  size_t body_bytes_max = 4 << 20;   // larger request bodies get HTTP 413 and the connection closes
  size_t batch_max = 1000;           // requests per JSON-RPC batch
  // Connection limits (rpc/conn_limits.hpp): HTTP + WebSocket in all; per client address; when all are
  // taken a newcomer takes the longest-idle HTTP connection of the address holding the most.
  size_t connections_max = 1024;
  size_t connections_per_address_max = 128;
  int64_t wait_timeout_ms_default = 5000;  // icx_waitTransactionResult without "Icon-Options: timeout="
  int64_t wait_timeout_ms_max = 60000;     // cap on the client's requested timeout
  std::string default_channel;       // served at /api/v3; empty = the only channel, if there is one
  int64_t idle_timeout_ms = 60000;   // an HTTP connection with no request for this long is closed
  int64_t idle_timeout_busy_ms = 5000;  // the same while more than 3/4 of connections_max are taken
  size_t ws_queue_bytes_max = 16u << 20;  // a monitor client this far behind is disconnected
  // The explorer and GAPP pages served at `/`, read once at start; empty or missing = no pages.
  std::string web_root;
  // Set: the listener speaks TLS only (https://, and client certificates for channels with rpcAuth "tls").
  std::optional<TlsOptions> tls;
};

class Server {
 public:
  // Binds, listens and starts the I/O threads. The channels must outlive the server; every
  // subscription the server makes on them is cancelled by stop().
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options,
                                               std::map<std::string, channel::ChannelApi*> channels);

  virtual ~Server() = default;
  virtual uint16_t port() const = 0;  // the bound port (useful with options.port = 0)
  // Closes the listener and every connection, joins the threads. Idempotent; the destructor calls it.
  virtual void stop() = 0;
};

}  // namespace cx::rpc
