#include "core/receipt.hpp"

#include <array>

#include "codec/binary.hpp"
#include "crypto/hash.hpp"

namespace cx::core {
namespace {
// Enough for a receipt with one ICX transfer log, so encoding one rarely reallocates.
constexpr size_t kTypicalEncodingBytes = 640;

// Bloom position of a log's score; indexed items use their index.
constexpr uint8_t kScorePosition = 0xff;
// ICON's system address (cx000…000), the score of ICX transfer logs.
constexpr Address kSystemScore{true, {}};

// The 3 bits (of 2048) an item sets: the first three big-endian 16-bit words of
// SHA3-256(position || item), each mod 2048.
using BloomBits = std::array<unsigned, 3>;

BloomBits bloom_bits(uint8_t position, std::string_view item) {
  crypto::Sha3Hasher h;
  h.update({&position, 1});
  h.update(as_bytes(item));
  const Hash32 d = h.finish();
  BloomBits bits;
  for (size_t i = 0; i < bits.size(); ++i)
    bits[i] = (static_cast<unsigned>(d.bytes[2 * i]) << 8 | d.bytes[2 * i + 1]) & 2047u;
  return bits;
}

void set_bits(LogsBloom& bloom, const BloomBits& bits) {
  for (unsigned bit : bits) bloom.bytes[255 - bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
}

// Every ICX transfer log repeats two items: the system score and the transfer signature. Their bits
// are a function of constants, computed once on first use; all other items are hashed each time.
const BloomBits& system_score_bits() {
  static const BloomBits bits = bloom_bits(kScorePosition, kSystemScore.to_string());
  return bits;
}
const BloomBits& transfer_signature_bits() {
  static const BloomBits bits = bloom_bits(0, kIcxTransferSignature);
  return bits;
}

}  // namespace

void bloom_add_log(LogsBloom& bloom, const EventLog& log) {
  set_bits(bloom, log.score == kSystemScore ? system_score_bits()
                                            : bloom_bits(kScorePosition, log.score.to_string()));
  for (size_t i = 0; i < log.indexed.size(); ++i) {
    const bool is_transfer_signature = i == 0 && log.indexed[0] == kIcxTransferSignature;
    set_bits(bloom, is_transfer_signature ? transfer_signature_bits()
                                          : bloom_bits(static_cast<uint8_t>(i), log.indexed[i]));
  }
}

void bloom_merge(LogsBloom& into, const LogsBloom& other) {
  for (size_t i = 0; i < into.bytes.size(); ++i) into.bytes[i] |= other.bytes[i];
}

namespace {

// The canonical encoding: what the tx index stores after a tx's position, and what the receipts root hashes.
void write_receipt(codec::Writer& w, const Receipt& rc) {
  w.fixed(rc.tx_hash);
  w.u32(rc.tx_index);
  w.boolean(rc.success);
  w.boolean(rc.failure.has_value());
  if (rc.failure) {
    w.u32(code_value(rc.failure->code));
    w.str(rc.failure->message);
  }
  w.raw(rc.to.to_bytes());
  w.uint256(rc.step_used);
  w.uint256(rc.step_price);
  w.uint256(rc.cumulative_step_used);
  w.boolean(rc.score_address.has_value());
  if (rc.score_address) w.raw(rc.score_address->to_bytes());
  w.varint(rc.logs.size());
  for (const auto& l : rc.logs) {
    w.raw(l.score.to_bytes());
    w.varint(l.indexed.size());
    for (const auto& s : l.indexed) w.str(s);
    w.varint(l.data.size());
    for (const auto& s : l.data) w.str(s);
  }
  w.fixed(rc.logs_bloom);
}

}  // namespace

Bytes Receipt::encode() const {
  codec::Writer w(kTypicalEncodingBytes);
  write_receipt(w, *this);
  return w.take();
}

std::optional<Receipt> Receipt::decode(BytesView b) {
  codec::Reader r(b);
  Receipt rc;
  auto addr = [&]() -> Address {
    auto raw = r.raw(21);
    if (r.failed()) return {};
    auto a = Address::from_bytes(raw);
    if (!a) r.fail("bad address");
    return a ? *a : Address{};
  };
  rc.tx_hash = r.fixed<32>();
  rc.tx_index = r.u32();
  rc.success = r.boolean();
  if (r.boolean()) {
    Failure f;
    f.code = static_cast<FailureCode>(r.u32());  // any value: user codes are kUserBase + N
    f.message = r.str(kFailureMessageBytesMax);
    rc.failure = f;
  }
  rc.to = addr();
  rc.step_used = r.uint256();
  rc.step_price = r.uint256();
  rc.cumulative_step_used = r.uint256();
  if (r.boolean()) rc.score_address = addr();
  uint64_t n = r.count(kReceiptLogsMax);
  for (uint64_t i = 0; i < n && !r.failed(); ++i) {
    EventLog l;
    l.score = addr();
    uint64_t ni = r.count(kLogItemsMax);
    for (uint64_t j = 0; j < ni && !r.failed(); ++j) l.indexed.push_back(r.str(kLogItemBytesMax));
    uint64_t nd = r.count(kLogItemsMax);
    for (uint64_t j = 0; j < nd && !r.failed(); ++j) l.data.push_back(r.str(kLogItemBytesMax));
    rc.logs.push_back(std::move(l));
  }
  rc.logs_bloom = r.fixed<256>();
  if (!r.finish()) return std::nullopt;
  return rc;
}

Hash32 Receipt::hash() const { return crypto::sha3_256(encode()); }

Hash32 receipts_root(const std::vector<Receipt>& receipts) {
  std::vector<Hash32> leaves;
  leaves.reserve(receipts.size());
  codec::Writer w(kTypicalEncodingBytes);  // one buffer for every receipt's encoding
  for (const auto& r : receipts) {
    w.clear();
    write_receipt(w, r);
    leaves.push_back(crypto::sha3_256(w.out()));
  }
  return merkle_root(std::move(leaves));
}

}  // namespace cx::core
