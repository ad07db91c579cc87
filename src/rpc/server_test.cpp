// The real server on a free port, spoken to over real sockets, in front of an in-memory channel.
#include "rpc/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <unordered_map>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "crypto/hash.hpp"
#include "rpc/error_codes.hpp"
#include "rpc/json_format.hpp"

namespace cx::rpc {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Aborts the process if a test hangs (sync socket reads have no timeout of their own).
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit = 60s) {
    m_thread = std::thread([this, limit] {
      std::unique_lock lock(m_mutex);
      if (!m_cv.wait_for(lock, limit, [this] { return m_done; })) {
        std::fprintf(stderr, "test hung for %llds; aborting\n", static_cast<long long>(limit.count()));
        std::abort();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_cv.notify_all();
    m_thread.join();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_done = false;
  std::thread m_thread;
};

core::Address addr(char kind, int n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%cx%040x", kind, n);
  return *core::Address::parse(buf);
}

Hash32 hash_of(std::string_view s) { return crypto::sha3_256(as_bytes(s)); }

// A real in-memory ChannelApi: a short chain, balances, a pool, watchers and block subscribers.
// Commits happen on the caller's thread, which the tests make a separate thread.
class FakeChannel final : public channel::ChannelApi {
 public:
  FakeChannel() {
    m_params.channel = "test";
    m_params.nid = 0x3;
    add_block({});  // genesis
    m_committed_hash = add_tx_to_new_block(R"({"version":"0x3","from":"hx0000000000000000000000000000000000000001","to":"hx0000000000000000000000000000000000000002","value":"0x10","stepLimit":"0x186a0","timestamp":"0x5f5e100","nid":"0x3","nonce":"0x1","signature":"c2ln"})");
    add_block({});  // height 2, empty
    m_balances[addr('h', 1)] = Uint256(1000);
    // A pooled tx and one in a block that is not final yet.
    m_pending_hash = submit_json(R"({"version":"0x3","from":"hx0000000000000000000000000000000000000001","to":"hx0000000000000000000000000000000000000003","value":"0x1","dataType":"call","data":{"method":"transfer","params":{"_to":"hx0000000000000000000000000000000000000003"}},"nonce":"0x2"})");
    m_executing_hash = hash_of("executing");
    channel::TxLookup ex;
    ex.status = channel::TxStatus::kExecuting;
    ex.height = 3;
    m_lookups[m_executing_hash] = ex;
  }

  Hash32 committed_hash() const { return m_committed_hash; }
  Hash32 pending_hash() const { return m_pending_hash; }
  Hash32 executing_hash() const { return m_executing_hash; }

  // Puts every pooled tx into a new final block and notifies watchers and subscribers.
  void commit_pool() {
    std::vector<std::function<void(const channel::TxLookup&)>> fire;
    std::vector<channel::TxLookup> lookups;
    std::vector<std::function<void(const channel::BlockEvent&)>> subs;
    channel::BlockEvent ev;
    {
      std::lock_guard lock(m_mutex);
      std::vector<core::TxPtr> txs;
      for (auto& h : m_pool) txs.push_back(m_pool_txs[h]);
      m_pool.clear();
      m_pool_txs.clear();
      uint64_t height = add_block_locked(txs);
      ev.block = m_blocks[height];
      ev.receipts = m_receipts[height];
      for (const auto& tx : txs) {
        auto it = m_watchers_by_hash.find(tx->hash);
        if (it == m_watchers_by_hash.end()) continue;
        for (auto id : it->second) {
          auto w = m_watchers.find(id);
          if (w == m_watchers.end()) continue;
          fire.push_back(std::move(w->second.second));
          lookups.push_back(m_lookups[tx->hash]);
          m_watchers.erase(w);
        }
        m_watchers_by_hash.erase(it);
      }
      for (auto& [id, fn] : m_subs) subs.push_back(fn);
    }
    for (size_t i = 0; i < fire.size(); ++i) fire[i](lookups[i]);
    for (auto& fn : subs) fn(ev);
  }

  size_t watcher_count() const {
    std::lock_guard lock(m_mutex);
    return m_watchers.size();
  }
  size_t subscriber_count() const {
    std::lock_guard lock(m_mutex);
    return m_subs.size();
  }

  // ---- ChannelApi ----
  const core::ChainParams& params() const override { return m_params; }
  channel::NetworkInfo network_info() const override {
    channel::NetworkInfo info;
    info.channel = m_params.channel;
    info.nid = m_params.nid;
    info.latest = last_height();
    info.step_price = m_params.step_price;
    return info;
  }

  std::vector<channel::SubmitResult> submit_txs(const std::vector<const json::object*>& txs) override {
    ++batch_submits;
    batch_sizes.push_back(txs.size());
    return ChannelApi::submit_txs(txs);
  }
  std::atomic<int> batch_submits{0};
  std::vector<size_t> batch_sizes;

  channel::SubmitResult submit_tx(const json::object& params) override {
    channel::SubmitResult r;
    std::string text = json::serialize(params);
    r.hash = hash_of(text);
    auto from = params.find("from");
    if (from == params.end()) {
      r.rejection = core::TxRejection{core::TxReject::kMalformed, "'from' is required"};
      return r;
    }
    if (from->value() == "hx00000000000000000000000000000000000000ff") {
      r.rejection = core::TxRejection{core::TxReject::kPoolFull, "the pool holds 10000 txs"};
      return r;
    }
    std::lock_guard lock(m_mutex);
    if (m_lookups.count(r.hash)) {
      r.rejection = core::TxRejection{core::TxReject::kDuplicate, "already known"};
      return r;
    }
    auto tx = std::make_shared<core::Transaction>();
    tx->params_json = text;
    tx->hash = r.hash;
    m_pool.push_back(r.hash);
    m_pool_txs[r.hash] = tx;
    channel::TxLookup l;
    l.status = channel::TxStatus::kPending;
    l.tx = tx;
    m_lookups[r.hash] = l;
    return r;
  }

  uint64_t last_height() const override {
    std::lock_guard lock(m_mutex);
    return m_blocks.size() - 1;
  }
  std::shared_ptr<const core::Block> block_by_height(uint64_t height) const override {
    std::lock_guard lock(m_mutex);
    return height < m_blocks.size() ? m_blocks[height] : nullptr;
  }
  std::shared_ptr<const core::Block> block_by_hash(const Hash32& hash) const override {
    std::lock_guard lock(m_mutex);
    for (const auto& b : m_blocks) {
      if (b->hash() == hash) return b;
    }
    return nullptr;
  }
  std::shared_ptr<const std::vector<core::Receipt>> receipts_of(uint64_t height) const override {
    std::lock_guard lock(m_mutex);
    return height < m_receipts.size() ? m_receipts[height] : nullptr;
  }
  Result<Uint256> balance(const core::Address& account, std::optional<uint64_t>) const override {
    std::lock_guard lock(m_mutex);
    auto it = m_balances.find(account);
    return it == m_balances.end() ? Uint256() : it->second;
  }
  Result<Uint256> total_supply(std::optional<uint64_t> height) const override {
    return Uint256(height ? 500 : 1000);
  }
  channel::TxLookup lookup_tx(const Hash32& hash) const override {
    std::lock_guard lock(m_mutex);
    auto it = m_lookups.find(hash);
    return it == m_lookups.end() ? channel::TxLookup{} : it->second;
  }
  channel::SubscriptionId watch_tx(const Hash32& hash, std::function<void(const channel::TxLookup&)> fn) override {
    std::unique_lock lock(m_mutex);
    auto it = m_lookups.find(hash);
    if (it != m_lookups.end() && it->second.status == channel::TxStatus::kCommitted) {
      auto l = it->second;
      lock.unlock();
      fn(l);
      return 0;
    }
    auto id = ++m_next_id;
    m_watchers[id] = {hash, std::move(fn)};
    m_watchers_by_hash[hash].push_back(id);
    return id;
  }
  void unwatch_tx(channel::SubscriptionId id) override {
    std::lock_guard lock(m_mutex);
    m_watchers.erase(id);
  }
  channel::SubscriptionId subscribe_blocks(std::function<void(const channel::BlockEvent&)> fn) override {
    std::lock_guard lock(m_mutex);
    auto id = ++m_next_id;
    m_subs[id] = std::move(fn);
    return id;
  }
  void unsubscribe_blocks(channel::SubscriptionId id) override {
    std::lock_guard lock(m_mutex);
    m_subs.erase(id);
  }
  Result<contracts::CallResult> call(const contracts::CallRequest& req, std::optional<uint64_t>) const override {
    if (req.method == "balanceOf") return contracts::CallResult::success(json::value("0x64"));
    if (req.method == "fail") {
      return contracts::CallResult::fail(core::user_failure(5), "Reverted(5): not allowed");
    }
    return contracts::CallResult::fail(core::FailureCode::kMethodNotFound, "method not found: " + req.method);
  }
  Result<Uint256> estimate_step(const json::object&) const override { return Uint256(123456); }

 private:
  Hash32 submit_json(std::string_view text) { return submit_tx(json::parse(text).as_object()).hash; }

  Hash32 add_tx_to_new_block(std::string text) {
    auto tx = std::make_shared<core::Transaction>();
    tx->params_json = std::move(text);
    tx->hash = hash_of(tx->params_json);
    std::lock_guard lock(m_mutex);
    add_block_locked({tx});
    return tx->hash;
  }

  void add_block(std::vector<core::TxPtr> txs) {
    std::lock_guard lock(m_mutex);
    add_block_locked(std::move(txs));
  }

  uint64_t add_block_locked(std::vector<core::TxPtr> txs) {
    auto b = std::make_shared<core::Block>();
    b->header.height = m_blocks.size();
    b->header.timestamp_us = 1700000000000000 + static_cast<int64_t>(b->header.height);
    if (!m_blocks.empty()) {
      b->header.prev_hash = m_blocks.back()->hash();
      b->header.proposer = addr('h', 7);
      b->proposer_signature.bytes.fill(0xab);
    }
    b->txs = txs;
    b->header.tx_root = core::tx_root(b->txs);
    auto receipts = std::make_shared<std::vector<core::Receipt>>();
    for (uint32_t i = 0; i < txs.size(); ++i) {
      core::Receipt r;
      r.tx_hash = txs[i]->hash;
      r.tx_index = i;
      r.success = true;
      r.to = addr('h', 2);
      r.step_used = 100000;
      r.step_price = 12500000000ull;
      r.cumulative_step_used = 100000 * (i + 1);
      core::EventLog log;
      log.score = addr('c', 0);
      log.indexed = {"ICXTransfer(Address,Address,int)", "hx0000000000000000000000000000000000000001",
                     "hx0000000000000000000000000000000000000002"};
      log.data = {"0x10"};
      r.logs.push_back(log);
      receipts->push_back(r);
    }
    uint64_t height = b->header.height;
    m_blocks.push_back(b);
    m_receipts.push_back(receipts);
    for (uint32_t i = 0; i < txs.size(); ++i) {
      channel::TxLookup l;
      l.status = channel::TxStatus::kCommitted;
      l.tx = txs[i];
      l.height = height;
      l.block_hash = b->hash();
      l.index = i;
      l.receipt = (*receipts)[i];
      m_lookups[txs[i]->hash] = l;
    }
    return height;
  }

  mutable std::mutex m_mutex;
  core::ChainParams m_params;
  std::vector<std::shared_ptr<const core::Block>> m_blocks;
  std::vector<std::shared_ptr<const std::vector<core::Receipt>>> m_receipts;
  std::map<core::Address, Uint256> m_balances;
  std::map<Hash32, channel::TxLookup> m_lookups;
  std::vector<Hash32> m_pool;
  std::map<Hash32, core::TxPtr> m_pool_txs;
  std::map<channel::SubscriptionId, std::pair<Hash32, std::function<void(const channel::TxLookup&)>>> m_watchers;
  std::map<Hash32, std::vector<channel::SubscriptionId>> m_watchers_by_hash;
  std::map<channel::SubscriptionId, std::function<void(const channel::BlockEvent&)>> m_subs;
  channel::SubscriptionId m_next_id = 0;
  Hash32 m_committed_hash, m_pending_hash, m_executing_hash;
};

struct Reply {
  unsigned status = 0;
  std::string content_type;
  std::string etag;
  std::string body;
  json::value json;
};

// A keep-alive HTTP/1.1 client on one connection.
class Client {
 public:
  explicit Client(uint16_t port) : m_socket(m_io) {
    m_socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  Reply post(const std::string& target, const std::string& body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    send(target, body, headers);
    return read();
  }

  void send(const std::string& target, const std::string& body,
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    // icon-sdk-js posts with fetch() and no explicit type, i.e. text/plain.
    req.set(http::field::content_type, "text/plain;charset=UTF-8");
    for (auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(m_socket, req);
  }

  void send_raw(const std::string& bytes) { asio::write(m_socket, asio::buffer(bytes)); }

  Reply read() {
    http::response_parser<http::string_body> p;
    p.body_limit(64 << 20);
    http::read(m_socket, m_buffer, p);
    Reply r;
    r.status = p.get().result_int();
    r.body = p.get().body();
    r.content_type = std::string(p.get()[http::field::content_type]);
    r.etag = std::string(p.get()[http::field::etag]);
    if (r.content_type != "application/json") return r;
    boost::system::error_code ec;
    r.json = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << "response body is not JSON: " << r.body;
    return r;
  }

  Reply get(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (auto& [k, v] : headers) req.set(k, v);
    http::write(m_socket, req);
    return read();
  }

 private:
  asio::io_context m_io;
  tcp::socket m_socket;
  beast::flat_buffer m_buffer;
};

std::string request(std::string_view method, std::string_view params = {}, std::string_view id = "1") {
  std::string out = "{\"jsonrpc\":\"2.0\",\"id\":" + std::string(id) + ",\"method\":\"" + std::string(method) + "\"";
  if (!params.empty()) out += ",\"params\":" + std::string(params);
  return out + "}";
}

std::string hash_param(const Hash32& h) { return "{\"txHash\":\"" + hash_hex(h) + "\"}"; }

std::string text(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : json::serialize(v); }

const json::object& error_of(const Reply& r) { return r.json.at("error").as_object(); }
int64_t code_of(const Reply& r) { return error_of(r).at("code").as_int64(); }
std::string message_of(const Reply& r) { return std::string(error_of(r).at("message").as_string()); }

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.body_bytes_max = 64 * 1024;
    o.batch_max = 10;
    o.wait_timeout_ms_default = 3000;
    o.wait_timeout_ms_max = 10000;
    auto s = Server::start(o, {{"test", &m_channel}});
    ASSERT_TRUE(s.is_ok()) << s.message();
    m_server = std::move(*s);
  }
  void TearDown() override {
    if (m_server) m_server->stop();
  }

  uint16_t port() const { return m_server->port(); }

  Watchdog m_watchdog;
  FakeChannel m_channel;
  std::unique_ptr<Server> m_server;
};

TEST_F(ServerTest, LastBlockHasTheShapeIconSdkJsChecks) {
  Client c(port());
  Reply r = c.post("/api/v3", request("icx_getLastBlock"));
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto& b = r.json.at("result").as_object();
  for (auto key : {"version", "prev_block_hash", "merkle_tree_root_hash", "time_stamp", "confirmed_transaction_list",
                   "block_hash", "height", "peer_id", "signature"}) {
    EXPECT_TRUE(b.contains(key)) << key;
  }
  EXPECT_EQ(b.at("version"), "0.1a");
  EXPECT_TRUE(b.at("height").is_number());
  EXPECT_EQ(b.at("height").to_number<int64_t>(), 2);
  EXPECT_TRUE(b.at("time_stamp").is_number());
  EXPECT_EQ(b.at("block_hash").as_string().size(), 64u);
  EXPECT_EQ(b.at("prev_block_hash").as_string().size(), 64u);
  EXPECT_EQ(b.at("peer_id"), "hx0000000000000000000000000000000000000007");
  EXPECT_FALSE(b.at("signature").as_string().empty());
  EXPECT_EQ(r.json.at("id"), 1);
  EXPECT_EQ(r.json.at("jsonrpc"), "2.0");
}

TEST_F(ServerTest, BlockByHeightReturnsTxsAsSentWithTxHash) {
  Client c(port());
  Reply r = c.post("/api/v3/test", request("icx_getBlockByHeight", R"({"height":"0x1"})"));
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto& txs = r.json.at("result").at("confirmed_transaction_list").as_array();
  ASSERT_EQ(txs.size(), 1u);
  EXPECT_EQ(text(txs[0].at("txHash")), hash_hex(m_channel.committed_hash()));
  EXPECT_EQ(txs[0].at("value"), "0x10");
  EXPECT_EQ(txs[0].at("signature"), "c2ln");

  Reply g = c.post("/api/v3", request("icx_getBlockByHeight", R"({"height":"0x0"})"));
  ASSERT_EQ(g.status, 200u) << g.body;
  EXPECT_EQ(g.json.at("result").at("prev_block_hash"), "");
  EXPECT_EQ(g.json.at("result").at("height").to_number<int64_t>(), 0);

  std::string hash = "0x" + std::string(r.json.at("result").at("block_hash").as_string());
  Reply h = c.post("/api/v3", request("icx_getBlockByHash", "{\"hash\":\"" + hash + "\"}"));
  ASSERT_EQ(h.status, 200u) << h.body;
  EXPECT_EQ(h.json.at("result").at("height").to_number<int64_t>(), 1);

  Reply missing = c.post("/api/v3", request("icx_getBlockByHeight", R"({"height":"0x99"})"));
  EXPECT_EQ(missing.status, 400u);
  EXPECT_EQ(code_of(missing), -31004);
}

TEST_F(ServerTest, BatchAnswers200WithEachResultOrErrorInOrder) {
  Client c(port());
  std::string body = "[" + request("icx_getBalance", R"({"address":"hx0000000000000000000000000000000000000001"})", "1") +
                     "," + request("icx_nope", "", "\"two\"") + "," + request("icx_getTotalSupply", "", "3") + ",5]";
  Reply r = c.post("/api/v3", body);
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto& a = r.json.as_array();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].at("result"), "0x3e8");
  EXPECT_EQ(a[0].at("id"), 1);
  EXPECT_EQ(a[1].at("error").at("code"), -32601);
  EXPECT_EQ(a[1].at("id"), "two");
  EXPECT_EQ(a[2].at("result"), "0x3e8");
  EXPECT_EQ(a[3].at("error").at("code"), -32600);

  Reply empty = c.post("/api/v3", "[]");
  EXPECT_EQ(empty.status, 400u);
  EXPECT_EQ(code_of(empty), -32600);

  std::string big = "[";
  for (int i = 0; i < 11; ++i) big += (i ? "," : "") + request("icx_getTotalSupply");
  Reply too_many = c.post("/api/v3", big + "]");
  EXPECT_EQ(too_many.status, 400u);
  EXPECT_NE(message_of(too_many).find("limit of 10"), std::string::npos) << too_many.body;
}

TEST_F(ServerTest, KeepAliveAndPipelinedRequestsAnswerInOrder) {
  Client c(port());
  for (int i = 0; i < 5; ++i) {
    Reply r = c.post("/api/v3", request("icx_getTotalSupply", "", std::to_string(i)));
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.json.at("id"), i);
  }
  // Three requests in one write, one of them slow (a wait that the chain answers later).
  std::string pipelined;
  for (int i = 0; i < 3; ++i) {
    std::string body = i == 1 ? request("icx_waitTransactionResult", hash_param(m_channel.pending_hash()), "11")
                              : request("icx_getTotalSupply", "", std::to_string(10 + i));
    pipelined += "POST /api/v3 HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  c.send_raw(pipelined);
  std::thread committer([&] {
    std::this_thread::sleep_for(200ms);
    m_channel.commit_pool();
  });
  for (int i = 0; i < 3; ++i) {
    Reply r = c.read();
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json.at("id"), 10 + i) << r.body;
  }
  committer.join();
}

