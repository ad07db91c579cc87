// The chain CA contract (ca_contract.hpp). Every refusal fails the call with kRefused and a reason
// that names the rule; the frame's rollback guarantees a refused request changed nothing.
#include "governance/ca_contract.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "contracts/native.hpp"
#include "crypto/base64.hpp"
#include "governance/ca_cert.hpp"
#include "governance/governance.hpp"

namespace cx::governance::ca {

using contracts::CallResult;
using contracts::Host;
namespace json = boost::json;

namespace {

constexpr core::FailureCode kRefused = core::user_failure(1);
constexpr size_t kHolderListMax = 64;  // serials kept per holder (dead ones are pruned first)
// A certificate may start at most this far after the block that records it (clocks differ).
constexpr int64_t kNotBeforeSlackS = 3600;

CallResult bad(std::string m) { return CallResult::fail(core::FailureCode::kInvalidParameter, std::move(m)); }
CallResult refuse(std::string m) { return CallResult::fail(kRefused, std::move(m)); }

BytesView key_bytes(const std::string& s) { return as_bytes(s); }

std::optional<std::string> get(Host& h, const std::string& key, CallResult* fail) {
  auto r = h.storage_get(key_bytes(key));
  if (!r) return (*fail = CallResult::fail(r.failure()), std::nullopt);
  if (!*r) return std::nullopt;
  return std::string((*r)->begin(), (*r)->end());
}

bool put(Host& h, const std::string& key, const std::string& value, CallResult* fail) {
  auto r = h.storage_set(key_bytes(key), as_bytes(value));
  if (!r) *fail = CallResult::fail(r.failure());
  return r.is_ok();
}

std::optional<std::string> str_param(const json::value& p, std::string_view k, size_t max) {
  const json::object* o = p.if_object();
  const json::value* v = o ? o->if_contains(k) : nullptr;
  if (!v || !v->is_string() || v->get_string().size() > max) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<std::string> serial_param(const json::value& p) {
  auto s = str_param(p, "serial", 40);
  if (!s) return std::nullopt;
  std::string v = s->starts_with("0x") ? s->substr(2) : *s;
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v.size() != 32 || !from_hex(v)) return std::nullopt;
  return v;
}

int64_t now_s(Host& h) { return h.block().timestamp_us / 1'000'000; }

std::optional<CallResult> no_ca(Host& h) {
  if (!h.params().ca) return refuse("this channel has no certificate authority (genesis \"ca\")");
  return std::nullopt;
}

std::vector<std::string> load_list(const std::optional<std::string>& text) {
  std::vector<std::string> out;
  if (!text) return out;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  CX_ASSERT_MSG(!ec && v.is_array(), "CA holder list is corrupt");
  for (const auto& e : v.get_array()) out.emplace_back(e.get_string());
  return out;
}

std::string save_list(const std::vector<std::string>& list) {
  json::array a;
  for (const auto& s : list) a.emplace_back(s);
  return json::serialize(a);
}

std::optional<StatusRecord> load_status(Host& h, const std::string& serial, CallResult* fail) {
  auto text = get(h, status_key(serial), fail);
  if (!text) return std::nullopt;
  auto r = decode_status(*text);
  CX_ASSERT_MSG(r.has_value(), "CA status record is corrupt");
  return r;
}

// The holder's serials without the dead ones (revoked or expired at `now`), and how many are live.
std::optional<std::vector<std::string>> live_serials(Host& h, const core::Address& holder, int64_t now, CallResult* fail) {
  auto text = get(h, holder_key(holder), fail);
  if (!fail->ok) return std::nullopt;
  std::vector<std::string> live;
  for (auto& s : load_list(text)) {
    auto r = load_status(h, s, fail);
    if (!fail->ok) return std::nullopt;
    if (r && (status_at(*r, now) == CertStatus::kGood || status_at(*r, now) == CertStatus::kNotYetValid)) live.push_back(s);
  }
  return live;
}

CallResult request_issue(Host& h, const json::value& p) {
  if (auto r = no_ca(h)) return *r;
  const core::ChainParams& params = h.params();
  if (!is_ra_now(h, h.frame().caller)) return refuse(h.frame().caller.to_string() + " is not a registration authority of this channel");
  auto b64 = str_param(p, "cert", kCertBytesMax * 4 / 3 + 4);
  if (!b64) return bad("cert: expected the certificate's DER in base64, at most " + std::to_string(kCertBytesMax) + " bytes");
  auto der = crypto::base64_decode(*b64);
  if (!der) return bad("cert: not base64");
  auto checked = check_certificate(*der, Expect{params.ca->name, params.nid});
  if (auto* e = std::get_if<std::string>(&checked)) return refuse("certificate refused: " + *e);
  const CertFields& f = std::get<CertFields>(checked);
  const int64_t now = now_s(h);
  if (f.not_after_s <= now) return refuse("certificate refused: it expired at " + std::to_string(f.not_after_s) + " (block time " + std::to_string(now) + ")");
  if (f.not_before_s > now + kNotBeforeSlackS) return refuse("certificate refused: it starts more than an hour after the block time");
  CallResult fail;
  if (get(h, status_key(f.serial), &fail)) return refuse("serial " + f.serial + " is already used (request id reused)");
  if (!fail.ok) return fail;
  const std::string subject_key = "subject/" + f.subject_hash.hex();
  if (auto prev = get(h, subject_key, &fail)) {
    auto r = load_status(h, *prev, &fail);
    if (r && (status_at(*r, now) == CertStatus::kGood || status_at(*r, now) == CertStatus::kNotYetValid))
      return refuse("subject '" + f.subject + "' already holds live certificate " + *prev);
  }
  if (!fail.ok) return fail;
  auto live = live_serials(h, f.holder, now, &fail);
  if (!live) return fail;
  if (live->size() >= kLivePerHolderMax)
    return refuse(f.holder.to_string() + " already holds " + std::to_string(kLivePerHolderMax) + " live certificates");
  CX_ASSERT(live->size() < kHolderListMax);
  live->push_back(f.serial);
  StatusRecord rec{f.cert_hash, f.holder, h.frame().caller, h.block().height, f.not_before_s, f.not_after_s, f.subject_hash, std::nullopt, {}};
  if (!put(h, status_key(f.serial), encode_status(rec), &fail) ||
      !put(h, cert_key(f.serial), std::string(der->begin(), der->end()), &fail) ||
      !put(h, holder_key(f.holder), save_list(*live), &fail) || !put(h, subject_key, f.serial, &fail))
    return fail;
  auto e = h.emit(core::EventLog{{}, {"CertificateIssued(str,Address)", f.serial, f.holder.to_string()}, {f.cert_hash.hex()}});
  if (!e) return CallResult::fail(e.failure());
  return CallResult::success(json::object{{"serial", f.serial}, {"holder", f.holder.to_string()}, {"subject", f.subject}});
}

// The `serial` param and its status record (nullopt record: the chain has none). Fails with the
// param's error or the host's failure.
struct Lookup {
  std::string serial;
  std::optional<StatusRecord> record;
};
std::variant<Lookup, CallResult> lookup(Host& h, const json::value& p) {
  auto serial = serial_param(p);
  if (!serial) return bad("serial: expected 32 hex digits");
  CallResult fail;
  auto rec = load_status(h, *serial, &fail);
  if (!fail.ok) return fail;
  return Lookup{*serial, std::move(rec)};
}

CallResult revoke(Host& h, const json::value& p) {
  if (auto r = no_ca(h)) return *r;
  auto reason = str_param(p, "reason", kReasonMax);
  if (!reason || reason->empty()) return bad("reason: expected text of 1.." + std::to_string(kReasonMax) + " characters");
  for (char c : *reason)
    if (c < 0x20 || c > 0x7e) return bad("reason: printable ASCII only");
  auto found = lookup(h, p);
  if (auto* f = std::get_if<CallResult>(&found)) return *f;
  const std::string* serial = &std::get<Lookup>(found).serial;
  std::optional<StatusRecord>& rec = std::get<Lookup>(found).record;
  if (!rec) return refuse("no certificate with serial " + *serial);
  CallResult fail;
  if (rec->ra != h.frame().caller) return refuse("only the issuing RA " + rec->ra.to_string() + " may revoke " + *serial);
  if (rec->revoked_height) return refuse(*serial + " was revoked at height " + std::to_string(*rec->revoked_height));
  rec->revoked_height = h.block().height;
  rec->reason = *reason;
  if (!put(h, status_key(*serial), encode_status(*rec), &fail)) return fail;
  auto e = h.emit(core::EventLog{{}, {"CertificateRevoked(str,Address)", *serial, rec->holder.to_string()}, {*reason}});
  if (!e) return CallResult::fail(e.failure());
  return CallResult::success(json::object{{"serial", *serial}, {"revokedHeight", rec->revoked_height.value()}});
}

json::object status_json(Host& h, const std::string& serial, const StatusRecord& r) {
  json::object o{{"serial", serial},
                 {"status", std::string(to_string(status_at(r, now_s(h))))},
                 {"holder", r.holder.to_string()},
                 {"ra", r.ra.to_string()},
                 {"certHash", r.cert_hash.hex()},
                 {"issuedHeight", r.issued_height},
                 {"notBefore", r.not_before_s},
                 {"notAfter", r.not_after_s},
                 {"height", h.block().height}};
  if (r.revoked_height) {
    o["revokedHeight"] = *r.revoked_height;
    o["reason"] = r.reason;
  }
  return o;
}

CallResult get_status(Host& h, const json::value& p) {
  auto found = lookup(h, p);
  if (auto* f = std::get_if<CallResult>(&found)) return *f;
  const Lookup& l = std::get<Lookup>(found);
  if (!l.record) return CallResult::success(json::object{{"serial", l.serial}, {"status", "unknown"}, {"height", h.block().height}});
  return CallResult::success(status_json(h, l.serial, *l.record));
}

CallResult get_certificate(Host& h, const json::value& p) {
  auto found = lookup(h, p);
  if (auto* f = std::get_if<CallResult>(&found)) return *f;
  const std::string* serial = &std::get<Lookup>(found).serial;
  const std::optional<StatusRecord>& rec = std::get<Lookup>(found).record;
  if (!rec) return refuse("no certificate with serial " + *serial);
  CallResult fail;
  auto der = get(h, cert_key(*serial), &fail);
  if (!fail.ok) return fail;
  CX_ASSERT(der.has_value());
  json::object o = status_json(h, *serial, *rec);
  o["cert"] = crypto::base64_encode(as_bytes(*der));
  return CallResult::success(std::move(o));
}

CallResult certificates_of(Host& h, const json::value& p) {
  auto text = str_param(p, "address", 42);
  auto a = text ? core::Address::parse(*text) : std::nullopt;
  if (!a || a->is_contract) return bad("address: expected an hx address");
  CallResult fail;
  auto list = get(h, holder_key(*a), &fail);
  if (!fail.ok) return fail;
  json::array out;
  for (const auto& s : load_list(list)) {
    auto rec = load_status(h, s, &fail);
    if (!fail.ok) return fail;
    if (rec) out.push_back(status_json(h, s, *rec));
  }
  return CallResult::success(std::move(out));
}

CallResult get_ca(Host& h, const json::value&) {
  if (auto r = no_ca(h)) return *r;
  const core::CaParams& ca = *h.params().ca;
  json::array ras;
  for (const auto& a : ca.ras) ras.emplace_back(a.to_string());
  return CallResult::success(json::object{{"name", ca.name},
                                          {"issuer", "CN=" + ca.name + ",O=Complexchain"},
                                          {"nid", h.params().nid},
                                          {"ras", std::move(ras)},
                                          {"txPki", ca.tx_pki},
                                          {"extension", kChainExtOid}});
}

using contracts::Payable;
constexpr auto kW = contracts::Access::kWrite;
constexpr auto kR = contracts::Access::kReadOnly;

constexpr contracts::NativeMethod kMethods[] = {
    {{"requestIssue", kW, Payable::kNo, 200'000, "cert:str", "dict"}, request_issue},
    {{"revoke", kW, Payable::kNo, 20'000, "serial:str,reason:str", "dict"}, revoke},
    {{"getCertificate", kR, Payable::kNo, 0, "serial:str", "dict"}, get_certificate},
    {{"getStatus", kR, Payable::kNo, 0, "serial:str", "dict"}, get_status},
    {{"certificatesOf", kR, Payable::kNo, 0, "address:Address", "list"}, certificates_of},
    {{"getCa", kR, Payable::kNo, 0, "", "dict"}, get_ca},
};

}  // namespace

core::Address ca_contract_address() {
  FixedBytes<20> id{};
  id.bytes[18] = 0x0a;
  id.bytes[19] = 0x03;
  return core::Address::contract(id);
}

std::shared_ptr<const contracts::Contract> make_ca_contract() {
  return std::make_shared<const contracts::NativeContract>("ca", kMethods);
}

bool is_ra(const core::ChainParams& params, const core::Address& a) {
  return params.ca && std::find(params.ca->ras.begin(), params.ca->ras.end(), a) != params.ca->ras.end();
}

bool is_ra_now(Host& h, const core::Address& a) {
  if (is_ra(h.params(), a)) return true;
  const auto m = member_now(h, a);
  return m && !m->suspended && (m->roles & kRoleRa);
}

std::string status_key(std::string_view serial) { return "status/" + std::string(serial); }
std::string cert_key(std::string_view serial) { return "cert/" + std::string(serial); }
std::string holder_key(const core::Address& a) { return "holder/" + a.to_string(); }

std::string encode_status(const StatusRecord& r) {
  json::object o{{"certHash", r.cert_hash.hex()},     {"holder", r.holder.to_string()}, {"ra", r.ra.to_string()},
                 {"issuedHeight", r.issued_height},    {"notBefore", r.not_before_s},    {"notAfter", r.not_after_s},
                 {"subjectHash", r.subject_hash.hex()}};
  if (r.revoked_height) {
    o["revokedHeight"] = *r.revoked_height;
    o["reason"] = r.reason;
  }
  return json::serialize(o);
}

std::optional<StatusRecord> decode_status(std::string_view text) {
  if (text.size() > 1024) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  auto s = [&](std::string_view k) -> std::optional<std::string> {
    const json::value* x = o.if_contains(k);
    return x && x->is_string() ? std::optional<std::string>(x->get_string()) : std::nullopt;
  };
  auto n = [&](std::string_view k) -> std::optional<int64_t> {
    const json::value* x = o.if_contains(k);
    if (x && x->is_int64()) return x->get_int64();
    if (x && x->is_uint64() && x->get_uint64() <= INT64_MAX) return static_cast<int64_t>(x->get_uint64());
    return std::nullopt;
  };
  StatusRecord r;
  auto ch = s("certHash"), sh = s("subjectHash"), holder = s("holder"), ra = s("ra");
  auto ih = n("issuedHeight"), nb = n("notBefore"), na = n("notAfter");
  auto chash = ch ? Hash32::from_hex_string(*ch) : std::nullopt;
  auto shash = sh ? Hash32::from_hex_string(*sh) : std::nullopt;
  auto ha = holder ? core::Address::parse(*holder) : std::nullopt;
  auto ra_a = ra ? core::Address::parse(*ra) : std::nullopt;
  if (!chash || !shash || !ha || !ra_a || !ih || *ih < 0 || !nb || !na) return std::nullopt;
  r.cert_hash = *chash;
  r.subject_hash = *shash;
  r.holder = *ha;
  r.ra = *ra_a;
  r.issued_height = static_cast<uint64_t>(*ih);
  r.not_before_s = *nb;
  r.not_after_s = *na;
  if (o.contains("revokedHeight")) {
    auto rh = n("revokedHeight");
    auto reason = s("reason");
    if (!rh || *rh < 0 || !reason) return std::nullopt;
    r.revoked_height = static_cast<uint64_t>(*rh);
    r.reason = *reason;
  }
  if (encode_status(r) != text) return std::nullopt;  // one encoding per record
  return r;
}

CertStatus status_at(const StatusRecord& r, int64_t time_s) {
  if (r.revoked_height) return CertStatus::kRevoked;
  if (time_s >= r.not_after_s) return CertStatus::kExpired;
  if (time_s < r.not_before_s) return CertStatus::kNotYetValid;
  return CertStatus::kGood;
}

std::string_view to_string(CertStatus s) {
  switch (s) {
    case CertStatus::kGood: return "good";
    case CertStatus::kRevoked: return "revoked";
    case CertStatus::kExpired: return "expired";
    case CertStatus::kNotYetValid: return "notYetValid";
  }
  return "?";
}

std::optional<std::string> tx_pki_refusal(const core::ChainParams& params, const StorageGet& get,
                                          const core::Transaction& tx, int64_t time_s) {
  if (!params.ca || !params.ca->tx_pki) return std::nullopt;
  if (tx.to == ca_contract_address() && is_ra(params, tx.from)) return std::nullopt;
  auto list = get(holder_key(tx.from));
  std::string seen;
  if (list) {
    for (const auto& serial : load_list(std::string(list->begin(), list->end()))) {
      auto text = get(status_key(serial));
      auto r = text ? decode_status(std::string_view(reinterpret_cast<const char*>(text->data()), text->size())) : std::nullopt;
      if (!r) continue;
      const CertStatus st = status_at(*r, time_s);
      if (st == CertStatus::kGood) return std::nullopt;
      seen += (seen.empty() ? "" : ", ") + serial + " " + std::string(to_string(st));
    }
  }
  return "txPki: sender " + tx.from.to_string() + " holds no good certificate from the chain CA" +
         (seen.empty() ? std::string() : " (" + seen + ")");
}

}  // namespace cx::governance::ca
