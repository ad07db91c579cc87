// Fuzz target: an HTTP body as it reaches the JSON-RPC dispatcher, in front of a read-only channel
// (fake_channel.hpp). Whatever the body, the dispatcher must answer exactly once, with HTTP 200 or
// 400 and a JSON-RPC 2.0 response: a result or an error with a code and a message, never both;
// 400 exactly when a single request failed; one answer per element of a batch, in order, carrying
// each element's id. Odd-sized inputs go to /api/v3d (debug methods allowed).
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "base/assert.hpp"
#include "fake_channel.hpp"
#include "rpc/dispatcher.hpp"

using namespace cx;
namespace json = boost::json;

namespace {

struct World {
  boost::asio::io_context io;
  fuzz::FakeChannel channel;
  std::shared_ptr<rpc::LifeGuard> guard = std::make_shared<rpc::LifeGuard>();
  rpc::ServerOptions options;
  std::unique_ptr<rpc::Dispatcher> dispatcher;

  World() {
    guard->io = &io;
    options.batch_max = 64;
    options.wait_timeout_ms_max = 0;  // waits for a tx that never commits end at once
    dispatcher = std::make_unique<rpc::Dispatcher>(options, guard);
  }
};

// One JSON-RPC response object; `id` is the request's id as JSON, if the request had a usable one.
void check_response(const json::value& v, const json::value* id) {
  CX_ASSERT(v.is_object());
  const json::object& o = v.get_object();
  CX_ASSERT(o.contains("jsonrpc") && o.at("jsonrpc") == "2.0");
  CX_ASSERT(o.contains("id"));
  // Integers, strings and null come back exactly. A fractional or huge number comes back as a
  // number, not always the same one: Boost.JSON 1.81 parses doubles with a last-digit error, so
  // parse(serialize(x)) may differ from x (e.g. 2.0000000000000003e66 -> ...06e66).
  // A number too large for a double (1e999) is refused, answered with id null.
  if (id && id->is_double() && !std::isfinite(id->get_double())) CX_ASSERT(o.at("id").is_null());
  else if (id && id->is_double()) CX_ASSERT(o.at("id").is_number());
  else if (id) CX_ASSERT(o.at("id") == *id);
  bool has_result = o.contains("result"), has_error = o.contains("error");
  CX_ASSERT(has_result != has_error);
  if (has_error) {
    const json::object* e = o.at("error").if_object();
    CX_ASSERT(e && e->contains("code") && e->at("code").is_int64());
    CX_ASSERT(e->contains("message") && e->at("message").is_string() && !e->at("message").get_string().empty());
  }
}

// The id a request carries, if the dispatcher must echo it (numbers, strings and null).
const json::value* request_id(const json::value& req) {
  const json::object* o = req.if_object();
  if (!o) return nullptr;
  auto it = o->find("id");
  if (it == o->end()) return nullptr;
  const json::value& id = it->value();
  if (!(id.is_null() || id.is_string() || id.is_number())) return nullptr;
  return &id;
}

bool is_error(const json::value& v) { return v.get_object().contains("error"); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World w;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  rpc::RequestContext ctx;
  ctx.channel = &w.channel;
  ctx.debug = size % 2 == 1;
  ctx.executor = w.io.get_executor();

  int replies = 0;
  unsigned status = 0;
  std::string text;
  w.dispatcher->handle(body, ctx, [&](unsigned s, std::string b) {
    ++replies;
    status = s;
    text = std::move(b);
  });
  w.io.restart();
  w.io.run();  // asynchronous answers (waits) finish here
  CX_ASSERT(replies == 1);
  CX_ASSERT(status == 200 || status == 400);

  boost::system::error_code ec;
  json::value answer = json::parse(text, ec);
  CX_ASSERT(!ec);

  // What the dispatcher was given, parsed the same way (depth 64), to check the answer's shape.
  json::parse_options popt;
  popt.max_depth = 64;
  json::value request = json::parse(body, ec, {}, popt);
  const json::array* batch = ec ? nullptr : request.if_array();
  if (batch && !batch->empty() && batch->size() <= w.options.batch_max) {
    CX_ASSERT(status == 200);
    CX_ASSERT(answer.is_array() && answer.get_array().size() == batch->size());
    for (size_t i = 0; i < batch->size(); ++i) check_response(answer.get_array()[i], request_id((*batch)[i]));
  } else {
    check_response(answer, ec ? nullptr : request_id(request));
    CX_ASSERT((status == 400) == is_error(answer));
  }
  return 0;
}
