#pragma once
// The p2p transport's implementation, shared by the files that make it up (this module only; the
// interface is p2p/network.hpp):
//   network.cpp     the Network interface (any thread), the send queues, start and shutdown
//   peer_table.cpp  the allow-list (set_peers), accepting and dialling, peers going down
//   handshake.cpp   Hello/Auth: who the other node is, and which of two connections survives
//   connection.cpp  the connection loop: frames read and written, keepalive, closing
// Everything but the public Network calls runs on the I/O thread.
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/mutex.hpp"
#include "base/random.hpp"
#include "p2p/network.hpp"
#include "p2p/wire.hpp"

namespace cx::p2p::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using FramePtr = std::shared_ptr<const Bytes>;

inline constexpr size_t kWriteBatchFramesMax = 64;
inline constexpr uint32_t kFailuresMax = 32;
inline constexpr uint32_t kAcceptRetryMs = 100;

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

class NetworkImpl final : public Network {
 public:
  NetworkImpl(const NetworkOptions& options, Handler& handler, core::Address self);
  ~NetworkImpl() override;

  // network.cpp
  Status listen();
  void run();
  void send(const core::Address& peer, Message message) override;
  void broadcast(Message message) override;
  void set_peers(std::vector<PeerAddress> peers) override;
  std::vector<core::Address> connected() const override;
  void stop() override;
  uint16_t port() const override { return m_port; }
  const core::Address& address() const override { return m_self; }

 private:
  const core::Address& peer_id(const Connection& c) const { return m_peers[c.peer]->address.id; }

  // network.cpp
  Status listen_error(const ErrorCode& ec);
  FramePtr make_frame(const Message& m) const;
  void enqueue(size_t index, const FramePtr& frame);
  void shutdown();

  // peer_table.cpp
  void add_peer(const PeerAddress& a);
  void apply_peers(const std::vector<PeerAddress>& list);
  void accept_next();
  uint32_t backoff_ms(uint32_t failures);
  void maybe_schedule_dial(Peer& p, std::optional<uint32_t> delay_ms = std::nullopt);
  void dial(Peer& p);
  void on_connected(const ConnPtr& conn, const ErrorCode& ec);
  void peer_down(Peer& p);

  // handshake.cpp
  void arm_handshake_deadline(const ConnPtr& conn);
  void start_handshake(const ConnPtr& conn);
  void on_hello(const ConnPtr& conn);
  void on_auth(const ConnPtr& conn);
  void established(const ConnPtr& conn);
  void refuse(const ConnPtr& conn, const std::string& reason);
  void refuse_stranger(const ConnPtr& conn, const core::Address& claimed);

  // connection.cpp
  void read_header(const ConnPtr& conn);
  void on_frame(const ConnPtr& conn, uint8_t type);
  bool take_rate_token(Connection& c);
  void arm_keepalive(const ConnPtr& conn);
  void pump(const ConnPtr& conn);
  std::string describe(const Connection& c) const;
  void drop(const ConnPtr& conn, const std::string& reason);
  void fail(const ConnPtr& conn, const std::string& reason);
  void reject_frame(const ConnPtr& conn, const std::string& reason);
  void io_error(const ConnPtr& conn, const ErrorCode& ec);
  void close(const ConnPtr& conn);

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

}  // namespace cx::p2p::detail
