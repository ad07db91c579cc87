// Fuzz target: block bytes as they would arrive from a peer. Decoding must never crash, and a block
// that decodes must re-encode to exactly the same bytes (one encoding per block).
#include <cstdint>

#include "base/assert.hpp"
#include "core/block.hpp"
#include "core/receipt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cx::BytesView in(data, size);
  auto b = cx::core::Block::decode(in);
  if (b) {
    auto again = b->encode();
    CX_ASSERT(again.size() == size && std::equal(again.begin(), again.end(), data));
  }
  if (auto v = cx::core::Vote::decode(in)) CX_ASSERT(v->encode().size() == size);
  if (auto r = cx::core::Receipt::decode(in)) CX_ASSERT(r->encode().size() == size);
  return 0;
}
