#pragma once
// The executor process's side (docs/executor.md): compiles the packages the node sends (once per code
// hash), runs invokes with acore::invoke_here and a host (FrameHost) that meters steps locally, caches
// storage reads for the session, buffers writes and events, and asks the node only for what it cannot
// know. Nothing here decides an outcome the node's host would not: the node replays every buffered
// operation on its own host, in order, and its host has the last word.
#include <map>
#include <memory>
#include <utility>

#include "acore/acore.hpp"
#include "executor/conn.hpp"
#include "executor/wire.hpp"

namespace cx::executor {

class Server {
 public:
  explicit Server(int fd) : m_conn(fd) {}
  // Serves sessions until the node closes the socket.
  void run();

  // Used by FrameHost (server.cpp).
  Conn& conn() { return m_conn; }
  // Sends `message` and serves nested invokes until the answer of type `expected` arrives.
  Bytes ask(const Bytes& message, MsgType expected);
  // Storage reads cached for the session: (contract, key) -> value (nullopt: no value).
  std::map<std::pair<Address, Bytes>, std::optional<Bytes>>& cache() { return m_cache; }
  // The node's state version (contracts::Host::state_version) as of a message: the cache is dropped
  // unless it names the state the cache was filled from.
  void sync(uint64_t state_version);

 private:
  void invoke(Reader& r);
  acore::ProgramPtr program(const InvokeMsg& m);

  Conn m_conn;
  std::map<Hash32, acore::ProgramPtr> m_programs;
  std::map<std::pair<Address, Bytes>, std::optional<Bytes>> m_cache;
  uint64_t m_version = 0;
};

// `complexchain executor --fd N`: locks the process down (sandbox.hpp) and serves the node on fd N.
// Returns the process's exit code.
int run_executor(int fd);

}  // namespace cx::executor
