#include "p2p/network.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/mutex.hpp"
#include "base/random.hpp"
#include "base/thread_pool.hpp"
#include "crypto/address.hpp"
#include "p2p/wire.hpp"

namespace cx::p2p {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using FramePtr = std::shared_ptr<const Bytes>;

constexpr size_t kWriteBatchFramesMax = 64;
constexpr uint32_t kFailuresMax = 32;
constexpr uint32_t kAcceptRetryMs = 100;

enum class Direction { kInbound, kOutbound };
enum class ConnState { kConnecting, kHandshake, kActive, kClosed };

// One TCP connection. Owned by NetworkImpl::m_conns while open and by the completion handlers in flight;
// touched only on the I/O thread.
struct Connection {
  Connection(asio::io_context& io, Direction d) : socket(io), resolver(io), timer(io), direction(d) {}

  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer timer;  // handshake deadline, then keepalive
  Direction direction;
  ConnState state = ConnState::kConnecting;
  std::string remote;        // "ip:port" for logs
  int peer = -1;             // index in m_peers: the dial target (outbound) or the Hello's claim (inbound)
  bool claimed = false;      // counted in Peer::pending (Hello accepted, Auth not yet verified)
  bool counted_inbound = false;  // counted in NetworkImpl::m_pending_inbound
  bool hello_received = false;
  Hash32 nonce;
  Hash32 peer_nonce;

  uint8_t header[kFrameHeaderBytes] = {};
  Bytes body;

  std::deque<FramePtr> local;  // transport frames (Hello, Auth, Ping); written before the peer queue
  std::vector<FramePtr> inflight;
  bool writing = false;

  int64_t last_rx_us = 0;
  double tokens = 0;  // frame-rate bucket
  int64_t tokens_at_us = 0;
};
using ConnPtr = std::shared_ptr<Connection>;

struct Peer {
  Peer(asio::io_context& io, PeerAddress a) : address(std::move(a)), redial(io), down_grace(io) {}