TEST_F(ServerTest, MalformedJsonIsParseErrorWithHttp400) {
  Client c(port());
  Reply r = c.post("/api/v3", "{\"jsonrpc\":\"2.0\",");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code_of(r), -32700);
  EXPECT_TRUE(r.json.at("id").is_null());

  Reply e = c.post("/api/v3", "");
  EXPECT_EQ(code_of(e), -32700);
}

TEST_F(ServerTest, WrongVersionAndUnknownMethodAreNamed) {
  Client c(port());
  Reply v = c.post("/api/v3", R"({"jsonrpc":"1.0","id":1,"method":"icx_getLastBlock"})");
  EXPECT_EQ(v.status, 400u);
  EXPECT_EQ(code_of(v), -32600);
  EXPECT_NE(message_of(v).find("jsonrpc"), std::string::npos);

  Reply m = c.post("/api/v3", request("icx_getFoo"));
  EXPECT_EQ(m.status, 400u);
  EXPECT_EQ(code_of(m), -32601);
  EXPECT_NE(message_of(m).find("icx_getFoo"), std::string::npos);

  Reply id = c.post("/api/v3", request("icx_getLastBlock", "", "[1]"));
  EXPECT_EQ(code_of(id), -32600);
}

TEST_F(ServerTest, BadParamsNameTheField) {
  Client c(port());
  Reply a = c.post("/api/v3", request("icx_getBalance", R"({"address":"hx12"})"));
  EXPECT_EQ(a.status, 400u);
  EXPECT_EQ(code_of(a), -32602);
  EXPECT_NE(message_of(a).find("'address'"), std::string::npos) << message_of(a);
  EXPECT_NE(message_of(a).find("hx12"), std::string::npos) << message_of(a);

  Reply u = c.post("/api/v3", request("icx_getBalance", R"({"address":"hx0000000000000000000000000000000000000001","heigth":"0x1"})"));
  EXPECT_EQ(code_of(u), -32602);
  EXPECT_NE(message_of(u).find("heigth"), std::string::npos) << message_of(u);

  Reply h = c.post("/api/v3", request("icx_getBlockByHeight", R"({"height":12})"));
  EXPECT_EQ(code_of(h), -32602);
  EXPECT_NE(message_of(h).find("'height'"), std::string::npos) << message_of(h);

  Reply t = c.post("/api/v3", request("icx_getTransactionResult", R"({"txHash":"0x12"})"));
  EXPECT_EQ(code_of(t), -32602);
  EXPECT_NE(message_of(t).find("'txHash'"), std::string::npos) << message_of(t);

  Reply missing = c.post("/api/v3", request("icx_getBlockByHeight"));
  EXPECT_EQ(code_of(missing), -32602);

  Reply extra = c.post("/api/v3", request("icx_getLastBlock", R"({"x":1})"));
  EXPECT_EQ(code_of(extra), -32602);
}

