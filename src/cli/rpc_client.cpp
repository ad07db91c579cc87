#include "cli/rpc_client.hpp"

#include "base/clock.hpp"
#include "node/config.hpp"
#include "rpc/client_auth.hpp"
#include "rpc/tls_context.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <boost/json.hpp>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <charconv>
#include <cmath>
#include <thread>

namespace cx::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

Result<Url> Url::parse(std::string_view text) {
  const bool tls = text.starts_with("https://");
  if (!tls && !text.starts_with("http://")) {
    return Result<Url>::error("bad RPC URL '" + std::string(text) + "': expected http://host:port/path or https://…");
  }
  std::string_view rest = text.substr(tls ? 8 : 7);
  const std::string default_port = tls ? "443" : "80";
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Url url;
  url.tls = tls;
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty()) return Result<Url>::error("bad RPC URL '" + std::string(text) + "': no host");
  if (authority.front() == '[') {  // IPv6 literal: [::1]:9000
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Result<Url>::error("bad RPC URL '" + std::string(text) + "': unclosed [");
    url.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':')
      return Result<Url>::error("bad RPC URL '" + std::string(text) + "': junk after ]");
    url.port = authority.empty() ? default_port : std::string(authority.substr(1));
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    url.port = colon == std::string_view::npos ? default_port : std::string(authority.substr(colon + 1));
  }
  unsigned port_number = 0;
  auto [end, ec] = std::from_chars(url.port.data(), url.port.data() + url.port.size(), port_number);
  if (url.host.empty() || ec != std::errc{} || end != url.port.data() + url.port.size() || port_number == 0 ||
      port_number > 65535) {
    return Result<Url>::error("bad RPC URL '" + std::string(text) + "': expected http://host:port/path");
  }
  return url;
}

std::string Url::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + port + target;
}

Url debug_url(const Url& api_url) {
  Url d = api_url;
  // /api/v3 → /api/v3d, /api/v3/chan → /api/v3d/chan; anything else is left for the user to give.
  constexpr std::string_view kApi = "/api/v3";
  if (d.target.starts_with(kApi) && (d.target.size() == kApi.size() || d.target[kApi.size()] == '/')) {
    d.target.insert(kApi.size(), "d");
  }
  return d;
}

std::string RpcError::describe() const {
  if (is_transport()) return message;
  return message + " (code " + std::to_string(code) + ")";
}

RpcReply RpcReply::failure(int64_t code, std::string message) {
  RpcReply r;
  r.error = RpcError{code, std::move(message), nullptr};
  return r;
}

RpcReply parse_rpc_response(const json::value& response) {
  const json::object* obj = response.if_object();
  if (!obj) return RpcReply::failure(kTransportFailure, "malformed JSON-RPC response: not an object");
  if (const json::value* err = obj->if_contains("error"); err && !err->is_null()) {
    RpcError e;
    if (const json::object* eo = err->if_object()) {
      if (const json::value* c = eo->if_contains("code"); c && c->is_int64()) e.code = c->get_int64();
      if (const json::value* m = eo->if_contains("message"); m && m->is_string()) e.message = m->get_string();
      if (const json::value* d = eo->if_contains("data")) e.data = *d;
    }
    // A node that sends an error without a code still failed the call; keep it apart from transport.
    if (e.code == kTransportFailure || e.code == 0) e.code = -32603;
    if (e.message.empty()) e.message = "error without a message: " + json::serialize(*err);
    RpcReply r;
    r.error = std::move(e);
    return r;
  }
  if (const json::value* res = obj->if_contains("result")) {
    RpcReply r;
    r.result = *res;
    return r;
  }
  return RpcReply::failure(kTransportFailure, "malformed JSON-RPC response: neither result nor error");
}

std::string rpc_request_json(uint64_t id, std::string_view method, const json::value& params) {
  json::object req;
  req["jsonrpc"] = "2.0";
  req["id"] = id;
  req["method"] = method;
  if (!params.is_null()) req["params"] = params;
  return json::serialize(req);
}

namespace {

// beast::tcp_stream enforces its expiry only on asynchronous operations, so each blocking step is an
// async operation run to completion on the connection's private io_context.
void run_io(asio::io_context& io) {
  io.restart();
  io.run();
}

}  // namespace

struct RpcClient::Connection {
  asio::io_context io;
  std::optional<beast::tcp_stream> plain;                   // http
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;  // https
  beast::flat_buffer buffer;
  bool reused = false;  // at least one exchange completed on this socket

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <typename F>
  void with_stream(F&& f) {
    if (tls) f(*tls); else f(*plain);
  }
};

