// Who may use the RPC: the connection table's policy, then the real server over real sockets in front of
// a real in-memory channel — connection limits with clients on two loopback addresses (127.0.0.1 and
// 127.0.0.2), and a channel that answers only signed requests (rpc/client_auth.hpp).
#include "rpc/conn_limits.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "base/clock.hpp"
#include "channel/channel.hpp"
#include "core/test_tx.hpp"
#include "rpc/client_auth.hpp"
#include "rpc/server.hpp"

namespace cx::rpc {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

TEST(ConnectionTable, PerAddressLimitAndEvictionOfTheHeaviestIdleAddress) {
  auto t = ConnectionTable::make({/*total_max=*/4, /*per_address_max=*/3});
  AdmitRefusal why = AdmitRefusal::kNone;
  int closed = 0;
  std::vector<std::unique_ptr<ConnectionTable::Slot>> a;
  for (int i = 0; i < 3; ++i) {
    a.push_back(t->admit("10.0.0.1", why));
    ASSERT_TRUE(a.back());
    a.back()->set_closer([&closed] { ++closed; });
  }
  EXPECT_FALSE(t->admit("10.0.0.1", why));
  EXPECT_EQ(why, AdmitRefusal::kAddressFull);
  auto b1 = t->admit("10.0.0.2", why);
  ASSERT_TRUE(b1);
  EXPECT_TRUE(t->under_pressure());
  // Full, and every connection of the heaviest address is busy: refused.
  auto b2 = t->admit("10.0.0.2", why);
  EXPECT_FALSE(b2);
  EXPECT_EQ(why, AdmitRefusal::kFull);
  // Idle ones may go: the longest idle is asked to close, and the newcomer gets its slot at once.
  a[0]->set_idle(true, 200);
  a[1]->set_idle(true, 100);
  b2 = t->admit("10.0.0.2", why);
  ASSERT_TRUE(b2);
  EXPECT_EQ(closed, 1);
  EXPECT_EQ(t->evicted(), 1u);
  // Now 10.0.0.1 would keep 2 (a[0], a[2]) against the newcomer's 3: nobody is pushed below another.
  EXPECT_FALSE(t->admit("10.0.0.2", why));
  EXPECT_EQ(why, AdmitRefusal::kFull);
  a.erase(a.begin() + 1);  // the evicted connection goes away
  EXPECT_EQ(t->size(), 4u);
}

// A client socket bound to a loopback address of its choice.
tcp::socket connect_from(asio::io_context& io, const char* from, uint16_t port) {
  tcp::socket s(io);
  s.open(tcp::v4());
  s.bind(tcp::endpoint(asio::ip::make_address(from), 0));
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  return s;
}

// GET /health on `s`; the status line, or "" when the server closed the connection.
std::string health(tcp::socket& s) {
  const std::string req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::system::error_code ec;
  asio::write(s, asio::buffer(req), ec);
  if (ec) return "";
  std::array<char, 512> buf{};
  const size_t n = s.read_some(asio::buffer(buf), ec);
  if (ec) return "";
  std::string text(buf.data(), n);
  return text.substr(0, text.find("\r\n"));
}

// True when the server has closed `s` (EOF or reset) within `limit`.
bool closed_by_server(tcp::socket& s, std::chrono::milliseconds limit) {
  s.non_blocking(true);
  const auto end = std::chrono::steady_clock::now() + limit;
  std::array<char, 64> buf{};
  while (std::chrono::steady_clock::now() < end) {
    boost::system::error_code ec;
    s.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(10ms);
      continue;
    }
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
  return false;
}

// POSTs `body` to `target` with `auth` as the Cx-Auth header (none if empty); the whole reply.
std::string post(tcp::socket& s, const std::string& target, const std::string& body, const std::string& auth) {
  std::string req = "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!auth.empty()) req += std::string(kAuthHeader) + ": " + auth + "\r\n";
  req += "\r\n" + body;
  asio::write(s, asio::buffer(req));
  std::array<char, 4096> buf{};
  boost::system::error_code ec;
  const size_t n = s.read_some(asio::buffer(buf), ec);
  return std::string(buf.data(), ec ? 0 : n);
}

class ConnLimitsTest : public ::testing::Test {
 protected:
  void start(size_t total_max, size_t per_address_max, bool signed_rpc = false) {
    channel::ChannelOptions co;
    co.params.channel = "limits";
    co.params.treasury = *core::Address::parse("hx1000000000000000000000000000000000000000");
    co.node_key = core::testing::test_key(7);
    co.params.validators = {core::testing::address_of(co.node_key)};
    co.params.members = {{core::testing::address_of(core::testing::test_key(8)), core::MemberRole::kClient}};
    co.params.rpc_auth_signed = signed_rpc;
    co.mempool.verify_threads = 1;
    auto ch = channel::Channel::open(co, system_clock());
    ASSERT_TRUE(ch) << ch.message();
    m_channel = std::move(ch.value());
    m_channel->start();
    ServerOptions o;
    o.port = 0;
    o.io_threads = 1;
    o.connections_max = total_max;
    o.connections_per_address_max = per_address_max;
    auto s = Server::start(o, {{"limits", m_channel.get()}});
    ASSERT_TRUE(s) << s.message();
    m_server = std::move(s.value());
  }
  void TearDown() override {
    if (m_server) m_server->stop();
    if (m_channel) m_channel->stop();
  }

