#include "rpc/dispatcher.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <chrono>
#include <exception>
#include <initializer_list>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "rpc/json_format.hpp"

namespace cx::rpc {

namespace json = boost::json;
namespace ec = error_code;

namespace {

// Messages quote client input; keep them short whatever the client sent.
constexpr size_t kQuotedBytesMax = 80;
// Parsing a typical request needs less than this; larger ones spill to the heap.
constexpr size_t kParseArenaBytes = 16 * 1024;
// Tx data may nest 16 levels (core::kTxDataDepthMax) below the request, params and data objects.
constexpr unsigned kJsonDepthMax = 64;

struct Outcome {
  bool ok = false;
  std::string result;  // JSON text, when ok
  RpcError error;

  static Outcome success(std::string result_json) {
    Outcome o;
    o.ok = true;
    o.result = std::move(result_json);
    return o;
  }
  static Outcome failure(RpcError e) {
    Outcome o;
    o.error = std::move(e);
    return o;
  }
};

using Complete = std::function<void(Outcome)>;

[[noreturn]] void fail(int code, std::string message) { throw RpcError{code, std::move(message)}; }
[[noreturn]] void bad_param(std::string message) { fail(ec::kInvalidParams, "invalid params: " + message); }

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

const char* kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// goloop decodes params with DisallowUnknownFields: a misspelt param is an error, not ignored.
const json::object* params_object(const json::value* params, std::initializer_list<std::string_view> allowed,
                                  bool required) {
  if (!params || params->is_null()) {
    if (required) bad_param("'params' is required: an object with " + join(allowed));
    return nullptr;
  }
  const json::object* o = params->if_object();
  if (!o) bad_param(std::string("'params' must be an object, not ") + kind_of(*params));
  for (const auto& kv : *o) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      if (allowed.size() == 0) bad_param("unknown param '" + clip(kv.key()) + "' (this method takes none)");
      bad_param("unknown param '" + clip(kv.key()) + "' (allowed: " + join(allowed) + ")");
    }
  }
  return o;
}

// JSON null counts as absent, as in goloop's pointer fields.
const json::value* member(const json::object* o, std::string_view key) {
  if (!o) return nullptr;
  auto it = o->find(key);
  if (it == o->end() || it->value().is_null()) return nullptr;
  return &it->value();
}

const json::string* string_param(const json::object* o, std::string_view key, bool required) {
  const json::value* v = member(o, key);
  if (!v) {
    if (required) bad_param("'" + std::string(key) + "' is required");
    return nullptr;
  }
  const json::string* s = v->if_string();
  if (!s) bad_param("'" + std::string(key) + "' must be a string, not " + kind_of(*v));
  return s;
}

enum class AddressKind { kAny, kEoa, kContract };

std::optional<core::Address> address_param(const json::object* o, std::string_view key, AddressKind kind,
                                           bool required) {
  const json::string* s = string_param(o, key, required);
  if (!s) return std::nullopt;
  auto a = core::Address::parse(*s);
  const char* expected = kind == AddressKind::kEoa ? "an hx address" : kind == AddressKind::kContract ? "a cx address" : "an hx/cx address";
  if (!a || (kind == AddressKind::kEoa && a->is_contract) || (kind == AddressKind::kContract && !a->is_contract)) {
    bad_param("'" + std::string(key) + "' is not " + expected + ": " + clip(*s));
  }
  return a;
}

Hash32 hash_param(const json::object* o, std::string_view key) {
  const json::string* s = string_param(o, key, /*required=*/true);
  std::string_view text = *s;
  std::optional<Hash32> h;
  if (text.starts_with("0x")) h = Hash32::from_hex_string(text);
  if (!h) bad_param("'" + std::string(key) + "' is not a 0x-prefixed 32-byte hash: " + clip(text));
  return *h;
}

std::optional<uint64_t> height_param(const json::object* o, bool required) {
  const json::string* s = string_param(o, "height", required);
  if (!s) return std::nullopt;
  auto h = parse_hex_u64(*s);
  if (!h) bad_param("'height' is not a hex integer (0x...): " + clip(*s));
  return h;
}

