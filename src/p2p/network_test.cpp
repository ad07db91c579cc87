#include "p2p/network.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "base/random.hpp"
#include "crypto/address.hpp"
#include "p2p/wire.hpp"

namespace cx::p2p {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kWait = 30s;  // generous: CI machines are slow; tests never assert on timing

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

core::Address address_of(const crypto::PrivateKey& key) {
  return core::Address::of_public_key(*crypto::public_key_of(key));
}

// Records every callback; flags any that arrives after the test declared the network stopped.
class Recorder final : public Handler {
 public:
  void on_message(const core::Address& from, Message m) override {
    if (m_closed) ++m_after_close;
    std::lock_guard lock(m_mutex);
    m_messages[from].push_back(std::move(m));
  }
  void on_peer_up(const core::Address& peer) override {
    if (m_closed) ++m_after_close;
    std::lock_guard lock(m_mutex);
    ++m_ups[peer];
    m_connected.insert(peer);
  }
  void on_peer_down(const core::Address& peer) override {
    if (m_closed) ++m_after_close;
    std::lock_guard lock(m_mutex);
    ++m_downs[peer];
    m_connected.erase(peer);
  }

  void close() { m_closed = true; }
  int after_close() const { return m_after_close; }
  int ups(const core::Address& a) const { std::lock_guard lock(m_mutex); auto it = m_ups.find(a); return it == m_ups.end() ? 0 : it->second; }
  int downs(const core::Address& a) const { std::lock_guard lock(m_mutex); auto it = m_downs.find(a); return it == m_downs.end() ? 0 : it->second; }
  int total_ups() const { std::lock_guard lock(m_mutex); int n = 0; for (auto& [a, c] : m_ups) n += c; return n; }
  bool is_up(const core::Address& a) const { std::lock_guard lock(m_mutex); return m_connected.count(a) > 0; }
  size_t up_count() const { std::lock_guard lock(m_mutex); return m_connected.size(); }
  std::vector<Message> messages(const core::Address& from) const {
    std::lock_guard lock(m_mutex);
    auto it = m_messages.find(from);
    return it == m_messages.end() ? std::vector<Message>{} : it->second;
  }
  size_t message_count(const core::Address& from) const {
    std::lock_guard lock(m_mutex);
    auto it = m_messages.find(from);
    return it == m_messages.end() ? 0 : it->second.size();
  }

