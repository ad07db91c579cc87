#include "cli/message_keys.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <variant>

#include "cli/rpc_client.hpp"
#include "core/transaction.hpp"
#include "crypto/address.hpp"
#include "crypto/ecies.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr size_t kKeyFileBytesMax = 64 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Result<crypto::PublicKey> parse_one_key(std::string_view text) {
  std::string_view hex = trim(text);
  const std::string shown(hex.substr(0, 80));
  if (hex.starts_with("0x")) hex.remove_prefix(2);
  auto bytes = from_hex(hex);
  if (!bytes) return Result<crypto::PublicKey>::error("public key '" + shown + "' is not hex");
  if (bytes->size() != 65 && bytes->size() != 33)
    return Result<crypto::PublicKey>::error("public key '" + shown + "' is " + std::to_string(bytes->size()) +
                                            " bytes; expected 65 (04…) or 33 (02…/03…)");
  auto key = crypto::parse_public_key(*bytes);
  if (!key) return Result<crypto::PublicKey>::error("public key '" + shown + "' is not a secp256k1 point");
  return *key;
}

// The fields of an icx_sendTransaction params object; icx_getTransactionByHash adds block fields.
constexpr std::string_view kTxFields[] = {"version", "from",     "to",   "value",    "stepLimit", "timestamp",
                                           "nid",     "nonce",    "dataType", "data", "signature"};

}  // namespace

Result<std::vector<crypto::PublicKey>> parse_public_key_list(std::string_view text) {
  std::vector<crypto::PublicKey> out;
  while (true) {
    const size_t comma = text.find(',');
    auto key = parse_one_key(text.substr(0, comma));
    if (!key) return key.status();
    out.push_back(*key);
    if (out.size() > crypto::kEnvelopeRecipientsMax)
      return Result<std::vector<crypto::PublicKey>>::error("more than " + std::to_string(crypto::kEnvelopeRecipientsMax) + " public keys");
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

Result<std::vector<crypto::PublicKey>> parse_public_key_file(std::string_view text) {
  if (text.size() > kKeyFileBytesMax)
    return Result<std::vector<crypto::PublicKey>>::error("key file is above " + std::to_string(kKeyFileBytesMax) + " bytes");
  std::vector<crypto::PublicKey> out;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto key = parse_one_key(line);
    if (!key) return Result<std::vector<crypto::PublicKey>>::error("line " + std::to_string(line_no) + ": " + key.message());
    out.push_back(*key);
    if (out.size() > crypto::kEnvelopeRecipientsMax)
      return Result<std::vector<crypto::PublicKey>>::error("more than " + std::to_string(crypto::kEnvelopeRecipientsMax) + " public keys");
  }
  if (out.empty()) return Result<std::vector<crypto::PublicKey>>::error("no public key in the file");
  return out;
}

Result<crypto::PublicKey> signer_key_of_tx(const json::object& tx_json, std::string_view tx_hash) {
  using R = Result<crypto::PublicKey>;
  json::object params;
  for (std::string_view k : kTxFields)
    if (const json::value* v = tx_json.if_contains(k)) params[k] = *v;
  auto parsed = core::parse_transaction(params);
  if (auto* rej = std::get_if<core::TxRejection>(&parsed)) return R::error("tx " + std::string(tx_hash) + " does not parse: " + rej->detail);
  const auto& tx = std::get<core::Transaction>(parsed);
  // The hash we recompute must be the one asked for: otherwise the node sent another tx, or params
  // that are not what was signed, and a key recovered from them would be nobody's.
  if ("0x" + tx.hash.hex() != tx_hash) return R::error("tx " + std::string(tx_hash) + ": the node's tx hashes to 0x" + tx.hash.hex());
  for (uint8_t recid = 0; recid < 4; ++recid) {
    crypto::Signature sig = tx.signature;
    sig.bytes[64] = recid;
    auto key = crypto::recover(tx.hash, sig);
    if (key && crypto::Address::of_public_key(*key) == tx.from) return *key;
  }
  return R::error("tx " + std::string(tx_hash) + ": the signature does not recover to the key of " + tx.from.to_string());
}

Result<json::object> fetch_tx(RpcClient& client, std::string_view tx_hash) {
  using R = Result<json::object>;
  if (tx_hash.size() != 66 || !tx_hash.starts_with("0x") || !Hash32::from_hex_string(tx_hash))
    return R::error("'" + std::string(tx_hash.substr(0, 80)) + "' is not a tx hash (0x + 64 hex digits)");
  RpcReply reply = client.call("icx_getTransactionByHash", json::object{{"txHash", tx_hash}});
  if (!reply.ok()) return R::error("icx_getTransactionByHash " + std::string(tx_hash) + ": " + reply.error->describe());
  if (!reply.result.is_object()) return R::error("icx_getTransactionByHash returned " + json::serialize(reply.result));
  return reply.result.get_object();
}

Result<crypto::PublicKey> fetch_signer_key(RpcClient& client, std::string_view tx_hash) {
  auto tx = fetch_tx(client, tx_hash);
  if (!tx) return tx.status();
  std::string lower(tx_hash);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return signer_key_of_tx(*tx, lower);
}

}  // namespace cx::cli
