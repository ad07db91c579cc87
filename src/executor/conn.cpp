#include "executor/conn.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "executor/wire.hpp"

namespace cx::executor {

Conn::~Conn() {
  if (m_fd >= 0) ::close(m_fd);
}

void Conn::send(const Bytes& message) {
  CX_ASSERT(message.size() <= kMessageBytesMax);
  const uint32_t n = static_cast<uint32_t>(message.size());
  const uint8_t head[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                           static_cast<uint8_t>(n)};
  auto write_all = [&](const uint8_t* p, size_t len) {
    while (len > 0) {
      const ssize_t w = ::send(m_fd, p, len, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw ConnLost(std::string("executor socket: write failed: ") + (w < 0 ? strerror(errno) : "closed"));
      p += w;
      len -= static_cast<size_t>(w);
    }
  };
  write_all(head, 4);
  write_all(message.data(), message.size());
}

void Conn::read_exact(uint8_t* p, size_t n, int timeout_ms) {
  while (n > 0) {
    if (timeout_ms >= 0) {
      pollfd pfd{m_fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, timeout_ms);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) throw ConnLost("executor socket: no answer within " + std::to_string(timeout_ms) + " ms");
      if (ready < 0) throw ConnLost(std::string("executor socket: poll failed: ") + strerror(errno));
    }
    const ssize_t r = ::read(m_fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw ConnLost(r == 0 ? "executor socket closed" : std::string("executor socket: ") + strerror(errno));
    p += r;
    n -= static_cast<size_t>(r);
  }
}

Bytes Conn::receive(int timeout_ms) {
  uint8_t head[4];
  read_exact(head, 4, timeout_ms);
  const uint32_t n = (uint32_t(head[0]) << 24) | (uint32_t(head[1]) << 16) | (uint32_t(head[2]) << 8) | head[3];
  if (n == 0 || n > kMessageBytesMax) throw ProtocolError("bad message length " + std::to_string(n));
  Bytes message(n);
  read_exact(message.data(), n, timeout_ms);
  return message;
}

}  // namespace cx::executor