  asio::io_context m_io;
  std::unique_ptr<channel::Channel> m_channel;
  std::unique_ptr<Server> m_server;
};

TEST_F(ConnLimitsTest, OneAddressHoldingEveryConnectionIdleCannotLockAnotherOut) {
  ASSERT_NO_FATAL_FAILURE(start(/*total_max=*/16, /*per_address_max=*/100));
  std::vector<tcp::socket> hog;
  for (int i = 0; i < 16; ++i) hog.push_back(connect_from(m_io, "127.0.0.2", m_server->port()));
  std::this_thread::sleep_for(200ms);  // all accepted, all idle
  // Before the change this client waited for the 60 s idle timeout; now it is served at once.
  auto other = connect_from(m_io, "127.0.0.1", m_server->port());
  EXPECT_EQ(health(other), "HTTP/1.1 200 OK");
  // One of the hog's idle connections made room; the hog cannot take the slot back.
  int closed = 0;
  for (auto& s : hog) closed += closed_by_server(s, 50ms) ? 1 : 0;
  EXPECT_EQ(closed, 1);
  auto more = connect_from(m_io, "127.0.0.2", m_server->port());
  EXPECT_TRUE(closed_by_server(more, 2000ms));
  EXPECT_EQ(health(other), "HTTP/1.1 200 OK") << "the served client keeps its connection";
}

TEST_F(ConnLimitsTest, AnAddressBeyondItsLimitIsRefusedWhileOthersAreServed) {
  ASSERT_NO_FATAL_FAILURE(start(/*total_max=*/64, /*per_address_max=*/4));
  std::vector<tcp::socket> hog;
  for (int i = 0; i < 4; ++i) hog.push_back(connect_from(m_io, "127.0.0.2", m_server->port()));
  auto fifth = connect_from(m_io, "127.0.0.2", m_server->port());
  EXPECT_TRUE(closed_by_server(fifth, 2000ms));
  EXPECT_EQ(health(hog[0]), "HTTP/1.1 200 OK") << "its first four are served";
  auto other = connect_from(m_io, "127.0.0.1", m_server->port());
  EXPECT_EQ(health(other), "HTTP/1.1 200 OK");
}

TEST_F(ConnLimitsTest, AChannelRequiringSignedRequestsAnswersOnlyMembersSignedOnes) {
  ASSERT_NO_FATAL_FAILURE(start(/*total_max=*/64, /*per_address_max=*/64, /*signed_rpc=*/true));
  auto s = connect_from(m_io, "127.0.0.1", m_server->port());
  const std::string target = "/api/v3/limits";
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"icx_getLastBlock"})";
  auto unsigned_reply = post(s, target, body, "");
  EXPECT_TRUE(unsigned_reply.starts_with("HTTP/1.1 401")) << unsigned_reply;
  EXPECT_NE(unsigned_reply.find("answers only signed requests"), std::string::npos) << unsigned_reply;
  EXPECT_EQ(unsigned_reply.find("\"result\""), std::string::npos) << "no data for a stranger";

  const int64_t now = system_clock().now_us();
  const auto stranger = ClientAuth::sign(core::testing::test_key(9), {"POST", target, body}, now);
  EXPECT_NE(post(s, target, body, stranger).find("is not a member of channel limits"), std::string::npos);
  const auto member = ClientAuth::sign(core::testing::test_key(8), {"POST", target, body}, now);
  auto ok = post(s, target, body, member);
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200")) << ok;
  EXPECT_NE(ok.find("\"result\""), std::string::npos) << ok;
  EXPECT_NE(post(s, target, body, member).find("replayed request"), std::string::npos);
}

}  // namespace
}  // namespace cx::rpc
