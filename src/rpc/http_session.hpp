#pragma once
// One client connection of the RPC server (rpc/server.hpp): HTTP/1.1 keep-alive requests, routed to
// JSON-RPC, the monitors, /health, /metrics or the web pages. The same code runs over a plain TCP
// stream and over TLS (rpc/tls_context.hpp); only the start (handshake) and the end (close_notify) differ.
#include <map>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "channel/api.hpp"
#include "rpc/client_auth.hpp"
#include "rpc/conn_limits.hpp"
#include "rpc/dispatcher.hpp"
#include "rpc/server.hpp"
#include "rpc/static_files.hpp"

namespace cx::rpc {

// What every connection shares; the server owns it and outlives every session.
struct ServerCore {
  ServerCore(const ServerOptions& opts, std::map<std::string, channel::ChannelApi*> served);

  channel::ChannelApi* find_channel(const std::string& name) const;  // "" = the default channel
  std::string health_body() const;

  const ServerOptions options;
  std::map<std::string, channel::ChannelApi*, std::less<>> channels;
  channel::ChannelApi* default_channel = nullptr;
  std::string default_name;
  std::shared_ptr<LifeGuard> guard;
  Dispatcher dispatcher;
  std::shared_ptr<ConnectionTable> connections;
  ClientAuth auth;
  std::shared_ptr<const StaticFiles> pages;
  bool tls = false;  // the listener speaks TLS
};

// Serves an accepted connection until it closes: plain HTTP when `tls` is null, else TLS with it
// (handshake first, under the idle timeout).
void start_http_session(boost::asio::ip::tcp::socket socket, ServerCore& core,
                        std::shared_ptr<ConnectionTable::Slot> slot, boost::asio::ssl::context* tls);

}  // namespace cx::rpc
