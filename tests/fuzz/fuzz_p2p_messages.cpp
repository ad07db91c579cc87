// Fuzz target: what a peer can send. The first byte picks the decoder (handshake, frame header, proposal,
// vote, QC, and the channel's gossip/sync/status payloads); the rest is the input. Decoders must
// never crash, and whatever decodes must re-encode to the same bytes (the frame header: a frame
// built from the decoded length and type starts with the same header).
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <vector>

#include "base/assert.hpp"
#include "channel/wire.hpp"
#include "p2p/wire.hpp"

using namespace cx;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  BytesView in(data + 1, size - 1);
  switch (data[0] % 9) {
    case 0: {
      std::string error;
      if (auto h = p2p::decode_hello(in, &error)) CX_ASSERT(p2p::encode_hello(*h) == Bytes(in.begin(), in.end()));
      break;
    }
    case 1: {
      // A header read back from a frame built with its length and type is the same header.
      if (in.size() < p2p::kFrameHeaderBytes) break;
      uint8_t header[p2p::kFrameHeaderBytes];
      std::memcpy(header, in.data(), sizeof header);
      auto h = p2p::decode_frame_header(header);
      if (h.length >= 1 && h.length <= 65536) {
        Bytes frame = p2p::encode_frame(h.type, Bytes(h.length - 1, 0));
        CX_ASSERT(frame.size() == p2p::kFrameHeaderBytes + h.length - 1);
        CX_ASSERT(std::equal(header, header + sizeof header, frame.begin()));
      }
      break;
    }
    case 2:
      if (auto a = p2p::decode_auth(in)) CX_ASSERT(p2p::encode_auth(*a) == Bytes(in.begin(), in.end()));
      break;
    case 3:
      if (auto q = core::QuorumCertificate::decode(in)) CX_ASSERT(q->encode() == Bytes(in.begin(), in.end()));
      break;
    case 4:
      // Gossiped txs are carried as their params JSON: the list re-encodes to the same bytes.
      if (auto t = channel::wire::decode_txs(in)) {
        std::vector<core::TxPtr> carried;
        for (const auto& j : *t) {
          (void)core::parse_transaction_json(j);
          auto tx = std::make_shared<core::Transaction>();
          tx->params_json = j;
          carried.push_back(std::move(tx));
        }
        CX_ASSERT(channel::wire::encode_txs(carried) == Bytes(in.begin(), in.end()));
      }
      break;
    case 5:
      if (auto r = channel::wire::decode_block_request(in)) CX_ASSERT(channel::wire::encode(*r) == Bytes(in.begin(), in.end()));
      break;
    case 6:
      if (auto r = channel::wire::decode_block_response(in)) CX_ASSERT(channel::wire::encode(*r) == Bytes(in.begin(), in.end()));
      break;
    case 7:
      if (auto s = channel::wire::decode_status(in)) CX_ASSERT(channel::wire::encode(*s) == Bytes(in.begin(), in.end()));
      break;
    case 8:
      // A proposal: hash hints, then the block, decoded with "known" txs offered for every slot (the
      // first parseable tx of the block, so most offers must be refused as not byte-identical).
      if (auto p = channel::wire::decode_proposal(in)) {
        core::TxPtr offer;
        auto b = core::Block::decode(p->block, [&](size_t, std::string_view json) -> core::TxPtr {
          if (!offer) {
            auto parsed = core::parse_transaction_json(json);
            if (auto* tx = std::get_if<core::Transaction>(&parsed)) offer = std::make_shared<const core::Transaction>(*tx);
          }
          return offer;
        });
        if (b) {
          CX_ASSERT(b->encode() == p->block);
          CX_ASSERT(b.value().txs.size() <= core::kBlockTxCountMax);
        }
      }
      break;
  }
  return 0;
}
