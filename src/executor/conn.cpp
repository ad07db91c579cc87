#include "executor/conn.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "executor/wire.hpp"

namespace cx::executor {

Conn::Conn(int fd, int timeout_ms) : m_fd(fd), m_timeout_ms(timeout_ms) {
  if (timeout_ms <= 0) return;
  timeval tv{timeout_ms / 1000, static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

Conn::~Conn() {
  if (m_fd >= 0) ::close(m_fd);
}

void Conn::send(const Bytes& message) {
  CX_ASSERT(message.size() <= kMessageBytesMax);
  const uint32_t n = static_cast<uint32_t>(message.size());
  uint8_t head[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                     static_cast<uint8_t>(n)};
  iovec iov[2] = {{head, 4}, {const_cast<uint8_t*>(message.data()), message.size()}};
  size_t left = 4 + message.size();
  int first = 0;
  while (left > 0) {
    msghdr mh{};
    mh.msg_iov = iov + first;
    mh.msg_iovlen = static_cast<size_t>(2 - first);
    const ssize_t w = ::sendmsg(m_fd, &mh, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw ConnLost(std::string("executor socket: write failed: ") + (w < 0 ? strerror(errno) : "closed"));
    left -= static_cast<size_t>(w);
    // Skip what was written: whole iovecs, then part of the next.
    size_t done = static_cast<size_t>(w);
    while (first < 2 && done >= iov[first].iov_len) done -= iov[first++].iov_len;
    if (first < 2) {
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + done;
      iov[first].iov_len -= done;
    }
  }
}

void Conn::read_exact(uint8_t* p, size_t n) {
  while (n > 0) {
    if (m_begin == m_end) {
      const ssize_t r = ::read(m_fd, m_buffer.data(), m_buffer.size());
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        throw ConnLost("executor socket: no answer within " + std::to_string(m_timeout_ms) + " ms");
      if (r <= 0) throw ConnLost(r == 0 ? "executor socket closed" : std::string("executor socket: ") + strerror(errno));
      m_begin = 0;
      m_end = static_cast<size_t>(r);
    }
    const size_t k = std::min(n, m_end - m_begin);
    std::memcpy(p, m_buffer.data() + m_begin, k);
    m_begin += k;
    p += k;
    n -= k;
  }
}

Bytes Conn::receive() {
  uint8_t head[4];
  read_exact(head, 4);
  const uint32_t n = (uint32_t(head[0]) << 24) | (uint32_t(head[1]) << 16) | (uint32_t(head[2]) << 8) | head[3];
  if (n == 0 || n > kMessageBytesMax) throw ProtocolError("bad message length " + std::to_string(n));
  Bytes message(n);
  read_exact(message.data(), n);
  return message;
}

}  // namespace cx::executor