namespace {

std::string env_or(const std::string& value, const char* name) {
  if (!value.empty()) return value;
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// The client's side of docs/membership.md "TLS": the node's certificate checked (trust store or
// CX_RPC_CA, host name); with a client certificate, secp256k1 offered so that a chain-CA key can sign (TLS 1.2).
Result<std::unique_ptr<asio::ssl::context>> client_tls(const RpcClientOptions& o, const Url& url) {
  using R = Result<std::unique_ptr<asio::ssl::context>>;
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  const std::string ca = env_or(o.ca_file, "CX_RPC_CA");
  if (ca.empty() ? ctx->set_default_verify_paths(ec) : ctx->load_verify_file(ca, ec))
    return R::error("cannot load the CA file '" + ca + "': " + ec.message());
  ctx->set_verify_mode(asio::ssl::verify_peer);
  ctx->set_verify_callback(asio::ssl::host_name_verification(url.host));
  const std::string cert = env_or(o.client_cert_file, "CX_RPC_CLIENT_CERT");
  const std::string key = env_or(o.client_key_file, "CX_RPC_CLIENT_KEY");
  if (cert.empty() != key.empty()) return R::error("a TLS client certificate needs both --client-cert and --client-key");
  if (!cert.empty()) {
    // Listing secp256k1 lets a chain-CA key sign (and makes the node hold this connection to TLS 1.2);
    // without a client certificate the defaults (and TLS 1.3) stay.
    SSL_CTX_set1_groups_list(ctx->native_handle(), rpc::kTlsGroups);
    if (ctx->use_certificate_file(cert, asio::ssl::context::pem, ec))
      return R::error("cannot load the client certificate '" + cert + "': " + ec.message());
    if (ctx->use_private_key_file(key, asio::ssl::context::pem, ec))
      return R::error("cannot load the client key '" + key + "': " + ec.message());
  }
  return R(std::move(ctx));
}

}  // namespace

std::vector<OptionSpec> client_auth_options() {
  return {{"auth-key", "FILE", "sign requests with the member key in FILE (64 hex digits), for a channel with rpcAuth signed", ""},
          {"client-cert", "FILE", "https: TLS client certificate from the chain CA (PEM; env CX_RPC_CLIENT_CERT)", ""},
          {"client-key", "FILE", "https: its secp256k1 key (PEM; env CX_RPC_CLIENT_KEY)", ""},
          {"rpc-ca", "FILE", "https: the PEM that signs the node's certificate (env CX_RPC_CA; default: system store)", ""}};
}

Status apply_client_auth_options(const Args& args, RpcClientOptions& options) {
  options.client_cert_file = args.get_or("client-cert", "");
  options.client_key_file = args.get_or("client-key", "");
  options.ca_file = args.get_or("rpc-ca", "");
  const std::string key_file = args.get_or("auth-key", "");
  if (key_file.empty()) return Status::ok();
  auto key = node::load_node_key(key_file);
  if (!key) return Status::error("--auth-key: " + key.message());
  options.auth_key = *key;
  return Status::ok();
}

RpcClient::RpcClient(Url url, RpcClientOptions options) : m_url(std::move(url)), m_options(options) {}
RpcClient::~RpcClient() { close(); }

void RpcClient::close() {
  if (!m_conn) return;
  beast::error_code ignored;
  m_conn->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  m_conn->lowest().close();
  m_conn.reset();
}

Status RpcClient::connect() {
  close();
  auto conn = std::make_unique<Connection>();
  if (m_url.tls) {
    if (!m_tls_context) {
      auto ctx = client_tls(m_options, m_url);
      if (!ctx) return ctx.status();
      m_tls_context = std::shared_ptr<asio::ssl::context>(std::move(*ctx));
    }
    conn->tls.emplace(conn->io, *static_cast<asio::ssl::context*>(m_tls_context.get()));
    SSL_set_tlsext_host_name(conn->tls->native_handle(), m_url.host.c_str());
  } else {
    conn->plain.emplace(conn->io);
  }
  beast::error_code ec;
  tcp::resolver resolver(conn->io);
  auto endpoints = resolver.resolve(m_url.host, m_url.port, ec);
  if (ec) return Status::error("cannot resolve " + m_url.host + ": " + ec.message());
  conn->lowest().expires_after(m_options.timeout);
  conn->lowest().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  run_io(conn->io);
  if (ec) return Status::error("cannot connect to " + m_url.to_string() + ": " + ec.message());
  conn->lowest().socket().set_option(tcp::no_delay(true), ec);  // batches are latency-measured; no Nagle
  if (conn->tls) {
    conn->tls->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    run_io(conn->io);
    if (ec) return Status::error("TLS handshake with " + m_url.to_string() + " failed: " + ec.message());
  }
  m_conn = std::move(conn);
  return Status::ok();
}

Result<HttpReply> RpcClient::exchange(Verb verb, std::string_view body) {
  const bool post = verb == Verb::kPost;
  http::request<http::string_body> req{post ? http::verb::post : http::verb::get, m_url.target, 11};
  req.set(http::field::host, m_url.host + ":" + m_url.port);
  if (post) req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "complexchain-cli");
  req.keep_alive(true);
  if (m_options.auth_key)
    req.set(rpc::kAuthHeader, rpc::ClientAuth::sign(*m_options.auth_key, {post ? "POST" : "GET", m_url.target, body},
                                                    system_clock().now_us()));
  if (post) {
    req.body() = std::string(body);
    req.prepare_payload();
  }