TEST_F(ServerTest, OversizeBodyGets413WithJsonError) {
  Client c(port());
  std::string body = request("icx_sendTransaction", "{\"data\":\"" + std::string(100 * 1024, 'a') + "\"}");
  Reply r = c.post("/api/v3", body);
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(code_of(r), -32600);
  EXPECT_NE(message_of(r).find("65536"), std::string::npos) << message_of(r);
}

TEST_F(ServerTest, UnknownChannelAndPathAre404) {
  Client c(port());
  Reply r = c.post("/api/v3/nochannel", request("icx_getLastBlock"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_NE(message_of(r).find("nochannel"), std::string::npos) << r.body;

  Reply p = c.post("/api/v2", request("icx_getLastBlock"));
  EXPECT_EQ(p.status, 404u);
  EXPECT_TRUE(p.json.at("error").is_object());

  Reply h = c.get("/health");
  EXPECT_EQ(h.status, 200u);
  EXPECT_EQ(h.json.at("status"), "ok");
  EXPECT_EQ(h.json.at("height"), 2);
}

TEST(ServerPages, TheWebRootIsServedAtSlashAndTheApiStaysJson) {
  Watchdog watchdog;
  FakeChannel channel;
  const std::string root = ::testing::TempDir() + "cx_pages_" + std::to_string(::getpid());
  std::filesystem::create_directories(root + "/gapp");
  std::ofstream(root + "/index.html") << "<title>explorer</title>";
  std::ofstream(root + "/gapp/index.html") << "<title>gapp</title>";
  ServerOptions o;
  o.port = 0;
  o.web_root = root;
  auto s = Server::start(o, {{"test", &channel}});
  ASSERT_TRUE(s.is_ok()) << s.message();
  Client c((*s)->port());
  Reply home = c.get("/");
  EXPECT_EQ(home.status, 200u);
  EXPECT_EQ(home.body, "<title>explorer</title>");
  EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
  Reply again = c.get("/", {{"If-None-Match", home.etag}});
  EXPECT_EQ(again.status, 304u);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(c.get("/gapp/").body, "<title>gapp</title>");
  Reply missing = c.get("/nothing.js");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_TRUE(missing.json.at("error").is_object());
  EXPECT_EQ(c.get("/../../etc/passwd").status, 404u);
  Reply api = c.get("/api/v3");
  EXPECT_EQ(api.status, 405u);  // the API is never shadowed by a page
  EXPECT_EQ(c.get("/health").json.at("status"), "ok");
  (*s)->stop();
  std::filesystem::remove_all(root);
}

TEST_F(ServerTest, IdsAreEchoedExactly) {
  Client c(port());
  Reply big = c.post("/api/v3", request("icx_getTotalSupply", "", "1700000000000000123"));
  EXPECT_NE(big.body.find("\"id\":1700000000000000123"), std::string::npos) << big.body;
  Reply neg = c.post("/api/v3", request("icx_getTotalSupply", "", "-9223372036854775808"));
  EXPECT_NE(neg.body.find("\"id\":-9223372036854775808"), std::string::npos) << neg.body;
  Reply str = c.post("/api/v3", request("icx_getTotalSupply", "", "\"a\\\"b\""));
  EXPECT_EQ(str.json.at("id"), "a\"b");
  Reply null = c.post("/api/v3", request("icx_getTotalSupply", "", "null"));
  EXPECT_TRUE(null.json.at("id").is_null());
}

TEST_F(ServerTest, TransactionResultCodesFollowGoloop) {
  Client c(port());
  Reply pending = c.post("/api/v3", request("icx_getTransactionResult", hash_param(m_channel.pending_hash())));
  EXPECT_EQ(pending.status, 400u);
  EXPECT_EQ(code_of(pending), -31002);
  Reply executing = c.post("/api/v3", request("icx_getTransactionResult", hash_param(m_channel.executing_hash())));
  EXPECT_EQ(code_of(executing), -31003);
  Reply unknown = c.post("/api/v3", request("icx_getTransactionResult", hash_param(hash_of("nope"))));
  EXPECT_EQ(code_of(unknown), -31004);
  EXPECT_NE(message_of(unknown).find(hash_hex(hash_of("nope"))), std::string::npos);

  Reply ok = c.post("/api/v3", request("icx_getTransactionResult", hash_param(m_channel.committed_hash())));
  ASSERT_EQ(ok.status, 200u) << ok.body;
  const auto& res = ok.json.at("result").as_object();
  for (auto key : {"status", "to", "txHash", "txIndex", "blockHeight", "blockHash", "cumulativeStepUsed", "stepUsed",
                   "stepPrice", "eventLogs", "logsBloom"}) {
    EXPECT_TRUE(res.contains(key)) << key;
  }
  EXPECT_EQ(res.at("status"), "0x1");
  EXPECT_EQ(res.at("blockHeight"), "0x1");
  EXPECT_EQ(res.at("txIndex"), "0x0");
  EXPECT_EQ(res.at("logsBloom").as_string().size(), 2u + 512u);
  EXPECT_EQ(res.at("eventLogs").at(0).at("scoreAddress"), "cx0000000000000000000000000000000000000000");

  Reply tx = c.post("/api/v3", request("icx_getTransactionByHash", hash_param(m_channel.committed_hash())));
  ASSERT_EQ(tx.status, 200u) << tx.body;
  EXPECT_EQ(text(tx.json.at("result").at("txHash")), hash_hex(m_channel.committed_hash()));
  EXPECT_EQ(tx.json.at("result").at("blockHeight"), "0x1");
  EXPECT_EQ(tx.json.at("result").at("from"), "hx0000000000000000000000000000000000000001");
  Reply tx_pending = c.post("/api/v3", request("icx_getTransactionByHash", hash_param(m_channel.pending_hash())));
  EXPECT_EQ(code_of(tx_pending), -31004);
}

TEST_F(ServerTest, BatchedSendTransactionsAreSubmittedTogetherAndAnsweredInOrder) {
  Client c(port());
  auto tx = [](int n) {
    return R"({"version":"0x3","from":"hx0000000000000000000000000000000000000009","to":"hx0000000000000000000000000000000000000002","value":"0x)" +
           std::to_string(n) + "\"}";
  };
  std::string bad_envelope = R"({"jsonrpc":"1.0","id":2,"method":"icx_sendTransaction","params":)" + tx(2) + "}";
  std::string body = "[" + request("icx_sendTransaction", tx(1), "1") + "," + bad_envelope + "," +
                     request("icx_sendTransaction", tx(3), "3") + "," + request("icx_sendTransaction", tx(1), "4") + "]";
  Reply r = c.post("/api/v3", body);
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto& a = r.json.as_array();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].at("result").as_string().size(), 66u);
  EXPECT_EQ(a[1].at("error").at("code"), -32600);
  EXPECT_EQ(a[2].at("result").as_string().size(), 66u);
  EXPECT_EQ(a[3].at("error").at("code"), -31000);  // the same tx twice in one batch: the second is a duplicate
  EXPECT_EQ(m_channel.batch_submits.load(), 1);
  ASSERT_EQ(m_channel.batch_sizes.size(), 1u);
  EXPECT_EQ(m_channel.batch_sizes[0], 3u);
  // The element with the bad envelope was never submitted.
  Reply alone = c.post("/api/v3", request("icx_sendTransaction", tx(2)));
  EXPECT_EQ(alone.status, 200u) << alone.body;
}