 private:
  mutable std::mutex m_mutex;
  std::map<core::Address, std::vector<Message>> m_messages;
  std::map<core::Address, int> m_ups, m_downs;
  std::set<core::Address> m_connected;
  std::atomic<bool> m_closed{false};
  std::atomic<int> m_after_close{0};
};

// Sends fd 2 to a file for the lifetime of the object and lets the test read what was logged so far.
class StderrCapture {
 public:
  StderrCapture() {
    char path[] = "/tmp/p2p_test_stderr_XXXXXX";
    m_fd = mkstemp(path);
    m_path = path;
    std::fflush(stderr);
    m_saved = dup(2);
    dup2(m_fd, 2);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    dup2(m_saved, 2);
    close(m_saved);
    close(m_fd);
    const std::string text = contents();
    std::fwrite(text.data(), 1, text.size(), stderr);  // keep the log visible in the test output
    unlink(m_path.c_str());
  }
  std::string contents() const {
    std::ifstream in(m_path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool wait_for(const std::string& needle) const {
    return wait_until([&] { return contents().find(needle) != std::string::npos; });
  }

 private:
  int m_fd = -1, m_saved = -1;
  std::string m_path;
};

struct Node {
  crypto::PrivateKey key;
  core::Address id;
  uint16_t port = 0;
  std::unique_ptr<Recorder> recorder = std::make_unique<Recorder>();
  std::unique_ptr<Network> net;
};

class Cluster {
 public:
  explicit Cluster(size_t n, uint64_t seed = 1) {
    SeededRandom rng(seed);
    nodes.resize(n);
    for (auto& node : nodes) {
      node.key = crypto::generate_private_key(rng);
      node.id = address_of(node.key);
      node.port = free_loopback_port();
    }
  }
  ~Cluster() {
    for (auto& node : nodes) {
      if (node.net) node.net->stop();
    }
  }

  NetworkOptions options(size_t i, const std::string& channel = "test") const {
    NetworkOptions o;
    o.channel = channel;
    o.listen_port = nodes[i].port;
    o.node_key = nodes[i].key;
    o.reconnect_min_ms = 20;
    o.reconnect_max_ms = 300;
    for (size_t j = 0; j < nodes.size(); ++j) {
      if (j != i) o.peers.push_back({nodes[j].id, "127.0.0.1", nodes[j].port});
    }
    return o;
  }

  void start(size_t i, const NetworkOptions& o) {
    nodes[i].recorder = std::make_unique<Recorder>();
    auto r = Network::start(o, *nodes[i].recorder);
    ASSERT_TRUE(r) << r.message();
    nodes[i].net = std::move(r.value());
    ASSERT_EQ(nodes[i].net->port(), nodes[i].port);
  }
  void start(size_t i) { start(i, options(i)); }
  void start_all() {
    for (size_t i = 0; i < nodes.size(); ++i) start(i);
  }
  void stop(size_t i) {
    nodes[i].net->stop();
    nodes[i].recorder->close();
  }

  bool all_connected() const {
    for (const auto& n : nodes) {
      if (!n.net || n.net->connected().size() != nodes.size() - 1 || n.recorder->up_count() != nodes.size() - 1)
        return false;
    }
    return true;
  }

  std::vector<Node> nodes;
};

Message make_message(MessageType type, uint32_t a, uint32_t b) {
  Bytes p(8);
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<uint8_t>(a >> (24 - 8 * i));
    p[4 + i] = static_cast<uint8_t>(b >> (24 - 8 * i));
  }
  return Message{type, std::move(p)};
}
uint32_t field(const Message& m, int k) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | m.payload[4 * k + i];
  return v;
}

// Established TCP connections whose local port is one of `ports` (i.e. accepted by one of our
// listeners), from /proc/net/tcp: one per connection between two of our nodes.
size_t established_inbound(const std::set<uint16_t>& ports) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);
  size_t n = 0;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string sl, local, remote, state;
    ss >> sl >> local >> remote >> state;
    if (state != "01") continue;
    const uint16_t port = static_cast<uint16_t>(std::stoul(local.substr(local.find(':') + 1), nullptr, 16));
    if (ports.count(port)) ++n;
  }
  return n;
}

size_t thread_count(const std::string& name) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(entry.path() / "comm");
    std::string comm;
    std::getline(in, comm);
    if (comm == name) ++n;
  }
  return n;
}

TEST(P2pNetwork, ThreeNodesExchangeBroadcastsAndDirectMessagesInOrder) {
  Cluster c(3);
  c.start_all();
  ASSERT_TRUE(wait_until([&] { return c.all_connected(); }));
  EXPECT_EQ(thread_count("p2p-test"), 3u);  // one named I/O thread per network

  constexpr uint32_t kCount = 200;
  for (uint32_t seq = 0; seq < kCount; ++seq) {
    for (uint32_t i = 0; i < 3; ++i) {
      c.nodes[i].net->broadcast(make_message(MessageType::kVote, i, seq));
      c.nodes[i].net->send(c.nodes[(i + 1) % 3].id, make_message(MessageType::kTxs, i, seq));
    }
  }
  for (uint32_t r = 0; r < 3; ++r) {
    for (uint32_t s = 0; s < 3; ++s) {
      if (r == s) continue;
      const size_t expected = kCount + ((s + 1) % 3 == r ? kCount : 0);
      ASSERT_TRUE(wait_until([&] { return c.nodes[r].recorder->message_count(c.nodes[s].id) >= expected; }))
          << r << " from " << s << ": " << c.nodes[r].recorder->message_count(c.nodes[s].id);
      auto msgs = c.nodes[r].recorder->messages(c.nodes[s].id);
      ASSERT_EQ(msgs.size(), expected);
      std::map<MessageType, uint32_t> next;
      for (const auto& m : msgs) {
        ASSERT_EQ(m.payload.size(), 8u);
        EXPECT_EQ(field(m, 0), s);
        EXPECT_EQ(field(m, 1), next[m.type]++) << "out of order";
      }
      EXPECT_EQ(next[MessageType::kVote], kCount);
    }
  }
  // Everyone came up once and nobody went down: the connections were stable throughout.
  for (auto& r : c.nodes)
    for (auto& s : c.nodes)
      if (r.id != s.id) {
        EXPECT_EQ(r.recorder->ups(s.id), 1);
        EXPECT_EQ(r.recorder->downs(s.id), 0);
      }
  // Sending to an unknown address or a large payload is dropped, not fatal.
  c.nodes[0].net->send(core::Address{}, make_message(MessageType::kStatus, 0, 0));
}