  beast::error_code ec;
  // The stream's timer covers the whole write+read; a timed-out exchange closes the socket.
  m_conn->lowest().expires_after(m_options.timeout);
  m_conn->with_stream([&](auto& stream) { http::async_write(stream, req, [&](beast::error_code e, size_t) { ec = e; }); });
  run_io(m_conn->io);
  if (ec) {
    if (ec == beast::error::timeout)
      return Result<HttpReply>::error("timeout after " + std::to_string(m_options.timeout.count()) + " ms");
    return Result<HttpReply>::error("write: " + ec.message());
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(m_options.response_bytes_max);
  m_conn->with_stream([&](auto& stream) {
    http::async_read(stream, m_conn->buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  });
  run_io(m_conn->io);
  if (ec) {
    if (ec == beast::error::timeout)
      return Result<HttpReply>::error("timeout after " + std::to_string(m_options.timeout.count()) + " ms");
    return Result<HttpReply>::error("read: " + ec.message());
  }
  auto res = parser.release();
  HttpReply reply{res.result_int(), std::move(res.body())};
  if (res.keep_alive()) {
    m_conn->reused = true;
  } else {
    close();
  }
  return reply;
}

Result<HttpReply> RpcClient::post(std::string_view body) { return send(Verb::kPost, body); }

Result<HttpReply> RpcClient::get() { return send(Verb::kGet, {}); }

Result<HttpReply> RpcClient::send(Verb verb, std::string_view body) {
  bool fresh = false;
  if (!m_conn) {
    if (Status s = connect(); !s) return s;
    fresh = true;
  }
  bool was_reused = m_conn->reused;
  auto reply = exchange(verb, body);
  if (reply) return reply;
  // A server may close an idle keep-alive connection at any time; the failure then shows up on our
  // next write or read. One retry on a fresh socket hides that; a timeout is not retried, because
  // the request may well be executing on a slow node.
  bool timed_out = reply.message().starts_with("timeout");
  close();
  if (fresh || !was_reused || timed_out) {
    return Result<HttpReply>::error(m_url.to_string() + ": " + reply.message());
  }
  if (Status s = connect(); !s) return s;
  auto retry = exchange(verb, body);
  if (!retry) {
    close();
    return Result<HttpReply>::error(m_url.to_string() + ": " + retry.message());
  }
  return retry;
}

namespace {

// The body of a non-JSON HTTP error, shortened so that an HTML error page does not flood the terminal.
std::string http_failure_text(const HttpReply& reply) {
  constexpr size_t kShownBytesMax = 200;
  std::string body = reply.body.substr(0, kShownBytesMax);
  return "HTTP " + std::to_string(reply.status) + (body.empty() ? "" : ": " + body);
}

}  // namespace

RpcReply RpcClient::call(std::string_view method, json::value params) {
  auto reply = post(rpc_request_json(m_next_id++, method, params));
  if (!reply) return RpcReply::failure(kTransportFailure, reply.message());
  boost::system::error_code ec;
  json::value v = json::parse(reply->body, ec);
  if (ec) return RpcReply::failure(kTransportFailure, http_failure_text(*reply));
  return parse_rpc_response(v);
}

std::vector<RpcReply> RpcClient::call_batch(std::span<const RpcRequest> requests) {
  std::vector<RpcReply> out(requests.size());
  if (requests.empty()) return out;
  uint64_t first_id = m_next_id;
  m_next_id += requests.size();
  std::string body = "[";
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i) body += ',';
    body += rpc_request_json(first_id + i, requests[i].method, requests[i].params);
  }
  body += ']';
  auto fail_all = [&](const std::string& message) {
    for (auto& r : out) r = RpcReply::failure(kTransportFailure, message);
    return out;
  };
  auto reply = post(body);
  if (!reply) return fail_all(reply.message());
  boost::system::error_code ec;
  json::value v = json::parse(reply->body, ec);
  if (ec) return fail_all(http_failure_text(*reply));
  // A server that rejects the batch as a whole answers with one error object.
  if (v.is_object()) {
    RpcReply whole = parse_rpc_response(v);
    for (auto& r : out) r = whole.ok() ? RpcReply::failure(kTransportFailure, "batch answered with one result") : whole;
    return out;
  }
  if (!v.is_array()) return fail_all("malformed batch response: not an array");
  std::vector<bool> seen(requests.size(), false);
  for (const json::value& item : v.get_array()) {
    const json::object* obj = item.if_object();
    const json::value* id = obj ? obj->if_contains("id") : nullptr;
    if (!id || !id->is_number()) continue;
    boost::system::error_code num_ec;
    uint64_t n = id->to_number<uint64_t>(num_ec);
    if (num_ec || n < first_id || n >= first_id + requests.size()) continue;
    out[n - first_id] = parse_rpc_response(item);
    seen[n - first_id] = true;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!seen[i]) out[i] = RpcReply::failure(kTransportFailure, "no response for request in batch");
  }
  return out;
}

}  // namespace cx::cli

