#pragma once
// An ICON v3 transaction (goloop doc/jsonrpc_v3.md, icx_sendTransaction).
// We keep the params exactly as the client sent them: the hash is computed over them, the chain
// stores them, and RPC returns them, so clients see their own bytes back.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/value.hpp>

#include "base/bytes.hpp"
#include "base/uint256.hpp"
#include "core/reject.hpp"
#include "crypto/address.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::core {

using crypto::Address;

enum class DataType { kNone, kCall, kDeploy, kMessage, kDeposit };
const char* to_string(DataType t);

inline constexpr size_t kTxJsonBytesMax = 512 * 1024;   // hard cap on one tx's JSON, any dataType
inline constexpr size_t kTxDataDepthMax = 16;           // nesting of data objects/arrays

struct Transaction {
  uint32_t version = 3;
  Address from;
  Address to;
  Uint256 value;
  Uint256 step_limit;
  int64_t timestamp_us = 0;
  uint64_t nid = 0;
  std::optional<Uint256> nonce;
  DataType data_type = DataType::kNone;
  boost::json::value data;        // null when absent
  crypto::Signature signature;
  Hash32 hash;                    // SHA3-256 of the ICON serialization
  std::string params_json;        // the params object as received (compact JSON), signature included
  size_t data_bytes = 0;          // size of the serialized `data` (ICON "input" step cost basis)
};

using TxPtr = std::shared_ptr<const Transaction>;

using ParseResult = std::variant<Transaction, TxRejection>;

// Parses and checks the shape of an icx_sendTransaction params object and computes its hash.
// Does not verify the signature (that is done once, on a worker pool: verify_signature).
ParseResult parse_transaction(const boost::json::object& params);
ParseResult parse_transaction_json(std::string_view params_json);

// Checks that the signature is by `from`. nullopt = valid.
//
// The rule: R || S must be a valid ECDSA signature of the hash by from's key. The recovery id is a
// hint (any of 0..3 is accepted if one of them recovers from's key), and a high S is accepted. ICON
// nodes also require the recovery id to be the right one; no client produces a wrong one, and the
// looser rule lets a node that already knows from's key verify (~45 µs) instead of recovering
// (~60 µs) with exactly the same verdict, whatever it has cached — validity must not depend on that.
//
// `known_key`: from's key, from an earlier valid signature; with it the check is one verification.
// `learned_key`: when the check had to recover and the signature is valid, from's key is stored here.
std::optional<TxRejection> verify_signature(const Transaction& tx, const crypto::VerifyKey* known_key = nullptr,
                                            crypto::VerifyKey* learned_key = nullptr);

// The JSON object clients get back from icx_getTransactionByHash (without block fields).
boost::json::object transaction_params(const Transaction& tx);

}  // namespace cx::core