TEST_F(ServerTest, SendTransactionMapsRejections) {
  Client c(port());
  std::string tx = R"({"version":"0x3","from":"hx0000000000000000000000000000000000000009","to":"hx0000000000000000000000000000000000000002","value":"0x1"})";
  Reply ok = c.post("/api/v3", request("icx_sendTransaction", tx));
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(ok.json.at("result").as_string().size(), 66u);
  Reply dup = c.post("/api/v3", request("icx_sendTransaction", tx));
  EXPECT_EQ(code_of(dup), -31000);
  EXPECT_NE(message_of(dup).find(std::string(ok.json.at("result").as_string())), std::string::npos);
  Reply full = c.post("/api/v3", request("icx_sendTransaction", R"({"from":"hx00000000000000000000000000000000000000ff"})"));
  EXPECT_EQ(code_of(full), -31001);
  Reply bad = c.post("/api/v3", request("icx_sendTransaction", R"({"to":"hx0000000000000000000000000000000000000002"})"));
  EXPECT_EQ(code_of(bad), -32602);
  EXPECT_NE(message_of(bad).find("'from'"), std::string::npos);
  Reply not_obj = c.post("/api/v3", request("icx_sendTransaction", "[1]"));
  EXPECT_EQ(code_of(not_obj), -32602);
}