namespace cx::cli {

std::optional<uint64_t> json_u64(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64()) return v->get_int64() >= 0 ? std::optional<uint64_t>(v->get_int64()) : std::nullopt;
  if (v->is_string()) {
    std::string_view s = v->get_string();
    if (!s.starts_with("0x") || s.size() < 3 || s.size() > 18) return std::nullopt;
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), n, 16);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return n;
  }
  return std::nullopt;
}

Result<uint64_t> fetch_nid(RpcClient& client) {
  RpcReply r = client.call("icx_getNetworkInfo");
  if (!r.ok()) {
    return Result<uint64_t>::error("cannot learn the nid from icx_getNetworkInfo (" + r.error->describe() +
                                   "); give --nid");
  }
  const json::object* info = r.result.if_object();
  auto nid = json_u64(info ? info->if_contains("nid") : nullptr);
  if (!nid) return Result<uint64_t>::error("icx_getNetworkInfo returned no usable nid; give --nid");
  return *nid;
}

RpcReply wait_tx_result(RpcClient& client, std::string_view tx_hash, std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  // Start fast (a localnet commits in a few hundred ms) and back off so a long wait stays cheap.
  auto interval = std::chrono::milliseconds(50);
  constexpr auto kIntervalMax = std::chrono::milliseconds(1000);
  json::object params{{"txHash", tx_hash}};
  for (;;) {
    RpcReply r = client.call("icx_getTransactionResult", params);
    bool in_flight = !r.ok() && (r.error->code == kRpcPending || r.error->code == kRpcExecuting ||
                                 r.error->code == kRpcNotFound);
    if (!in_flight) return r;
    if (clock::now() + interval > deadline) {
      return RpcReply::failure(kRpcTimeout, "tx " + std::string(tx_hash) + " not committed after " +
                                                std::to_string(timeout.count() / 1000) + " s (last: " +
                                                r.error->message + ")");
    }
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 2, kIntervalMax);
  }
}

RpcReply send_tx(RpcClient& client, const json::object& params, std::string_view tx_hash, bool wait,
                 std::chrono::milliseconds timeout) {
  if (!wait) return client.call("icx_sendTransaction", params);
  RpcReply r = client.call("icx_sendTransactionAndWait", params);
  if (r.ok()) return r;
  if (r.error->code == kRpcMethodNotFound) {
    RpcReply sent = client.call("icx_sendTransaction", params);
    if (!sent.ok()) return sent;
    return wait_tx_result(client, tx_hash, timeout);
  }
  // The node's own wait (or our HTTP timeout) ran out before the commit: the tx is in, keep polling.
  if (r.error->code == kRpcTimeout || r.error->code == kRpcPending || r.error->code == kRpcExecuting ||
      (r.error->is_transport() && r.error->message.find("timeout") != std::string::npos)) {
    return wait_tx_result(client, tx_hash, timeout);
  }
  return r;
}

namespace {

void pretty_into(const json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<size_t>(n) * 2, ' '); };
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) { out += "{}"; return; }
      out += "{\n";
      size_t i = 0;
      for (const auto& kv : o) {
        pad(indent + 1);
        out += json::serialize(json::string(kv.key()));
        out += ": ";
        pretty_into(kv.value(), out, indent + 1);
        out += ++i < o.size() ? ",\n" : "\n";
      }
      pad(indent);
      out += '}';
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) { out += "[]"; return; }
      out += "[\n";
      for (size_t i = 0; i < a.size(); ++i) {
        pad(indent + 1);
        pretty_into(a[i], out, indent + 1);
        out += i + 1 < a.size() ? ",\n" : "\n";
      }
      pad(indent);
      out += ']';
      return;
    }
    case json::kind::double_: {
      // Shortest text that reads back as the same double: "6534.2", not Boost's "6.5342E3".
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
      if (ec == std::errc{} && std::isfinite(v.get_double())) {
        out.append(buf, end);
      } else {
        out += json::serialize(v);
      }
      return;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

std::string pretty_json(const json::value& v) {
  std::string out;
  pretty_into(v, out, 0);
  return out;
}

}  // namespace cx::cli
