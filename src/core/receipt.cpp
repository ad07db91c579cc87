#include "core/receipt.hpp"

#include "codec/binary.hpp"
#include "crypto/hash.hpp"

namespace cx::core {
namespace {
constexpr size_t kLogItemsMax = 64;
constexpr size_t kLogItemBytesMax = 64 * 1024;
constexpr size_t kLogsMax = 1024;

void bloom_add_item(LogsBloom& bloom, uint8_t position, std::string_view item) {
  crypto::Sha3Hasher h;
  h.update({&position, 1});
  h.update(as_bytes(item));
  Hash32 d = h.finish();
  for (int i = 0; i < 3; ++i) {
    unsigned bit = (static_cast<unsigned>(d.bytes[2 * i]) << 8 | d.bytes[2 * i + 1]) & 2047u;
    bloom.bytes[255 - bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
  }
}
}  // namespace

void bloom_add_log(LogsBloom& bloom, const EventLog& log) {
  bloom_add_item(bloom, 0xff, log.score.to_string());
  for (size_t i = 0; i < log.indexed.size(); ++i) bloom_add_item(bloom, static_cast<uint8_t>(i), log.indexed[i]);
}

void bloom_merge(LogsBloom& into, const LogsBloom& other) {
  for (size_t i = 0; i < into.bytes.size(); ++i) into.bytes[i] |= other.bytes[i];
}

Bytes Receipt::encode() const {
  codec::Writer w;
  w.fixed(tx_hash);
  w.u32(tx_index);
  w.boolean(success);
  w.boolean(failure.has_value());
  if (failure) {
    w.u32(failure->code);
    w.str(failure->message);
  }
  w.raw(to.to_bytes());
  w.uint256(step_used);
  w.uint256(step_price);
  w.uint256(cumulative_step_used);
  w.boolean(score_address.has_value());
  if (score_address) w.raw(score_address->to_bytes());
  w.varint(logs.size());
  for (const auto& l : logs) {
    w.raw(l.score.to_bytes());
    w.varint(l.indexed.size());
    for (const auto& s : l.indexed) w.str(s);
    w.varint(l.data.size());
    for (const auto& s : l.data) w.str(s);
  }
  w.fixed(logs_bloom);
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
    f.code = r.u32();
    f.message = r.str(4096);
    rc.failure = f;
  }
  rc.to = addr();
  rc.step_used = r.uint256();
  rc.step_price = r.uint256();
  rc.cumulative_step_used = r.uint256();
  if (r.boolean()) rc.score_address = addr();
  uint64_t n = r.count(kLogsMax);
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
  for (const auto& r : receipts) leaves.push_back(r.hash());
  return merkle_root(leaves);
}

}  // namespace cx::core
