#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <thread>

#include "cli/rpc_client.hpp"

namespace cx::cli {
namespace {

namespace json = boost::json;

TEST(Url, ParsesHostPortAndPath) {
  auto u = Url::parse("http://127.0.0.1:9000/api/v3");
  ASSERT_TRUE(u.is_ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "9000");
  EXPECT_EQ(u->target, "/api/v3");
  EXPECT_EQ(u->to_string(), "http://127.0.0.1:9000/api/v3");

  auto no_port = Url::parse("http://localhost");
  ASSERT_TRUE(no_port.is_ok());
  EXPECT_EQ(no_port->port, "80");
  EXPECT_EQ(no_port->target, "/");

  auto v6 = Url::parse("http://[::1]:9100/api/v3/chan");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "9100");
  EXPECT_EQ(v6->to_string(), "http://[::1]:9100/api/v3/chan");
}

TEST(Url, HttpsDefaultsToPort443AndKeepsItsScheme) {
  auto u = Url::parse("https://node.bank-a.example/api/v3/trade");
  ASSERT_TRUE(u.is_ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->to_string(), "https://node.bank-a.example:443/api/v3/trade");
  EXPECT_FALSE(Url::parse("http://h:1/")->tls);
}

TEST(Url, RejectsWhatItCannotSpeak) {
  for (std::string_view bad : {"ftp://x:1/", "127.0.0.1:9000", "http://", "http://:9000/", "http://h:0/",
                               "http://h:70000/", "http://h:9x/", "http://[::1/"}) {
    EXPECT_FALSE(Url::parse(bad).is_ok()) << bad;
  }
}

TEST(Url, DebugEndpointSitsBesideTheApi) {
  EXPECT_EQ(debug_url(*Url::parse("http://h:1/api/v3")).target, "/api/v3d");
  EXPECT_EQ(debug_url(*Url::parse("http://h:1/api/v3/chan")).target, "/api/v3d/chan");
  EXPECT_EQ(debug_url(*Url::parse("http://h:1/api/v3d")).target, "/api/v3d");
}

TEST(RpcResponse, ResultAndErrors) {
  auto ok = parse_rpc_response(json::parse(R"({"jsonrpc":"2.0","id":1,"result":"0x10"})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.result, "0x10");

  auto err = parse_rpc_response(
      json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-31004,"message":"NotFound: no such tx"}})"));
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error->code, kRpcNotFound);
  EXPECT_EQ(err.error->message, "NotFound: no such tx");
  EXPECT_FALSE(err.error->is_transport());
  EXPECT_EQ(err.error->describe(), "NotFound: no such tx (code -31004)");

  auto junk = parse_rpc_response(json::parse(R"([1,2])"));
  ASSERT_FALSE(junk.ok());
  EXPECT_TRUE(junk.error->is_transport());
}

TEST(RpcRequest, CompactRequestObject) {
  EXPECT_EQ(rpc_request_json(7, "icx_getLastBlock", nullptr), R"({"jsonrpc":"2.0","id":7,"method":"icx_getLastBlock"})");
  json::object params{{"address", "hx00"}};
  EXPECT_EQ(rpc_request_json(1, "icx_getBalance", params),
            R"({"jsonrpc":"2.0","id":1,"method":"icx_getBalance","params":{"address":"hx00"}})");
}

TEST(RpcClient, UnreachableNodeIsATransportError) {
  // Port 1 on loopback: nothing listens there, so connect fails fast.
  RpcClient client(*Url::parse("http://127.0.0.1:1/api/v3"), RpcClientOptions{std::chrono::milliseconds(2000)});
  auto r = client.call("icx_getLastBlock");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error->is_transport());
  EXPECT_NE(r.error->message.find("127.0.0.1:1"), std::string::npos) << r.error->message;
}

