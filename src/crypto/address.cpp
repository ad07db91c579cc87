#include "crypto/address.hpp"

#include <cstring>

#include "base/assert.hpp"
#include "crypto/hash.hpp"

namespace cx::crypto {

namespace {

constexpr size_t kIdBytes = 20;
constexpr size_t kTextChars = 2 + 2 * kIdBytes;
constexpr uint8_t kTagEoa = 0x00;
constexpr uint8_t kTagContract = 0x01;

// ICON nodes reject upper-case hex in addresses, so only '0'-'9' and 'a'-'f' count.
int lower_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::optional<Address> Address::parse(std::string_view s) {
  if (s.size() != kTextChars) return std::nullopt;
  Address a;
  if (s.starts_with("hx")) {
    a.is_contract = false;
  } else if (s.starts_with("cx")) {
    a.is_contract = true;
  } else {
    return std::nullopt;
  }
  for (size_t i = 0; i < kIdBytes; ++i) {
    const int hi = lower_hex_value(s[2 + 2 * i]);
    const int lo = lower_hex_value(s[3 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    a.id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return a;
}

Address Address::of_public_key(const PublicKey& pub) {
  // The 0x04 "uncompressed" prefix is not part of the hashed key.
  CX_ASSERT(pub.bytes[0] == 0x04);
  const Hash32 h = sha3_256(pub.view().subspan(1));
  Address a;
  a.is_contract = false;
  std::memcpy(a.id.data(), h.data() + (Hash32::size() - kIdBytes), kIdBytes);
  return a;
}

// One allocation: the 42 characters are written in place (prefix + id.hex() would allocate twice).
std::string Address::to_string() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kTextChars, '\0');
  out[0] = is_contract ? 'c' : 'h';
  out[1] = 'x';
  for (size_t i = 0; i < kIdBytes; ++i) {
    out[2 + 2 * i] = kDigits[id.bytes[i] >> 4];
    out[3 + 2 * i] = kDigits[id.bytes[i] & 0xf];
  }
  return out;
}

std::array<uint8_t, 21> Address::to_bytes() const {
  std::array<uint8_t, 21> out{};
  out[0] = is_contract ? kTagContract : kTagEoa;
  std::memcpy(out.data() + 1, id.data(), kIdBytes);
  return out;
}

std::optional<Address> Address::from_bytes(BytesView b) {
  if (b.size() != 1 + kIdBytes) return std::nullopt;
  if (b[0] != kTagEoa && b[0] != kTagContract) return std::nullopt;
  Address a;
  a.is_contract = b[0] == kTagContract;
  std::memcpy(a.id.data(), b.data() + 1, kIdBytes);
  return a;
}

}  // namespace cx::crypto
