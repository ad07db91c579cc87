#pragma once
// A framed message stream over one end of a Unix socket pair: 4-byte big-endian length, then the
// message (executor/wire.hpp). Blocking, one system call per message each way in the common case
// (sendmsg of the length and the message; reads through a buffer). The node bounds each wait with a
// receive timeout to notice a hung executor (then it kills and restarts it, and the block runs again:
// the timeout never decides a result, docs/executor.md).
#include <cstdint>
#include <stdexcept>

#include "base/bytes.hpp"

namespace cx::executor {

// The peer closed the socket, died, or did not answer in time.
class ConnLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Conn {
 public:
  // `timeout_ms` > 0: a read that waits longer throws ConnLost (SO_RCVTIMEO); 0: wait forever.
  explicit Conn(int fd, int timeout_ms = 0);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void send(const Bytes& message);
  Bytes receive();
  int fd() const { return m_fd; }

 private:
  void read_exact(uint8_t* p, size_t n);
  int m_fd;
  int m_timeout_ms;
  Bytes m_buffer = Bytes(64u << 10);
  size_t m_begin = 0, m_end = 0;  // unread bytes of m_buffer
};

}  // namespace cx::executor