// A state or block query at a height the chain has not reached is NotFound (goloop does the same
// for a block it does not have).
void require_height_available(channel::ChannelApi& ch, std::optional<uint64_t> height) {
  if (!height) return;
  uint64_t last = ch.last_height();
  if (*height > last) {
    fail(ec::kNotFound, "not found: height " + hex_u64(*height) + " is above the latest block " + hex_u64(last));
  }
}

RpcError rejection_error(const channel::SubmitResult& r) {
  const core::TxRejection& rej = *r.rejection;
  switch (rej.reason) {
    case core::TxReject::kPoolFull:
      return {ec::kPoolOverflow, "pool overflow: " + (rej.detail.empty() ? std::string("the tx pool is full") : rej.detail)};
    case core::TxReject::kDuplicate:
      return {ec::kSystem, "system error: tx already known: " + hash_hex(r.hash)};
    default:
      return {ec::kInvalidParams,
              "invalid params: " + (rej.detail.empty() ? std::string(core::to_string(rej.reason)) : rej.detail)};
  }
}

std::string receipt_text(const channel::TxLookup& lookup) {
  TxLocation where{lookup.height, lookup.block_hash, lookup.index};
  return json::serialize(receipt_to_json(*lookup.receipt, where));
}

// The id as it goes back to the client, or nullopt if it is not a JSON-RPC id.
std::optional<std::string> id_text(const json::object& req) {
  auto it = req.find("id");
  if (it == req.end()) return std::string("null");
  const json::value& id = it->value();
  switch (id.kind()) {
    case json::kind::null: return std::string("null");
    case json::kind::int64:
    case json::kind::uint64: return json::serialize(id);
    case json::kind::double_:
      // An id like 1e999 parses as infinity, which Boost.JSON writes as "Infinity": not JSON, and
      // the client could not read the answer. Refused like any other unusable id.
      if (!std::isfinite(id.get_double())) return std::nullopt;
      return json::serialize(id);
    case json::kind::string: return quoted(id.get_string());
    default: return std::nullopt;
  }
}

std::string response_text(const std::string& id, const Outcome& o) {
  std::string out;
  if (o.ok) {
    out.reserve(40 + o.result.size() + id.size());
    out += "{\"jsonrpc\":\"2.0\",\"result\":";
    out += o.result;
  } else {
    out.reserve(64 + o.error.message.size() + id.size());
    out += "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":";
    char buf[16];
    auto [end, err] = std::to_chars(buf, buf + sizeof buf, o.error.code);
    out.append(buf, end);
    out += ",\"message\":";
    append_json_string(out, o.error.message);
    out += '}';
  }
  out += ",\"id\":";
  out += id;
  out += '}';
  return out;
}

// One icx_waitTransactionResult in flight. Lives on the connection's strand; the channel's watch
// callback only holds a weak reference, so a wait that timed out is freed at once.
struct WaitState {
  WaitState(const boost::asio::any_io_executor& ex, channel::ChannelApi* ch, const Hash32& h, int64_t ms,
            Complete done)
      : timer(ex), channel(ch), hash(h), timeout_ms(ms), fired(std::make_shared<std::atomic<bool>>(false)),
        complete(std::move(done)) {}
  ~WaitState() {
    if (!fired->load()) channel->unwatch_tx(sub);
  }

  void finish(Outcome o) {
    if (finished) return;  // the commit and the timer can both arrive; the first one answers
    finished = true;
    timer.cancel();
    complete(std::move(o));
  }