// A one-thread HTTP server speaking just enough JSON-RPC to exercise the client: "echo" returns its
// params, "fail" answers HTTP 400 with a goloop error, "slow" sleeps past the client's timeout, and
// batches come back reversed (servers may reorder). With `drop_after_reply` it closes every
// connection after one reply while still advertising keep-alive, as an idle timeout on the node does.
class FakeNode {
 public:
  explicit FakeNode(bool drop_after_reply) : m_drop(drop_after_reply) {
    namespace asio = boost::asio;
    m_acceptor.open(asio::ip::tcp::v4());
    m_acceptor.set_option(asio::socket_base::reuse_address(true));
    m_acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
    m_acceptor.listen();
    m_thread = std::thread([this] { serve(); });
  }
  ~FakeNode() {
    m_stop = true;
    boost::system::error_code ec;
    // Wake accept() with a throwaway connection.
    boost::asio::ip::tcp::socket poke(m_io);
    poke.connect(m_acceptor.local_endpoint(), ec);
    m_thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_acceptor.local_endpoint().port()) + "/api/v3"; }
  int connections() const { return m_connections.load(); }

 private:
  static json::value answer(const json::object& req) {
    json::object res{{"jsonrpc", "2.0"}, {"id", req.at("id")}};
    std::string_view method = req.at("method").as_string();
    if (method == "fail") {
      res["error"] = json::object{{"code", -31004}, {"message", "NotFound: nothing here"}};
    } else {
      if (method == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(600));
      res["result"] = req.contains("params") ? req.at("params") : json::value(nullptr);
    }
    return res;
  }

  void serve() {
    namespace http = boost::beast::http;
    while (!m_stop) {
      boost::asio::ip::tcp::socket sock(m_io);
      boost::system::error_code ec;
      m_acceptor.accept(sock, ec);
      if (ec || m_stop) return;
      ++m_connections;
      boost::beast::flat_buffer buf;
      for (;;) {
        http::request<http::string_body> req;
        http::read(sock, buf, req, ec);
        if (ec) break;
        json::value body = json::parse(req.body());
        json::value out;
        unsigned status = 200;
        if (body.is_array()) {
          json::array arr;
          for (auto it = body.as_array().rbegin(); it != body.as_array().rend(); ++it) arr.push_back(answer(it->as_object()));
          out = arr;
        } else {
          out = answer(body.as_object());
          if (out.as_object().contains("error")) status = 400;  // goloop sends errors with HTTP 400
        }
        http::response<http::string_body> res{static_cast<http::status>(status), 11};
        res.set(http::field::content_type, "application/json");
        res.keep_alive(true);
        res.body() = json::serialize(out);
        res.prepare_payload();
        http::write(sock, res, ec);
        if (ec || m_drop) break;
      }
      sock.close(ec);
    }
  }

  bool m_drop;
  boost::asio::io_context m_io;
  boost::asio::ip::tcp::acceptor m_acceptor{m_io};
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_connections{0};
  std::thread m_thread;
};

TEST(RpcClient, KeepsOneConnectionAndReadsErrorBodiesOfHttp400) {
  FakeNode node(/*drop_after_reply=*/false);
  RpcClient client(*Url::parse(node.url()));
  auto a = client.call("echo", json::object{{"x", "1"}});
  ASSERT_TRUE(a.ok()) << a.error->describe();
  EXPECT_EQ(a.result, (json::object{{"x", "1"}}));
  auto b = client.call("fail");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error->code, kRpcNotFound);
  EXPECT_EQ(b.error->message, "NotFound: nothing here");
  auto c = client.call("echo", json::value("again"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(node.connections(), 1);
}

TEST(RpcClient, BatchRepliesComeBackInRequestOrder) {
  FakeNode node(/*drop_after_reply=*/false);
  RpcClient client(*Url::parse(node.url()));
  std::vector<RpcRequest> reqs{{"echo", json::value(0)}, {"fail", nullptr}, {"echo", json::value(2)}};
  auto replies = client.call_batch(reqs);
  ASSERT_EQ(replies.size(), 3u);
  ASSERT_TRUE(replies[0].ok());
  EXPECT_EQ(replies[0].result, 0);
  ASSERT_FALSE(replies[1].ok());
  EXPECT_EQ(replies[1].error->code, kRpcNotFound);
  ASSERT_TRUE(replies[2].ok());
  EXPECT_EQ(replies[2].result, 2);
}

TEST(RpcClient, ReconnectsWhenTheServerDroppedAKeepAliveConnection) {
  FakeNode node(/*drop_after_reply=*/true);
  RpcClient client(*Url::parse(node.url()));
  for (int i = 0; i < 3; ++i) {
    auto r = client.call("echo", json::value(i));
    ASSERT_TRUE(r.ok()) << "call " << i << ": " << r.error->describe();
    EXPECT_EQ(r.result, i);
  }
  EXPECT_EQ(node.connections(), 3);
}

TEST(RpcClient, TimesOutAndRecovers) {
  FakeNode node(/*drop_after_reply=*/false);
  RpcClient client(*Url::parse(node.url()), RpcClientOptions{std::chrono::milliseconds(200)});
  auto slow = client.call("slow", json::value(1));
  ASSERT_FALSE(slow.ok());
  EXPECT_TRUE(slow.error->is_transport());
  EXPECT_NE(slow.error->message.find("timeout"), std::string::npos) << slow.error->message;
  // The fake node serves one connection at a time; let it finish the slow one first.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto ok = client.call("echo", json::value(2));
  ASSERT_TRUE(ok.ok()) << ok.error->describe();
  EXPECT_EQ(ok.result, 2);
}

TEST(PrettyJson, IndentsAndPrintsPlainDecimals) {
  json::value v = json::parse(R"({"a":[1,{"b":"x"}],"c":{},"d":[],"e":6534.25})");
  EXPECT_EQ(pretty_json(v), "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x\"\n    }\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": 6534.25\n}");
  EXPECT_EQ(json::parse(pretty_json(v)), v);
}

TEST(JsonU64, NumbersAndIconHex) {
  json::value n = 5, h = "0x1f", bad = "1f", neg = -1;
  EXPECT_EQ(json_u64(&n), 5u);
  EXPECT_EQ(json_u64(&h), 31u);
  EXPECT_FALSE(json_u64(&bad).has_value());
  EXPECT_FALSE(json_u64(&neg).has_value());
  EXPECT_FALSE(json_u64(nullptr).has_value());
}

}  // namespace
}  // namespace cx::cli
