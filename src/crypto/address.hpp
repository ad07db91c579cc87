#pragma once
// ICON addresses: "hx" + 40 hex (externally owned) or "cx" + 40 hex (contract).
// hx address = last 20 bytes of SHA3-256 over the 64-byte public key (without the 0x04 prefix).
#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::crypto {

struct Address {
  bool is_contract = false;
  FixedBytes<20> id;

  // Strict: lower-case prefix hx|cx, exactly 40 hex digits (lower case, as ICON requires).
  static std::optional<Address> parse(std::string_view s);
  static Address of_public_key(const PublicKey& pub);
  static Address contract(const FixedBytes<20>& id) { return Address{true, id}; }
  std::string to_string() const;
  // 21 bytes: 0x00 (hx) or 0x01 (cx), then the id. Used as state keys and in binary encodings.
  std::array<uint8_t, 21> to_bytes() const;
  static std::optional<Address> from_bytes(BytesView b);

  auto operator<=>(const Address&) const = default;
  bool operator==(const Address&) const = default;
};

struct AddressHasher {
  size_t operator()(const Address& a) const { return FixedBytesHasher{}(a.id) ^ a.is_contract; }
};

}  // namespace cx::crypto
