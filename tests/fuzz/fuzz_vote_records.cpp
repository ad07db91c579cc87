// Fuzz target: what a validator reads back from its write-ahead log at start, and votes as they come
// from peers. The first byte picks:
//   0: one vote record: decode_vote_record, and check_records for this node's key;
//   1: several records (each prefixed by a one-byte length), through check_records;
//   2: core::Vote::decode.
// Decoding must never crash; whatever decodes re-encodes to the same bytes and decodes again to the
// same record (decode -> encode -> decode). check_records may accept only records that decode and
// hold this node's signed vote; records it accepts must start the LFT engine (which asserts they
// are valid), and the engine then never sits in a round below the latest recorded vote.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/assert.hpp"
#include "consensus/engine.hpp"

using namespace cx;

namespace {

crypto::PrivateKey key_of(uint8_t i) {
  crypto::PrivateKey k;
  k.bytes[0] = 0x5a;
  k.bytes[31] = i;
  return k;
}

struct Node {
  consensus::EngineOptions options;
  core::Address self;
  consensus::BlockPtr genesis;

  Node() {
    for (uint8_t i = 1; i <= 4; ++i)
      options.validators.push_back(core::Address::of_public_key(*crypto::public_key_of(key_of(i))));
    options.key = key_of(3);
    self = options.validators[2];
    auto g = std::make_shared<core::Block>();
    g->header.timestamp_us = 1'000'000;
    genesis = g;
  }
};

void check_one_record(const Node& node, BytesView in) {
  auto rec = consensus::decode_vote_record(in);
  if (rec) {
    Bytes again = consensus::encode_vote_record(*rec);
    CX_ASSERT(again == Bytes(in.begin(), in.end()));
    auto twice = consensus::decode_vote_record(again);
    CX_ASSERT(twice && twice->vote.encode() == rec->vote.encode() && twice->lock_round == rec->lock_round);
  } else {
    CX_ASSERT(!rec.message().empty());
  }
}

void check_and_start(const Node& node, const std::vector<Bytes>& records) {
  auto st = consensus::check_records(records, node.self);
  if (!st) {
    CX_ASSERT(!st.message().empty());
    return;
  }
  uint32_t latest = 0;
  for (const auto& r : records) {
    auto rec = consensus::decode_vote_record(r);
    CX_ASSERT(rec && rec->vote.voter == node.self);
    latest = std::max(latest, rec->vote.round);
  }
  auto engine = consensus::make_lft_engine(node.options);
  (void)engine->start(consensus::ChainTip{node.genesis, {}, {}}, records);
  CX_ASSERT(engine->status().round >= latest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Node node;
  if (size == 0) return 0;
  BytesView in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      check_one_record(node, in);
      check_and_start(node, {Bytes(in.begin(), in.end())});
      break;
    case 1: {
      std::vector<Bytes> records;
      for (size_t at = 0; at < in.size() && records.size() < 8;) {
        size_t n = std::min<size_t>(in[at], in.size() - at - 1);
        records.emplace_back(in.begin() + at + 1, in.begin() + at + 1 + n);
        at += 1 + n;
      }
      for (const auto& r : records) check_one_record(node, r);
      check_and_start(node, records);
      break;
    }
    case 2:
      if (auto v = core::Vote::decode(in)) {
        Bytes again = v->encode();
        CX_ASSERT(again == Bytes(in.begin(), in.end()));
        auto twice = core::Vote::decode(again);
        CX_ASSERT(twice && twice->encode() == again && twice->signing_hash() == v->signing_hash());
      }
      break;
  }
  return 0;
}
