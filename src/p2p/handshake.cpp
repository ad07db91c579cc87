// The handshake (network_impl.hpp, p2p/wire.hpp): each side sends a Hello with a fresh nonce and
// signs the other's nonce with its node key; a connection becomes a peer's session once the signature
// names the member its Hello claimed. Refusals of non-members are counted and their logging bounded.
#include "p2p/network_impl.hpp"

#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/random.hpp"
#include "crypto/address.hpp"

namespace cx::p2p::detail {

void NetworkImpl::arm_handshake_deadline(const ConnPtr& conn) {
  conn->timer.expires_after(std::chrono::milliseconds(m_options.handshake_timeout_ms));
  conn->timer.async_wait([this, conn](const ErrorCode& ec) {
    if (ec || conn->state == ConnState::kClosed || conn->state == ConnState::kActive) return;
    refuse(conn, "handshake timeout after " + std::to_string(m_options.handshake_timeout_ms) + " ms");
  });
}

void NetworkImpl::start_handshake(const ConnPtr& conn) {
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

void NetworkImpl::on_hello(const ConnPtr& conn) {
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

void NetworkImpl::on_auth(const ConnPtr& conn) {
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

void NetworkImpl::established(const ConnPtr& conn) {
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

// A handshake refused on our side: the other node is not who it must be.
void NetworkImpl::refuse(const ConnPtr& conn, const std::string& reason) {
  if (conn->direction == Direction::kInbound) {
    CX_WARN(m_log, "refused connection from " << conn->remote << ": " << reason);
  } else {
    CX_WARN(m_log, "refused connection to " << describe(*conn) << ": " << reason);
  }
  close(conn);
}

// A node that is not a member keeps re-dialling: its refusals are all counted, but logged only the
// first time and then every 100th, so it cannot flood the log (the count is kept for 1024 addresses).
void NetworkImpl::refuse_stranger(const ConnPtr& conn, const core::Address& claimed) {
  if (m_strangers.size() >= 1024 && !m_strangers.contains(claimed)) m_strangers.clear();
  const uint64_t n = ++m_strangers[claimed];
  if (n % 100 == 1) {
    CX_WARN(m_log, "refused connection from " << conn->remote << ": not a member: " << claimed.to_string() << " ("
                                              << n << " refused from it)");
  }
  close(conn);
}

}  // namespace cx::p2p::detail