  boost::asio::steady_timer timer;
  channel::ChannelApi* channel;
  Hash32 hash;
  int64_t timeout_ms;
  channel::SubscriptionId sub = 0;
  std::shared_ptr<std::atomic<bool>> fired;  // set by the watch callback: no unwatch needed then
  bool finished = false;
  Complete complete;
};

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  using SyncMethod = std::string (Impl::*)(const RequestContext&, const json::value*);
  using AsyncMethod = void (Impl::*)(const RequestContext&, const json::value*, Complete&);
  struct Method {
    SyncMethod sync = nullptr;
    AsyncMethod async = nullptr;
    bool debug_only = false;
  };

  ServerOptions options;
  std::shared_ptr<LifeGuard> guard;
  std::unordered_map<std::string_view, Method> methods;

  Impl(const ServerOptions& o, std::shared_ptr<LifeGuard> g) : options(o), guard(std::move(g)) {
    methods = {
        {"icx_getLastBlock", {&Impl::get_last_block}},
        {"icx_getBlockByHeight", {&Impl::get_block_by_height}},
        {"icx_getBlockByHash", {&Impl::get_block_by_hash}},
        {"icx_getBalance", {&Impl::get_balance}},
        {"icx_getTotalSupply", {&Impl::get_total_supply}},
        {"icx_sendTransaction", {&Impl::send_transaction}},
        {"icx_sendTransactionAndWait", {nullptr, &Impl::send_transaction_and_wait}},
        {"icx_waitTransactionResult", {nullptr, &Impl::wait_transaction_result}},
        {"icx_getTransactionResult", {&Impl::get_transaction_result}},
        {"icx_getTransactionByHash", {&Impl::get_transaction_by_hash}},
        {"icx_getNetworkInfo", {&Impl::get_network_info}},
        {"icx_call", {&Impl::call}},
        {"icx_getScoreApi", {&Impl::get_score_api}},
        {"icx_getScoreStatus", {&Impl::get_score_status}},
        {"debug_estimateStep", {&Impl::estimate_step, nullptr, /*debug_only=*/true}},
    };
  }

  // ---- request framing ----

  // `done(response_object_text, is_error)` runs exactly once, on the strand.
  template <typename Done>
  void process_one(const json::value& v, const RequestContext& ctx, Done&& done) {
    const json::object* req = v.if_object();
    if (!req) {
      done(response_text("null", Outcome::failure({ec::kInvalidRequest,
                                                   std::string("invalid request: a request must be an object, not ") + kind_of(v)})),
           true);
      return;
    }
    auto id = id_text(*req);
    if (!id) {
      done(response_text("null", Outcome::failure({ec::kInvalidRequest,
                                                   "invalid request: 'id' must be a finite number, a string or null"})),
           true);
      return;
    }
    Outcome outcome;
    try {
      const json::value* params = nullptr;
      const json::string* method_name = nullptr;
      const json::value* version = nullptr;
      for (const auto& kv : *req) {
        std::string_view k = kv.key();
        if (k == "params") params = &kv.value();
        else if (k == "method") method_name = kv.value().if_string();
        else if (k == "jsonrpc") version = &kv.value();
        else if (k != "id") fail(ec::kInvalidRequest, "invalid request: unknown member '" + clip(k) + "'");
      }
      if (!version || !version->is_string() || version->get_string() != "2.0") {
        fail(ec::kInvalidRequest, "invalid request: 'jsonrpc' must be \"2.0\"");
      }
      if (!method_name) fail(ec::kInvalidRequest, "invalid request: 'method' must be a string");
      auto it = methods.find(std::string_view(*method_name));
      if (it == methods.end()) fail(ec::kMethodNotFound, "method not found: " + clip(*method_name));
      const Method& m = it->second;
      if (m.debug_only && !ctx.debug) {
        fail(ec::kMethodNotFound, "method not found: " + clip(*method_name) + " (served at /api/v3d only)");
      }
      if (m.async) {
        // `id` is copied: a validation error thrown below still needs it.
        Complete complete = [done, id = *id](Outcome o) mutable {
          bool is_error = !o.ok;
          done(response_text(id, o), is_error);
        };
        // Validation errors are thrown before the method keeps `complete`; anything later is
        // reported through it.
        (this->*m.async)(ctx, params, complete);
        return;
      }
      outcome = Outcome::success((this->*m.sync)(ctx, params));
    } catch (RpcError& e) {
      outcome = Outcome::failure(std::move(e));
    } catch (const std::exception& e) {
      outcome = Outcome::failure({ec::kInternal, std::string("internal error: ") + e.what()});
    }
    bool is_error = !outcome.ok;
    done(response_text(*id, outcome), is_error);
  }

  struct Batch {
    std::vector<std::string> parts;
    size_t remaining = 0;
    ReplyFn reply;
  };

  void handle(std::string_view body, const RequestContext& ctx, ReplyFn reply) {
    unsigned char arena[kParseArenaBytes];
    json::monotonic_resource mr(arena, sizeof arena);
    json::parse_options popt;
    popt.max_depth = kJsonDepthMax;
    boost::system::error_code perr;
    json::value v = json::parse(json::string_view(body.data(), body.size()), perr, &mr, popt);
    if (perr) {
      std::string msg = body.empty() ? "parse error: the request body is empty"
                                     : "parse error: the body is not valid JSON (" + perr.message() + ")";
      reply(400, Dispatcher::error_body({ec::kParse, std::move(msg)}));
      return;
    }
    if (const json::array* batch = v.if_array()) {
      if (batch->empty()) {
        reply(400, Dispatcher::error_body({ec::kInvalidRequest, "invalid request: empty batch"}));
        return;
      }
      if (batch->size() > options.batch_max) {
        reply(400, Dispatcher::error_body({ec::kInvalidRequest, "invalid request: batch of " + std::to_string(batch->size()) +
                                                                    " requests is above the limit of " +
                                                                    std::to_string(options.batch_max)}));
        return;
      }
      // Submit every well-formed icx_sendTransaction of the batch at once, so the channel verifies
      // their signatures in parallel; each element is then answered by the normal path.
      std::vector<const json::object*> tx_params;
      std::vector<size_t> tx_slots;
      for (size_t i = 0; i < batch->size(); ++i) {
        if (const json::object* p = presubmittable((*batch)[i])) {
          tx_params.push_back(p);
          tx_slots.push_back(i);
        }
      }
      std::vector<channel::SubmitResult> submitted;
      std::vector<const channel::SubmitResult*> presubmitted(batch->size(), nullptr);
      if (tx_params.size() > 1) {
        submitted = ctx.channel->submit_txs(tx_params);
        for (size_t k = 0; k < tx_slots.size(); ++k) presubmitted[tx_slots[k]] = &submitted[k];
      }
      auto state = std::make_shared<Batch>();
      state->parts.resize(batch->size());
      state->remaining = batch->size();
      state->reply = std::move(reply);
      for (size_t i = 0; i < batch->size(); ++i) {
        RequestContext element_ctx = ctx;
        element_ctx.presubmitted = presubmitted[i];
        process_one((*batch)[i], element_ctx, [state, i](std::string part, bool) {
          state->parts[i] = std::move(part);
          if (--state->remaining > 0) return;
          size_t total = 2;
          for (const auto& p : state->parts) total += p.size() + 1;
          std::string out;
          out.reserve(total);
          out += '[';
          for (size_t k = 0; k < state->parts.size(); ++k) {
            if (k) out += ',';
            out += state->parts[k];
          }
          out += ']';
          // A batch answers 200 even when it holds errors: each element carries its own.
          state->reply(200, std::move(out));
        });
      }
      return;
    }
    process_one(v, ctx, [reply = std::move(reply)](std::string text, bool is_error) {
      reply(is_error ? 400 : 200, std::move(text));
    });
  }

  // ---- methods ----

  std::string get_last_block(const RequestContext& ctx, const json::value* params) {
    params_object(params, {}, /*required=*/false);
    uint64_t h = ctx.channel->last_height();
    auto block = ctx.channel->block_by_height(h);
    if (!block) fail(ec::kSystem, "system error: the last block (height " + hex_u64(h) + ") is not available");
    return block_to_json_text(*block);
  }

  std::string get_block_by_height(const RequestContext& ctx, const json::value* params) {
    const json::object* o = params_object(params, {"height"}, /*required=*/true);
    uint64_t h = *height_param(o, /*required=*/true);
    require_height_available(*ctx.channel, h);
    auto block = ctx.channel->block_by_height(h);
    if (!block) fail(ec::kNotFound, "not found: no block at height " + hex_u64(h));
    return block_to_json_text(*block);
  }

  std::string get_block_by_hash(const RequestContext& ctx, const json::value* params) {
    const json::object* o = params_object(params, {"hash"}, /*required=*/true);
    Hash32 h = hash_param(o, "hash");
    auto block = ctx.channel->block_by_hash(h);
    if (!block) fail(ec::kNotFound, "not found: no block with hash " + hash_hex(h));
    return block_to_json_text(*block);
  }

  std::string get_balance(const RequestContext& ctx, const json::value* params) {
    const json::object* o = params_object(params, {"address", "height"}, /*required=*/true);
    auto address = address_param(o, "address", AddressKind::kAny, /*required=*/true);
    auto height = height_param(o, /*required=*/false);
    require_height_available(*ctx.channel, height);
    auto r = ctx.channel->balance(*address, height);
    if (!r) fail(ec::kSystem, "system error: " + r.message());
    return quoted(r->to_icon_hex());
  }

  std::string get_total_supply(const RequestContext& ctx, const json::value* params) {
    const json::object* o = params_object(params, {"height"}, /*required=*/false);
    auto height = height_param(o, /*required=*/false);
    require_height_available(*ctx.channel, height);
    auto r = ctx.channel->total_supply(height);
    if (!r) fail(ec::kSystem, "system error: " + r.message());
    return quoted(r->to_icon_hex());
  }

  static const json::object& tx_object(const json::value* params) {
    if (!params || !params->is_object()) {
      bad_param(std::string("'params' must be the transaction object, not ") + (params ? kind_of(*params) : "absent"));
    }
    return params->get_object();
  }

  // The params of a batch element that process_one would hand to send_transaction unchanged: a
  // valid request envelope, method icx_sendTransaction, params an object. Anything else is left to
  // process_one, which reports the error without submitting.
  static const json::object* presubmittable(const json::value& v) {
    const json::object* req = v.if_object();
    if (!req || !id_text(*req)) return nullptr;
    const json::object* params = nullptr;
    bool method_ok = false, version_ok = false;
    for (const auto& kv : *req) {
      std::string_view k = kv.key();
      if (k == "params") params = kv.value().if_object();
      else if (k == "method") method_ok = kv.value().is_string() && kv.value().get_string() == "icx_sendTransaction";
      else if (k == "jsonrpc") version_ok = kv.value().is_string() && kv.value().get_string() == "2.0";
      else if (k != "id") return nullptr;
    }
    return method_ok && version_ok ? params : nullptr;
  }

  // The hot path: one parse (done by handle), one submit, a 68-byte answer.
  std::string send_transaction(const RequestContext& ctx, const json::value* params) {
    channel::SubmitResult r = ctx.presubmitted ? *ctx.presubmitted : ctx.channel->submit_tx(tx_object(params));
    if (r.rejection) throw rejection_error(r);
    return quoted(hash_hex(r.hash));
  }

  int64_t wait_timeout_ms(const RequestContext& ctx) const {
    int64_t t = options.wait_timeout_ms_default;
    if (ctx.requested_timeout_ms) {
      t = *ctx.requested_timeout_ms;
      if (t <= 0) bad_param("the timeout in 'Icon-Options' must be positive: " + std::to_string(t));
    }
    return std::min(t, options.wait_timeout_ms_max);
  }

  void send_transaction_and_wait(const RequestContext& ctx, const json::value* params, Complete& complete) {
    int64_t timeout_ms = wait_timeout_ms(ctx);
    channel::SubmitResult r = ctx.channel->submit_tx(tx_object(params));
    if (r.rejection) throw rejection_error(r);
    start_wait(ctx, r.hash, timeout_ms, std::move(complete));
  }

  void wait_transaction_result(const RequestContext& ctx, const json::value* params, Complete& complete) {
    const json::object* o = params_object(params, {"txHash"}, /*required=*/true);
    Hash32 hash = hash_param(o, "txHash");
    int64_t timeout_ms = wait_timeout_ms(ctx);
    channel::TxLookup lookup = ctx.channel->lookup_tx(hash);
    if (lookup.status == channel::TxStatus::kUnknown) {
      // goloop refuses to wait for a tx that is neither in the pool nor on the chain.
      fail(ec::kNotFound, "not found: tx " + hash_hex(hash) + " is neither in the pool nor on the chain");
    }
    if (lookup.status == channel::TxStatus::kCommitted && lookup.receipt) {
      complete(Outcome::success(receipt_text(lookup)));
      return;
    }
    start_wait(ctx, hash, timeout_ms, std::move(complete));
  }

  void start_wait(const RequestContext& ctx, const Hash32& hash, int64_t timeout_ms, Complete complete) {
    auto state = std::make_shared<WaitState>(ctx.executor, ctx.channel, hash, timeout_ms, std::move(complete));
    std::weak_ptr<WaitState> weak = state;
    std::shared_ptr<LifeGuard> g = guard;
    std::shared_ptr<std::atomic<bool>> fired = state->fired;
    // Runs on a channel thread (or right here if the tx is final already). It must not block or
    // free the wait there, so it hops to an I/O thread, then to the connection's strand.
    state->sub = ctx.channel->watch_tx(hash, [g, weak, fired](const channel::TxLookup& lookup) {
      fired->store(true);
      MutexLock lock(g->mutex);
      if (!g->alive) return;
      boost::asio::post(*g->io, [weak, lookup]() {
        auto st = weak.lock();
        if (!st) return;
        boost::asio::post(st->timer.get_executor(), [st, lookup]() {
          if (lookup.status == channel::TxStatus::kCommitted && lookup.receipt) {
            st->finish(Outcome::success(receipt_text(lookup)));
          } else {
            st->finish(Outcome::failure({ec::kSystem, "system error: tx " + hash_hex(st->hash) +
                                                          " was reported without a receipt"}));
          }
        });
      });
    });
    state->timer.expires_after(std::chrono::milliseconds(timeout_ms));
    state->timer.async_wait([state](const boost::system::error_code& e) {
      if (e == boost::asio::error::operation_aborted) return;
      state->finish(Outcome::failure({ec::kTimeout, "timeout: tx " + hash_hex(state->hash) + " not committed within " +
                                                        std::to_string(state->timeout_ms) + " ms"}));
    });
  }

  std::string get_transaction_result(const RequestContext& ctx, const json::value* params) {
    const json::object* o = params_object(params, {"txHash"}, /*required=*/true);
    Hash32 hash = hash_param(o, "txHash");
    channel::TxLookup lookup = ctx.channel->lookup_tx(hash);
    switch (lookup.status) {
      case channel::TxStatus::kUnknown:
        fail(ec::kNotFound, "not found: tx " + hash_hex(hash) + " is neither in the pool nor on the chain");
      case channel::TxStatus::kPending:
        fail(ec::kPending, "pending: tx " + hash_hex(hash) + " is in the pool, not in a block yet");
      case channel::TxStatus::kExecuting:
        fail(ec::kExecuting, "executing: tx " + hash_hex(hash) + " is in block " + hex_u64(lookup.height) +
                                 ", which is not final yet");
      case channel::TxStatus::kCommitted:
        break;
    }
    if (!lookup.receipt) fail(ec::kSystem, "system error: no receipt for committed tx " + hash_hex(hash));
    return receipt_text(lookup);
  }

  std::string get_transaction_by_hash(const RequestContext& ctx, const json::value* params) {
    const json::object* o = params_object(params, {"txHash"}, /*required=*/true);
    Hash32 hash = hash_param(o, "txHash");
    channel::TxLookup lookup = ctx.channel->lookup_tx(hash);
    // Like goloop, only a tx that is in a block has a location to report; a pooled one is NotFound.
    if (lookup.status == channel::TxStatus::kPending) {
      fail(ec::kNotFound, "not found: tx " + hash_hex(hash) + " is still in the pool, not in a block yet");
    }
    if (lookup.status == channel::TxStatus::kUnknown || !lookup.tx) {
      fail(ec::kNotFound, "not found: tx " + hash_hex(hash) + " is not on the chain");
    }
    TxLocation where{lookup.height, lookup.block_hash, lookup.index};
    std::string out;
    append_tx_json(out, *lookup.tx, &where);
    return out;
  }

  std::string get_network_info(const RequestContext& ctx, const json::value* params) {
    params_object(params, {}, /*required=*/false);
    return json::serialize(network_info_to_json(ctx.channel->network_info()));
  }

  // icx_call: {to, dataType:"call", data:{method, params?}, from?, height?}.
  std::string call(const RequestContext& ctx, const json::value* params) {
    const json::object* o = params_object(params, {"to", "from", "dataType", "data", "height"}, /*required=*/true);
    auto to = address_param(o, "to", AddressKind::kContract, /*required=*/true);
    auto from = address_param(o, "from", AddressKind::kEoa, /*required=*/false);
    const json::string* data_type = string_param(o, "dataType", /*required=*/true);
    if (*data_type != "call") bad_param("'dataType' must be \"call\", not " + quoted(clip(*data_type)));
    const json::value* data_v = member(o, "data");
    if (!data_v) bad_param("'data' is required: an object with method and params");
    const json::object* data = data_v->if_object();
    if (!data) bad_param(std::string("'data' must be an object, not ") + kind_of(*data_v));
    for (const auto& kv : *data) {
      if (kv.key() != "method" && kv.key() != "params") {
        bad_param("unknown member 'data." + clip(kv.key()) + "' (allowed: method, params)");
      }
    }
    const json::value* method_v = member(data, "method");
    if (!method_v || !method_v->is_string() || method_v->get_string().empty()) {
      bad_param("'data.method' must be a non-empty string");
    }
    const json::value* call_params = member(data, "params");
    if (call_params && !call_params->is_object()) {
      bad_param(std::string("'data.params' must be an object, not ") + kind_of(*call_params));
    }
    auto height = height_param(o, /*required=*/false);
    require_height_available(*ctx.channel, height);

    contracts::CallRequest req;
    if (from) req.caller = *from;
    req.contract = *to;
    req.method = std::string(method_v->get_string());
    // Copied out of the request's arena: the channel may keep what it is given.
    req.params = call_params ? json::value(*call_params, json::storage_ptr()) : json::value(nullptr);
    auto r = ctx.channel->call(req, height);
    if (!r) fail(ec::kSystem, "system error: " + r.message());
    if (!r->ok) {
      const int code = ec::contract_failure(r->code);
      fail(code, "contract error: " + (r->message.empty() ? std::string("call failed") : r->message));
    }
    return json::serialize(r->output);
  }

  // icx_getScoreApi / icx_getScoreStatus: {address, height?}; NotFound when there is no contract.
  template <typename Read, typename ToJson>
  std::string score_read(const RequestContext& ctx, const json::value* params, Read read, ToJson to_json,
                         const char* missing) {
    const json::object* o = params_object(params, {"address", "height"}, /*required=*/true);
    auto address = address_param(o, "address", AddressKind::kContract, /*required=*/true);
    auto height = height_param(o, /*required=*/false);
    require_height_available(*ctx.channel, height);
    auto r = read(*ctx.channel, *address, height);
    if (!r) fail(ec::kSystem, "system error: " + r.message());
    if (!*r) fail(ec::kNotFound, std::string("not found: ") + missing + address->to_string());
    return json::serialize(to_json(**r));
  }
  std::string get_score_api(const RequestContext& ctx, const json::value* params) {
    return score_read(ctx, params, [](auto& ch, const auto& a, auto h) { return ch.score_api(a, h); },
                      [](const auto& v) { return score_api_to_json(v); }, "no contract at ");
  }
  std::string get_score_status(const RequestContext& ctx, const json::value* params) {
    return score_read(ctx, params, [](auto& ch, const auto& a, auto h) { return ch.score_status(a, h); },
                      [](const auto& v) { return score_status_to_json(v); }, "no deployed contract at ");
  }

  std::string estimate_step(const RequestContext& ctx, const json::value* params) {
    auto r = ctx.channel->estimate_step(tx_object(params));
    if (!r) bad_param(r.message());
    return quoted(r->to_icon_hex());
  }
};

Dispatcher::Dispatcher(const ServerOptions& options, std::shared_ptr<LifeGuard> guard)
    : m_impl(std::make_shared<Impl>(options, std::move(guard))) {}

void Dispatcher::handle(std::string_view body, const RequestContext& ctx, ReplyFn reply) {
  m_impl->handle(body, ctx, std::move(reply));
}

std::string Dispatcher::error_body(const RpcError& error) {
  return response_text("null", Outcome::failure(error));
}

}  // namespace cx::rpc
