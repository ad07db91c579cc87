#include "core/block.hpp"

#include "codec/binary.hpp"
#include "crypto/hash.hpp"

namespace cx::core {
namespace {

void put_address(codec::Writer& w, const Address& a) { w.raw(a.to_bytes()); }

Address get_address(codec::Reader& r) {
  auto raw = r.raw(21);
  if (r.failed()) return {};
  auto a = Address::from_bytes(raw);
  if (!a) {
    r.fail("bad address");
    return {};
  }
  return *a;
}

void encode_vote_body(codec::Writer& w, const Vote& v) {
  w.u64(v.height);
  w.u32(v.round);
  w.u8(static_cast<uint8_t>(v.kind));
  w.fixed(v.block_hash);
  put_address(w, v.voter);
  w.i64(v.timestamp_us);
}

void encode_vote(codec::Writer& w, const Vote& v) {
  encode_vote_body(w, v);
  w.fixed(v.signature);
}

Vote decode_vote(codec::Reader& r) {
  Vote v;
  v.height = r.u64();
  v.round = r.u32();
  uint8_t k = r.u8();
  if (k > 2) r.fail("bad vote kind");
  v.kind = static_cast<VoteKind>(k);
  v.block_hash = r.fixed<32>();
  v.voter = get_address(r);
  v.timestamp_us = r.i64();
  v.signature = r.fixed<65>();
  return v;
}

void encode_qc(codec::Writer& w, const QuorumCertificate& qc) {
  w.u64(qc.height);
  w.u32(qc.round);
  w.fixed(qc.block_hash);
  w.varint(qc.votes.size());
  for (const auto& v : qc.votes) encode_vote(w, v);
}

QuorumCertificate decode_qc(codec::Reader& r) {
  QuorumCertificate qc;
  qc.height = r.u64();
  qc.round = r.u32();
  qc.block_hash = r.fixed<32>();
  uint64_t n = r.count(kValidatorsMax);
  qc.votes.reserve(n);
  for (uint64_t i = 0; i < n && !r.failed(); ++i) qc.votes.push_back(decode_vote(r));
  return qc;
}

void encode_header(codec::Writer& w, const Header& h) {
  w.u32(h.version);
  w.u64(h.height);
  w.u32(h.round);
  w.fixed(h.prev_hash);
  w.i64(h.timestamp_us);
  put_address(w, h.proposer);
  w.fixed(h.tx_root);
  w.fixed(h.prev_result.state_root);
  w.fixed(h.prev_result.receipts_root);
  w.fixed(h.prev_result.logs_bloom);
  w.fixed(h.validators_hash);
  w.fixed(h.prev_qc_hash);
  if (h.version == kBlockVersionNextValidators) w.fixed(h.next_validators_hash);
}

Header decode_header(codec::Reader& r) {
  Header h;
  h.version = r.u32();
  h.height = r.u64();
  h.round = r.u32();
  h.prev_hash = r.fixed<32>();
  h.timestamp_us = r.i64();
  h.proposer = get_address(r);
  h.tx_root = r.fixed<32>();
  h.prev_result.state_root = r.fixed<32>();
  h.prev_result.receipts_root = r.fixed<32>();
  h.prev_result.logs_bloom = r.fixed<256>();
  h.validators_hash = r.fixed<32>();
  h.prev_qc_hash = r.fixed<32>();
  h.next_validators_hash = h.version == kBlockVersionNextValidators ? r.fixed<32>() : h.validators_hash;
  return h;
}

Hash32 hash_pair(const Hash32& a, const Hash32& b) {
  uint8_t buf[64];
  std::memcpy(buf, a.data(), 32);
  std::memcpy(buf + 32, b.data(), 32);
  return crypto::sha3_256({buf, 64});
}

}  // namespace

Hash32 Vote::signing_hash() const {
  codec::Writer w;
  w.str("complexchain/vote");
  encode_vote_body(w, *this);
  return crypto::sha3_256(w.out());
}

Bytes Vote::encode() const {
  codec::Writer w;
  encode_vote(w, *this);
  return w.take();
}

std::optional<Vote> Vote::decode(BytesView b) {
  codec::Reader r(b);
  Vote v = decode_vote(r);
  if (!r.finish()) return std::nullopt;
  return v;
}

Hash32 QuorumCertificate::hash() const { return crypto::sha3_256(encode()); }

Bytes QuorumCertificate::encode() const {
  codec::Writer w;
  encode_qc(w, *this);
  return w.take();
}

std::optional<QuorumCertificate> QuorumCertificate::decode(BytesView b) {
  codec::Reader r(b);
  QuorumCertificate qc = decode_qc(r);
  if (!r.finish()) return std::nullopt;
  return qc;
}

Hash32 Header::hash() const {
  codec::Writer w;
  encode_header(w, *this);
  return crypto::sha3_256(w.out());
}

Bytes Header::encode() const {
  codec::Writer w;
  encode_header(w, *this);
  return w.take();
}

std::optional<Header> Header::decode(BytesView b) {
  codec::Reader r(b);
  Header h = decode_header(r);
  if (!r.finish() || (h.version != kBlockVersion && h.version != kBlockVersionNextValidators)) return std::nullopt;
  return h;
}

Bytes Block::encode() const {
  codec::Writer w;
  encode_header(w, header);
  encode_qc(w, prev_qc);
  w.varint(txs.size());
  for (const auto& tx : txs) w.str(tx->params_json);
  w.fixed(proposer_signature);
  return w.take();
}

Result<Block> Block::decode(BytesView b, const KnownTx& known) {
  if (b.size() > kBlockBytesMax) return Result<Block>::error("block is larger than the limit");
  codec::Reader r(b);
  Block blk;
  auto& h = blk.header;
  h = decode_header(r);
  blk.prev_qc = decode_qc(r);
  uint64_t ntx = r.count(kBlockTxCountMax);
  blk.txs.reserve(ntx);
  for (uint64_t i = 0; i < ntx && !r.failed(); ++i) {
    std::string json = r.str(kTxJsonBytesMax);
    if (r.failed()) break;
    if (known) {
      if (TxPtr t = known(i, json); t && t->params_json == json) {
        blk.txs.push_back(std::move(t));
        continue;
      }
    }
    auto parsed = parse_transaction_json(json);
    if (auto* rej = std::get_if<TxRejection>(&parsed))
      return Result<Block>::error("block tx " + std::to_string(i) + " is invalid: " + rej->detail);
    blk.txs.push_back(std::make_shared<const Transaction>(std::move(std::get<Transaction>(parsed))));
  }
  blk.proposer_signature = r.fixed<65>();
  if (!r.finish()) return Result<Block>::error(std::string("block decode: ") + r.error());
  if (h.version != kBlockVersion && h.version != kBlockVersionNextValidators)
    return Result<Block>::error("block version " + std::to_string(h.version) + " is unknown");
  if ((h.version == kBlockVersionNextValidators) == (h.next_validators_hash == h.validators_hash))
    return Result<Block>::error("block version 2 is for a header whose next validator set differs from its own");
  if (tx_root(blk.txs) != h.tx_root) return Result<Block>::error("block tx_root does not match its txs");
  if (blk.prev_qc.hash() != h.prev_qc_hash) return Result<Block>::error("block prev_qc does not match prev_qc_hash");
  return blk;
}

Hash32 merkle_root(std::vector<Hash32> leaves) {
  if (leaves.empty()) return Hash32{};
  // Each level overwrites the front of the one below: parent j is written after its children 2j and
  // 2j + 1 were read, and nothing at or below index j is read again.
  size_t width = leaves.size();
  while (width > 1) {
    size_t parents = 0;
    for (size_t i = 0; i + 1 < width; i += 2) leaves[parents++] = hash_pair(leaves[i], leaves[i + 1]);
    // An odd last node is promoted unchanged.
    if (width % 2) leaves[parents++] = leaves[width - 1];
    width = parents;
  }
  return leaves[0];
}

Hash32 tx_root(const std::vector<TxPtr>& txs) {
  std::vector<Hash32> leaves;
  leaves.reserve(txs.size());
  for (const auto& tx : txs) leaves.push_back(tx->hash);
  return merkle_root(std::move(leaves));
}

Hash32 validators_hash(const std::vector<Address>& validators) {
  codec::Writer w;
  w.varint(validators.size());
  for (const auto& v : validators) w.raw(v.to_bytes());
  return crypto::sha3_256(w.out());
}

}  // namespace cx::core
