// The Alpha webhook relay without sockets (alpha_relay.hpp).
#include "cli/alpha_relay.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include "alpha/system_contract.hpp"
#include "base/bytes.hpp"

namespace cx::cli::relay {

namespace json = boost::json;

namespace {

Result<Config> config_error(const std::string& m) { return Result<Config>::error("relay config: " + m); }

std::string joined(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

bool parse_listen(std::string_view s, Config& c) {
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  uint64_t port = 0;
  for (char ch : s.substr(colon + 1)) {
    if (ch < '0' || ch > '9' || port > 65535) return false;
    port = port * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (port == 0 || port > 65535) return false;
  c.listen_host = std::string(s.substr(0, colon));
  c.listen_port = static_cast<uint16_t>(port);
  return true;
}

// A positive integer field within [lo, hi], if present.
bool read_uint(const json::object& o, std::string_view key, uint64_t lo, uint64_t hi, uint64_t& out, std::string& err) {
  const json::value* v = o.if_contains(key);
  if (!v) return true;
  if (!v->is_int64() && !v->is_uint64()) return err = std::string(key) + ": expected a whole number", false;
  const auto n = v->to_number<int64_t>();
  if (n < 0 || static_cast<uint64_t>(n) < lo || static_cast<uint64_t>(n) > hi)
    return err = std::string(key) + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi), false;
  out = static_cast<uint64_t>(n);
  return true;
}

bool read_string(const json::object& o, std::string_view key, std::string& out, std::string& err) {
  const json::value* v = o.if_contains(key);
  if (!v) return true;
  if (!v->is_string() || v->get_string().empty()) return err = std::string(key) + ": expected a non-empty string", false;
  out = std::string(v->get_string());
  return true;
}

bool read_sources(const json::value* v, Config& c, std::string& err) {
  if (!v || !v->is_object() || v->get_object().empty() || v->get_object().size() > kSourcesMax)
    return err = "sources: expected an object of 1.." + std::to_string(kSourcesMax) + " sources", false;
  for (const auto& [name, s] : v->get_object()) {
    const std::string where = "sources." + std::string(name);
    if (name.empty() || name.size() > 64) return err = where + ": a source name is 1..64 characters", false;
    const json::value* secret = s.is_object() ? s.get_object().if_contains("secret") : nullptr;
    if (!secret || !secret->is_string()) return err = where + ".secret: expected a string", false;
    if (secret->get_string().size() < kSecretBytesMin)
      return err = where + ".secret: at least " + std::to_string(kSecretBytesMin) + " characters", false;
    c.secrets[std::string(name)] = std::string(secret->get_string());
  }
  return true;
}

}  // namespace

Result<Config> parse_config(std::string_view text, const std::string& base_dir) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return config_error("not a JSON object");
  const json::object& o = v.get_object();
  static constexpr std::string_view kKnown[] = {"listen", "node", "nid", "keystore", "password_file", "body_bytes_max",
                                                 "window_seconds", "step_limit", "wait", "deliveries_max", "sources"};
  for (const auto& [k, x] : o)
    if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(k)) == std::end(kKnown))
      return config_error("unknown field '" + std::string(k) + "'");
  Config c;
  std::string err, listen;
  uint64_t nid = 0, window = static_cast<uint64_t>(c.window_s), deliveries = c.deliveries_max;
  if (!read_string(o, "listen", listen, err) || !read_string(o, "node", c.node_url, err) ||
      !read_string(o, "keystore", c.keystore, err) || !read_string(o, "password_file", c.password_file, err) ||
      !read_uint(o, "nid", 1, UINT32_MAX, nid, err) || !read_uint(o, "body_bytes_max", 64, kBodyBytesMaxLimit, c.body_bytes_max, err) ||
      !read_uint(o, "window_seconds", 1, 3600, window, err) || !read_uint(o, "step_limit", 100'000, 2'500'000'000ull, c.step_limit, err) ||
      !read_uint(o, "deliveries_max", 1, 10'000'000, deliveries, err) || !read_sources(o.if_contains("sources"), c, err))
    return config_error(err);
  if (!listen.empty() && !parse_listen(listen, c)) return config_error("listen: expected HOST:PORT");
  if (c.keystore.empty()) return config_error("keystore: the attester's keystore file is required");
  if (const json::value* w = o.if_contains("wait")) {
    if (!w->is_bool()) return config_error("wait: expected true or false");
    c.wait = w->get_bool();
  }
  if (nid) c.nid = nid;
  c.window_s = static_cast<int64_t>(window);
  c.deliveries_max = deliveries;
  c.keystore = joined(base_dir, c.keystore);
  c.password_file = joined(base_dir, c.password_file);
  return c;
}

std::string signature_hex(std::string_view secret, std::string_view timestamp, std::string_view delivery, std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + delivery.size() + body.size() + 2);
  message.append(timestamp).append(".").append(delivery).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &len);
  return to_hex(BytesView(mac, len));
}

