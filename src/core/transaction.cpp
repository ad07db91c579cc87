#include "core/transaction.hpp"

#include <array>

#include <boost/json.hpp>

#include "base/assert.hpp"
#include "codec/icon_serialize.hpp"
#include "crypto/base64.hpp"
#include "crypto/hash.hpp"

namespace cx::core {

const char* to_string(TxReject r) {
  switch (r) {
    case TxReject::kMalformed: return "malformed";
    case TxReject::kTooLarge: return "too large";
    case TxReject::kBadVersion: return "bad version";
    case TxReject::kBadAddress: return "bad address";
    case TxReject::kBadNumber: return "bad number";
    case TxReject::kBadSignature: return "bad signature";
    case TxReject::kSignerMismatch: return "signer mismatch";
    case TxReject::kWrongNid: return "wrong nid";
    case TxReject::kTimestampOutOfRange: return "timestamp out of range";
    case TxReject::kUnsupportedDataType: return "unsupported dataType";
    case TxReject::kBadData: return "bad data";
    case TxReject::kDuplicate: return "duplicate";
    case TxReject::kPoolFull: return "pool full";
    case TxReject::kStepLimitTooLow: return "stepLimit too low";
    case TxReject::kStepLimitTooHigh: return "stepLimit too high";
    case TxReject::kInsufficientBalance: return "insufficient balance";
    case TxReject::kNoCertificate: return "no certificate";
    case TxReject::kNotTransacting: return "node takes no txs";
  }
  return "unknown";
}

const char* to_string(DataType t) {
  switch (t) {
    case DataType::kNone: return "";
    case DataType::kCall: return "call";
    case DataType::kDeploy: return "deploy";
    case DataType::kMessage: return "message";
    case DataType::kDeposit: return "deposit";
  }
  return "";
}

namespace {

TxRejection reject(TxReject r, std::string detail) { return TxRejection{r, std::move(detail)}; }

const boost::json::string* get_string(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return nullptr;
  return it->value().if_string();
}

// Depth of nested objects/arrays, stopping early once above the limit.
size_t depth_of(const boost::json::value& v, size_t limit) {
  if (limit == 0) return 1;
  size_t d = 0;
  if (auto* o = v.if_object()) {
    for (const auto& kv : *o) d = std::max(d, depth_of(kv.value(), limit - 1));
    return d + 1;
  }
  if (auto* a = v.if_array()) {
    for (const auto& e : *a) d = std::max(d, depth_of(e, limit - 1));
    return d + 1;
  }
  return 0;
}

bool is_icon_hex_bytes(std::string_view s) {
  if (s.size() < 2 || s[0] != '0' || s[1] != 'x' || s.size() % 2) return false;
  return from_hex(s.substr(2)).has_value();
}

std::optional<TxRejection> check_data(const Transaction& tx) {
  using boost::json::kind;
  const auto& d = tx.data;
  switch (tx.data_type) {
    case DataType::kNone:
      if (!d.is_null()) return reject(TxReject::kBadData, "data is present but dataType is missing");
      return std::nullopt;
    case DataType::kMessage:
      if (!d.is_string() || !is_icon_hex_bytes(d.get_string()))
        return reject(TxReject::kBadData, "message data must be a 0x-prefixed hex string of whole bytes");
      return std::nullopt;
    case DataType::kCall: {
      auto* o = d.if_object();
      if (!o) return reject(TxReject::kBadData, "call data must be an object {method, params}");
      auto* m = get_string(*o, "method");
      if (!m || m->empty()) return reject(TxReject::kBadData, "call data.method must be a non-empty string");
      for (const auto& kv : *o) {
        if (kv.key() == "method") continue;
        if (kv.key() == "params" && (kv.value().is_object() || kv.value().is_null())) continue;
        return reject(TxReject::kBadData, "call data has unexpected field '" + std::string(kv.key()) + "'");
      }
      return std::nullopt;
    }
    case DataType::kDeploy: {
      auto* o = d.if_object();
      if (!o) return reject(TxReject::kBadData, "deploy data must be an object {contentType, content, params}");
      auto* ct = get_string(*o, "contentType");
      auto* c = get_string(*o, "content");
      if (!ct || !c || !is_icon_hex_bytes(*c))
        return reject(TxReject::kBadData, "deploy data needs contentType and 0x-hex content");
      return std::nullopt;
    }
    case DataType::kDeposit: {
      auto* o = d.if_object();
      if (!o || !get_string(*o, "action"))
        return reject(TxReject::kBadData, "deposit data must be an object with an action");
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

ParseResult parse_transaction(const boost::json::object& params) {
  Transaction tx;
  tx.params_json = boost::json::serialize(params);
  if (tx.params_json.size() > kTxJsonBytesMax)
    return reject(TxReject::kTooLarge, "transaction is " + std::to_string(tx.params_json.size()) +
                                           " bytes; the limit is " + std::to_string(kTxJsonBytesMax));

  static constexpr std::string_view kKnown[] = {"version", "from",  "to",       "value", "stepLimit",
                                                "timestamp", "nid", "nonce",    "dataType", "data",
                                                "signature", "txHash"};
  for (const auto& kv : params) {
    bool known = false;
    for (auto k : kKnown) known |= (kv.key() == k);
    if (!known) return reject(TxReject::kMalformed, "unknown field '" + std::string(kv.key()) + "'");
    if (kv.key() != "data" && !kv.value().is_string())
      return reject(TxReject::kMalformed, "field '" + std::string(kv.key()) + "' must be a string");
  }

  auto required = [&](std::string_view key) -> const boost::json::string* { return get_string(params, key); };

  auto* version = required("version");
  if (!version) return reject(TxReject::kBadVersion, "missing version (only 0x3 is supported)");
  if (*version != "0x3") return reject(TxReject::kBadVersion, "version " + std::string(*version) + " is not supported; use 0x3");

  auto* from = required("from");
  if (!from) return reject(TxReject::kBadAddress, "missing from");
  auto from_addr = Address::parse(*from);
  if (!from_addr || from_addr->is_contract)
    return reject(TxReject::kBadAddress, "from '" + std::string(*from) + "' is not an hx address");
  tx.from = *from_addr;

  auto* to = required("to");
  if (!to) return reject(TxReject::kBadAddress, "missing to");
  auto to_addr = Address::parse(*to);
  if (!to_addr) return reject(TxReject::kBadAddress, "to '" + std::string(*to) + "' is not an hx/cx address");
  tx.to = *to_addr;

  auto number = [&](std::string_view key, bool needed, Uint256& out) -> std::optional<TxRejection> {
    auto* s = required(key);
    if (!s) {
      if (needed) return reject(TxReject::kBadNumber, "missing " + std::string(key));
      return std::nullopt;
    }
    auto v = Uint256::from_icon_hex(*s);
    if (!v) return reject(TxReject::kBadNumber, std::string(key) + " '" + std::string(*s) + "' is not a 0x-prefixed hex number");
    out = *v;
    return std::nullopt;
  };

  if (auto r = number("value", false, tx.value)) return *r;
  if (auto r = number("stepLimit", true, tx.step_limit)) return *r;
  Uint256 ts, nid;
  if (auto r = number("timestamp", true, ts)) return *r;
  if (!ts.fits_u64() || ts.low_u64() > static_cast<uint64_t>(INT64_MAX))
    return reject(TxReject::kBadNumber, "timestamp is out of range");
  tx.timestamp_us = static_cast<int64_t>(ts.low_u64());
  if (auto r = number("nid", true, nid)) return *r;
  if (!nid.fits_u64()) return reject(TxReject::kBadNumber, "nid is out of range");
  tx.nid = nid.low_u64();
  if (params.contains("nonce")) {
    Uint256 n;
    if (auto r = number("nonce", true, n)) return *r;
    tx.nonce = n;
  }

  if (auto it = params.find("dataType"); it != params.end()) {
    const auto& t = it->value().get_string();
    if (t == "call") tx.data_type = DataType::kCall;
    else if (t == "deploy") tx.data_type = DataType::kDeploy;
    else if (t == "message") tx.data_type = DataType::kMessage;
    else if (t == "deposit") tx.data_type = DataType::kDeposit;
    else return reject(TxReject::kUnsupportedDataType, "unknown dataType '" + std::string(t) + "'");
  }
  if (auto it = params.find("data"); it != params.end()) {
    tx.data = it->value();
    if (depth_of(tx.data, kTxDataDepthMax + 1) > kTxDataDepthMax)
      return reject(TxReject::kBadData, "data is nested deeper than " + std::to_string(kTxDataDepthMax));
    if (tx.data.is_string()) {
      tx.data_bytes = tx.data.get_string().size();
      if (tx.data_type == DataType::kMessage) tx.data_bytes = (tx.data_bytes - 2) / 2;
    } else {
      tx.data_bytes = boost::json::serialize(tx.data).size();
    }
  }
  if (auto r = check_data(tx)) return *r;

  auto* sig = required("signature");
  if (!sig) return reject(TxReject::kBadSignature, "missing signature");
  auto sig_bytes = crypto::base64_decode(*sig);
  if (!sig_bytes || sig_bytes->size() != 65)
    return reject(TxReject::kBadSignature, "signature must be base64 of 65 bytes (R||S||recid)");
  tx.signature = *crypto::Signature::from_view(*sig_bytes);

  std::string ser = codec::icon_tx_serialization(params);
  tx.hash = crypto::sha3_256(as_bytes(ser));
  return tx;
}

ParseResult parse_transaction_json(std::string_view params_json) {
  if (params_json.size() > kTxJsonBytesMax)
    return reject(TxReject::kTooLarge, "transaction JSON is above " + std::to_string(kTxJsonBytesMax) + " bytes");
  boost::system::error_code ec;
  auto v = boost::json::parse(params_json, ec);
  if (ec) return reject(TxReject::kMalformed, "invalid JSON: " + ec.message());
  if (!v.is_object()) return reject(TxReject::kMalformed, "transaction must be a JSON object");
  return parse_transaction(v.get_object());
}

std::optional<TxRejection> verify_signature(const Transaction& tx, const crypto::VerifyKey* known_key,
                                            crypto::VerifyKey* learned_key) {
  if (tx.signature.bytes[64] > 3) return reject(TxReject::kBadSignature, "signature recovery id is not 0..3");
  // A verification that fails falls through to recovery, which decides (and names the signer).
  if (known_key && crypto::verify(tx.hash, tx.signature, *known_key)) return std::nullopt;
  // Recovery ids to try, the given one first: its parity twin recovers the key when the parity bit
  // is wrong or S is high; ids 2 and 3 name a point only for a tiny R (see r_has_overflow_twin).
  const uint8_t given = tx.signature.bytes[64];
  const bool overflow_ids = crypto::r_has_overflow_twin(tx.signature);
  std::optional<Address> first_signer;
  for (uint8_t flip = 0; flip < 4; ++flip) {
    const auto id = static_cast<uint8_t>(given ^ flip);
    if ((id & 2) && !overflow_ids) continue;
    crypto::Signature sig = tx.signature;
    sig.bytes[64] = id;
    auto pub = crypto::recover(tx.hash, sig);
    if (!pub) continue;
    auto signer = Address::of_public_key(*pub);
    if (signer == tx.from) {
      if (learned_key) {
        auto key = crypto::verify_key_of(*pub);
        CX_ASSERT(key.has_value());  // recovery yields points on the curve
        *learned_key = *key;
      }
      return std::nullopt;
    }
    if (!first_signer) first_signer = signer;
  }
  if (!first_signer) return reject(TxReject::kBadSignature, "signature does not recover to a public key");
  return reject(TxReject::kSignerMismatch,
                "signature is by " + first_signer->to_string() + ", not by from " + tx.from.to_string());
}

boost::json::object transaction_params(const Transaction& tx) {
  return boost::json::parse(tx.params_json).as_object();
}

}  // namespace cx::core