TEST(P2pNetwork, SimultaneousDialLeavesExactlyOneConnectionPerPair) {
  for (uint64_t round = 0; round < 5; ++round) {
    Cluster c(4, 100 + round);
    // Start all four at once so every pair dials in both directions concurrently.
    std::vector<std::thread> starters;
    std::vector<Result<std::unique_ptr<Network>>> results;
    for (size_t i = 0; i < 4; ++i) results.emplace_back(Status::error("unset"));
    for (size_t i = 0; i < 4; ++i) {
      starters.emplace_back([&, i] { results[i] = Network::start(c.options(i), *c.nodes[i].recorder); });
    }
    for (auto& t : starters) t.join();
    for (size_t i = 0; i < 4; ++i) {
      ASSERT_TRUE(results[i]) << results[i].message();
      c.nodes[i].net = std::move(results[i].value());
    }
    ASSERT_TRUE(wait_until([&] { return c.all_connected(); }));
    std::set<uint16_t> ports;
    for (auto& n : c.nodes) ports.insert(n.port);
    ASSERT_TRUE(wait_until([&] { return established_inbound(ports) == 6; })) << established_inbound(ports);
    std::this_thread::sleep_for(300ms);  // let any late duplicate settle, then check nothing flapped
    EXPECT_EQ(established_inbound(ports), 6u);
    for (auto& r : c.nodes)
      for (auto& s : c.nodes)
        if (r.id != s.id) {
          EXPECT_EQ(r.recorder->ups(s.id), 1) << "round " << round;
          EXPECT_EQ(r.recorder->downs(s.id), 0) << "round " << round;
        }
    // The surviving connections carry traffic both ways.
    c.nodes[3].net->broadcast(make_message(MessageType::kStatus, 3, 0));
    c.nodes[0].net->broadcast(make_message(MessageType::kStatus, 0, 0));
    for (size_t i = 0; i < 3; ++i)
      EXPECT_TRUE(wait_until([&] { return c.nodes[i].recorder->message_count(c.nodes[3].id) == 1; }));
    for (size_t i = 1; i < 4; ++i)
      EXPECT_TRUE(wait_until([&] { return c.nodes[i].recorder->message_count(c.nodes[0].id) == 1; }));
  }
}

TEST(P2pNetwork, NonMemberIsRefusedAndLogged) {
  Cluster c(3);  // node 2 is the outsider: nodes 0 and 1 do not list it
  StderrCapture log;
  NetworkOptions o0 = c.options(0), o1 = c.options(1);
  o0.peers.pop_back();
  o1.peers.pop_back();
  c.start(0, o0);
  c.start(1, o1);
  c.start(2);  // lists 0 and 1, dials both
  ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->up_count() == 1 && c.nodes[1].recorder->up_count() == 1; }));
  ASSERT_TRUE(log.wait_for("refused connection from 127.0.0.1:"));
  ASSERT_TRUE(log.wait_for("not a member: " + c.nodes[2].id.to_string()));
  EXPECT_EQ(c.nodes[2].recorder->total_ups(), 0);
  EXPECT_EQ(c.nodes[0].recorder->ups(c.nodes[2].id), 0);
  EXPECT_EQ(c.nodes[1].recorder->ups(c.nodes[2].id), 0);
  EXPECT_TRUE(c.nodes[2].net->connected().empty());
}

