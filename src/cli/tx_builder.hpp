#pragma once
// Building and signing ICON v3 transactions on the client side (goloop doc/jsonrpc_v3.md,
// icx_sendTransaction), plus the amount and key handling the wallet commands share.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "base/result.hpp"
#include "base/uint256.hpp"
#include "crypto/address.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::cli {

class Args;

inline constexpr uint64_t kLoopPerIcx = 1'000'000'000'000'000'000ull;  // 10^18
inline constexpr unsigned kIcxDecimals = 18;

// ICON's schedule (goloop defaults, mirrored in core::StepCosts): every tx pays the default cost,
// data pays per byte, and calls pay for the contract call. Used when the user gives no --step-limit.
inline constexpr uint64_t kStepDefault = 100000;
inline constexpr uint64_t kStepInputPerByte = 200;
inline constexpr uint64_t kStepContractCall = 25000;

enum class AmountUnit { kIcx, kLoop };

// "1.5" (icx, up to 18 decimals) → loop, exactly, with integer arithmetic only.
// "1500" with kLoop → 1500 loop. "0x…" is loop in ICON hex whatever the unit.
// Errors name the input and what is wrong with it (negative, too many decimals, overflow, garbage).
Result<Uint256> parse_amount(std::string_view text, AmountUnit unit);
// 1500000000000000000 → "1.5"; 0 → "0"; trailing zeros dropped.
std::string format_icx(const Uint256& loop);

// A height as the user types it: decimal or ICON hex.
std::optional<uint64_t> parse_height(std::string_view text);

struct TxSpec {
  crypto::Address to;
  Uint256 value;
  std::optional<Uint256> step_limit;  // nullopt = kStepDefault + input cost (+ call cost)
  int64_t timestamp_us = 0;           // 0 = now (system clock)
  uint64_t nid = 0;
  std::optional<Uint256> nonce;
  std::string data_type;              // empty = no dataType/data
  boost::json::value data;            // as it goes on the wire
};

struct SignedTx {
  boost::json::object params;  // signature included; ready for icx_sendTransaction
  Hash32 hash;
  std::string hash_hex() const { return "0x" + hash.hex(); }
};

// The params without signature, in ICON's string encodings (all numbers as 0x hex).
boost::json::object unsigned_tx_params(const TxSpec& spec, const crypto::Address& from);
// Steps a tx needs before any contract runs, computed the way the node's execution does.
Uint256 intrinsic_step_limit(const boost::json::object& unsigned_params);
// hash = SHA3-256(icon_tx_serialization(params)); signature = base64(R||S||recid) over the hash.
SignedTx sign_tx_params(boost::json::object params, const crypto::PrivateKey& key);
SignedTx build_signed_tx(const TxSpec& spec, const crypto::PrivateKey& key);

// "message" data: text is hex-encoded as ICON wallets do; "0x…" is taken as already-encoded bytes.
Result<std::string> message_data(std::string_view text);

// A raw private key written as hex (optionally 0x-prefixed, surrounding whitespace ignored).
Result<crypto::PrivateKey> parse_private_key_hex(std::string_view text);

struct Signer {
  crypto::PrivateKey key;
  crypto::Address address;
};
// From --keystore FILE (password via --password-file / CX_PASSWORD) or --key-file FILE (hex key).
Result<Signer> load_signer(const Args& args);

// Reads a whole file, or stdin for "-".
Result<std::string> read_text_file(const std::string& path);

}  // namespace cx::cli
