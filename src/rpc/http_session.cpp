#include "rpc/http_session.hpp"

#include <charconv>
#include <chrono>
#include <optional>
#include <type_traits>
#include <vector>

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/metrics.hpp"
#include "rpc/json_format.hpp"
#include "rpc/monitor.hpp"
#include "rpc/tls_client_check.hpp"
#include "rpc/tls_context.hpp"

namespace cx::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

ServerCore::ServerCore(const ServerOptions& opts, std::map<std::string, channel::ChannelApi*> served)
    : options(opts),
      channels(served.begin(), served.end()),
      guard(std::make_shared<LifeGuard>()),
      dispatcher(opts, guard),
      connections(ConnectionTable::make({opts.connections_max, opts.connections_per_address_max})) {}

channel::ChannelApi* ServerCore::find_channel(const std::string& name) const {
  if (name.empty()) return default_channel;
  auto it = channels.find(name);
  return it == channels.end() ? nullptr : it->second;
}

std::string ServerCore::health_body() const {
  std::string out = "{\"status\":\"ok\"";
  if (default_channel) out += ",\"height\":" + std::to_string(default_channel->last_height());
  out += ",\"channels\":{";
  bool first = true;
  for (const auto& [name, ch] : channels) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':' + std::to_string(ch->last_height());
  }
  out += "}}";
  return out;
}

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(30);
// After an error that ends the connection, keep reading (and discarding) this long so the client
// gets our answer instead of a reset caused by its unread upload.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr size_t kHeaderBytesMax = 16 * 1024;

enum class RouteKind { kRpc, kMonitorBlock, kMonitorEvent, kHealth, kMetrics, kUnknown };

bool is_api_target(std::string_view t) { return t.starts_with("/api/") || t == "/api"; }

struct Route {
  RouteKind kind = RouteKind::kUnknown;
  bool debug = false;
  std::string channel;  // empty = the default channel
};

// /api/v3[d][/{channel}], /api/v3[/{channel}]/{block|event} (upgrade only), /health.
Route route_of(std::string_view target, bool upgrade) {
  Route r;
  if (size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  while (target.size() > 1 && target.back() == '/') target.remove_suffix(1);
  if (target == "/health") {
    r.kind = RouteKind::kHealth;
    return r;
  }
  if (target == "/metrics") {
    r.kind = RouteKind::kMetrics;
    return r;
  }
  std::string_view rest;
  if (target.starts_with("/api/v3d") && (target.size() == 8 || target[8] == '/')) {
    r.debug = true;
    rest = target.substr(8);
  } else if (target.starts_with("/api/v3") && (target.size() == 7 || target[7] == '/')) {
    rest = target.substr(7);
  } else {
    return r;
  }
  if (!rest.empty()) rest.remove_prefix(1);  // the '/'
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  auto monitor_kind = [](std::string_view s) {
    return s == "block" ? RouteKind::kMonitorBlock : s == "event" ? RouteKind::kMonitorEvent : RouteKind::kUnknown;
  };
  if (parts.empty()) {
    r.kind = RouteKind::kRpc;
  } else if (parts.size() == 1) {
    // "/api/v3/block" is the default channel's monitor for an upgrade, a channel named "block" otherwise.
    if (upgrade && monitor_kind(parts[0]) != RouteKind::kUnknown) {
      r.kind = monitor_kind(parts[0]);
    } else {
      r.kind = RouteKind::kRpc;
      r.channel = std::string(parts[0]);
    }
  } else if (parts.size() == 2 && monitor_kind(parts[1]) != RouteKind::kUnknown) {
    r.kind = monitor_kind(parts[1]);
    r.channel = std::string(parts[0]);
  }
  return r;
}

// goloop server/jsonrpc/jsonrpc.go: "Icon-Options: timeout=<ms>,debug=true". A value that is not an
// integer is ignored (the default applies), as goloop does.
std::optional<int64_t> icon_options_timeout(std::string_view header) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view kv = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!kv.empty() && kv.front() == ' ') kv.remove_prefix(1);
    while (!kv.empty() && kv.back() == ' ') kv.remove_suffix(1);
    if (!kv.starts_with("timeout=")) continue;
    kv.remove_prefix(8);
    int64_t v = 0;
    auto [end, err] = std::from_chars(kv.data(), kv.data() + kv.size(), v);
    if (err == std::errc() && end == kv.data() + kv.size()) return v;
    return std::nullopt;
  }
  return std::nullopt;
}

