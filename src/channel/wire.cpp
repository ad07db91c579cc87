#include "channel/wire.hpp"

#include "codec/binary.hpp"

namespace cx::channel::wire {

Bytes encode_proposal(const core::Block& block, BytesView block_bytes) {
  codec::Writer w;
  w.varint(block.txs.size());
  for (const auto& tx : block.txs) w.fixed(tx->hash);
  w.bytes(block_bytes);
  return w.take();
}

std::optional<Proposal> decode_proposal(BytesView b) {
  codec::Reader r(b);
  Proposal p;
  uint64_t n = r.count(core::kBlockTxCountMax);
  p.tx_hashes.reserve(n);
  for (uint64_t i = 0; i < n && !r.failed(); ++i) p.tx_hashes.push_back(r.fixed<32>());
  p.block = r.bytes(core::kBlockBytesMax);
  if (!r.finish()) return std::nullopt;
  return p;
}

Bytes encode_txs(const std::vector<core::TxPtr>& txs) {
  codec::Writer w;
  w.varint(txs.size());
  for (const auto& tx : txs) w.str(tx->params_json);
  return w.take();
}

std::optional<std::vector<std::string>> decode_txs(BytesView b) {
  codec::Reader r(b);
  uint64_t n = r.count(kGossipTxsMax);
  std::vector<std::string> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n && !r.failed(); ++i) out.push_back(r.str(core::kTxJsonBytesMax));
  if (!r.finish()) return std::nullopt;
  return out;
}

Bytes encode(const BlockRequest& q) {
  codec::Writer w;
  w.u64(q.from_height);
  w.u32(q.count);
  return w.take();
}

std::optional<BlockRequest> decode_block_request(BytesView b) {
  codec::Reader r(b);
  BlockRequest q{r.u64(), r.u32()};
  if (!r.finish() || q.count == 0 || q.count > kSyncBlocksMax) return std::nullopt;
  return q;
}

Bytes encode(const std::vector<CertifiedBlock>& blocks) {
  codec::Writer w;
  w.varint(blocks.size());
  for (const auto& c : blocks) {
    w.bytes(c.block);
    w.bytes(c.qc);
  }
  return w.take();
}

std::optional<std::vector<CertifiedBlock>> decode_block_response(BytesView b) {
  codec::Reader r(b);
  uint64_t n = r.count(kSyncBlocksMax + 1);
  std::vector<CertifiedBlock> out;
  for (uint64_t i = 0; i < n && !r.failed(); ++i) {
    CertifiedBlock c;
    c.block = r.bytes(core::kBlockBytesMax);
    c.qc = r.bytes(core::kValidatorsMax * 256);
    out.push_back(std::move(c));
  }
  if (!r.finish()) return std::nullopt;
  return out;
}

Bytes encode(const Status& s) {
  codec::Writer w;
  w.u64(s.committed_height);
  w.u64(s.candidate_height);
  return w.take();
}

std::optional<Status> decode_status(BytesView b) {
  codec::Reader r(b);
  Status s{r.u64(), r.u64()};
  if (!r.finish() || s.candidate_height < s.committed_height) return std::nullopt;
  return s;
}

}  // namespace cx::channel::wire
