// The peer table (network_impl.hpp): the allow-list set_peers replaces, inbound connections accepted,
// outbound ones dialled with backoff, and a peer reported down once it has no connection left.
#include "p2p/network_impl.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

#include "base/log.hpp"

namespace cx::p2p::detail {

namespace {
std::string endpoint_string(const tcp::socket& s) {
  ErrorCode ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}
}  // namespace

// The constructor and the I/O thread only (under the writer lock: other threads read the table).
void NetworkImpl::add_peer(const PeerAddress& a) {
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
void NetworkImpl::apply_peers(const std::vector<PeerAddress>& list) {
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

void NetworkImpl::accept_next() {
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

uint32_t NetworkImpl::backoff_ms(uint32_t failures) {
  uint64_t base = m_options.reconnect_min_ms;
  for (uint32_t i = 0; i < failures && base < m_options.reconnect_max_ms; ++i) base *= 2;
  base = std::min<uint64_t>(base, m_options.reconnect_max_ms);
  // Jitter in [base/2, base] keeps restarted nodes from dialling in lockstep.
  return static_cast<uint32_t>(base / 2 + m_random.below(base / 2 + 1));
}

void NetworkImpl::maybe_schedule_dial(Peer& p, std::optional<uint32_t> delay_ms) {
  if (m_stopping || !p.admitted || p.address.port == 0 || p.session || p.dialing || p.redial_armed) return;
  p.redial_armed = true;
  p.redial.expires_after(std::chrono::milliseconds(delay_ms ? *delay_ms : backoff_ms(p.failures)));
  p.redial.async_wait([this, &p](const ErrorCode& ec) {
    p.redial_armed = false;
    if (ec || m_stopping || !p.admitted || p.session || p.dialing) return;
    dial(p);
  });
}

void NetworkImpl::dial(Peer& p) {
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

void NetworkImpl::on_connected(const ConnPtr& conn, const ErrorCode& ec) {
  if (conn->state == ConnState::kClosed) return;
  if (ec) return fail(conn, "cannot connect: " + ec.message());
  start_handshake(conn);
}

void NetworkImpl::peer_down(Peer& p) {
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

}  // namespace cx::p2p::detail
