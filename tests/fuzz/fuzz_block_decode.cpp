// Fuzz target: block, vote and receipt bytes as they would arrive from a peer or the database.
// Decoding must never crash, and whatever decodes must re-encode to exactly the same bytes (one
// encoding per value), which decode again to the same value (decode -> encode -> decode).
#include <cstdint>

#include "base/assert.hpp"
#include "core/block.hpp"
#include "core/receipt.hpp"

using namespace cx;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  BytesView in(data, size);
  const Bytes input(in.begin(), in.end());
  if (auto b = core::Block::decode(in)) {
    Bytes again = b->encode();
    CX_ASSERT(again == input);
    auto twice = core::Block::decode(again);
    CX_ASSERT(twice && twice->hash() == b->hash() && twice->prev_qc.hash() == b->prev_qc.hash() &&
              twice->txs.size() == b->txs.size() && twice->proposer_signature == b->proposer_signature);
    for (size_t i = 0; i < b->txs.size(); ++i) CX_ASSERT(twice->txs[i]->params_json == b->txs[i]->params_json);
  }
  if (auto v = core::Vote::decode(in)) {
    CX_ASSERT(v->encode() == input);
    auto twice = core::Vote::decode(input);
    CX_ASSERT(twice && twice->signing_hash() == v->signing_hash() && twice->signature == v->signature);
  }
  if (auto r = core::Receipt::decode(in)) {
    CX_ASSERT(r->encode() == input);
    auto twice = core::Receipt::decode(input);
    CX_ASSERT(twice && twice->hash() == r->hash());
  }
  return 0;
}