// set_peers: an address added is admitted (and dialled when it has a port); one taken off loses its
// connection at once, gets no more messages and is refused when it re-dials; put back, it connects again.
TEST(P2pNetwork, SetPeersAdmitsDropsAndReadmits) {
  Cluster c(3);  // 0 and 1 start without 2; 2 lists both and dials them
  NetworkOptions o0 = c.options(0), o1 = c.options(1);
  o0.peers.pop_back();
  o1.peers.pop_back();
  c.start(0, o0);
  c.start(1, o1);
  c.start(2);
  ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->up_count() == 1 && c.nodes[1].recorder->up_count() == 1; }));
  EXPECT_EQ(c.nodes[2].recorder->total_ups(), 0);
  const auto id2 = c.nodes[2].id;
  // Admitted by both: 0 waits for it (port 0), 1 also dials it.
  c.nodes[0].net->set_peers({o0.peers[0], {id2, "", 0}});
  c.nodes[1].net->set_peers({o1.peers[0], {id2, "127.0.0.1", c.nodes[2].port}});
  ASSERT_TRUE(wait_until([&] { return c.all_connected(); }));
  c.nodes[0].net->broadcast(make_message(MessageType::kTxs, 1, 0));
  ASSERT_TRUE(wait_until([&] { return c.nodes[2].recorder->message_count(c.nodes[0].id) == 1; }));
  // Taken off by 0: the connection closes (both sides see it down), messages stop, re-dials are refused.
  StderrCapture log;
  c.nodes[0].net->set_peers({o0.peers[0]});
  ASSERT_TRUE(wait_until([&] { return !c.nodes[2].recorder->is_up(c.nodes[0].id) && !c.nodes[0].recorder->is_up(id2); }));
  ASSERT_TRUE(log.wait_for("no longer admitting " + id2.to_string()));
  for (uint32_t k = 0; k < 20; ++k) c.nodes[0].net->broadcast(make_message(MessageType::kTxs, 2, k));
  c.nodes[0].net->send(id2, make_message(MessageType::kTxs, 3, 0));
  ASSERT_TRUE(log.wait_for("not a member: " + id2.to_string()));  // it re-dialled and was refused
  EXPECT_EQ(c.nodes[2].recorder->message_count(c.nodes[0].id), 1u);
  EXPECT_EQ(c.nodes[0].recorder->ups(id2), 1);
  EXPECT_TRUE(c.nodes[1].recorder->is_up(id2));  // 1 still admits it
  // Put back: it connects again.
  c.nodes[0].net->set_peers({o0.peers[0], {id2, "", 0}});
  ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->ups(id2) == 2 && c.nodes[0].recorder->is_up(id2); }));
  c.nodes[0].net->broadcast(make_message(MessageType::kTxs, 4, 0));
  ASSERT_TRUE(wait_until([&] { return c.nodes[2].recorder->message_count(c.nodes[0].id) == 2; }));
  EXPECT_EQ(field(c.nodes[2].recorder->messages(c.nodes[0].id).back(), 0), 4u);
}

TEST(P2pNetwork, WrongChannelIsRefused) {
  Cluster c(2);
  StderrCapture log;
  c.start(0, c.options(0, "alpha"));
  c.start(1, c.options(1, "beta"));
  ASSERT_TRUE(log.wait_for("wrong channel 'beta' (this is 'alpha')"));
  ASSERT_TRUE(log.wait_for("wrong channel 'alpha' (this is 'beta')"));
  EXPECT_EQ(c.nodes[0].recorder->total_ups(), 0);
  EXPECT_EQ(c.nodes[1].recorder->total_ups(), 0);
}

TEST(P2pNetwork, SelfConnectionIsRefused) {
  Cluster c(2);
  StderrCapture log;
  NetworkOptions o = c.options(0);
  o.peers.push_back({c.nodes[1].id, "127.0.0.1", c.nodes[0].port});  // node 1's entry points at ourselves
  o.peers.erase(o.peers.begin());
  c.start(0, o);
  ASSERT_TRUE(log.wait_for("self-connection"));
  EXPECT_EQ(c.nodes[0].recorder->total_ups(), 0);
}

// A hand-driven peer speaking the wire protocol over a blocking socket.
class RawPeer {
 public:
  RawPeer(uint16_t port) : m_socket(m_io) { m_socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }

