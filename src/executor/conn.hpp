#pragma once
// A framed message stream over one end of a Unix socket pair: 4-byte big-endian length, then the
// message (executor/wire.hpp). Blocking; the node bounds each wait with a timeout to notice a hung
// executor (then it kills and restarts it, and the block runs again: the timeout never decides a
// result, docs/executor.md).
#include <cstdint>
#include <optional>
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
  explicit Conn(int fd) : m_fd(fd) {}
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void send(const Bytes& message);
  // The next message; waits at most `timeout_ms` (negative: forever).
  Bytes receive(int timeout_ms = -1);
  int fd() const { return m_fd; }

 private:
  void read_exact(uint8_t* p, size_t n, int timeout_ms);
  int m_fd;
};

}  // namespace cx::executor
