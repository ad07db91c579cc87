#include "rpc/server.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "base/log.hpp"
#include "rpc/http_session.hpp"
#include "rpc/tls_context.hpp"

namespace cx::rpc {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerOptions& options, std::map<std::string, channel::ChannelApi*> channels)
      : m_core(options, std::move(channels)),
        m_io(std::make_unique<asio::io_context>(static_cast<int>(std::max(1u, options.io_threads)))) {
    m_core.guard->io = m_io.get();
  }

  Status load_pages() {
    auto pages = StaticFiles::load(m_core.options.web_root);
    if (!pages) return Status::error("rpc: " + pages.status().message());
    m_core.pages = std::move(*pages);
    if (m_core.pages->size() > 0)
      CX_INFO("rpc", "serving " << m_core.pages->size() << " web files (" << m_core.pages->bytes() << " bytes) from "
                                << m_core.options.web_root << " at /");
    return Status::ok();
  }

  ~ServerImpl() override { stop(); }

  Status open() {
    if (Status s = load_pages(); !s) return s;
    if (Status s = pick_default(); !s) return s;
    if (Status s = load_tls(); !s) return s;
    boost::system::error_code ec;
    tcp::resolver resolver(*m_io);
    auto endpoints = resolver.resolve(m_core.options.host, std::to_string(m_core.options.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
      return Status::error("rpc: cannot resolve host '" + m_core.options.host + "': " + ec.message());
    }
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    m_acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(*m_io));
    auto where = m_core.options.host + ":" + std::to_string(m_core.options.port);
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
    unsigned n = std::max(1u, m_core.options.io_threads);
    MutexLock lock(m_stop_mutex);
    for (unsigned i = 0; i < n; ++i) {
      m_threads.emplace_back([this, i] {
        std::string name = "rpc-io-" + std::to_string(i);
        pthread_setname_np(pthread_self(), name.c_str());
        m_io->run();
      });
    }
    CX_INFO("rpc", "listening on " << (m_tls ? "https://" : "http://") << m_core.options.host << ":" << m_port << " with " << n << " I/O threads");
    return Status::ok();
  }

  uint16_t port() const override { return m_port; }

  void stop() override {
    MutexLock lock(m_stop_mutex);
    if (m_stopped) return;
    m_stopped = true;
    {
      // From here on channel callbacks post nothing; the io_context can go away under them.
      MutexLock g(m_core.guard->mutex);
      m_core.guard->alive = false;
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

 private:
  Status pick_default() {
    if (!m_core.options.default_channel.empty()) {
      auto it = m_core.channels.find(m_core.options.default_channel);
      if (it == m_core.channels.end()) {
        return Status::error("rpc: default channel '" + m_core.options.default_channel + "' is not among the served channels");
      }
      m_core.default_channel = it->second;
      m_core.default_name = it->first;
    } else if (m_core.channels.size() == 1) {
      m_core.default_channel = m_core.channels.begin()->second;
      m_core.default_name = m_core.channels.begin()->first;
    }
    for (const auto& [name, ch] : m_core.channels) {
      if (!ch) return Status::error("rpc: channel '" + name + "' is null");
    }
    return Status::ok();
  }

  // With rpc.tls: the context, asking for client certificates when a channel needs them. Without it,
  // a channel with rpcAuth "tls" refuses every request (and says so).
  Status load_tls() {
    std::vector<const core::ChainParams*> client_cert_channels;
    for (const auto& [name, ch] : m_core.channels) {
      if (!ch->params().rpc_auth_tls) continue;
      client_cert_channels.push_back(&ch->params());
      if (!m_core.options.tls)
        CX_WARN("rpc", "channel " << name << " has rpcAuth \"tls\" but rpc.tls is not configured: its RPC refuses every request");
    }
    if (!m_core.options.tls) return Status::ok();
    auto ctx = make_server_tls(*m_core.options.tls, std::move(client_cert_channels));
    if (!ctx) return ctx.status();
    m_tls = std::move(*ctx);
    m_core.tls = true;
    return Status::ok();
  }

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
    auto slot = m_core.connections->admit(address, refusal);
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
    // No Nagle: a TLS handshake flight leaves in several writes, and Nagle against the client's
    // delayed ACK stalled each handshake by 40 ms.
    socket.set_option(tcp::no_delay(true), ec);
    start_http_session(std::move(socket), m_core, std::move(slot), m_tls.get());
  }

  ServerCore m_core;
  std::atomic<uint64_t> m_refused{0};
  std::unique_ptr<asio::io_context> m_io;
  std::unique_ptr<asio::ssl::context> m_tls;  // null: plain HTTP
  std::unique_ptr<tcp::acceptor> m_acceptor;
  std::unique_ptr<asio::steady_timer> m_accept_timer;
  uint16_t m_port = 0;
  Mutex m_stop_mutex;  // stop() may be called by several threads; the first one stops
  std::vector<std::thread> m_threads GUARDED_BY(m_stop_mutex);
  bool m_stopped GUARDED_BY(m_stop_mutex) = false;
};

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
