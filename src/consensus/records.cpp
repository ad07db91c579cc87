// The write-ahead vote record (engine.hpp): encoding, decoding, and the check a channel runs before
// handing its records to Engine::start().
#include <string>

#include "codec/binary.hpp"
#include "consensus/engine.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::consensus {
namespace {

// A signed vote is 160 bytes (Vote::encode()); the bound keeps a corrupt length from allocating.
constexpr size_t kRecordVoteBytesMax = 256;

}  // namespace

Bytes encode_vote_record(const VoteRecord& record) {
  const core::Vote& v = record.vote;
  codec::Writer w;
  w.u8(kVoteRecordVersion);
  w.u64(v.height);
  w.u32(v.round);
  w.fixed(v.block_hash);
  w.bytes(v.encode());
  w.u32(record.lock_round);
  return w.take();
}

Result<VoteRecord> decode_vote_record(BytesView b) {
  using R = Result<VoteRecord>;
  if (b.empty()) return R::error("empty record");
  codec::Reader r(b);
  uint8_t version = r.u8();
  if (version != kVoteRecordVersion)
    return R::error("record version " + std::to_string(version) + ", this build reads version " +
                    std::to_string(kVoteRecordVersion));
  uint64_t height = r.u64();
  uint32_t round = r.u32();
  Hash32 hash = r.fixed<32>();
  Bytes vote_bytes = r.bytes(kRecordVoteBytesMax);
  uint32_t lock_round = r.u32();
  if (!r.finish()) return R::error(std::string("malformed record (") + r.error() + ")");
  auto v = core::Vote::decode(vote_bytes);
  if (!v) return R::error("the vote inside the record does not decode");
  if (v->height != height || v->round != round || v->block_hash != hash)
    return R::error("the record's height/round/block hash do not match the vote inside it");
  return VoteRecord{std::move(*v), lock_round};
}

Status check_records(const std::vector<Bytes>& records, const core::Address& self) {
  for (size_t i = 0; i < records.size(); ++i) {
    std::string which = "consensus vote record " + std::to_string(i + 1) + " of " + std::to_string(records.size());
    auto rec = decode_vote_record(records[i]);
    if (!rec) return Status::error(which + " is unreadable: " + rec.message());
    const core::Vote& v = rec->vote;
    if (v.voter != self)
      return Status::error(which + " holds a vote of " + v.voter.to_string() + ", not of this node's key " +
                           self.to_string() + " (was the node key replaced?)");
    auto pub = crypto::recover(v.signing_hash(), v.signature);
    if (!pub || core::Address::of_public_key(*pub) != self)
      return Status::error(which + " (height " + std::to_string(v.height) + ", round " + std::to_string(v.round) +
                           ") holds a vote whose signature is not by this node's key " + self.to_string());
  }
  return Status::ok();
}

}  // namespace cx::consensus