  PeerAddress address;
  // I/O thread only.
  bool admitted = true;  // in the allow-list now (an address taken off it keeps its entry, refused)
  ConnPtr session;     // the one established connection
  ConnPtr dialing;     // our outbound attempt, until it is established or fails
  int pending = 0;     // connections whose Hello claims this peer, not yet authenticated
  bool up = false;     // on_peer_up delivered, on_peer_down not yet
  uint32_t failures = 0;
  asio::steady_timer redial;
  bool redial_armed = false;
  asio::steady_timer down_grace;  // bounds how long a lost session may wait for its replacement
  // The send queue: send() and broadcast() fill it on caller threads, the I/O thread drains it.
  mutable Mutex send_mutex;
  bool open GUARDED_BY(send_mutex) = false;  // accepting messages
  std::deque<FramePtr> queue GUARDED_BY(send_mutex);
  size_t queued_bytes GUARDED_BY(send_mutex) = 0;
  bool kick_posted GUARDED_BY(send_mutex) = false;  // a pump() for this peer is posted to the I/O thread
};

std::string endpoint_string(const tcp::socket& s) {
  ErrorCode ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

class NetworkImpl final : public Network {
 public:
  NetworkImpl(const NetworkOptions& options, Handler& handler, core::Address self)
      : m_options(options),
        m_handler(handler),
        m_self(self),
        m_log("p2p-" + options.channel),
        m_acceptor(m_io),
        m_accept_retry(m_io),
        m_random(os_random().next_u64()) {
    for (const auto& p : options.peers) add_peer(p);
  }

  ~NetworkImpl() override {
    CX_ASSERT_MSG(std::this_thread::get_id() != m_io_thread_id.load(), "p2p Network destroyed on its own I/O thread");
    stop();
  }

  Status listen() {
    ErrorCode ec;
    auto address = asio::ip::make_address(m_options.listen_host, ec);
    if (ec) {
      tcp::resolver resolver(m_io);
      auto results = resolver.resolve(m_options.listen_host, "", ec);
      if (ec || results.empty()) return Status::error("p2p: cannot resolve listen_host '" + m_options.listen_host + "'");
      address = results.begin()->endpoint().address();
    }
    tcp::endpoint ep(address, m_options.listen_port);
    if (m_acceptor.open(ep.protocol(), ec); ec) return listen_error(ec);
    if (m_acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec) return listen_error(ec);
    if (m_acceptor.bind(ep, ec); ec) return listen_error(ec);
    if (m_acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return listen_error(ec);
    m_port = m_acceptor.local_endpoint(ec).port();
    if (ec) return listen_error(ec);
    return Status::ok();
  }

  void run() {
    m_work.emplace(m_io.get_executor());
    asio::post(m_io, [this] {
      accept_next();
      for (auto& p : m_peers) maybe_schedule_dial(*p, /*delay_ms=*/0);
    });
    MutexLock lock(m_join_mutex);
    m_thread = std::thread([this] {
      // Before any handler runs, so that a stop() from a handler knows it is on the I/O thread.
      m_io_thread_id.store(std::this_thread::get_id());
      set_thread_name("p2p-" + m_options.channel);
      m_io.run();
    });
  }

  uint16_t port() const override { return m_port; }
  const core::Address& address() const override { return m_self; }

  void send(const core::Address& peer, Message message) override {
    if (m_stop_requested.load(std::memory_order_acquire)) return;
    ReaderLock table(m_table_mutex);
    auto it = m_index.find(peer);
    if (it == m_index.end()) {
      CX_DEBUG(m_log, "not sending to " << peer.to_string() << ": not a peer of this channel");
      return;
    }
    if (auto frame = make_frame(message)) enqueue(it->second, frame);
  }

  void broadcast(Message message) override {
    if (m_stop_requested.load(std::memory_order_acquire)) return;
    auto frame = make_frame(message);
    if (!frame) return;
    ReaderLock table(m_table_mutex);
    for (size_t i = 0; i < m_peers.size(); ++i) enqueue(i, frame);
  }

  void set_peers(std::vector<PeerAddress> peers) override {
    if (m_stop_requested.load(std::memory_order_acquire)) return;
    if (peers.size() > kPeersMax) {
      CX_ERROR(m_log, "allow-list of " << peers.size() << " addresses ignored: above " << kPeersMax);
      return;
    }
    asio::post(m_io, [this, peers = std::move(peers)] { apply_peers(peers); });
  }

  std::vector<core::Address> connected() const override {
    std::vector<core::Address> out;
    ReaderLock table(m_table_mutex);
    for (const auto& p : m_peers) {
      MutexLock lock(p->send_mutex);
      if (p->open) out.push_back(p->address.id);
    }
    return out;
  }

  void stop() override {
    const bool on_io_thread = std::this_thread::get_id() == m_io_thread_id.load();
    if (!m_stop_requested.exchange(true)) {
      if (on_io_thread) {
        shutdown();
      } else {
        asio::post(m_io, [this] { shutdown(); });
      }
    }
    if (on_io_thread) return;  // the thread ends after the current callback; the destructor joins it
    MutexLock lock(m_join_mutex);
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  Status listen_error(const ErrorCode& ec) {
    return Status::error("p2p: cannot listen on " + m_options.listen_host + ":" +
                         std::to_string(m_options.listen_port) + ": " + ec.message());
  }

  const core::Address& peer_id(const Connection& c) const { return m_peers[c.peer]->address.id; }

  // The constructor and the I/O thread only (under the writer lock: other threads read the table).
  void add_peer(const PeerAddress& a) {
    if (a.id == m_self || m_index.count(a.id)) return;
    if (m_peers.size() >= kPeersMax) {
      CX_ERROR(m_log, "not admitting " << a.id.to_string() << ": " << kPeersMax << " addresses listed already");
      return;
    }
    WriterLock table(m_table_mutex);
    m_index.emplace(a.id, m_peers.size());
    m_peers.push_back(std::make_unique<Peer>(m_io, a));
  }

  // I/O thread: the new allow-list (set_peers).
  void apply_peers(const std::vector<PeerAddress>& list) {
    if (m_stopping) return;
    std::set<core::Address> listed;
    for (const auto& a : list) {
      if (a.id == m_self) continue;
      listed.insert(a.id);
      m_strangers.erase(a.id);  // refusals of it are counted (and logged) afresh if it is taken off again
      auto it = m_index.find(a.id);
      if (it == m_index.end()) {
        add_peer(a);
        if (!m_index.count(a.id)) continue;
        CX_INFO(m_log, "admitting " << a.id.to_string() << " (a member now)");
        maybe_schedule_dial(*m_peers.back(), /*delay_ms=*/0);
        continue;
      }
      Peer& p = *m_peers[it->second];
      if (a.port != 0 && p.address.port == 0) p.address = a;  // now dialled too
      if (!p.admitted) {
        p.admitted = true;
        p.failures = 0;
        CX_INFO(m_log, "admitting " << a.id.to_string() << " again (a member again)");
        maybe_schedule_dial(p, /*delay_ms=*/0);
      }
    }
    for (auto& p : m_peers) {
      if (!p->admitted || listed.contains(p->address.id)) continue;
      p->admitted = false;
      CX_WARN(m_log, "no longer admitting " << p->address.id.to_string() << " (not a member now); closing its connections");
      p->redial.cancel();
      std::vector<ConnPtr> conns;
      for (const auto& c : m_conns)
        if (c->peer >= 0 && m_peers[c->peer].get() == p.get()) conns.push_back(c);
      for (const auto& c : conns) close(c);
      if (p->up && !p->session) peer_down(*p);
    }
  }

  // ---- sending (any thread) ----

  FramePtr make_frame(const Message& m) const {
    if (m.payload.size() + 1 > m_options.frame_bytes_max) {
      CX_ERROR(m_log, "not sending a " << m.payload.size() << "-byte message of type "
                                       << static_cast<int>(m.type) << ": above frame_bytes_max "
                                       << m_options.frame_bytes_max);
      return nullptr;
    }
    return std::make_shared<const Bytes>(encode_frame(static_cast<uint8_t>(m.type), m.payload));
  }

  void enqueue(size_t index, const FramePtr& frame) {
    Peer& p = *m_peers[index];
    bool overflow = false, kick = false;
    {
      MutexLock lock(p.send_mutex);
      if (!p.open) return;
      if (p.queued_bytes + frame->size() > m_options.send_queue_bytes_max) {
        // A peer that cannot keep up is disconnected rather than allowed to grow our memory;
        // reconnecting resynchronises it through block sync.
        overflow = true;
        p.open = false;
        p.queue.clear();
        p.queued_bytes = 0;
      } else {
        p.queue.push_back(frame);
        p.queued_bytes += frame->size();
        if (!p.kick_posted) kick = p.kick_posted = true;
      }
    }
    if (overflow) {
      asio::post(m_io, [this, index] {
        if (m_stopping) return;
        Peer& p = *m_peers[index];
        if (p.session) {
          drop(p.session, "send queue above " + std::to_string(m_options.send_queue_bytes_max) + " bytes");
        }
        if (p.up && !p.session) peer_down(p);
      });
    } else if (kick) {
      asio::post(m_io, [this, index] {
        Peer& p = *m_peers[index];
        {
          MutexLock lock(p.send_mutex);
          p.kick_posted = false;
        }
        if (!m_stopping && p.session) pump(p.session);
      });
    }
  }

  // ---- I/O thread ----

  void shutdown() {
    m_stopping = true;
    ErrorCode ec;
    m_acceptor.close(ec);
    m_accept_retry.cancel();
    for (auto& p : m_peers) {
      p->redial.cancel();
      p->down_grace.cancel();
      p->session.reset();
      p->dialing.reset();
    }
    auto conns = m_conns;
    for (const auto& c : conns) close(c);
    for (auto& p : m_peers) {
      MutexLock lock(p->send_mutex);
      p->open = false;
      p->queue.clear();
      p->queued_bytes = 0;
    }
    m_work.reset();  // run() returns once the aborted operations have completed
  }

  void accept_next() {
    if (m_stopping) return;
    auto conn = std::make_shared<Connection>(m_io, Direction::kInbound);
    m_acceptor.async_accept(conn->socket, [this, conn](const ErrorCode& ec) {
      if (m_stopping) return;
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        CX_WARN(m_log, "accept failed: " << ec.message());
        m_accept_retry.expires_after(std::chrono::milliseconds(kAcceptRetryMs));
        m_accept_retry.async_wait([this](const ErrorCode& e) {
          if (!e) accept_next();
        });
        return;
      }
      conn->remote = endpoint_string(conn->socket);
      if (m_pending_inbound >= m_options.pending_inbound_max) {
        CX_WARN(m_log, "refused connection from " << conn->remote << ": too many pending handshakes");
        ErrorCode ignored;
        conn->socket.close(ignored);
      } else {
        m_conns.insert(conn);
        conn->counted_inbound = true;
        ++m_pending_inbound;
        arm_handshake_deadline(conn);
        start_handshake(conn);
      }
      accept_next();
    });
  }

  uint32_t backoff_ms(uint32_t failures) {
    uint64_t base = m_options.reconnect_min_ms;
    for (uint32_t i = 0; i < failures && base < m_options.reconnect_max_ms; ++i) base *= 2;
    base = std::min<uint64_t>(base, m_options.reconnect_max_ms);
    // Jitter in [base/2, base] keeps restarted nodes from dialling in lockstep.
    return static_cast<uint32_t>(base / 2 + m_random.below(base / 2 + 1));
  }

  void maybe_schedule_dial(Peer& p, std::optional<uint32_t> delay_ms = std::nullopt) {
    if (m_stopping || !p.admitted || p.address.port == 0 || p.session || p.dialing || p.redial_armed) return;
    p.redial_armed = true;
    p.redial.expires_after(std::chrono::milliseconds(delay_ms ? *delay_ms : backoff_ms(p.failures)));
    p.redial.async_wait([this, &p](const ErrorCode& ec) {
      p.redial_armed = false;
      if (ec || m_stopping || !p.admitted || p.session || p.dialing) return;
      dial(p);
    });
  }

  void dial(Peer& p) {
    auto conn = std::make_shared<Connection>(m_io, Direction::kOutbound);
    conn->peer = static_cast<int>(m_index.at(p.address.id));
    conn->remote = p.address.host + ":" + std::to_string(p.address.port);
    m_conns.insert(conn);
    p.dialing = conn;
    arm_handshake_deadline(conn);
    ErrorCode ec;
    auto ip = asio::ip::make_address(p.address.host, ec);
    if (!ec) {
      conn->socket.async_connect(tcp::endpoint(ip, p.address.port),
                                 [this, conn](const ErrorCode& e) { on_connected(conn, e); });
      return;
    }
    conn->resolver.async_resolve(
        p.address.host, std::to_string(p.address.port),
        [this, conn](const ErrorCode& e, const tcp::resolver::results_type& results) {
          if (conn->state == ConnState::kClosed) return;
          if (e) return fail(conn, "cannot resolve: " + e.message());
          asio::async_connect(conn->socket, results,
                              [this, conn](const ErrorCode& e2, const tcp::endpoint&) { on_connected(conn, e2); });
        });
  }

  void on_connected(const ConnPtr& conn, const ErrorCode& ec) {
    if (conn->state == ConnState::kClosed) return;
    if (ec) return fail(conn, "cannot connect: " + ec.message());
    start_handshake(conn);
  }

  void arm_handshake_deadline(const ConnPtr& conn) {
    conn->timer.expires_after(std::chrono::milliseconds(m_options.handshake_timeout_ms));
    conn->timer.async_wait([this, conn](const ErrorCode& ec) {
      if (ec || conn->state == ConnState::kClosed || conn->state == ConnState::kActive) return;
      refuse(conn, "handshake timeout after " + std::to_string(m_options.handshake_timeout_ms) + " ms");
    });
  }

  void start_handshake(const ConnPtr& conn) {
    ErrorCode ignored;
    conn->socket.set_option(tcp::no_delay(true), ignored);
    conn->socket.set_option(asio::socket_base::keep_alive(true), ignored);
    conn->state = ConnState::kHandshake;
    os_random().fill({conn->nonce.data(), conn->nonce.size()});
    Hello hello{kProtocolVersion, m_options.channel, m_self, conn->nonce};
    conn->local.push_back(std::make_shared<const Bytes>(
        encode_frame(static_cast<uint8_t>(FrameType::kHello), encode_hello(hello))));
    pump(conn);
    read_header(conn);
  }

  // ---- reading ----

  void read_header(const ConnPtr& conn) {
    asio::async_read(conn->socket, asio::buffer(conn->header), [this, conn](const ErrorCode& ec, size_t) {
      if (conn->state == ConnState::kClosed) return;
      if (ec) return io_error(conn, ec);
      const FrameHeader h = decode_frame_header(conn->header);
      const bool handshaking = conn->state != ConnState::kActive;
      const size_t bound = handshaking ? kHandshakeFrameBytesMax : m_options.frame_bytes_max;
      if (h.length == 0) return reject_frame(conn, "empty frame");
      if (h.length > bound) {
        return reject_frame(conn, "oversized frame (" + std::to_string(h.length) + " bytes, max " +
                                      std::to_string(bound) + ")");
      }
      const bool allowed =
          handshaking ? (h.type == static_cast<uint8_t>(FrameType::kHello) ||
                         h.type == static_cast<uint8_t>(FrameType::kAuth))
                      : (is_application_type(h.type) || h.type == static_cast<uint8_t>(FrameType::kPing));
      if (!allowed) return reject_frame(conn, "unexpected frame type " + std::to_string(h.type));
      conn->body.resize(h.length - 1);  // bounded above
      if (conn->body.empty()) return on_frame(conn, h.type);
      asio::async_read(conn->socket, asio::buffer(conn->body), [this, conn, type = h.type](const ErrorCode& e, size_t) {
        if (conn->state == ConnState::kClosed) return;
        if (e) return io_error(conn, e);
        on_frame(conn, type);
      });
    });
  }

  void on_frame(const ConnPtr& conn, uint8_t type) {
    conn->last_rx_us = system_clock().monotonic_us();
    switch (static_cast<FrameType>(type)) {
      case FrameType::kHello: on_hello(conn); break;
      case FrameType::kAuth: on_auth(conn); break;
      case FrameType::kPing: break;
      default: {
        if (!take_rate_token(*conn)) {
          return drop(conn, "frame rate above " + std::to_string(m_options.frames_per_sec_max) + "/s");
        }
        Message m{static_cast<MessageType>(type), std::move(conn->body)};
        conn->body = Bytes();
        m_handler.on_message(peer_id(*conn), std::move(m));
        break;
      }
    }
    if (conn->state == ConnState::kClosed || m_stopping) return;
    read_header(conn);
  }

  bool take_rate_token(Connection& c) {
    const double rate = m_options.frames_per_sec_max;
    if (rate == 0) return true;
    const int64_t now = system_clock().monotonic_us();
    c.tokens = std::min(rate, c.tokens + static_cast<double>(now - c.tokens_at_us) * rate / 1e6);
    c.tokens_at_us = now;
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
  }

  void on_hello(const ConnPtr& conn) {
    if (conn->hello_received) return refuse(conn, "second hello");
    std::string error;
    auto hello = decode_hello(conn->body, &error);
    if (!hello) return refuse(conn, error);
    if (hello->version != kProtocolVersion) {
      return refuse(conn, "protocol version " + std::to_string(hello->version) + ", expected " +
                              std::to_string(kProtocolVersion));
    }
    if (hello->channel != m_options.channel) {
      return refuse(conn, "wrong channel '" + hello->channel + "' (this is '" + m_options.channel + "')");
    }
    if (hello->address == m_self) return refuse(conn, "self-connection");
    auto it = m_index.find(hello->address);
    if (it == m_index.end() || !m_peers[it->second]->admitted) {
      if (conn->direction == Direction::kInbound) return refuse_stranger(conn, hello->address);
      return refuse(conn, "not a member: " + hello->address.to_string());
    }
    if (conn->direction == Direction::kOutbound && static_cast<int>(it->second) != conn->peer) {
      return refuse(conn, "dialled " + peer_id(*conn).to_string() + " but the node claims to be " +
                              hello->address.to_string());
    }
    conn->hello_received = true;
    conn->peer = static_cast<int>(it->second);
    conn->peer_nonce = hello->nonce;
    conn->claimed = true;
    ++m_peers[conn->peer]->pending;
    auto sig = crypto::sign(auth_digest(m_options.channel, conn->peer_nonce, conn->nonce, m_self), m_options.node_key);
    conn->local.push_back(std::make_shared<const Bytes>(
        encode_frame(static_cast<uint8_t>(FrameType::kAuth), encode_auth(sig))));
    pump(conn);
  }

  void on_auth(const ConnPtr& conn) {
    if (!conn->hello_received) return refuse(conn, "auth before hello");
    auto sig = decode_auth(conn->body);
    if (!sig) return refuse(conn, "malformed auth (" + std::to_string(conn->body.size()) + " bytes)");
    const core::Address& claimed = peer_id(*conn);
    // The peer signed with its own nonce second; from its side ours is the "peer nonce".
    auto pub = crypto::recover(auth_digest(m_options.channel, conn->nonce, conn->peer_nonce, claimed), *sig);
    if (!pub) return refuse(conn, "bad signature for " + claimed.to_string());
    auto signer = core::Address::of_public_key(*pub);
    if (signer != claimed) {
      return refuse(conn, "claims " + claimed.to_string() + " but signed with the key of " + signer.to_string());
    }
    established(conn);
  }

  // ---- lifecycle ----

  void established(const ConnPtr& conn) {
    Peer& p = *m_peers[conn->peer];
    conn->state = ConnState::kActive;
    conn->timer.cancel();
    conn->claimed = false;
    --p.pending;
    if (conn->counted_inbound) {
      conn->counted_inbound = false;
      --m_pending_inbound;
    }
    if (p.dialing == conn) p.dialing.reset();
    p.failures = 0;
    p.down_grace.cancel();
    conn->tokens = m_options.frames_per_sec_max;
    conn->tokens_at_us = system_clock().monotonic_us();

    if (p.session) {
      // Two connections to one peer (both dialled at once, or the peer re-dialled while we still hold its
      // old connection). Both sides keep the same one: the newer if both came from the same dialer, else
      // the one dialled by the lower address.
      const bool same_dialer = p.session->direction == conn->direction;
      const core::Address& dialer = conn->direction == Direction::kOutbound ? m_self : p.address.id;
      const bool keep_new = same_dialer || dialer == std::min(m_self, p.address.id);
      CX_INFO(m_log, "duplicate connection with " << p.address.id.to_string() << ": keeping the "
                                                   << (keep_new ? "new" : "old") << " one");
      if (!keep_new) return close(conn);
      auto old = p.session;
      p.session = conn;
      close(old);
    } else {
      p.session = conn;
    }
    {
      MutexLock lock(p.send_mutex);
      p.open = true;
    }
    if (!p.up) {
      p.up = true;
      CX_INFO(m_log, "peer up: " << p.address.id.to_string() << " (" << conn->remote << ", "
                                 << (conn->direction == Direction::kOutbound ? "outbound" : "inbound") << ")");
      m_handler.on_peer_up(p.address.id);
      if (conn->state == ConnState::kClosed) return;
    }
    arm_keepalive(conn);
    pump(conn);
  }

  void arm_keepalive(const ConnPtr& conn) {
    conn->timer.expires_after(std::chrono::milliseconds(m_options.ping_interval_ms));
    conn->timer.async_wait([this, conn](const ErrorCode& ec) {
      if (ec || m_stopping || conn->state != ConnState::kActive) return;
      const int64_t idle_us = system_clock().monotonic_us() - conn->last_rx_us;
      if (idle_us > int64_t{m_options.idle_timeout_ms} * 1000) {
        return drop(conn, "nothing received for " + std::to_string(idle_us / 1000) + " ms");
      }
      conn->local.push_back(std::make_shared<const Bytes>(encode_frame(static_cast<uint8_t>(FrameType::kPing), {})));
      pump(conn);
      arm_keepalive(conn);
    });
  }

  void pump(const ConnPtr& conn) {
    if (conn->state == ConnState::kClosed || conn->writing) return;
    auto& batch = conn->inflight;
    batch.clear();
    while (!conn->local.empty() && batch.size() < kWriteBatchFramesMax) {
      batch.push_back(std::move(conn->local.front()));
      conn->local.pop_front();
    }
    if (conn->state == ConnState::kActive && m_peers[conn->peer]->session == conn) {
      Peer& p = *m_peers[conn->peer];
      MutexLock lock(p.send_mutex);
      while (!p.queue.empty() && batch.size() < kWriteBatchFramesMax) {
        p.queued_bytes -= p.queue.front()->size();
        batch.push_back(std::move(p.queue.front()));
        p.queue.pop_front();
      }
    }
    if (batch.empty()) return;
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(batch.size());
    for (const auto& f : batch) buffers.emplace_back(f->data(), f->size());
    conn->writing = true;
    asio::async_write(conn->socket, buffers, [this, conn](const ErrorCode& ec, size_t) {
      conn->writing = false;
      conn->inflight.clear();
      if (conn->state == ConnState::kClosed) return;
      if (ec) return io_error(conn, ec);
      pump(conn);
    });
  }

  std::string describe(const Connection& c) const {
    if (c.peer >= 0) return peer_id(c).to_string() + " (" + c.remote + ")";
    return c.remote;
  }

  // A handshake refused on our side: the other node is not who it must be.
  void refuse(const ConnPtr& conn, const std::string& reason) {
    if (conn->direction == Direction::kInbound) {
      CX_WARN(m_log, "refused connection from " << conn->remote << ": " << reason);
    } else {
      CX_WARN(m_log, "refused connection to " << describe(*conn) << ": " << reason);
    }
    close(conn);
  }

  // A node that is not a member keeps re-dialling: its refusals are all counted, but logged only the
  // first time and then every 100th, so it cannot flood the log (the count is kept for 1024 addresses).
  void refuse_stranger(const ConnPtr& conn, const core::Address& claimed) {
    if (m_strangers.size() >= 1024 && !m_strangers.contains(claimed)) m_strangers.clear();
    const uint64_t n = ++m_strangers[claimed];
    if (n % 100 == 1) {
      CX_WARN(m_log, "refused connection from " << conn->remote << ": not a member: " << claimed.to_string() << " ("
                                                << n << " refused from it)");
    }
    close(conn);
  }

  // An established peer broke a rule or a limit.
  void drop(const ConnPtr& conn, const std::string& reason) {
    CX_WARN(m_log, "dropping peer " << describe(*conn) << ": " << reason);
    close(conn);
  }

  // An ordinary failure: the peer is down, restarting or closed a duplicate.
  void fail(const ConnPtr& conn, const std::string& reason) {
    if (conn->state == ConnState::kActive) {
      CX_INFO(m_log, "connection to " << describe(*conn) << " lost: " << reason);
    } else {
      CX_DEBUG(m_log, "connection " << (conn->direction == Direction::kInbound ? "from " : "to ")
                                    << describe(*conn) << " failed: " << reason);
    }
    close(conn);
  }

  void reject_frame(const ConnPtr& conn, const std::string& reason) {
    if (conn->state == ConnState::kActive) return drop(conn, reason);
    refuse(conn, reason);
  }

  void io_error(const ConnPtr& conn, const ErrorCode& ec) {
    fail(conn, ec == asio::error::eof ? std::string("closed by peer") : ec.message());
  }

  void close(const ConnPtr& conn) {
    if (conn->state == ConnState::kClosed) return;
    const bool was_active = conn->state == ConnState::kActive;
    conn->state = ConnState::kClosed;
    ErrorCode ignored;
    conn->socket.shutdown(tcp::socket::shutdown_both, ignored);
    conn->socket.close(ignored);
    conn->resolver.cancel();
    conn->timer.cancel();
    conn->local.clear();
    m_conns.erase(conn);
    if (conn->counted_inbound) {
      conn->counted_inbound = false;
      --m_pending_inbound;
    }
    if (m_stopping || conn->peer < 0) return;
    Peer& p = *m_peers[conn->peer];
    if (conn->claimed) {
      conn->claimed = false;
      --p.pending;
    }
    if (p.dialing == conn) {
      p.dialing.reset();
      if (!was_active) p.failures = std::min(p.failures + 1, kFailuresMax);
    }
    if (p.session == conn) {
      p.session.reset();
      if (p.pending > 0) {
        // The replacement is already in its handshake (the other half of a simultaneous dial): the peer
        // is not reported down unless that handshake fails. Bounded in time, so Hellos that merely claim
        // the peer's address cannot keep a dead peer "up".
        p.down_grace.expires_after(std::chrono::milliseconds(m_options.handshake_timeout_ms));
        p.down_grace.async_wait([this, &p](const ErrorCode& ec) {
          if (!ec && !m_stopping && p.up && !p.session) peer_down(p);
        });
      }
    }
    if (!p.session && p.up && p.pending == 0) peer_down(p);
    maybe_schedule_dial(p);
  }

  void peer_down(Peer& p) {
    CX_ASSERT(p.up && !p.session);
    p.up = false;
    p.down_grace.cancel();
    {
      MutexLock lock(p.send_mutex);
      p.open = false;
      p.queue.clear();
      p.queued_bytes = 0;
    }
    CX_INFO(m_log, "peer down: " << p.address.id.to_string());
    if (!m_stopping) m_handler.on_peer_down(p.address.id);
    maybe_schedule_dial(p);
  }

  NetworkOptions m_options;
  Handler& m_handler;
  const core::Address m_self;
  const std::string m_log;
  uint16_t m_port = 0;

  // Destroyed last: sockets and timers below refer to it.
  asio::io_context m_io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> m_work;
  tcp::acceptor m_acceptor;
  asio::steady_timer m_accept_retry;
  // The peer table only grows (set_peers adds; an address taken off is kept, not admitted), on the I/O
  // thread under m_table_mutex's writer lock; other threads read it under the reader lock, the I/O thread
  // (the only writer) without. Peers never move (unique_ptr), so a Peer& outlives any table change.
  mutable SharedMutex m_table_mutex;
  std::vector<std::unique_ptr<Peer>> m_peers;
  std::map<core::Address, size_t> m_index;
  std::map<core::Address, uint64_t> m_strangers;  // refusals of non-members, by claimed address; I/O thread

  // I/O thread only.
  std::set<ConnPtr> m_conns;
  size_t m_pending_inbound = 0;
  SeededRandom m_random;
  bool m_stopping = false;

  std::atomic<bool> m_stop_requested{false};
  Mutex m_join_mutex;  // stop() may run on several threads at once; one of them joins
  std::thread m_thread GUARDED_BY(m_join_mutex);
  // Set by the I/O thread as it starts. Another thread may still read the default id, which compares
  // unequal to its own just as the I/O thread's id does.
  std::atomic<std::thread::id> m_io_thread_id;
};

Status check_options(const NetworkOptions& o) {
  if (o.channel.empty() || o.channel.size() > kChannelNameBytesMax) {
    return Status::error("p2p: channel name must be 1.." + std::to_string(kChannelNameBytesMax) + " bytes");
  }
  if (!crypto::is_valid_private_key(o.node_key)) return Status::error("p2p: node_key is not a valid secp256k1 key");
  if (o.frame_bytes_max < 1 || o.frame_bytes_max > 0xFFFFFFFFull) {
    return Status::error("p2p: frame_bytes_max must be 1..4294967295");
  }
  if (o.send_queue_bytes_max < o.frame_bytes_max + kFrameHeaderBytes) {
    return Status::error("p2p: send_queue_bytes_max must hold at least one full frame");
  }
  if (o.reconnect_min_ms == 0 || o.reconnect_max_ms < o.reconnect_min_ms) {
    return Status::error("p2p: need 0 < reconnect_min_ms <= reconnect_max_ms");
  }
  if (o.handshake_timeout_ms == 0) return Status::error("p2p: handshake_timeout_ms must be positive");
  if (o.ping_interval_ms == 0 || o.idle_timeout_ms <= o.ping_interval_ms) {
    return Status::error("p2p: need 0 < ping_interval_ms < idle_timeout_ms");
  }
  if (o.pending_inbound_max == 0) return Status::error("p2p: pending_inbound_max must be positive");
  for (const auto& p : o.peers) {
    if (p.port != 0 && p.host.empty()) return Status::error("p2p: peer " + p.id.to_string() + " has no host");
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Network>> Network::start(const NetworkOptions& options, Handler& handler) {
  if (auto s = check_options(options); !s) return s;
  auto self = core::Address::of_public_key(*crypto::public_key_of(options.node_key));
  auto net = std::make_unique<NetworkImpl>(options, handler, self);
  if (auto s = net->listen(); !s) return s;
  net->run();
  return std::unique_ptr<Network>(std::move(net));
}

uint16_t free_loopback_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io);
  boost::system::error_code ec;
  a.open(asio::ip::tcp::v4(), ec);
  if (!ec) a.bind({asio::ip::address_v4::loopback(), 0}, ec);
  if (ec) return 0;
  return a.local_endpoint(ec).port();
}

}  // namespace cx::p2p