// Path segments come from the client; only plain names go back into messages.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out += (c >= 0x21 && c <= 0x7e) ? c : '?';
  if (s.size() > 80) out += "...";
  return out;
}

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <typename... StreamArgs>
  HttpSession(ServerCore& server, std::shared_ptr<ConnectionTable::Slot> slot, StreamArgs&&... args)
      : m_stream(std::forward<StreamArgs>(args)...), m_server(server), m_slot(std::move(slot)) {}
  void start();

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }
  void on_handshake(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec);
  void handle();
  // Why the channel refuses this request (signed requests, TLS client certificates), or nullopt.
  std::optional<std::string> auth_refusal(channel::ChannelApi& ch, const http::request<http::string_body>& req);
  std::optional<std::string> tls_refusal(channel::ChannelApi& ch);
  void start_monitor(RouteKind kind, channel::ChannelApi* ch);
  void reply(unsigned status, std::string body, bool close, const char* content_type = "application/json");
  void reply_error(unsigned status, const RpcError& e, bool close) { reply(status, Dispatcher::error_body(e), close); }
  // GET/HEAD of a page under the web root; false when the target is not one.
  bool serve_page(const http::request<http::string_body>& req, bool close);
  void write(bool close);
  void on_write(bool close, beast::error_code ec);
  void end();
  void linger();

  Stream m_stream;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  http::response<http::string_body> m_res;
  std::array<char, 4096> m_drain;
  ServerCore& m_server;
  std::shared_ptr<ConnectionTable::Slot> m_slot;  // handed on to a WebSocket monitor
  Bytes m_client_cert;  // DER, from the TLS handshake; empty = none
  // The last TLS client check per channel, valid while the channel's head stays at that height.
  struct Checked {
    uint64_t height = 0;
    std::optional<std::string> refusal;
  };
  std::map<const channel::ChannelApi*, Checked> m_checked;
};

