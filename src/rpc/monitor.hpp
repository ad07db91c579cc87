#pragma once
// WebSocket monitors (goloop doc/btp_extension.md "Monitor with Websocket"): the client sends one
// JSON request ({"height":"0x..", filters...}), gets {"code":0} or {"code":<err>,"message":...},
// then one notification per block (block monitor) or per matching tx result (event monitor), from
// the requested height on: first from the chain's history, then live.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include "channel/api.hpp"
#include "rpc/dispatcher.hpp"

namespace cx::rpc {

enum class MonitorKind { kBlock, kEvent };

// One event filter: signature ("Transfer(Address,Address,int)"), optional emitter, and optional
// values for the indexed and data arguments in order (nullopt matches anything). Values are
// compared as the strings the contract logged.
struct EventFilter {
  std::optional<core::Address> addr;
  std::string signature;
  std::vector<std::optional<std::string>> indexed;
  std::vector<std::optional<std::string>> data;

  bool matches(const core::EventLog& log) const;
};

struct MonitorRequest {
  uint64_t height = 0;
  std::vector<EventFilter> filters;
  bool logs = false;               // include the matching logs in notifications
  uint64_t progress_interval = 0;  // event monitor: send {"progress":h} at least every N blocks
};

// Parses and checks the client's first message. The error names the bad field.
Result<MonitorRequest> parse_monitor_request(MonitorKind kind, const boost::json::value& request);

// Appends the notifications for one block to `out` (none for an event monitor without matches).
// `receipts` may be null for a block monitor without filters.
void monitor_notifications(MonitorKind kind, const MonitorRequest& request, const core::Block& block,
                           const std::vector<core::Receipt>* receipts, std::vector<std::string>& out);

struct MonitorLimits {
  int64_t idle_timeout_ms = 60000;
  size_t queue_bytes_max = 16u << 20;
};

// Takes over an upgraded connection. `slot` (its place in the server's connection table) is held for
// the session's lifetime.
void start_monitor_session(boost::asio::ip::tcp::socket socket,
                           boost::beast::http::request<boost::beast::http::string_body> upgrade_request,
                           MonitorKind kind, channel::ChannelApi* channel, std::shared_ptr<LifeGuard> guard,
                           MonitorLimits limits, std::shared_ptr<void> slot);
// The same over TLS (wss://): the stream after the HTTP session's handshake.
void start_monitor_session(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                           boost::beast::http::request<boost::beast::http::string_body> upgrade_request,
                           MonitorKind kind, channel::ChannelApi* channel, std::shared_ptr<LifeGuard> guard,
                           MonitorLimits limits, std::shared_ptr<void> slot);

}  // namespace cx::rpc
