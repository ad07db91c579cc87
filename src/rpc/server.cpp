#include "rpc/server.hpp"

#include <pthread.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "base/log.hpp"
#include "base/clock.hpp"
#include "base/metrics.hpp"
#include "rpc/client_auth.hpp"
#include "rpc/conn_limits.hpp"
#include "rpc/dispatcher.hpp"
#include "rpc/json_format.hpp"
#include "rpc/monitor.hpp"
#include "rpc/static_files.hpp"

namespace cx::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(30);
// After an error that ends the connection, keep reading (and discarding) this long so the client
// gets our answer instead of a reset caused by its unread upload.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr size_t kHeaderBytesMax = 16 * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

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

class ServerImpl;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, ServerImpl& server, std::shared_ptr<ConnectionTable::Slot> slot)
      : m_stream(std::move(socket)), m_server(server), m_slot(std::move(slot)) {}
  void start();

 private:
  void do_read();
  void on_read(beast::error_code ec);
  void handle();
  void reply(unsigned status, std::string body, bool close, const char* content_type = "application/json");
  void reply_error(unsigned status, const RpcError& e, bool close) { reply(status, Dispatcher::error_body(e), close); }
  // GET/HEAD of a page under the web root; false when the target is not one.
  bool serve_page(const http::request<http::string_body>& req, bool close);
  void on_write(bool close, beast::error_code ec);
  void linger();

  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  http::response<http::string_body> m_res;
  std::array<char, 4096> m_drain;
  ServerImpl& m_server;
  std::shared_ptr<ConnectionTable::Slot> m_slot;  // handed on to a WebSocket monitor
};

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerOptions& options, std::map<std::string, channel::ChannelApi*> channels)
      : m_options(options),
        m_channels(channels.begin(), channels.end()),
        m_guard(std::make_shared<LifeGuard>()),
        m_dispatcher(options, m_guard),
        m_connections(ConnectionTable::make({options.connections_max, options.connections_per_address_max})),
        m_io(std::make_unique<asio::io_context>(static_cast<int>(std::max(1u, options.io_threads)))) {
    m_guard->io = m_io.get();
  }

  Status load_pages() {
    auto pages = StaticFiles::load(m_options.web_root);
    if (!pages) return Status::error("rpc: " + pages.status().message());
    m_pages = std::move(*pages);
    if (m_pages->size() > 0)
      CX_INFO("rpc", "serving " << m_pages->size() << " web files (" << m_pages->bytes() << " bytes) from "
                                << m_options.web_root << " at /");
    return Status::ok();
  }

  ~ServerImpl() override { stop(); }

  Status open() {
    if (Status s = load_pages(); !s) return s;
    if (!m_options.default_channel.empty()) {
      auto it = m_channels.find(m_options.default_channel);
      if (it == m_channels.end()) {
        return Status::error("rpc: default channel '" + m_options.default_channel + "' is not among the served channels");
      }
      m_default = it->second;
      m_default_name = it->first;
    } else if (m_channels.size() == 1) {
      m_default = m_channels.begin()->second;
      m_default_name = m_channels.begin()->first;
    }
    for (const auto& [name, ch] : m_channels) {
      if (!ch) return Status::error("rpc: channel '" + name + "' is null");
    }
    boost::system::error_code ec;
    tcp::resolver resolver(*m_io);
    auto endpoints = resolver.resolve(m_options.host, std::to_string(m_options.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
      return Status::error("rpc: cannot resolve host '" + m_options.host + "': " + ec.message());
    }
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    m_acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(*m_io));
    auto where = m_options.host + ":" + std::to_string(m_options.port);
    if (m_acceptor->open(endpoint.protocol(), ec)) return Status::error("rpc: cannot open socket for " + where + ": " + ec.message());
    if (m_acceptor->set_option(asio::socket_base::reuse_address(true), ec)) {
      return Status::error("rpc: cannot set SO_REUSEADDR on " + where + ": " + ec.message());
    }
    if (m_acceptor->bind(endpoint, ec)) return Status::error("rpc: cannot listen on " + where + ": " + ec.message());
    if (m_acceptor->listen(asio::socket_base::max_listen_connections, ec)) {
      return Status::error("rpc: cannot listen on " + where + ": " + ec.message());
    }
    m_port = m_acceptor->local_endpoint().port();
    m_accept_timer = std::make_unique<asio::steady_timer>(m_acceptor->get_executor());
    do_accept();
    unsigned n = std::max(1u, m_options.io_threads);
    MutexLock lock(m_stop_mutex);
    for (unsigned i = 0; i < n; ++i) {
      m_threads.emplace_back([this, i] {
        std::string name = "rpc-io-" + std::to_string(i);
        pthread_setname_np(pthread_self(), name.c_str());
        m_io->run();
      });
    }
    CX_INFO("rpc", "listening on " << m_options.host << ":" << m_port << " with " << n << " I/O threads");
    return Status::ok();
  }

  uint16_t port() const override { return m_port; }

  void stop() override {
    MutexLock lock(m_stop_mutex);
    if (m_stopped) return;
    m_stopped = true;
    {
      // From here on channel callbacks post nothing; the io_context can go away under them.
      MutexLock g(m_guard->mutex);
      m_guard->alive = false;
    }
    m_io->stop();
    for (auto& t : m_threads) t.join();
    m_threads.clear();
    m_accept_timer.reset();
    m_acceptor.reset();
    // Destroying the io_context destroys every pending handler and with it every session: sockets
    // close, waits and monitors cancel their channel subscriptions.
    m_io.reset();
  }

  channel::ChannelApi* find_channel(const std::string& name) const {
    if (name.empty()) return m_default;
    auto it = m_channels.find(name);
    return it == m_channels.end() ? nullptr : it->second;
  }

  std::string health_body() const {
    std::string out = "{\"status\":\"ok\"";
    if (m_default) out += ",\"height\":" + std::to_string(m_default->last_height());
    out += ",\"channels\":{";
    bool first = true;
    for (const auto& [name, ch] : m_channels) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, name);
      out += ':' + std::to_string(ch->last_height());
    }
    out += "}}";
    return out;
  }

  const ServerOptions m_options;
  std::map<std::string, channel::ChannelApi*, std::less<>> m_channels;
  channel::ChannelApi* m_default = nullptr;
  std::string m_default_name;
  std::shared_ptr<LifeGuard> m_guard;
  Dispatcher m_dispatcher;
  std::shared_ptr<ConnectionTable> m_connections;
  ClientAuth m_auth;
  std::shared_ptr<const StaticFiles> m_pages;

 private:
  void do_accept() {
    m_acceptor->async_accept(asio::make_strand(*m_io), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Typically out of file descriptors: back off instead of spinning.
        CX_WARN("rpc", "accept failed: " << ec.message());
        m_accept_timer->expires_after(kAcceptRetryDelay);
        m_accept_timer->async_wait([this](boost::system::error_code e) {
          if (!e) do_accept();
        });
        return;
      }
      admit(std::move(socket));
      do_accept();
    });
  }

  void admit(tcp::socket socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;  // gone already
    const std::string address = remote.address().to_string();
    AdmitRefusal refusal = AdmitRefusal::kNone;
    auto slot = m_connections->admit(address, refusal);
    if (!slot) {
      // Closed at once: a refused client learns it from the reset, and costs nothing more.
      if (m_refused.fetch_add(1, std::memory_order_relaxed) % 1000 == 0)
        CX_WARN("rpc", "refused a connection from " << address << ": "
                                                    << (refusal == AdmitRefusal::kAddressFull
                                                            ? "it holds connectionsPerAddressMax connections"
                                                            : "all connectionsMax are taken and none is idle")
                                                    << " (" << m_refused.load() << " refused so far)");
      socket.close(ec);
      return;
    }
    std::make_shared<HttpSession>(std::move(socket), *this, std::move(slot))->start();
  }

  std::atomic<uint64_t> m_refused{0};
  std::unique_ptr<asio::io_context> m_io;
  std::unique_ptr<tcp::acceptor> m_acceptor;
  std::unique_ptr<asio::steady_timer> m_accept_timer;
  uint16_t m_port = 0;
  Mutex m_stop_mutex;  // stop() may be called by several threads; the first one stops
  std::vector<std::thread> m_threads GUARDED_BY(m_stop_mutex);
  bool m_stopped GUARDED_BY(m_stop_mutex) = false;
};

