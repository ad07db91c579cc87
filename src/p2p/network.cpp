// The Network interface over NetworkImpl (network_impl.hpp): the calls any thread makes (send,
// broadcast, set_peers, connected, stop), the per-peer send queues they fill, start and shutdown.
#include "p2p/network.hpp"

#include <boost/asio/post.hpp>

#include "base/log.hpp"
#include "base/thread_pool.hpp"
#include "crypto/address.hpp"
#include "p2p/network_impl.hpp"

namespace cx::p2p {
namespace detail {

NetworkImpl::NetworkImpl(const NetworkOptions& options, Handler& handler, core::Address self)
    : m_options(options),
      m_handler(handler),
      m_self(self),
      m_log("p2p-" + options.channel),
      m_acceptor(m_io),
      m_accept_retry(m_io),
      m_random(os_random().next_u64()) {
  for (const auto& p : options.peers) add_peer(p);
}

NetworkImpl::~NetworkImpl() {
  CX_ASSERT_MSG(std::this_thread::get_id() != m_io_thread_id.load(), "p2p Network destroyed on its own I/O thread");
  stop();
}

Status NetworkImpl::listen() {
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

void NetworkImpl::run() {
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

void NetworkImpl::send(const core::Address& peer, Message message) {
  if (m_stop_requested.load(std::memory_order_acquire)) return;
  ReaderLock table(m_table_mutex);
  auto it = m_index.find(peer);
  if (it == m_index.end()) {
    CX_DEBUG(m_log, "not sending to " << peer.to_string() << ": not a peer of this channel");
    return;
  }
  if (auto frame = make_frame(message)) enqueue(it->second, frame);
}

void NetworkImpl::broadcast(Message message) {
  if (m_stop_requested.load(std::memory_order_acquire)) return;
  auto frame = make_frame(message);
  if (!frame) return;
  ReaderLock table(m_table_mutex);
  for (size_t i = 0; i < m_peers.size(); ++i) enqueue(i, frame);
}

void NetworkImpl::set_peers(std::vector<PeerAddress> peers) {
  if (m_stop_requested.load(std::memory_order_acquire)) return;
  if (peers.size() > kPeersMax) {
    CX_ERROR(m_log, "allow-list of " << peers.size() << " addresses ignored: above " << kPeersMax);
    return;
  }
  asio::post(m_io, [this, peers = std::move(peers)] { apply_peers(peers); });
}

std::vector<core::Address> NetworkImpl::connected() const {
  std::vector<core::Address> out;
  ReaderLock table(m_table_mutex);
  for (const auto& p : m_peers) {
    MutexLock lock(p->send_mutex);
    if (p->open) out.push_back(p->address.id);
  }
  return out;
}

void NetworkImpl::stop() {
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

Status NetworkImpl::listen_error(const ErrorCode& ec) {
  return Status::error("p2p: cannot listen on " + m_options.listen_host + ":" +
                       std::to_string(m_options.listen_port) + ": " + ec.message());
}

FramePtr NetworkImpl::make_frame(const Message& m) const {
  if (m.payload.size() + 1 > m_options.frame_bytes_max) {
    CX_ERROR(m_log, "not sending a " << m.payload.size() << "-byte message of type "
                                     << static_cast<int>(m.type) << ": above frame_bytes_max "
                                     << m_options.frame_bytes_max);
    return nullptr;
  }
  return std::make_shared<const Bytes>(encode_frame(static_cast<uint8_t>(m.type), m.payload));
}

void NetworkImpl::enqueue(size_t index, const FramePtr& frame) {
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

void NetworkImpl::shutdown() {
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

}  // namespace detail

namespace {

namespace asio = boost::asio;

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
  auto net = std::make_unique<detail::NetworkImpl>(options, handler, self);
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
