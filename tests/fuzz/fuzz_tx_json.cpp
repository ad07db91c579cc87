// Fuzz target: icx_sendTransaction params as they arrive over JSON-RPC. Any input must either parse
// into a tx whose re-serialization parses to the same hash, or be rejected with a reason; never crash.
#include <cstdint>
#include <string_view>
#include <variant>

#include "base/assert.hpp"
#include "core/transaction.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = cx::core::parse_transaction_json(in);
  if (auto* tx = std::get_if<cx::core::Transaction>(&r)) {
    auto again = cx::core::parse_transaction_json(tx->params_json);
    CX_ASSERT(std::holds_alternative<cx::core::Transaction>(again));
    CX_ASSERT(std::get<cx::core::Transaction>(again).hash == tx->hash);
    (void)cx::core::verify_signature(*tx);
  } else {
    CX_ASSERT(!std::get<cx::core::TxRejection>(r).detail.empty());
  }
  return 0;
}
