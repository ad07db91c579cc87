#pragma once
// JSON-RPC 2.0 over one HTTP body: single requests and batches, goloop's error codes, the v3
// method table. Transport-free apart from an executor on which asynchronous replies are delivered.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "base/mutex.hpp"
#include "channel/api.hpp"
#include "rpc/error_codes.hpp"
#include "rpc/server.hpp"

namespace cx::rpc {


struct RpcError {
  int code = error_code::kInternal;
  std::string message;  // starts with the kind ("invalid params: ...") and names the bad input
};

// Callbacks from channel threads must never reach an io_context that is gone: they take this
// lock, check `alive` and only then post. Server::stop() clears `alive` before stopping the threads.
struct LifeGuard {
  Mutex mutex;
  bool alive GUARDED_BY(mutex) = true;
  // Set once before the guard is shared; what it points to may be used only under the lock, while `alive`.
  boost::asio::io_context* io PT_GUARDED_BY(mutex) = nullptr;
};

struct RequestContext {
  channel::ChannelApi* channel = nullptr;
  bool debug = false;                          // /api/v3d: debug_* methods allowed
  std::optional<int64_t> requested_timeout_ms;  // "Icon-Options: timeout=<ms>"
  boost::asio::any_io_executor executor;       // the connection's strand
  // Set by batch handling: this icx_sendTransaction was already submitted together with the rest
  // of its batch (signatures verified in parallel); use the result instead of submitting again.
  const channel::SubmitResult* presubmitted = nullptr;
};

// Called exactly once with the HTTP status and the response body, on the context's executor
// (possibly before Dispatcher::handle returns).
using ReplyFn = std::function<void(unsigned http_status, std::string body)>;

class Dispatcher {
 public:
  Dispatcher(const ServerOptions& options, std::shared_ptr<LifeGuard> guard);
  void handle(std::string_view body, const RequestContext& ctx, ReplyFn reply);

  // A complete error response (id null), e.g. for HTTP-level failures.
  static std::string error_body(const RpcError& error);

 private:
  struct Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace cx::rpc