  void write_frame(uint8_t type, BytesView payload) { asio::write(m_socket, asio::buffer(encode_frame(type, payload))); }
  void write_raw(BytesView b) { asio::write(m_socket, asio::buffer(b.data(), b.size())); }
  // nullopt when the other side closed the connection.
  std::optional<std::pair<uint8_t, Bytes>> read_frame() {
    uint8_t header[kFrameHeaderBytes];
    boost::system::error_code ec;
    asio::read(m_socket, asio::buffer(header), ec);
    if (ec) return std::nullopt;
    auto h = decode_frame_header(header);
    if (h.length == 0 || h.length > (1u << 20)) return std::nullopt;
    Bytes body(h.length - 1);
    asio::read(m_socket, asio::buffer(body), ec);
    if (ec) return std::nullopt;
    return std::make_pair(h.type, std::move(body));
  }
  // Runs the handshake claiming `claimed` and signing with `key`; returns the node's Hello.
  std::optional<Hello> handshake(const std::string& channel, const core::Address& claimed,
                                 const crypto::PrivateKey& key) {
    Hash32 nonce;
    os_random().fill({nonce.data(), nonce.size()});
    write_frame(static_cast<uint8_t>(FrameType::kHello), encode_hello(Hello{kProtocolVersion, channel, claimed, nonce}));
    auto f = read_frame();
    if (!f || f->first != static_cast<uint8_t>(FrameType::kHello)) return std::nullopt;
    auto hello = decode_hello(f->second, nullptr);
    if (!hello) return std::nullopt;
    write_frame(static_cast<uint8_t>(FrameType::kAuth),
                encode_auth(crypto::sign(auth_digest(channel, hello->nonce, nonce, claimed), key)));
    return hello;
  }
  bool closed_by_peer() {
    while (auto f = read_frame()) {
    }
    return true;
  }

 private:
  asio::io_context m_io;
  tcp::socket m_socket;
};

TEST(P2pNetwork, ImpostorClaimingAnotherAddressIsRefused) {
  Cluster c(2);
  StderrCapture log;
  c.start(0);  // node 1 never runs; the raw peer pretends to be it
  SeededRandom rng(77);
  const auto wrong_key = crypto::generate_private_key(rng);
  RawPeer raw(c.nodes[0].port);
  auto hello = raw.handshake("test", c.nodes[1].id, wrong_key);
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->address, c.nodes[0].id);
  EXPECT_TRUE(raw.closed_by_peer());
  ASSERT_TRUE(log.wait_for("claims " + c.nodes[1].id.to_string() + " but signed with the key of " +
                           address_of(wrong_key).to_string()));
  EXPECT_EQ(c.nodes[0].recorder->total_ups(), 0);
}

TEST(P2pNetwork, OversizedAndUnknownFramesDropTheConnection) {
  Cluster c(2);
  StderrCapture log;
  NetworkOptions o = c.options(0);
  o.frame_bytes_max = 1024;
  c.start(0, o);
  const auto& peer = c.nodes[1];
  {
    RawPeer raw(c.nodes[0].port);
    ASSERT_TRUE(raw.handshake("test", peer.id, peer.key));  // the real key: accepted
    ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->is_up(peer.id); }));
    // A well-formed message arrives...
    raw.write_frame(static_cast<uint8_t>(MessageType::kTxs), Bytes(1023, 0xAB));
    ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->message_count(peer.id) == 1; }));
    EXPECT_EQ(c.nodes[0].recorder->messages(peer.id)[0].payload.size(), 1023u);
    // ...then a header announcing more than frame_bytes_max (the body is never sent or allocated).
    raw.write_raw(Bytes{0x7F, 0xFF, 0xFF, 0xFF, static_cast<uint8_t>(MessageType::kTxs)});
    EXPECT_TRUE(raw.closed_by_peer());
    ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->downs(peer.id) == 1; }));
    ASSERT_TRUE(log.wait_for("dropping peer " + peer.id.to_string() + " (127.0.0.1:"));
    ASSERT_TRUE(log.wait_for("oversized frame (2147483647 bytes, max 1024)"));
  }
  {
    RawPeer raw(c.nodes[0].port);
    ASSERT_TRUE(raw.handshake("test", peer.id, peer.key));
    ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->ups(peer.id) == 2; }));
    raw.write_frame(0x42, Bytes{1, 2, 3});
    EXPECT_TRUE(raw.closed_by_peer());
    ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->downs(peer.id) == 2; }));
    ASSERT_TRUE(log.wait_for("unexpected frame type 66"));
  }
  {
    // Garbage before the handshake: a huge length is refused without allocating.
    RawPeer raw(c.nodes[0].port);
    raw.write_raw(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xF0});
    EXPECT_TRUE(raw.closed_by_peer());
    ASSERT_TRUE(log.wait_for("oversized frame (4294967295 bytes, max 512)"));
  }
  EXPECT_EQ(c.nodes[0].recorder->messages(peer.id).size(), 1u);
}

