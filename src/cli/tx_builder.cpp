#include "cli/tx_builder.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "base/clock.hpp"
#include "cli/args.hpp"
#include "codec/icon_serialize.hpp"
#include "crypto/base64.hpp"
#include "crypto/hash.hpp"
#include "crypto/keystore.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Uint256> parse_amount(std::string_view text, AmountUnit unit) {
  auto bad = [&](std::string why) { return Result<Uint256>::error("amount '" + std::string(text) + "': " + why); };
  if (text.empty()) return bad("empty");
  if (text.front() == '-') return bad("cannot be negative");
  if (text.starts_with("0x")) {
    auto v = Uint256::from_icon_hex(text);
    if (!v) return bad("not a valid 0x hex number of at most 256 bits");
    return *v;
  }
  if (unit == AmountUnit::kLoop) {
    if (!all_digits(text)) return bad("loop amounts are whole numbers (digits only, or 0x hex)");
    auto v = Uint256::from_dec(text.substr(std::min(text.find_first_not_of('0'), text.size() - 1)));
    if (!v) return bad("does not fit in 256 bits");
    return *v;
  }
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(fraction))) {
    return bad("expected a decimal number of ICX such as 1 or 0.25 (or --unit loop, or 0x hex loop)");
  }
  if (fraction.size() > kIcxDecimals) {
    return bad("more than " + std::to_string(kIcxDecimals) + " decimals (1 loop = 10^-18 ICX is the smallest unit)");
  }
  // Scaling by 10^18 is the same as appending the fraction padded to 18 digits; doing it on the
  // digit string keeps it exact, and from_dec detects overflow.
  std::string digits(whole);
  digits.append(fraction);
  digits.append(kIcxDecimals - fraction.size(), '0');
  size_t first = digits.find_first_not_of('0');
  std::string_view significant = first == std::string::npos ? std::string_view("0") : std::string_view(digits).substr(first);
  auto v = Uint256::from_dec(significant);
  if (!v) return bad("does not fit in 256 bits of loop");
  return *v;
}

std::string format_icx(const Uint256& loop) {
  std::string dec = loop.to_dec();
  if (dec.size() <= kIcxDecimals) dec.insert(0, kIcxDecimals + 1 - dec.size(), '0');
  std::string whole = dec.substr(0, dec.size() - kIcxDecimals);
  std::string fraction = dec.substr(dec.size() - kIcxDecimals);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? whole : whole + "." + fraction;
}

std::optional<uint64_t> parse_height(std::string_view text) {
  std::optional<Uint256> v = text.starts_with("0x") ? Uint256::from_icon_hex(text) : Uint256::from_dec(text);
  if (!v || !v->fits_u64()) return std::nullopt;
  return v->low_u64();
}

json::object unsigned_tx_params(const TxSpec& spec, const crypto::Address& from) {
  json::object p;
  p["version"] = "0x3";
  p["from"] = from.to_string();
  p["to"] = spec.to.to_string();
  p["value"] = spec.value.to_icon_hex();
  int64_t ts = spec.timestamp_us != 0 ? spec.timestamp_us : system_clock().now_us();
  p["timestamp"] = Uint256(static_cast<uint64_t>(ts)).to_icon_hex();
  p["nid"] = Uint256(spec.nid).to_icon_hex();
  if (spec.nonce) p["nonce"] = spec.nonce->to_icon_hex();
  if (!spec.data_type.empty()) {
    p["dataType"] = spec.data_type;
    if (!spec.data.is_null()) p["data"] = spec.data;
  }
  p["stepLimit"] = spec.step_limit ? spec.step_limit->to_icon_hex() : intrinsic_step_limit(p).to_icon_hex();
  return p;
}

Uint256 intrinsic_step_limit(const json::object& params) {
  // The input cost basis must match the node's (core::parse_transaction): a message counts its
  // decoded bytes, other string data its characters, structured data its compact JSON.
  uint64_t data_bytes = 0;
  const json::value* data = params.if_contains("data");
  const json::value* type = params.if_contains("dataType");
  bool is_message = type && type->is_string() && type->get_string() == "message";
  bool is_call = type && type->is_string() && type->get_string() == "call";
  if (data && data->is_string()) {
    data_bytes = data->get_string().size();
    if (is_message && data_bytes >= 2) data_bytes = (data_bytes - 2) / 2;
  } else if (data && !data->is_null()) {
    data_bytes = json::serialize(*data).size();
  }
  uint64_t steps = kStepDefault + kStepInputPerByte * data_bytes + (is_call ? kStepContractCall : 0);
  return Uint256(steps);
}

SignedTx sign_tx_params(json::object params, const crypto::PrivateKey& key) {
  params.erase("signature");
  params.erase("txHash");
  std::string serialized = codec::icon_tx_serialization(params);
  Hash32 hash = crypto::sha3_256(as_bytes(serialized));
  crypto::Signature sig = crypto::sign(hash, key);
  params["signature"] = crypto::base64_encode(sig.view());
  return SignedTx{std::move(params), hash};
}

SignedTx build_signed_tx(const TxSpec& spec, const crypto::PrivateKey& key) {
  auto pub = crypto::public_key_of(key);
  CX_ASSERT(pub.has_value());  // keys reach here only through parse/generate, which validate them
  return sign_tx_params(unsigned_tx_params(spec, crypto::Address::of_public_key(*pub)), key);
}

Result<std::string> message_data(std::string_view text) {
  if (text.starts_with("0x")) {
    std::string_view hex = text.substr(2);
    if (hex.size() % 2 != 0 || !from_hex(hex)) {
      return Result<std::string>::error("data '" + std::string(text) + "' is not 0x followed by whole bytes of hex");
    }
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower;
  }
  return "0x" + to_hex(as_bytes(text));
}

Result<crypto::PrivateKey> parse_private_key_hex(std::string_view text) {
  text = trim(text);
  auto key = crypto::PrivateKey::from_hex_string(text);
  if (!key) return Result<crypto::PrivateKey>::error("private key must be 64 hex digits (optionally 0x-prefixed)");
  if (!crypto::is_valid_private_key(*key)) {
    return Result<crypto::PrivateKey>::error("private key is not a valid secp256k1 scalar");
  }
  return *key;
}

Result<std::string> read_text_file(const std::string& path) {
  if (path == "-") {
    std::ostringstream os;
    os << std::cin.rdbuf();
    return os.str();
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return Result<std::string>::error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

Result<Signer> load_signer(const Args& args) {
  auto keystore = args.get("keystore");
  auto key_file = args.get("key-file");
  if (keystore && key_file) return Result<Signer>::error("give either --keystore or --key-file, not both");
  if (key_file) {
    auto text = read_text_file(*key_file);
    if (!text) return text.status();
    auto key = parse_private_key_hex(*text);
    if (!key) return Result<Signer>::error(*key_file + ": " + key.message());
    return Signer{*key, crypto::Address::of_public_key(*crypto::public_key_of(*key))};
  }
  if (!keystore) return Result<Signer>::error("no signing key: give --keystore FILE or --key-file FILE");
  auto text = read_text_file(*keystore);
  if (!text) return text.status();
  std::string error;
  auto password = read_password(args, error);
  if (!password) return Result<Signer>::error(error);
  auto decrypted = crypto::keystore_decrypt(*text, *password);
  if (!decrypted) return Result<Signer>::error(*keystore + ": " + decrypted.message());
  return Signer{decrypted->key, decrypted->address};
}

}  // namespace cx::cli
