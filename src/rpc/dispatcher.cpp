#include "rpc/dispatcher.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <chrono>
#include <exception>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "rpc/explorer_reads.hpp"
#include "base/clock.hpp"
#include "base/metrics.hpp"
#include "rpc/json_format.hpp"
#include "rpc/params.hpp"
#include "rpc/proof.hpp"
#include "rpc/reads.hpp"

namespace cx::rpc {

namespace json = boost::json;
namespace ec = error_code;

namespace {

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

// A method's series. The label is a name from the method table or "other" (unknown methods and
// requests that name none), so clients cannot grow the label set.
struct MethodMetrics {
  metrics::Counter* requests = nullptr;
  metrics::Histogram* duration = nullptr;

  static MethodMetrics of(std::string_view method) {
    const metrics::Labels labels{{"method", std::string(method)}};
    auto& r = metrics::global();
    return {&r.counter("complexchain_rpc_requests_total", "JSON-RPC requests answered, by method (batch elements each).",
                       labels),
            &r.histogram("complexchain_rpc_request_duration_seconds",
                         "Time from parsing a JSON-RPC request to its answer, by method (waits included).",
                         metrics::Histogram::seconds_from_us(), labels)};
  }
  void record(int64_t start_us) const {
    requests->inc();
    duration->observe(system_clock().monotonic_us() - start_us);
  }
};


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

// The hot path: one parse (done by handle), one submit, a 68-byte answer.
std::string send_transaction(const RequestContext& ctx, const json::value* params) {
  channel::SubmitResult r = ctx.presubmitted ? *ctx.presubmitted : ctx.channel->submit_tx(tx_object(params));
  if (r.rejection) throw rejection_error(r);
  return quoted(hash_hex(r.hash));
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  using SyncMethod = std::string (*)(const RequestContext&, const json::value*);
  using AsyncMethod = void (Impl::*)(const RequestContext&, const json::value*, Complete&);
  struct Method {
    SyncMethod sync = nullptr;
    AsyncMethod async = nullptr;
    bool debug_only = false;
    MethodMetrics metrics{};
  };

  ServerOptions options;
  std::shared_ptr<LifeGuard> guard;
  std::unordered_map<std::string_view, Method> methods;

  Impl(const ServerOptions& o, std::shared_ptr<LifeGuard> g) : options(o), guard(std::move(g)) {
    methods = {
        {"icx_getLastBlock", {&reads::get_last_block}},
        {"icx_getBlockByHeight", {&reads::get_block_by_height}},
        {"icx_getBlockByHash", {&reads::get_block_by_hash}},
        {"icx_getBalance", {&reads::get_balance}},
        {"icx_getTotalSupply", {&reads::get_total_supply}},
        {"icx_sendTransaction", {&send_transaction}},
        {"icx_sendTransactionAndWait", {nullptr, &Impl::send_transaction_and_wait}},
        {"icx_waitTransactionResult", {nullptr, &Impl::wait_transaction_result}},
        {"icx_getTransactionResult", {&reads::get_transaction_result}},
        {"icx_getTransactionByHash", {&reads::get_transaction_by_hash}},
        {"icx_getNetworkInfo", {&reads::get_network_info}},
        {"icx_call", {&reads::call}},
        {"icx_getScoreApi", {&reads::get_score_api}},
        {"icx_getScoreStatus", {&reads::get_score_status}},
        {"cx_getAddressTxs", {&explorer::get_address_txs}},
        {"cx_getTokenTransfers", {&explorer::get_token_transfers}},
        {"cx_getTokens", {&explorer::get_tokens}},
        {"cx_getValidators", {&explorer::get_validators}},
        {"cx_getChannels", {&explorer::get_channels}},
        {"cx_getBlockHeader", {&explorer::get_block_header}},
        {"cx_getProof", {&proof::get_proof}},
        {"cx_getValidatorChanges", {&proof::get_validator_changes}},
        {"cx_getHeader", {&proof::get_header}},
        {"debug_estimateStep", {&reads::estimate_step, nullptr, /*debug_only=*/true}},
    };
    for (auto& [name, m] : methods) m.metrics = MethodMetrics::of(name);
    other_metrics = MethodMetrics::of("other");
  }

  MethodMetrics other_metrics;

  // ---- request framing ----

  // `done(response_object_text, is_error)` runs exactly once, on the strand.
  template <typename Done>
  void process_one(const json::value& v, const RequestContext& ctx, Done&& reply_part) {
    const int64_t start_us = system_clock().monotonic_us();
    MethodMetrics metrics = other_metrics;
    // Synchronous answers; an asynchronous method records its own when it completes.
    auto done = [&](std::string text, bool is_error) {
      metrics.record(start_us);
      reply_part(std::move(text), is_error);
    };
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
      metrics = m.metrics;
      if (m.debug_only && !ctx.debug) {
        fail(ec::kMethodNotFound, "method not found: " + clip(*method_name) + " (served at /api/v3d only)");
      }
      if (m.async) {
        // `id` is copied: a validation error thrown below still needs it.
        Complete complete = [reply_part, id = *id, metrics, start_us](Outcome o) mutable {
          bool is_error = !o.ok;
          metrics.record(start_us);
          reply_part(response_text(id, o), is_error);
        };
        // Validation errors are thrown before the method keeps `complete`; anything later is
        // reported through it.
        (this->*m.async)(ctx, params, complete);
        return;
      }
      outcome = Outcome::success(m.sync(ctx, params));
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
      complete(Outcome::success(reads::receipt_text(lookup)));
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
            st->finish(Outcome::success(reads::receipt_text(lookup)));
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