unsigned http_status(Refusal r) {
  switch (r) {
    case Refusal::kNone: return 200;
    case Refusal::kMissingHeader:
    case Refusal::kBadBody: return 400;
    case Refusal::kUnknownSource:
    case Refusal::kBadTimestamp:
    case Refusal::kStale:
    case Refusal::kBadSignature: return 401;
    case Refusal::kReplay: return 409;
    case Refusal::kFull: return 503;
  }
  return 500;
}

namespace {

bool delivery_id_ok(std::string_view id) {
  if (id.empty() || id.size() > kDeliveryBytesMax) return false;
  for (char ch : id)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') return false;
  return true;
}

std::optional<int64_t> parse_seconds(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

}  // namespace

Verdict Authenticator::admit(const Delivery& d, std::string_view body, int64_t now_s) {
  if (d.source.empty() || d.id.empty() || d.timestamp.empty() || d.signature.empty())
    return {Refusal::kMissingHeader, std::string("every delivery needs the headers ") + kSourceHeader + ", " + kDeliveryHeader +
                                         ", " + kTimestampHeader + " and " + kSignatureHeader};
  if (!delivery_id_ok(d.id))
    return {Refusal::kMissingHeader, std::string(kDeliveryHeader) + ": 1.." + std::to_string(kDeliveryBytesMax) + " of A-Z a-z 0-9 - _ ."};
  auto secret = m_config.secrets.find(d.source);
  if (secret == m_config.secrets.end()) return {Refusal::kUnknownSource, "unknown source"};
  auto ts = parse_seconds(d.timestamp);
  if (!ts) return {Refusal::kBadTimestamp, std::string(kTimestampHeader) + ": expected unix seconds"};
  if (*ts < now_s - m_config.window_s || *ts > now_s + m_config.window_s)
    return {Refusal::kStale, "timestamp outside the " + std::to_string(m_config.window_s) + " s window"};
  const std::string want = "sha256=" + signature_hex(secret->second, d.timestamp, d.id, body);
  if (d.signature.size() != want.size() || CRYPTO_memcmp(d.signature.data(), want.data(), want.size()) != 0)
    return {Refusal::kBadSignature, "bad signature"};
  // Ids are remembered until their timestamp can no longer pass the window check.
  std::erase_if(m_seen, [&](const auto& e) { return e.second < now_s; });
  auto key = std::make_pair(d.source, d.id);
  if (m_seen.contains(key)) return {Refusal::kReplay, "delivery " + d.id + " was already relayed"};
  if (m_seen.size() >= m_config.deliveries_max) return {Refusal::kFull, "too many deliveries in the window; retry later"};
  m_seen.emplace(std::move(key), *ts + m_config.window_s);
  return {};
}

void Authenticator::forget(const Delivery& d) { m_seen.erase({d.source, d.id}); }

Result<Event> parse_event(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Result<Event>::error("the body is not a JSON object");
  const json::object& o = v.get_object();
  for (const auto& [k, x] : o)
    if (k != "instance" && k != "event" && k != "result" && k != "fields")
      return Result<Event>::error("unknown field '" + std::string(k) + "'");
  Event e;
  const json::value* id = o.if_contains("instance");
  if (id && (id->is_uint64() || (id->is_int64() && id->get_int64() >= 0))) {
    e.instance = Uint256(id->to_number<uint64_t>()).to_icon_hex();
  } else if (id && id->is_string()) {
    auto s = id->get_string();
    auto u = s.starts_with("0x") ? Uint256::from_icon_hex(s) : Uint256::from_dec(s);
    if (!u || !u->fits_u64()) return Result<Event>::error("instance: expected an instance id");
    e.instance = u->to_icon_hex();
  } else {
    return Result<Event>::error("instance: expected an instance id");
  }
  const json::value* ev = o.if_contains("event");
  if (!ev || !ev->is_string() || ev->get_string().empty() || ev->get_string().size() > 64)
    return Result<Event>::error("event: expected the event's name");
  e.event = std::string(ev->get_string());
  if (const json::value* r = o.if_contains("result")) {
    if (!r->is_string()) return Result<Event>::error("result: expected a string");
    e.result = std::string(r->get_string());
  }
  if (const json::value* f = o.if_contains("fields")) {
    if (!f->is_object()) return Result<Event>::error("fields: expected an object");
    e.fields = f->get_object();
  }
  return e;
}

TxSpec attest_tx(const Event& e, std::string_view nonce, uint64_t nid, uint64_t step_limit, int64_t now_us) {
  json::object params{{"id", e.instance}, {"event", e.event}, {"nonce", nonce}};
  if (e.result) params["result"] = *e.result;
  if (e.fields) params["fields"] = json::serialize(*e.fields);  // ICON params are strings
  TxSpec spec;
  spec.to = alpha::alpha_contract_address();
  spec.step_limit = Uint256(step_limit);
  spec.timestamp_us = now_us;
  spec.nid = nid;
  spec.data_type = "call";
  spec.data = json::object{{"method", "attest"}, {"params", std::move(params)}};
  return spec;
}

}  // namespace cx::cli::relay