TEST(P2pNetwork, FrameFloodDropsTheConnection) {
  Cluster c(2);
  StderrCapture log;
  NetworkOptions o = c.options(0);
  o.frames_per_sec_max = 10;  // a burst of 10, refilled at 10/s
  c.start(0, o);
  const auto& peer = c.nodes[1];
  RawPeer raw(c.nodes[0].port);
  ASSERT_TRUE(raw.handshake("test", peer.id, peer.key));
  ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->is_up(peer.id); }));
  Bytes flood;
  for (int i = 0; i < 1000; ++i) {
    auto f = encode_frame(static_cast<uint8_t>(MessageType::kVote), Bytes{1});
    flood.insert(flood.end(), f.begin(), f.end());
  }
  raw.write_raw(flood);
  EXPECT_TRUE(raw.closed_by_peer());
  ASSERT_TRUE(log.wait_for("frame rate above 10/s"));
  ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->downs(peer.id) == 1; }));
  EXPECT_LT(c.nodes[0].recorder->message_count(peer.id), 1000u);
}

TEST(P2pNetwork, HandshakeTimeoutIsRefused) {
  Cluster c(2);
  StderrCapture log;
  NetworkOptions o = c.options(0);
  o.handshake_timeout_ms = 200;
  c.start(0, o);
  RawPeer raw(c.nodes[0].port);  // connects and says nothing
  EXPECT_TRUE(raw.closed_by_peer());
  ASSERT_TRUE(log.wait_for("handshake timeout after 200 ms"));
}

TEST(P2pNetwork, RestartedNodeIsRedialledByTheOthers) {
  Cluster c(3);
  c.start_all();
  ASSERT_TRUE(wait_until([&] { return c.all_connected(); }));
  c.stop(2);
  c.nodes[2].net.reset();
  ASSERT_TRUE(wait_until([&] {
    return c.nodes[0].recorder->downs(c.nodes[2].id) == 1 && c.nodes[1].recorder->downs(c.nodes[2].id) == 1;
  }));
  EXPECT_EQ(c.nodes[0].recorder->downs(c.nodes[1].id), 0);
  // Same port, and the restarted node does not dial (port 0): only the others' redialling reconnects it.
  NetworkOptions o = c.options(2);
  for (auto& p : o.peers) p.port = 0;
  c.start(2, o);
  ASSERT_TRUE(wait_until([&] { return c.all_connected(); }));
  EXPECT_EQ(c.nodes[0].recorder->ups(c.nodes[2].id), 2);
  c.nodes[2].net->broadcast(make_message(MessageType::kProposal, 2, 0));
  c.nodes[0].net->send(c.nodes[2].id, make_message(MessageType::kVote, 0, 0));
  EXPECT_TRUE(wait_until([&] { return c.nodes[0].recorder->message_count(c.nodes[2].id) == 1; }));
  EXPECT_TRUE(wait_until([&] { return c.nodes[1].recorder->message_count(c.nodes[2].id) == 1; }));
  EXPECT_TRUE(wait_until([&] { return c.nodes[2].recorder->message_count(c.nodes[0].id) == 1; }));
}