TEST_F(ServerTest, WaitCompletesWhenTheChainCommits) {
  Client c(port());
  std::thread committer([&] {
    std::this_thread::sleep_for(300ms);
    m_channel.commit_pool();
  });
  Reply r = c.post("/api/v3", request("icx_waitTransactionResult", hash_param(m_channel.pending_hash())));
  committer.join();
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json.at("result").at("status"), "0x1");
  EXPECT_EQ(r.json.at("result").at("blockHeight"), "0x3");
  EXPECT_EQ(text(r.json.at("result").at("txHash")), hash_hex(m_channel.pending_hash()));

  // Already final: answered at once.
  Reply again = c.post("/api/v3", request("icx_waitTransactionResult", hash_param(m_channel.pending_hash())));
  EXPECT_EQ(again.status, 200u);
}

TEST_F(ServerTest, WaitTimesOutWithCode31006AndCancelsTheWatch) {
  Client c(port());
  Reply r = c.post("/api/v3", request("icx_waitTransactionResult", hash_param(m_channel.pending_hash())),
                   {{"Icon-Options", "timeout=200"}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code_of(r), -31006);
  EXPECT_NE(message_of(r).find("200 ms"), std::string::npos) << message_of(r);
  for (int i = 0; i < 100 && m_channel.watcher_count() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(m_channel.watcher_count(), 0u);

  Reply unknown = c.post("/api/v3", request("icx_waitTransactionResult", hash_param(hash_of("never"))));
  EXPECT_EQ(code_of(unknown), -31004);
  Reply bad_timeout = c.post("/api/v3", request("icx_waitTransactionResult", hash_param(m_channel.pending_hash())),
                             {{"Icon-Options", "timeout=-5"}});
  EXPECT_EQ(code_of(bad_timeout), -32602);
}

TEST_F(ServerTest, SendTransactionAndWait) {
  Client c(port());
  std::thread committer([&] {
    std::this_thread::sleep_for(300ms);
    m_channel.commit_pool();
  });
  std::string tx = R"({"version":"0x3","from":"hx0000000000000000000000000000000000000009","value":"0x2"})";
  Reply r = c.post("/api/v3", request("icx_sendTransactionAndWait", tx));
  committer.join();
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json.at("result").at("status"), "0x1");
}

TEST_F(ServerTest, CallNetworkInfoAndDebug) {
  Client c(port());
  Reply ok = c.post("/api/v3", request("icx_call", R"({"to":"cx0000000000000000000000000000000000000005","dataType":"call","data":{"method":"balanceOf","params":{"_owner":"hx0000000000000000000000000000000000000001"}}})"));
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(ok.json.at("result"), "0x64");
  Reply fail = c.post("/api/v3", request("icx_call", R"({"to":"cx0000000000000000000000000000000000000005","dataType":"call","data":{"method":"fail"}})"));
  EXPECT_EQ(fail.status, 400u);
  EXPECT_EQ(code_of(fail), -30037);
  EXPECT_NE(message_of(fail).find("Reverted(5)"), std::string::npos);
  Reply to_eoa = c.post("/api/v3", request("icx_call", R"({"to":"hx0000000000000000000000000000000000000005","dataType":"call","data":{"method":"x"}})"));
  EXPECT_EQ(code_of(to_eoa), -32602);
  EXPECT_NE(message_of(to_eoa).find("'to'"), std::string::npos);

  Reply info = c.post("/api/v3", request("icx_getNetworkInfo"));
  ASSERT_EQ(info.status, 200u) << info.body;
  EXPECT_EQ(info.json.at("result").at("nid"), "0x3");
  EXPECT_EQ(info.json.at("result").at("channel"), "test");
  EXPECT_EQ(info.json.at("result").at("latest"), "0x2");

  std::string tx = R"({"version":"0x3","from":"hx0000000000000000000000000000000000000001","to":"hx0000000000000000000000000000000000000002"})";
  Reply hidden = c.post("/api/v3", request("debug_estimateStep", tx));
  EXPECT_EQ(code_of(hidden), -32601);
  Reply est = c.post("/api/v3d", request("debug_estimateStep", tx));
  ASSERT_EQ(est.status, 200u) << est.body;
  EXPECT_EQ(est.json.at("result"), "0x1e240");
  Reply est_ch = c.post("/api/v3d/test", request("icx_getTotalSupply", R"({"height":"0x1"})"));
  EXPECT_EQ(est_ch.json.at("result"), "0x1f4");
}

// Synchronous WebSocket client reading one text message at a time.
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& target) : m_ws(m_io) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    m_ws.next_layer().connect(ep);
    m_ws.handshake("127.0.0.1", target);
  }
  void send(const std::string& text) { m_ws.write(asio::buffer(text)); }
  json::value read() {
    beast::flat_buffer b;
    m_ws.read(b);
    return json::parse(beast::buffers_to_string(b.data()));
  }

 private:
  asio::io_context m_io;
  websocket::stream<tcp::socket> m_ws;
};

