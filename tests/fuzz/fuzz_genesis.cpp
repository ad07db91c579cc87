// Fuzz target: a genesis.json as an operator (or a hostile copy) hands it to the node. Parsing must
// never crash; a refusal names the field ("genesis: ..."); an accepted genesis written back with
// ChainParams::to_json parses to the same params (decode -> encode -> decode), and that text is
// canonical: writing the params again gives the same bytes (its SHA3 identifies the chain).
#include <cstdint>
#include <string_view>

#include "base/assert.hpp"
#include "node/genesis.hpp"

using namespace cx;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = node::parse_genesis(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!p) {
    CX_ASSERT(p.message().starts_with("genesis: ") && p.message().size() > 9);
    return 0;
  }
  std::string text = p->to_json();
  auto again = node::parse_genesis(text);
  CX_ASSERT_MSG(again, again.message().c_str());
  CX_ASSERT(*again == *p);
  CX_ASSERT(again->to_json() == text);
  return 0;
}
