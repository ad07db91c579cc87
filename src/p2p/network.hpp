#pragma once
// Authenticated TCP transport between the member nodes (validators and followers) of one channel.
//
// Every connection starts with a handshake in which both sides prove their node key (p2p/wire.hpp);
// only the addresses listed in NetworkOptions::peers may connect, and only for the same channel (the
// channel fills peers from its members, and replaces the list with set_peers as final state changes
// them: docs/membership.md).
// Between any two nodes there is at most one connection: if both dial at once, the one dialled by the
// lower address survives (both sides decide the same way without talking). The transport is lossy by
// design: a message sent while its peer is down, or in flight when a connection breaks, is lost;
// consensus and block sync (not p2p) recover from that. Messages to one peer arrive in send order while
// the connection lasts.
//
// Threads: one I/O thread, "p2p-<channel>". send/broadcast/connected/stop may be called from any thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "core/chain_params.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::p2p {

struct PeerAddress {
  core::Address id;
  std::string host;  // IP literal or name
  uint16_t port = 0; // 0 = do not dial; wait for the peer to dial us
};

inline constexpr size_t kPeersMax = 4096;  // addresses ever listed (members are at most 1,000)

struct NetworkOptions {
  std::string channel;                 // part of the handshake, so nodes of other channels are refused
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;            // 0 = pick a free port (see Network::port())
  crypto::PrivateKey node_key;
  std::vector<PeerAddress> peers;      // the other members; only these may connect (own address ignored)
  size_t frame_bytes_max = 32u << 20;  // type + payload of one frame
  size_t send_queue_bytes_max = 64u << 20;   // per peer; beyond it the connection is dropped and re-dialled
  uint32_t reconnect_min_ms = 100, reconnect_max_ms = 5000;  // exponential backoff, jittered
  uint32_t handshake_timeout_ms = 5000;      // connect + handshake
  uint32_t ping_interval_ms = 2000;          // keepalive on an idle connection
  uint32_t idle_timeout_ms = 15000;          // nothing received for this long: drop (half-open connection)
  uint32_t frames_per_sec_max = 50000;       // per connection, burst of one second; 0 = unbounded
  size_t pending_inbound_max = 64;           // inbound connections still in their handshake
};

enum class MessageType : uint8_t {
  kProposal = 1,
  kVote = 2,
  kTxs = 3,
  kBlockRequest = 4,
  kBlockResponse = 5,
  kStatus = 6,
};

struct Message {
  MessageType type;
  Bytes payload;
};

// Called on the network's I/O thread; must be quick (post real work elsewhere). For each peer,
// on_peer_up and on_peer_down alternate, starting with on_peer_up; on_message comes only between them.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void on_message(const core::Address& from, Message message) = 0;
  virtual void on_peer_up(const core::Address& peer) = 0;
  virtual void on_peer_down(const core::Address& peer) = 0;
};

class Network {
 public:
  virtual ~Network() = default;  // stops the network
  // Binds the listener (an error if it cannot), then dials every peer in the background.
  // `handler` must outlive the network.
  static Result<std::unique_ptr<Network>> start(const NetworkOptions& options, Handler& handler);

  virtual uint16_t port() const = 0;
  virtual const core::Address& address() const = 0;  // of node_key
  // Queued for the peer; dropped if it is not connected. A message whose frame exceeds
  // frame_bytes_max is dropped and logged.
  virtual void send(const core::Address& peer, Message message) = 0;
  virtual void broadcast(Message message) = 0;  // to every connected peer
  virtual std::vector<core::Address> connected() const = 0;
  // Replaces the allow-list (at most kPeersMax). Applied on the I/O thread soon after: a new address may
  // connect (and is dialled when it has a port); an address no longer listed is refused at its next
  // handshake, its connection is closed (it gets nothing more) and it is not dialled.
  virtual void set_peers(std::vector<PeerAddress> peers) = 0;
  // Idempotent; no Handler callback runs after it returns (when called from a callback, none after
  // that callback returns).
  virtual void stop() = 0;
};

// A TCP port on 127.0.0.1 that nothing listens on right now (the OS's choice), or 0 if none could be
// bound. Another process may take it before it is used: for local networks and tests.
uint16_t free_loopback_port();

}  // namespace cx::p2p
