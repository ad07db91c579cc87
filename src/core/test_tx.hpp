#pragma once
// Test helper: builds and signs ICON v3 txs (used by tests of several modules; header-only).
#include <boost/json.hpp>

#include "codec/icon_serialize.hpp"
#include "core/transaction.hpp"
#include "crypto/base64.hpp"
#include "crypto/hash.hpp"

namespace cx::core::testing {

inline crypto::PrivateKey test_key(uint8_t n) {
  crypto::PrivateKey k;
  k.bytes[31] = n;
  k.bytes[0] = 0x11;
  return k;
}

// n whole coins, in loop (10^18 loop each).
inline Uint256 icx(uint64_t n) { return *Uint256(n).checked_mul(*Uint256::from_dec("1000000000000000000")); }

inline Address address_of(const crypto::PrivateKey& k) { return Address::of_public_key(*crypto::public_key_of(k)); }

struct TxSpec {
  Address to;
  Uint256 value = 1;
  uint64_t step_limit = 100000;
  int64_t timestamp_us = 1'700'000'000'000'000;
  uint64_t nid = 3;
  std::string message_hex;  // non-empty -> dataType message
  uint64_t nonce = 0;
};

inline boost::json::object signed_params(const crypto::PrivateKey& key, const TxSpec& s) {
  boost::json::object p;
  p["version"] = "0x3";
  p["from"] = address_of(key).to_string();
  p["to"] = s.to.to_string();
  p["value"] = s.value.to_icon_hex();
  p["stepLimit"] = Uint256(s.step_limit).to_icon_hex();
  p["timestamp"] = Uint256(static_cast<uint64_t>(s.timestamp_us)).to_icon_hex();
  p["nid"] = Uint256(s.nid).to_icon_hex();
  p["nonce"] = Uint256(s.nonce).to_icon_hex();
  if (!s.message_hex.empty()) {
    p["dataType"] = "message";
    p["data"] = s.message_hex;
  }
  Hash32 h = crypto::sha3_256(as_bytes(codec::icon_tx_serialization(p)));
  p["signature"] = crypto::base64_encode(crypto::sign(h, key).view());
  return p;
}

inline TxPtr signed_tx(const crypto::PrivateKey& key, const TxSpec& s) {
  auto r = parse_transaction(signed_params(key, s));
  return std::make_shared<const Transaction>(std::get<Transaction>(std::move(r)));
}

}  // namespace cx::core::testing