TEST_F(ServerTest, BlockMonitorCatchesUpThenFollowsLiveBlocks) {
  WsClient ws(port(), "/api/v3/test/block");
  ws.send(R"({"height":"0x1"})");
  EXPECT_EQ(ws.read().at("code"), 0);
  json::value b1 = ws.read();
  EXPECT_EQ(b1.at("height"), "0x1");
  EXPECT_EQ(b1.at("hash").as_string().size(), 66u);
  EXPECT_EQ(ws.read().at("height"), "0x2");
  for (int i = 0; i < 100 && m_channel.subscriber_count() == 0; ++i) std::this_thread::sleep_for(10ms);
  std::thread committer([&] { m_channel.commit_pool(); });
  EXPECT_EQ(ws.read().at("height"), "0x3");
  committer.join();
}

TEST_F(ServerTest, EventMonitorReportsMatchingResults) {
  WsClient ws(port(), "/api/v3/event");
  ws.send(R"J({"height":"0x0","event":"ICXTransfer(Address,Address,int)","indexed":["hx0000000000000000000000000000000000000001"],"logs":"0x1"})J");
  EXPECT_EQ(ws.read().at("code"), 0);
  json::value n = ws.read();
  EXPECT_EQ(n.at("height"), "0x1");
  EXPECT_EQ(n.at("index"), "0x0");
  EXPECT_EQ(n.at("events").at(0), "0x0");
  EXPECT_EQ(n.at("logs").at(0).at("data").at(0), "0x10");
  std::thread committer([&] {
    for (int i = 0; i < 100 && m_channel.subscriber_count() == 0; ++i) std::this_thread::sleep_for(10ms);
    m_channel.commit_pool();
  });
  EXPECT_EQ(ws.read().at("height"), "0x3");
  committer.join();

  WsClient bad(port(), "/api/v3/test/event");
  bad.send(R"({"height":"0x0","event":"NoParens"})");
  json::value r = bad.read();
  EXPECT_EQ(r.at("code"), -32602);
  EXPECT_NE(std::string(r.at("message").as_string()).find("'event'"), std::string::npos);
}

