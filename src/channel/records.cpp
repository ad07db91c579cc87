#include "channel/records.hpp"

#include <algorithm>

#include "codec/binary.hpp"

namespace cx::channel {
namespace {

using storage::Durability;

constexpr std::string_view kGenesisKey = "genesis";
constexpr std::string_view kWalKey = "wal";
constexpr std::string_view kChainPrefix = "chain/";
constexpr std::string_view kProposalPrefix = "proposal/";

bool has_prefix(BytesView key, std::string_view prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

Bytes encode_certified(const consensus::CertifiedBlock& c) {
  codec::Writer w;
  w.bytes(c.block->encode());
  w.bytes(c.qc.encode());
  return w.take();
}

std::optional<consensus::CertifiedBlock> decode_certified(BytesView value) {
  codec::Reader rd(value);
  Bytes block_bytes = rd.bytes(core::kBlockBytesMax);
  Bytes qc_bytes = rd.bytes(core::kValidatorsMax * 256);
  if (!rd.finish()) return std::nullopt;
  auto b = core::Block::decode(block_bytes);
  auto qc = core::QuorumCertificate::decode(qc_bytes);
  if (!b || !qc || qc->block_hash != b->hash()) return std::nullopt;
  return consensus::CertifiedBlock{std::make_shared<const core::Block>(std::move(b).value()), std::move(*qc)};
}

}  // namespace

Bytes RecordsStore::chain_key(uint64_t height) {
  codec::Writer w;
  w.raw(as_bytes(kChainPrefix));
  w.u64(height);
  return w.take();
}

Bytes RecordsStore::proposal_key(const ProposalKey& key) {
  codec::Writer w;
  w.raw(as_bytes(kProposalPrefix));
  w.u32(key.round);
  w.fixed(key.hash);
  return w.take();
}

Status RecordsStore::mark_genesis(const Hash32& genesis_id) {
  storage::WriteBatch mark;
  mark.put(kRecordsColumn, as_bytes(kGenesisKey), genesis_id.view());
  return m_kv.write(mark, Durability::kSync);
}

Result<bool> RecordsStore::has_genesis_mark(const Hash32& genesis_id) const {
  auto mark = m_kv.get(kRecordsColumn, as_bytes(kGenesisKey));
  if (!mark) return mark.status();
  const auto& m = mark.value();
  return m && m->size() == genesis_id.view().size() && std::equal(m->begin(), m->end(), genesis_id.view().begin());
}

Result<RestoredRecords> RecordsStore::load(const core::Block& head) {
  RestoredRecords out;
  auto wal = m_kv.get(kRecordsColumn, as_bytes(kWalKey));
  if (!wal) return Status::error("reading the vote record: " + wal.message());
  if (wal.value()) out.votes.push_back(std::move(*wal.value()));
  storage::WriteBatch stale;
  auto certified = load_certified(head, stale);
  if (!certified) return certified.status();
  out.certified = std::move(certified.value());
  auto proposals = load_proposals(head.header.round, stale);
  if (!proposals) return proposals.status();
  out.proposals = std::move(proposals.value());
  if (auto s = m_kv.write(stale, Durability::kNoSync); !s) return Status::error("deleting stale consensus records: " + s.message());
  return out;
}

// Records at or below the committed head were left by a crash between a commit and their deletion;
// above it, they link up from the head (anything that does not is a branch the chain left).
Result<std::vector<consensus::CertifiedBlock>> RecordsStore::load_certified(const core::Block& head, storage::WriteBatch& stale) {
  std::vector<consensus::CertifiedBlock> chain;
  const uint64_t head_height = head.header.height;
  auto st = m_kv.scan(kRecordsColumn, as_bytes(kChainPrefix), [&](BytesView key, BytesView) {
    if (!has_prefix(key, kChainPrefix)) return false;
    codec::Reader rd(key.subspan(kChainPrefix.size()));
    uint64_t h = rd.u64();
    if (rd.finish() && h <= head_height) stale.del(kRecordsColumn, key);
    return true;
  });
  if (!st) return Status::error("reading the certified-chain records: " + st.message());
  Hash32 parent = head.hash();
  for (uint64_t h = head_height + 1;; ++h) {
    auto r = m_kv.get(kRecordsColumn, chain_key(h));
    if (!r) return Status::error("reading the certified-chain record of height " + std::to_string(h) + ": " + r.message());
    if (!r.value()) break;
    auto c = decode_certified(*r.value());
    if (!c || c->block->header.prev_hash != parent || c->block->header.height != h) break;
    parent = c->block->hash();
    chain.push_back(std::move(*c));
  }
  return chain;
}

Result<std::vector<consensus::BlockPtr>> RecordsStore::load_proposals(uint32_t committed_round, storage::WriteBatch& stale) {
  std::vector<consensus::BlockPtr> out;
  auto st = m_kv.scan(kRecordsColumn, as_bytes(kProposalPrefix), [&](BytesView key, BytesView value) {
    if (!has_prefix(key, kProposalPrefix)) return false;
    auto b = core::Block::decode(value);
    if (!b || b->header.round <= committed_round) {
      stale.del(kRecordsColumn, key);
      return true;
    }
    out.push_back(std::make_shared<const core::Block>(std::move(b).value()));
    return true;
  });
  if (!st) return Status::error("reading the proposal records: " + st.message());
  return out;
}

Status RecordsStore::write(const RecordsUpdate& u) {
  if (u.empty()) return Status::ok();
  storage::WriteBatch batch;
  if (u.certified) {
    const uint64_t h = u.certified->block->header.height;
    batch.put(kRecordsColumn, chain_key(h), encode_certified(*u.certified));
    for (uint64_t above = h + 1; above <= u.certified_top_before; ++above) batch.del(kRecordsColumn, chain_key(above));
  }
  for (const auto& key : u.drop_proposals) batch.del(kRecordsColumn, proposal_key(key));
  for (const auto& [key, body] : u.proposals) batch.put(kRecordsColumn, proposal_key(key), body);
  if (u.vote) batch.put(kRecordsColumn, as_bytes(kWalKey), *u.vote);
  return m_kv.write(batch, u.vote ? Durability::kSync : Durability::kNoSync);
}

Status RecordsStore::drop_committed(uint64_t height, const std::vector<ProposalKey>& stale_proposals) {
  storage::WriteBatch batch;
  batch.del(kRecordsColumn, chain_key(height));
  for (const auto& key : stale_proposals) batch.del(kRecordsColumn, proposal_key(key));
  return m_kv.write(batch, Durability::kNoSync);
}

void RecordsStore::forget_votes_and_proposals() {
  storage::WriteBatch batch;
  batch.del(kRecordsColumn, as_bytes(kWalKey));
  (void)m_kv.scan(kRecordsColumn, as_bytes(kProposalPrefix), [&](BytesView key, BytesView) {
    if (!has_prefix(key, kProposalPrefix)) return false;
    batch.del(kRecordsColumn, key);
    return true;
  });
  (void)m_kv.write(batch, Durability::kSync);
}

}  // namespace cx::channel