template <typename Stream>
void HttpSession<Stream>::start() {
  // The table may ask this connection to close (to make room, while it waits for a request): on its strand.
  m_slot->set_closer([weak = this->weak_from_this(), ex = m_stream.get_executor()] {
    asio::post(ex, [weak] {
      if (auto self = weak.lock()) self->lowest().close();
    });
  });
  if constexpr (kTls) {
    // A client that connects and never finishes the handshake holds a slot no longer than an idle one.
    lowest().expires_after(std::chrono::milliseconds(m_server.options.idle_timeout_ms));
    m_stream.async_handshake(asio::ssl::stream_base::server,
                             [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
  } else {
    do_read();
  }
}

template <typename Stream>
void HttpSession<Stream>::on_handshake(beast::error_code ec) {
  if constexpr (kTls) {
    if (ec) {
      CX_DEBUG("rpc", "TLS handshake failed: " << ec.message());
      return;  // the alert went out; the socket closes with the session
    }
    m_client_cert = peer_certificate_der(m_stream.native_handle());
  }
  do_read();
}

template <typename Stream>
void HttpSession<Stream>::do_read() {
  m_parser.emplace();
  m_parser->body_limit(m_server.options.body_bytes_max);
  m_parser->header_limit(kHeaderBytesMax);
  m_slot->set_idle(true, system_clock().monotonic_us());
  const bool busy = m_server.connections->under_pressure();
  lowest().expires_after(std::chrono::milliseconds(busy ? m_server.options.idle_timeout_busy_ms
                                                       : m_server.options.idle_timeout_ms));
  http::async_read(m_stream, m_buffer, *m_parser,
                   [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
}

template <typename Stream>
void HttpSession<Stream>::on_read(beast::error_code ec) {
  if (ec == http::error::end_of_stream) {
    end();
    return;
  }
  if (ec == http::error::body_limit) {
    reply_error(413,
                {error_code::kInvalidRequest, "invalid request: the request body is above the limit of " +
                                                  std::to_string(m_server.options.body_bytes_max) + " bytes"},
                /*close=*/true);
    return;
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_target).category()) {
    reply_error(400, {error_code::kInvalidRequest, "invalid request: malformed HTTP request (" + ec.message() + ")"},
                /*close=*/true);
    return;
  }
  if (ec) return;  // timeout, reset, shutdown: nothing to answer
  handle();
}

template <typename Stream>
void HttpSession<Stream>::handle() {
  m_slot->set_idle(false, 0);
  auto& req = m_parser->get();
  bool upgrade = beast::websocket::is_upgrade(req);
  Route route = route_of(req.target(), upgrade);
  bool keep_alive = req.keep_alive();

  if (req.method() == http::verb::options) {
    reply(204, std::string(), !keep_alive);
    return;
  }
  if (route.kind == RouteKind::kHealth) {
    reply(200, m_server.health_body(), !keep_alive);
    return;
  }
  if (route.kind == RouteKind::kMetrics) {
    // Prometheus text format 0.0.4 (base/metrics.hpp); any method but OPTIONS gets it, as /health.
    reply(200, metrics::global().expose(), !keep_alive, "text/plain; version=0.0.4; charset=utf-8");
    return;
  }
  if (route.kind == RouteKind::kUnknown && !is_api_target(req.target()) && serve_page(req, !keep_alive)) return;
  if (route.kind == RouteKind::kUnknown) {
    reply_error(404,
                {error_code::kNotFound, "not found: no endpoint at " + printable(req.target()) +
                                            " (JSON-RPC is served at POST /api/v3 and /api/v3/{channel})"},
                !keep_alive);
    return;
  }
  channel::ChannelApi* ch = m_server.find_channel(route.channel);
  if (!ch) {
    std::string msg = route.channel.empty()
                          ? "not found: this node has no default channel; use /api/v3/{channel}"
                          : "not found: no channel named '" + printable(route.channel) + "' on this node";
    reply_error(404, {error_code::kNotFound, msg}, !keep_alive);
    return;
  }
  if (auto refused = auth_refusal(*ch, req)) {
    reply_error(401, {error_code::kInvalidRequest, *refused}, !keep_alive);
    return;
  }
  if (route.kind == RouteKind::kMonitorBlock || route.kind == RouteKind::kMonitorEvent) {
    if (!upgrade) {
      reply_error(400, {error_code::kInvalidRequest, "invalid request: " + printable(req.target()) +
                                                         " is a WebSocket endpoint (send an Upgrade request)"},
                  !keep_alive);
      return;
    }
    start_monitor(route.kind, ch);
    return;
  }
  if (req.method() != http::verb::post) {
    reply_error(405, {error_code::kInvalidRequest, "invalid request: JSON-RPC takes POST, not " +
                                                       std::string(req.method_string())},
                !keep_alive);
    return;
  }
  RequestContext ctx;
  ctx.channel = ch;
  ctx.debug = route.debug;
  ctx.executor = m_stream.get_executor();
  if (auto it = req.find("Icon-Options"); it != req.end()) ctx.requested_timeout_ms = icon_options_timeout(it->value());
  // Nothing is read while a request is being answered: pipelined requests wait in m_buffer and
  // are answered in order.
  lowest().expires_never();
  m_server.dispatcher.handle(req.body(), ctx,
                             [self = this->shared_from_this(), keep_alive](unsigned status, std::string body) {
                               self->reply(status, std::move(body), !keep_alive);
                             });
}

template <typename Stream>
std::optional<std::string> HttpSession<Stream>::auth_refusal(channel::ChannelApi& ch,
                                                             const http::request<http::string_body>& req) {
  const core::ChainParams& params = ch.params();
  auto it = req.find(kAuthHeader);
  const std::string_view header = it == req.end() ? std::string_view() : std::string_view(it->value());
  if (params.rpc_auth_tls && header.empty()) return tls_refusal(ch);
  if (!params.rpc_auth_signed && !params.rpc_auth_tls) return std::nullopt;
  const SignedRequest signed_req{req.method_string(), req.target(), req.body()};
  ClientAuth::MemberCheck member = [&ch](const core::Address& a) { return ch.member_refusal(a); };
  // Someone must issue the first certificate: on a "tls" channel the CA's RAs and the validators may
  // sign their requests instead (tls_signed_refusal); everyone else needs a certificate.
  if (params.rpc_auth_tls)
    member = [&ch](const core::Address& a) -> std::optional<std::string> {
      if (auto why = tls_signed_refusal(ch.params(), a)) return why;
      return ch.member_refusal(a);
    };
  return m_server.auth.check(params, member, header, signed_req, system_clock().now_us());
}

template <typename Stream>
std::optional<std::string> HttpSession<Stream>::tls_refusal(channel::ChannelApi& ch) {
  if (!kTls)
    return "unauthorized: channel " + ch.params().channel +
           " answers only TLS clients with a certificate from its chain CA, and this node's RPC listens without "
           "TLS (config.json rpc.tls, docs/membership.md)";
  // The answer changes only with the chain's state: check again when the head moves.
  const uint64_t head = ch.last_height();
  auto it = m_checked.find(&ch);
  if (it != m_checked.end() && it->second.height == head) return it->second.refusal;
  const ClientAuth::MemberCheck member = [&ch](const core::Address& a) { return ch.member_refusal(a); };
  auto refusal = tls_client_refusal(ch.params(), m_client_cert, ca_lookup_of(ch), member,
                                    system_clock().now_us() / 1'000'000);
  m_checked[&ch] = Checked{head, refusal};
  return refusal;
}

template <typename Stream>
void HttpSession<Stream>::start_monitor(RouteKind kind, channel::ChannelApi* ch) {
  MonitorLimits limits{m_server.options.idle_timeout_ms, m_server.options.ws_queue_bytes_max};
  MonitorKind mk = kind == RouteKind::kMonitorBlock ? MonitorKind::kBlock : MonitorKind::kEvent;
  lowest().expires_never();
  if constexpr (kTls) {
    // The TLS session moves on with the stream: wss:// with the same handshake (and client certificate).
    start_monitor_session(std::move(m_stream), m_parser->release(), mk, ch, m_server.guard, limits, m_slot);
  } else {
    start_monitor_session(m_stream.release_socket(), m_parser->release(), mk, ch, m_server.guard, limits, m_slot);
  }
}

template <typename Stream>
bool HttpSession<Stream>::serve_page(const http::request<http::string_body>& req, bool close) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) return false;
  const StaticFile* f = m_server.pages ? m_server.pages->find(req.target()) : nullptr;
  if (!f) return false;
  const bool fresh = req[http::field::if_none_match] == f->etag;
  m_res = {};
  m_res.version(req.version());
  m_res.result(fresh ? http::status::not_modified : http::status::ok);
  m_res.set(http::field::server, "complexchain");
  m_res.set(http::field::content_type, f->content_type);
  m_res.set(http::field::etag, f->etag);
  m_res.set(http::field::cache_control, "no-cache");
  m_res.set("X-Content-Type-Options", "nosniff");
  m_res.set("Content-Security-Policy",
            "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
  m_res.keep_alive(!close);
  if (!fresh && req.method() == http::verb::get) m_res.body() = f->body;
  m_res.prepare_payload();
  if (req.method() == http::verb::head) m_res.content_length(f->body.size());
  write(close);
  return true;
}

template <typename Stream>
void HttpSession<Stream>::reply(unsigned status, std::string body, bool close, const char* content_type) {
  unsigned version = m_parser ? m_parser->get().version() : 11;
  m_res = {};
  m_res.version(version);
  m_res.result(static_cast<http::status>(status));
  m_res.set(http::field::server, "complexchain");
  m_res.set(http::field::access_control_allow_origin, "*");
  if (status == 204) {
    m_res.set(http::field::access_control_allow_methods, "POST, GET, OPTIONS");
    m_res.set(http::field::access_control_allow_headers, "Content-Type, Icon-Options, Cx-Auth");
    m_res.set(http::field::access_control_max_age, "86400");
  } else {
    m_res.set(http::field::content_type, content_type);
  }
  m_res.keep_alive(!close);
  m_res.body() = std::move(body);
  m_res.prepare_payload();
  write(close);
}

template <typename Stream>
void HttpSession<Stream>::write(bool close) {
  lowest().expires_after(kWriteTimeout);
  http::async_write(m_stream, m_res, [self = this->shared_from_this(), close](beast::error_code ec, size_t) {
    self->on_write(close, ec);
  });
}

template <typename Stream>
void HttpSession<Stream>::on_write(bool close, beast::error_code ec) {
  if (ec) return;
  if (close) {
    linger();
    return;
  }
  do_read();
}

// The client closed its side: close ours (TLS: with close_notify).
template <typename Stream>
void HttpSession<Stream>::end() {
  beast::error_code ignored;
  if constexpr (kTls) {
    lowest().expires_after(kLingerTimeout);
    m_stream.async_shutdown([self = this->shared_from_this()](beast::error_code) {
      beast::error_code e;
      self->lowest().socket().close(e);
    });
  } else {
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

template <typename Stream>
void HttpSession<Stream>::linger() {
  if constexpr (kTls) {
    // close_notify, then wait (bounded) for the client's; what it still sends is discarded by OpenSSL.
    end();
  } else {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    m_stream.expires_after(kLingerTimeout);
    struct Drain {
      std::shared_ptr<HttpSession> self;
      void operator()(beast::error_code ec, size_t) {
        if (ec) {
          beast::error_code e;
          self->m_stream.socket().close(e);
          return;
        }
        auto& s = self->m_stream;
        s.async_read_some(asio::buffer(self->m_drain), std::move(*this));
      }
    };
    m_stream.async_read_some(asio::buffer(m_drain), Drain{this->shared_from_this()});
  }
}

}  // namespace

void start_http_session(tcp::socket socket, ServerCore& core, std::shared_ptr<ConnectionTable::Slot> slot,
                        asio::ssl::context* tls) {
  if (tls) {
    std::make_shared<HttpSession<TlsStream>>(core, std::move(slot), std::move(socket), *tls)->start();
  } else {
    std::make_shared<HttpSession<PlainStream>>(core, std::move(slot), std::move(socket))->start();
  }
}

}  // namespace cx::rpc
