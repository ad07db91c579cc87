// Fuzz target: icx_sendTransaction params as they arrive over JSON-RPC. Any input must either parse
// into a tx or be rejected with a reason; never crash. A tx that parses is kept as the compact JSON
// of its params (params_json, what blocks and gossip carry); parsing that text again must give the
// same tx, field by field, and the same text (decode -> encode -> decode).
#include <cstdint>
#include <string_view>
#include <variant>

#include "base/assert.hpp"
#include "core/transaction.hpp"

namespace {

bool same_tx(const cx::core::Transaction& a, const cx::core::Transaction& b) {
  return a.version == b.version && a.from == b.from && a.to == b.to && a.value == b.value &&
         a.step_limit == b.step_limit && a.timestamp_us == b.timestamp_us && a.nid == b.nid && a.nonce == b.nonce &&
         a.data_type == b.data_type && a.data == b.data && a.signature == b.signature && a.hash == b.hash &&
         a.params_json == b.params_json && a.data_bytes == b.data_bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = cx::core::parse_transaction_json(in);
  if (auto* tx = std::get_if<cx::core::Transaction>(&r)) {
    auto again = cx::core::parse_transaction_json(tx->params_json);
    CX_ASSERT(std::holds_alternative<cx::core::Transaction>(again));
    CX_ASSERT(same_tx(std::get<cx::core::Transaction>(again), *tx));
    (void)cx::core::verify_signature(*tx);
  } else {
    CX_ASSERT(!std::get<cx::core::TxRejection>(r).detail.empty());
  }
  return 0;
}
