// complexchain alpha relay --config FILE: the webhook relay's HTTP side (docs/alpha-relay.md). One
// connection at a time, each bounded in time (kIoTimeout) and size (header and body limits); the
// authentication, replay memory and tx are alpha_relay.cpp's.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "base/clock.hpp"
#include "cli/alpha_relay.hpp"
#include "cli/cmd_alpha.hpp"
#include "cli/rpc_client.hpp"
#include "crypto/keystore.hpp"

namespace cx::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr auto kIoTimeout = std::chrono::seconds(10);
constexpr uint32_t kHeaderBytesMax = 8 * 1024;

struct Relay {
  relay::Config config;
  relay::Authenticator auth{config};
  crypto::PrivateKey key;
  crypto::Address attester;
  uint64_t nid = 0;
  std::unique_ptr<RpcClient> node;
};

struct Answer {
  unsigned status = 200;
  json::object body;
};

Answer refused(unsigned status, std::string message) { return {status, json::object{{"error", std::move(message)}}}; }

std::string header(const http::request<http::string_body>& req, const char* name) {
  auto it = req.find(name);
  return it == req.end() ? std::string() : std::string(it->value());
}

// One authenticated delivery: the attest tx, signed here, sent to the node.
Answer relay_delivery(Relay& r, const http::request<http::string_body>& req) {
  relay::Delivery d{header(req, relay::kSourceHeader), header(req, relay::kDeliveryHeader), header(req, relay::kTimestampHeader),
                    header(req, relay::kSignatureHeader)};
  const int64_t now_us = system_clock().now_us();
  relay::Verdict v = r.auth.admit(d, req.body(), now_us / 1'000'000);
  if (!v.ok()) return refused(relay::http_status(v.refusal), v.message);
  auto event = relay::parse_event(req.body());
  if (!event) {
    r.auth.forget(d);  // nothing was sent: a corrected delivery is a new one anyway (the signature covers the body)
    return refused(400, event.message());
  }
  SignedTx tx = build_signed_tx(relay::attest_tx(*event, d.id, r.nid, r.config.step_limit, now_us), r.key);
  RpcReply reply = send_tx(*r.node, tx.params, tx.hash_hex(), r.config.wait, std::chrono::seconds(30));
  if (reply.error && reply.error->is_transport()) {
    r.auth.forget(d);  // the node never saw it: the source may deliver it again
    return refused(502, "node unreachable: " + reply.error->describe());
  }
  if (reply.error)
    return {422, json::object{{"error", reply.error->message}, {"code", reply.error->code}, {"txHash", tx.hash_hex()}}};
  Answer a{200, json::object{{"txHash", tx.hash_hex()}}};
  if (r.config.wait) a.body["result"] = reply.result;
  return a;
}

Answer route(Relay& r, const http::request<http::string_body>& req) {
  if (req.target() == "/health" && req.method() == http::verb::get) return {200, json::object{{"attester", r.attester.to_string()}}};
  if (req.target() != "/webhook") return refused(404, "POST webhooks to /webhook");
  if (req.method() != http::verb::post) return refused(405, "POST only");
  return relay_delivery(r, req);
}

// Runs one asynchronous operation to its end or to kIoTimeout (the stream's own timer).
template <typename Start>
beast::error_code run_bounded(asio::io_context& io, beast::tcp_stream& stream, Start start) {
  beast::error_code result;
  stream.expires_after(kIoTimeout);
  start([&](beast::error_code ec, size_t) { result = ec; });
  io.restart();
  io.run();
  return result;
}

void serve(Relay& r, asio::io_context& io, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  parser.header_limit(kHeaderBytesMax);
  parser.body_limit(r.config.body_bytes_max);
  auto ec = run_bounded(io, stream, [&](auto done) { http::async_read(stream, buffer, parser, done); });
  Answer a;
  if (ec == http::error::body_limit) a = refused(413, "body larger than " + std::to_string(r.config.body_bytes_max) + " bytes");
  else if (ec == http::error::header_limit) a = refused(431, "headers too large");
  else if (ec) return;  // timed out or malformed: drop the connection
  else a = route(r, parser.get());
  const std::string who = header(parser.get(), relay::kSourceHeader) + "/" + header(parser.get(), relay::kDeliveryHeader);
  std::printf("relay: %s %u %s\n", who.c_str(), a.status, json::serialize(a.body).c_str());
  std::fflush(stdout);
  http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::connection, "close");
  res.body() = json::serialize(a.body) + "\n";
  res.prepare_payload();
  run_bounded(io, stream, [&](auto done) { http::async_write(stream, res, done); });
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

Result<std::string> read_password(const relay::Config& c) {
  std::string pw;
  if (!c.password_file.empty()) {
    auto text = read_text_file(c.password_file);
    if (!text) return text.status();
    pw = *text;
  } else if (const char* env = std::getenv("CX_PASSWORD")) {
    pw = env;
  } else {
    return Result<std::string>::error("no password: set password_file in the config or CX_PASSWORD");
  }
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  return pw;
}

Status open_relay(const std::string& path, Relay& r) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  auto config = relay::parse_config(*text, std::filesystem::path(path).parent_path().string());
  if (!config) return config.status();
  r.config = std::move(*config);
  auto ks = read_text_file(r.config.keystore);
  if (!ks) return ks.status();
  auto pw = read_password(r.config);
  if (!pw) return pw.status();
  auto key = crypto::keystore_decrypt(*ks, *pw);
  if (!key) return Status::error(r.config.keystore + ": " + key.message());
  r.key = key->key;
  r.attester = key->address;
  auto url = Url::parse(r.config.node_url);
  if (!url) return Status::error("node: " + url.message());
  r.node = std::make_unique<RpcClient>(*url);
  if (r.config.nid) {
    r.nid = *r.config.nid;
  } else {
    auto nid = fetch_nid(*r.node);
    if (!nid) return Status::error("cannot ask the node for its nid (" + r.config.node_url + "): " + nid.message());
    r.nid = *nid;
  }
  return Status::ok();
}

}  // namespace

int alpha_relay(const Argv& argv) {
  Args args("complexchain alpha relay --config FILE",
            "Serve authenticated webhooks (POST /webhook) and relay each as the Alpha contract's attest tx, signed\n"
            "with the attester's keystore on this machine (docs/alpha-relay.md).",
            {{"config", "FILE", "the relay's JSON config", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  auto path = args.get("config");
  if (!path) {
    std::fprintf(stderr, "error: --config FILE is required\n\n%s", args.help().c_str());
    return 2;
  }
  Relay r;
  if (auto s = open_relay(*path, r); !s) {
    std::fprintf(stderr, "error: %s\n", s.message().c_str());
    return 1;
  }
  asio::io_context io;
  tcp::acceptor acceptor(io);
  beast::error_code ec;
  tcp::endpoint at(asio::ip::make_address(r.config.listen_host, ec), r.config.listen_port);
  if (!ec) acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot listen on %s:%u: %s\n", r.config.listen_host.c_str(), r.config.listen_port, ec.message().c_str());
    return 1;
  }
  std::printf("relay: listening on %s:%u, attester %s, node %s (nid %llu)\n", r.config.listen_host.c_str(),
              acceptor.local_endpoint().port(), r.attester.to_string().c_str(), r.config.node_url.c_str(),
              static_cast<unsigned long long>(r.nid));
  std::fflush(stdout);
  for (;;) {
    tcp::socket socket(io);
    acceptor.accept(socket, ec);
    if (ec) continue;
    serve(r, io, std::move(socket));
  }
}

}  // namespace cx::cli
