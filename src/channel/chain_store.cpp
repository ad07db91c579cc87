#include "channel/chain_store.hpp"

#include "base/log.hpp"
#include "codec/binary.hpp"

namespace cx::channel {

namespace {
const Bytes kLastHeightKey = {'l', 'a', 's', 't'};
const Bytes kGenesisKey = {'g', 'e', 'n', 'e', 's', 'i', 's'};
const Bytes kFormatKey = {'f', 'o', 'r', 'm', 'a', 't'};
const Bytes kTxsTotalKey = {'t', 'x', 's'};

Bytes u64_bytes(uint64_t v) {
  codec::Writer w;
  w.u64(v);
  return w.take();
}
}  // namespace

Bytes height_key(uint64_t height) { return u64_bytes(height); }

Bytes CommittedResult::encode() const {
  codec::Writer w;
  w.fixed(result.state_root);
  w.fixed(result.receipts_root);
  w.fixed(result.logs_bloom);
  w.bytes(qc.encode());
  return w.take();
}

std::optional<CommittedResult> CommittedResult::decode(BytesView b) {
  codec::Reader r(b);
  CommittedResult c;
  c.result.state_root = r.fixed<32>();
  c.result.receipts_root = r.fixed<32>();
  c.result.logs_bloom = r.fixed<256>();
  auto qc = core::QuorumCertificate::decode(r.bytes(core::kValidatorsMax * 256));
  if (!qc) r.fail("bad quorum certificate");
  else c.qc = std::move(*qc);
  if (!r.finish()) return std::nullopt;
  return c;
}

ChainStore::ChainStore(storage::KvStore& kv) : m_kv(kv) {
  for (const auto* c : {&kMetaColumn, &kBlocksColumn, &kHeightIndexColumn, &kTxIndexColumn, &kResultsColumn}) {
    CX_ASSERT_MSG(kv.schema().contains(*c), "the chain's store lacks one of the chain's columns");
  }
}

void ChainStore::add_columns(storage::Schema& schema) {
  schema.add(kMetaColumn).add(kBlocksColumn).add(kHeightIndexColumn).add(kTxIndexColumn).add(kResultsColumn);
}

std::optional<Bytes> ChainStore::get(const storage::ColumnDef& c, BytesView key) const {
  auto r = m_kv.get(c, key);
  if (!r) {
    CX_ERROR("store", "read from " << c.name() << " failed: " << r.message());
    CX_ASSERT_MSG(false, "storage read failed; refusing to serve possibly wrong data");
  }
  return std::move(r.value());
}

std::optional<uint64_t> ChainStore::meta_u64(BytesView key, const char* what) const {
  auto v = get(kMetaColumn, key);
  if (!v) return std::nullopt;
  codec::Reader r(*v);
  uint64_t n = r.u64();
  CX_ASSERT_MSG(r.finish(), what);
  return n;
}

std::optional<uint64_t> ChainStore::last_height() const { return meta_u64(kLastHeightKey, "corrupted last height"); }

std::optional<Hash32> ChainStore::genesis_id() const {
  auto v = get(kMetaColumn, kGenesisKey);
  if (!v) return std::nullopt;
  return Hash32::from_view(*v);
}

std::optional<Hash32> ChainStore::hash_at(uint64_t height) const {
  auto v = get(kHeightIndexColumn, height_key(height));
  if (!v) return std::nullopt;
  return Hash32::from_view(*v);
}

std::shared_ptr<const core::Block> ChainStore::block(const Hash32& hash) const {
  auto v = get(kBlocksColumn, hash.view());
  if (!v) return nullptr;
  auto b = core::Block::decode(*v);
  CX_ASSERT_MSG(b.is_ok(), "stored block does not decode");
  return std::make_shared<const core::Block>(std::move(b).value());
}

std::optional<CommittedResult> ChainStore::result_at(uint64_t height) const {
  auto v = get(kResultsColumn, height_key(height));
  if (!v) return std::nullopt;
  auto r = CommittedResult::decode(*v);
  CX_ASSERT_MSG(r.has_value(), "stored result does not decode");
  return r;
}

std::optional<uint64_t> ChainStore::format() const { return meta_u64(kFormatKey, "corrupted storage format entry"); }

uint64_t ChainStore::txs_total() const {
  if (auto n = meta_u64(kTxsTotalKey, "corrupted tx count")) return *n;
  uint64_t n = 0;
  auto s = m_kv.scan(kTxIndexColumn, {}, [&n](BytesView, BytesView) {
    ++n;
    return true;
  });
  CX_ASSERT_MSG(s.is_ok(), ("counting the tx index failed: " + s.message()).c_str());
  return n;
}

// A tx's entry: u64 height, u32 index, then its receipt's encoding.
std::optional<TxPosition> ChainStore::tx_position(const Hash32& tx_hash) const {
  auto v = get(kTxIndexColumn, tx_hash.view());
  if (!v) return std::nullopt;
  codec::Reader r(*v);
  TxPosition p{r.u64(), r.u32()};
  CX_ASSERT_MSG(!r.failed(), "corrupted tx index entry");
  return p;
}

std::optional<core::Receipt> ChainStore::receipt(const Hash32& tx_hash) const {
  auto v = get(kTxIndexColumn, tx_hash.view());
  if (!v) return std::nullopt;
  constexpr size_t kPositionBytes = 8 + 4;
  CX_ASSERT_MSG(v->size() >= kPositionBytes, "corrupted tx index entry");
  auto r = core::Receipt::decode(BytesView(*v).subspan(kPositionBytes));
  CX_ASSERT_MSG(r.has_value(), "stored receipt does not decode");
  return r;
}

void ChainStore::stage_block(const core::Block& block, const std::vector<core::Receipt>& receipts,
                             const CommittedResult& result, storage::WriteBatch& batch) const {
  CX_ASSERT(receipts.size() == block.txs.size());
  Hash32 hash = block.hash();
  uint64_t height = block.header.height;
  batch.put(kBlocksColumn, hash.view(), block.encode());
  batch.put(kHeightIndexColumn, height_key(height), hash.view());
  for (size_t i = 0; i < block.txs.size(); ++i) {
    codec::Writer w;
    w.u64(height);
    w.u32(static_cast<uint32_t>(i));
    w.raw(receipts[i].encode());
    batch.put(kTxIndexColumn, block.txs[i]->hash.view(), w.out());
  }
  batch.put(kResultsColumn, height_key(height), result.encode());
  batch.put(kMetaColumn, kLastHeightKey, u64_bytes(height));
  batch.put(kMetaColumn, kTxsTotalKey, u64_bytes(txs_total() + block.txs.size()));
}

void ChainStore::stage_genesis_id(const Hash32& id, storage::WriteBatch& batch) const {
  batch.put(kMetaColumn, kGenesisKey, id.view());
  batch.put(kMetaColumn, kFormatKey, u64_bytes(kStorageFormat));
}

}  // namespace cx::channel