TEST_F(ServerTest, StopCancelsPendingWaitsAndMonitors) {
  WsClient ws(port(), "/api/v3/block");
  ws.send(R"({"height":"0x5"})");
  EXPECT_EQ(ws.read().at("code"), 0);
  std::atomic<bool> client_done{false};
  std::thread waiter([&] {
    Client c(port());
    c.send("/api/v3", request("icx_waitTransactionResult", hash_param(m_channel.pending_hash())),
           {{"Icon-Options", "timeout=60000"}});
    try {
      c.read();  // the server goes away: no answer
    } catch (const std::exception&) {
    }
    client_done = true;
  });
  for (int i = 0; i < 200 && (m_channel.watcher_count() == 0 || m_channel.subscriber_count() == 0); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(m_channel.watcher_count(), 1u);
  EXPECT_EQ(m_channel.subscriber_count(), 1u);
  m_server->stop();
  EXPECT_EQ(m_channel.watcher_count(), 0u);
  EXPECT_EQ(m_channel.subscriber_count(), 0u);
  m_channel.commit_pool();  // callbacks after stop reach nothing
  waiter.join();
  EXPECT_TRUE(client_done);
}

// Not a pass/fail test: prints icx_sendTransaction requests per second through the real server
// (fake channel, so this measures rpc alone). Run with --gtest_also_run_disabled_tests.
TEST_F(ServerTest, DISABLED_SendTransactionThroughput) {
  constexpr int kConnections = 8;
  constexpr int kPerConnection = 5000;
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kConnections; ++t) {
    threads.emplace_back([&, t] {
      Client c(port());
      for (int i = 0; i < kPerConnection; ++i) {
        std::string tx = R"({"version":"0x3","from":"hx0000000000000000000000000000000000000009","to":"hx0000000000000000000000000000000000000002","value":"0x1","stepLimit":"0x186a0","timestamp":"0x5f5e100","nid":"0x3","nonce":")" +
                         std::to_string(t * kPerConnection + i) + R"(","signature":"c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl"})";
        Reply r = c.post("/api/v3", request("icx_sendTransaction", tx, std::to_string(i)));
        if (r.status != 200) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("icx_sendTransaction: %d requests in %.2fs = %.0f/s over %d connections\n",
              kConnections * kPerConnection, seconds, kConnections * kPerConnection / seconds, kConnections);
  EXPECT_EQ(failures.load(), 0);
}

TEST(JsonFormat, TxSplicesFieldsIntoTheClientsParams) {
  core::Transaction tx;
  tx.params_json = R"({"a":"b"})";
  tx.hash = hash_of("x");
  TxLocation where{5, hash_of("b"), 2};
  auto o = tx_to_json(tx, &where);
  EXPECT_EQ(o.at("a"), "b");
  EXPECT_EQ(text(o.at("txHash")), hash_hex(tx.hash));
  EXPECT_EQ(o.at("blockHeight"), "0x5");
  EXPECT_EQ(o.at("txIndex"), "0x2");
  tx.params_json = "{}";
  EXPECT_EQ(tx_to_json(tx).size(), 1u);
}

TEST(JsonFormat, StringsAreEscapedAndInvalidUtf8Replaced) {
  std::string out;
  append_json_string(out, std::string("a\"\\\n\x01\xff") + "\xc3\xa9");
  EXPECT_EQ(out, "\"a\\\"\\\\\\n\\u0001\\ufffd\xc3\xa9\"");
  EXPECT_EQ(hex_u64(0), "0x0");
  EXPECT_EQ(hex_u64(255), "0xff");
}

TEST(ErrorCodes, ContractFailuresMapBelowMinus30000) {
  EXPECT_EQ(error_code::contract_failure(core::FailureCode::kMethodNotFound), -30003);
  EXPECT_EQ(error_code::contract_failure(core::FailureCode::kAccessDenied), -30009);
  EXPECT_EQ(error_code::contract_failure(core::user_failure(5)), -30037);
  EXPECT_EQ(error_code::contract_failure(core::user_failure(UINT32_MAX)), INT_MIN);
}

TEST(JsonFormat, FailedReceiptCarriesFailure) {
  core::Receipt r;
  r.success = false;
  r.failure = core::Failure{core::user_failure(5), "Reverted(5)"};
  auto o = receipt_to_json(r, TxLocation{});
  EXPECT_EQ(o.at("status"), "0x0");
  EXPECT_EQ(o.at("failure").at("code"), "0x25");
  EXPECT_TRUE(o.at("eventLogs").as_array().empty());
}

}  // namespace
}  // namespace cx::rpc