TEST(P2pNetwork, SendQueueOverflowDropsAndRedials) {
  Cluster c(2);
  StderrCapture log;
  NetworkOptions o = c.options(0);
  o.frame_bytes_max = 1u << 20;
  o.send_queue_bytes_max = 2u << 20;
  c.start(0, o);
  const auto& peer = c.nodes[1];
  RawPeer raw(c.nodes[0].port);  // authenticates, then never reads: TCP buffers fill, then our queue
  ASSERT_TRUE(raw.handshake("test", peer.id, peer.key));
  ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->is_up(peer.id); }));
  Bytes big((1u << 20) - 1, 0x55);
  ASSERT_TRUE(wait_until([&] {
    c.nodes[0].net->send(peer.id, Message{MessageType::kBlockResponse, big});
    return c.nodes[0].recorder->downs(peer.id) == 1;
  }));
  ASSERT_TRUE(log.wait_for("send queue above 2097152 bytes"));
}

TEST(P2pNetwork, StopIsCleanAndIdempotent) {
  Cluster c(3);
  c.start_all();
  ASSERT_TRUE(wait_until([&] { return c.all_connected(); }));
  std::atomic<bool> done{false};
  std::thread traffic([&] {
    uint32_t seq = 0;
    while (!done) {
      for (size_t i = 0; i < 3; ++i) {
        if (c.nodes[i].net) c.nodes[i].net->broadcast(make_message(MessageType::kTxs, static_cast<uint32_t>(i), seq));
      }
      ++seq;
      std::this_thread::sleep_for(1ms);
    }
  });
  std::this_thread::sleep_for(100ms);
  c.stop(1);  // while messages flow in both directions
  c.nodes[1].net->stop();
  c.nodes[1].net->send(c.nodes[0].id, make_message(MessageType::kTxs, 1, 0));  // after stop: ignored
  EXPECT_TRUE(c.nodes[1].net->connected().empty());
  ASSERT_TRUE(wait_until([&] { return c.nodes[0].recorder->downs(c.nodes[1].id) == 1; }));
  std::this_thread::sleep_for(200ms);
  done = true;
  traffic.join();
  EXPECT_EQ(c.nodes[1].recorder->after_close(), 0);
  c.stop(0);
  c.stop(2);
  EXPECT_EQ(c.nodes[0].recorder->after_close(), 0);
  EXPECT_EQ(c.nodes[2].recorder->after_close(), 0);
}

// A handler may stop its own network from a callback; nothing is delivered after that.
class StopOnUp final : public Handler {
 public:
  std::atomic<Network*> net{nullptr};
  std::atomic<int> calls{0};
  std::atomic<bool> stopped{false};
  void on_message(const core::Address&, Message) override { ++calls; }
  void on_peer_up(const core::Address&) override {
    ++calls;
    while (!net.load()) std::this_thread::yield();
    net.load()->stop();
    stopped = true;
  }
  void on_peer_down(const core::Address&) override { ++calls; }
};

TEST(P2pNetwork, StopFromACallback) {
  Cluster c(2);
  StopOnUp h;
  auto r = Network::start(c.options(0), h);
  ASSERT_TRUE(r);
  h.net = r.value().get();
  c.start(1);
  ASSERT_TRUE(wait_until([&] { return h.stopped.load(); }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(h.calls, 1);
  r.value().reset();  // joins the I/O thread
}

TEST(P2pNetwork, StartRejectsBadOptions) {
  Recorder h;
  NetworkOptions o;
  o.channel = "test";
  EXPECT_FALSE(Network::start(o, h));  // zero key
  SeededRandom rng(5);
  o.node_key = crypto::generate_private_key(rng);
  o.channel = "";
  EXPECT_FALSE(Network::start(o, h));
  o.channel = "test";
  o.reconnect_max_ms = 1;
  EXPECT_FALSE(Network::start(o, h));
  o.reconnect_max_ms = 5000;
  auto first = Network::start(o, h);
  ASSERT_TRUE(first);
  o.listen_port = first.value()->port();
  auto second = Network::start(o, h);  // port taken
  ASSERT_FALSE(second);
  EXPECT_NE(second.message().find("cannot listen"), std::string::npos);
}

}  // namespace
}  // namespace cx::p2p
