// The connection loop (network_impl.hpp): frames read with their size and type checked before the
// body is, the frame-rate bucket, writes batched from the transport frames and the peer's send queue,
// keepalive, and closing a connection with what that means for its peer.
#include "p2p/network_impl.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "base/clock.hpp"
#include "base/log.hpp"

namespace cx::p2p::detail {

void NetworkImpl::read_header(const ConnPtr& conn) {
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

void NetworkImpl::on_frame(const ConnPtr& conn, uint8_t type) {
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

bool NetworkImpl::take_rate_token(Connection& c) {
  const double rate = m_options.frames_per_sec_max;
  if (rate == 0) return true;
  const int64_t now = system_clock().monotonic_us();
  c.tokens = std::min(rate, c.tokens + static_cast<double>(now - c.tokens_at_us) * rate / 1e6);
  c.tokens_at_us = now;
  if (c.tokens < 1) return false;
  c.tokens -= 1;
  return true;
}

void NetworkImpl::arm_keepalive(const ConnPtr& conn) {
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

void NetworkImpl::pump(const ConnPtr& conn) {
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

std::string NetworkImpl::describe(const Connection& c) const {
  if (c.peer >= 0) return peer_id(c).to_string() + " (" + c.remote + ")";
  return c.remote;
}

// An established peer broke a rule or a limit.
void NetworkImpl::drop(const ConnPtr& conn, const std::string& reason) {
  CX_WARN(m_log, "dropping peer " << describe(*conn) << ": " << reason);
  close(conn);
}

// An ordinary failure: the peer is down, restarting or closed a duplicate.
void NetworkImpl::fail(const ConnPtr& conn, const std::string& reason) {
  if (conn->state == ConnState::kActive) {
    CX_INFO(m_log, "connection to " << describe(*conn) << " lost: " << reason);
  } else {
    CX_DEBUG(m_log, "connection " << (conn->direction == Direction::kInbound ? "from " : "to ")
                                  << describe(*conn) << " failed: " << reason);
  }
  close(conn);
}

void NetworkImpl::reject_frame(const ConnPtr& conn, const std::string& reason) {
  if (conn->state == ConnState::kActive) return drop(conn, reason);
  refuse(conn, reason);
}

void NetworkImpl::io_error(const ConnPtr& conn, const ErrorCode& ec) {
  fail(conn, ec == asio::error::eof ? std::string("closed by peer") : ec.message());
}

void NetworkImpl::close(const ConnPtr& conn) {
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

}  // namespace cx::p2p::detail