void HttpSession::start() {
  // The table may ask this connection to close (to make room, while it waits for a request): on its strand.
  m_slot->set_closer([weak = weak_from_this(), ex = m_stream.get_executor()] {
    asio::post(ex, [weak] {
      if (auto self = weak.lock()) self->m_stream.close();
    });
  });
  do_read();
}

void HttpSession::do_read() {
  m_parser.emplace();
  m_parser->body_limit(m_server.m_options.body_bytes_max);
  m_parser->header_limit(kHeaderBytesMax);
  m_slot->set_idle(true, system_clock().monotonic_us());
  const bool busy = m_server.m_connections->under_pressure();
  m_stream.expires_after(std::chrono::milliseconds(busy ? m_server.m_options.idle_timeout_busy_ms
                                                        : m_server.m_options.idle_timeout_ms));
  http::async_read(m_stream, m_buffer, *m_parser,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
}

void HttpSession::on_read(beast::error_code ec) {
  if (ec == http::error::end_of_stream) {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  if (ec == http::error::body_limit) {
    reply_error(413,
                {error_code::kInvalidRequest, "invalid request: the request body is above the limit of " +
                                                  std::to_string(m_server.m_options.body_bytes_max) + " bytes"},
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

void HttpSession::handle() {
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
  if (ch->params().rpc_auth_signed) {
    auto it = req.find(kAuthHeader);
    const std::string_view header = it == req.end() ? std::string_view() : std::string_view(it->value());
    const SignedRequest signed_req{req.method_string(), req.target(), req.body()};
    const ClientAuth::MemberCheck member = [ch](const core::Address& a) { return ch->member_refusal(a); };
    if (auto refused = m_server.m_auth.check(ch->params(), member, header, signed_req, system_clock().now_us())) {
      reply_error(401, {error_code::kInvalidRequest, *refused}, !keep_alive);
      return;
    }
  }
  if (route.kind == RouteKind::kMonitorBlock || route.kind == RouteKind::kMonitorEvent) {
    if (!upgrade) {
      reply_error(400, {error_code::kInvalidRequest, "invalid request: " + printable(req.target()) +
                                                         " is a WebSocket endpoint (send an Upgrade request)"},
                  !keep_alive);
      return;
    }
    MonitorLimits limits{m_server.m_options.idle_timeout_ms, m_server.m_options.ws_queue_bytes_max};
    MonitorKind kind = route.kind == RouteKind::kMonitorBlock ? MonitorKind::kBlock : MonitorKind::kEvent;
    m_stream.expires_never();
    start_monitor_session(m_stream.release_socket(), m_parser->release(), kind, ch, m_server.m_guard, limits, m_slot);
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
  m_stream.expires_never();
  m_server.m_dispatcher.handle(req.body(), ctx,
                               [self = shared_from_this(), keep_alive](unsigned status, std::string body) {
                                 self->reply(status, std::move(body), !keep_alive);
                               });
}

bool HttpSession::serve_page(const http::request<http::string_body>& req, bool close) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) return false;
  const StaticFile* f = m_server.m_pages ? m_server.m_pages->find(req.target()) : nullptr;
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
  m_stream.expires_after(kWriteTimeout);
  http::async_write(m_stream, m_res, [self = shared_from_this(), close](beast::error_code ec, size_t) {
    self->on_write(close, ec);
  });
  return true;
}

void HttpSession::reply(unsigned status, std::string body, bool close, const char* content_type) {
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
  m_stream.expires_after(kWriteTimeout);
  http::async_write(m_stream, m_res, [self = shared_from_this(), close](beast::error_code ec, size_t) {
    self->on_write(close, ec);
  });
}

void HttpSession::on_write(bool close, beast::error_code ec) {
  if (ec) return;
  if (close) {
    linger();
    return;
  }
  do_read();
}

void HttpSession::linger() {
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
  m_stream.async_read_some(asio::buffer(m_drain), Drain{shared_from_this()});
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options,
                                              std::map<std::string, channel::ChannelApi*> channels) {
  if (channels.empty()) return Result<std::unique_ptr<Server>>::error("rpc: no channel to serve");
  auto server = std::make_unique<ServerImpl>(options, std::move(channels));
  Status s = server->open();
  if (!s) return Result<std::unique_ptr<Server>>(std::move(s));
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace cx::rpc
