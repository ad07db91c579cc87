// Fuzz target: the one request a WebSocket monitor client sends ({"height":"0x..", filters...}), read
// as a block monitor and as an event monitor, as the session does (monitor.cpp on_request). A request
// is accepted or refused with a message naming the bad field ("invalid params: ..."); an accepted one
// is then applied to a block whose receipts carry event logs (fake_channel.hpp), and every
// notification must be a JSON object naming that block: one per block for a block monitor, at most
// one per result for an event monitor.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "base/assert.hpp"
#include "fake_channel.hpp"
#include "rpc/json_format.hpp"
#include "rpc/monitor.hpp"

using namespace cx;
namespace json = boost::json;

namespace {

void check(rpc::MonitorKind kind, const json::value& request, const fuzz::FakeChannel& chain) {
  auto req = rpc::parse_monitor_request(kind, request);
  if (!req) {
    CX_ASSERT(req.message().starts_with("invalid params: ") && req.message().size() > 16);
    return;
  }
  const auto& block = *chain.block(1);
  const auto& receipts = chain.receipts(1);
  std::vector<std::string> notes;
  rpc::monitor_notifications(kind, *req, block, &receipts, notes);
  if (kind == rpc::MonitorKind::kBlock) CX_ASSERT(notes.size() == 1);
  else CX_ASSERT(notes.size() <= receipts.size());
  const std::string hash = rpc::hash_hex(block.hash());
  for (const auto& n : notes) {
    boost::system::error_code ec;
    json::value v = json::parse(n, ec);
    CX_ASSERT(!ec && v.is_object());
    CX_ASSERT(v.get_object().contains("hash") && v.get_object().at("hash") == json::string_view(hash));
    CX_ASSERT(v.get_object().contains("height") && v.get_object().at("height") == "0x1");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fuzz::FakeChannel chain;
  boost::system::error_code ec;
  json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;  // the session answers a parse error itself
  check(rpc::MonitorKind::kBlock, v, chain);
  check(rpc::MonitorKind::kEvent, v, chain);
  return 0;
}
