#include <gtest/gtest.h>

#include <boost/json.hpp>

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

TEST(Url, RejectsWhatItCannotSpeak) {
  for (std::string_view bad : {"https://x:1/", "127.0.0.1:9000", "http://", "http://:9000/", "http://h:0/",
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

}  // namespace
}  // namespace cx::cli
