// The chain CA contract (ca_contract.hpp). Every refusal fails the call with kRefused and a reason
// that names the rule; the frame's rollback guarantees a refused request changed nothing.
#include "governance/ca_contract.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "contracts/native.hpp"
#include "crypto/base64.hpp"
#include "governance/ca_cert.hpp"
#include "governance/governance.hpp"
#include "governance/model.hpp"

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
  return text ? serial_list(*text) : std::vector<std::string>{};
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

// The serials listed under `key` ("holder/…" or "person/…") without the dead ones (revoked or expired
// at `now`), with their records.
struct Live {
  std::vector<std::string> serials;
  std::vector<StatusRecord> records;
};
std::optional<Live> live_serials(Host& h, const std::string& key, int64_t now, CallResult* fail) {
  auto text = get(h, key, fail);
  if (!fail->ok) return std::nullopt;
  Live live;
  for (auto& s : load_list(text)) {
    auto r = load_status(h, s, fail);
    if (!fail->ok) return std::nullopt;
    if (r && is_live(status_at(*r, now))) {
      live.serials.push_back(s);
      live.records.push_back(*r);
    }
  }
  return live;
}

std::optional<Hash32> bid_param(const json::value& p) {
  auto s = str_param(p, "bid", 66);
  if (!s) return std::nullopt;
  return Hash32::from_hex_string(s->starts_with("0x") ? s->substr(2) : *s);
}

bool has_param(const json::value& p, std::string_view k) {
  const json::object* o = p.if_object();
  return o && o->contains(k) && !o->at(k).is_null();
}

// CHAIN ID's person rules for a new certificate of `f` (docs/ca.md §5): one person per device (every
// live certificate of the holder carries the same BID, or none), at most kLivePerPersonMax live
// certificates per BID, and a `verifiedBy` that names a good certificate of the same person. Fills
// `rec`'s bid and verified_by and `person_list` (the BID's live serials and the new one).
std::optional<CallResult> person_rules(Host& h, const json::value& p, const CertFields& f, const Live& holder_live,
                                       StatusRecord* rec, std::vector<std::string>* person_list) {
  const int64_t now = now_s(h);
  if (has_param(p, "bid")) {
    rec->bid = bid_param(p);
    if (!rec->bid) return bad("bid: expected 64 hex digits (the person's de-identified id)");
  }
  for (size_t i = 0; i < holder_live.records.size(); ++i)
    if (holder_live.records[i].bid != rec->bid)
      return refuse("one person per device: " + f.holder.to_string() + " holds live certificate " + holder_live.serials[i] +
                    " of another person");
  if (has_param(p, "verifiedBy")) {
    auto by = serial_param(json::object{{"serial", p.as_object().at("verifiedBy")}});
    if (!by || !rec->bid) return bad("verifiedBy: expected the serial (32 hex digits) of a live certificate, with bid");
    CallResult fail;
    auto r = load_status(h, *by, &fail);
    if (!fail.ok) return fail;
    if (!r || r->bid != rec->bid || status_at(*r, now) != CertStatus::kGood)
      return refuse("verifiedBy: " + *by + " is not a good certificate of this person");
    rec->verified_by = *by;
  }
  if (!rec->bid) return std::nullopt;
  CallResult fail;
  auto live = live_serials(h, person_key(*rec->bid), now, &fail);
  if (!live) return fail;
  if (live->serials.size() >= kLivePerPersonMax)
    return refuse("person " + rec->bid->hex() + " already holds " + std::to_string(kLivePerPersonMax) + " live certificates");
  *person_list = std::move(live->serials);
  person_list->push_back(f.serial);
  return std::nullopt;
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
    if (r && is_live(status_at(*r, now))) return refuse("subject '" + f.subject + "' already holds live certificate " + *prev);
  }
  if (!fail.ok) return fail;
  auto live = live_serials(h, holder_key(f.holder), now, &fail);
  if (!live) return fail;
  if (live->serials.size() >= kLivePerHolderMax)
    return refuse(f.holder.to_string() + " already holds " + std::to_string(kLivePerHolderMax) + " live certificates");
  StatusRecord rec;
  rec.cert_hash = f.cert_hash;
  rec.holder = f.holder;
  rec.ra = h.frame().caller;
  rec.issued_height = h.block().height;
  rec.not_before_s = f.not_before_s;
  rec.not_after_s = f.not_after_s;
  rec.subject_hash = f.subject_hash;
  std::vector<std::string> person_list;
  if (auto r = person_rules(h, p, f, *live, &rec, &person_list)) return *r;
  CX_ASSERT(live->serials.size() < kHolderListMax);
  live->serials.push_back(f.serial);
  if (!put(h, status_key(f.serial), encode_status(rec), &fail) ||
      !put(h, cert_key(f.serial), std::string(der->begin(), der->end()), &fail) ||
      !put(h, holder_key(f.holder), save_list(live->serials), &fail) || !put(h, subject_key, f.serial, &fail) ||
      (rec.bid && !put(h, person_key(*rec.bid), save_list(person_list), &fail)))
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

// The `reason` param: 1..kReasonMax printable ASCII characters.
std::variant<std::string, CallResult> reason_param(const json::value& p) {
  auto reason = str_param(p, "reason", kReasonMax);
  if (!reason || reason->empty()) return bad("reason: expected text of 1.." + std::to_string(kReasonMax) + " characters");
  for (char c : *reason)
    if (c < 0x20 || c > 0x7e) return bad("reason: printable ASCII only");
  return *reason;
}

CallResult revoke(Host& h, const json::value& p) {
  if (auto r = no_ca(h)) return *r;
  auto why = reason_param(p);
  if (auto* f = std::get_if<CallResult>(&why)) return *f;
  const std::string* reason = &std::get<std::string>(why);
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

// CHAIN ID's policy (docs/ca.md §5). A suspension starts at this height; its reset ends it and keeps
// the range, so a later record still tells the status at every earlier height.
CallResult write_status(Host& h, const std::string& serial, const StatusRecord& rec, const char* event, const std::string& data) {
  CallResult fail;
  if (!put(h, status_key(serial), encode_status(rec), &fail)) return fail;
  if (event) {
    auto e = h.emit(core::EventLog{{}, {event, serial, rec.holder.to_string()}, {data}});
    if (!e) return CallResult::fail(e.failure());
  }
  json::object o{{"serial", serial}, {"status", std::string(to_string(status_at(rec, now_s(h))))}, {"pinFailures", rec.pin_failures}};
  if (rec.suspended_height) o["suspendedHeight"] = *rec.suspended_height;
  return CallResult::success(std::move(o));
}

// The certificate `p` names, refused unless it is live and not revoked (a policy action needs one).
std::variant<Lookup, CallResult> live_lookup(Host& h, const json::value& p) {
  auto found = lookup(h, p);
  if (std::holds_alternative<CallResult>(found)) return found;
  const Lookup& l = std::get<Lookup>(found);
  if (!l.record) return refuse("no certificate with serial " + l.serial);
  const CertStatus st = status_at(*l.record, now_s(h));
  if (st == CertStatus::kRevoked || st == CertStatus::kExpired) return refuse(l.serial + " is " + std::string(to_string(st)));
  return found;
}

void start_suspension(Host& h, StatusRecord* rec, std::string reason) {
  rec->suspended_height = h.block().height;
  rec->suspend_reason = std::move(reason);
}

// reportPinFailure({serial, attempt?}): the holder's app (signing with the certified key) or the issuing
// RA reports a wrong PIN. `attempt` is the app's count of consecutive failures: 1 starts a new run (a
// correct PIN in between is the app's matter, never a tx), else it must follow the chain's count.
CallResult report_pin_failure(Host& h, const json::value& p) {
  if (auto r = no_ca(h)) return *r;
  auto found = live_lookup(h, p);
  if (auto* f = std::get_if<CallResult>(&found)) return *f;
  const std::string& serial = std::get<Lookup>(found).serial;
  StatusRecord rec = *std::get<Lookup>(found).record;
  if (h.frame().caller != rec.holder && h.frame().caller != rec.ra)
    return refuse("only the holder " + rec.holder.to_string() + " or the issuing RA may report a PIN failure of " + serial);
  if (rec.suspended_height) return refuse(serial + " is suspended since height " + std::to_string(*rec.suspended_height));
  uint32_t count = rec.pin_failures + 1;
  if (has_param(p, "attempt")) {
    auto a = model::u64_of(&p.as_object().at("attempt"));
    if (!a || *a == 0 || *a > kPinFailuresMax) return bad("attempt: expected 1.." + std::to_string(kPinFailuresMax));
    if (*a != 1 && *a != count)
      return refuse("attempt " + std::to_string(*a) + " does not follow the " + std::to_string(rec.pin_failures) + " reported");
    count = static_cast<uint32_t>(*a);
  }
  rec.pin_failures = count;
  if (count < kPinFailuresMax) return write_status(h, serial, rec, nullptr, "");
  start_suspension(h, &rec, "pinFailures");
  return write_status(h, serial, rec, "CertificateSuspended(str,Address)", "pinFailures");
}

// What an RA's suspend or reset acts on: the caller is an RA, the reason is valid, the certificate live.
struct RaAction {
  std::string serial;
  StatusRecord rec;
  std::string reason;
};
std::variant<RaAction, CallResult> ra_action(Host& h, const json::value& p) {
  if (auto r = no_ca(h)) return *r;
  if (!is_ra_now(h, h.frame().caller)) return refuse(h.frame().caller.to_string() + " is not a registration authority of this channel");
  auto why = reason_param(p);
  if (auto* f = std::get_if<CallResult>(&why)) return *f;
  auto found = live_lookup(h, p);
  if (auto* f = std::get_if<CallResult>(&found)) return *f;
  Lookup& l = std::get<Lookup>(found);
  return RaAction{std::move(l.serial), std::move(*l.record), std::move(std::get<std::string>(why))};
}

// suspend({serial, reason}): an RA suspends a certificate (a lost device), as 5 wrong PINs would.
CallResult suspend(Host& h, const json::value& p) {
  auto act = ra_action(h, p);
  if (auto* f = std::get_if<CallResult>(&act)) return *f;
  auto& [serial, rec, reason] = std::get<RaAction>(act);
  if (rec.suspended_height) return refuse(serial + " is suspended since height " + std::to_string(*rec.suspended_height));
  start_suspension(h, &rec, reason);
  return write_status(h, serial, rec, "CertificateSuspended(str,Address)", reason);
}

// reset({serial, reason}): an RA, after authenticating the person more strongly off chain, clears the
// PIN count and ends the suspension (kept as a range in the bounded history).
CallResult reset(Host& h, const json::value& p) {
  auto act = ra_action(h, p);
  if (auto* f = std::get_if<CallResult>(&act)) return *f;
  auto& [serial, rec, reason] = std::get<RaAction>(act);
  if (!rec.suspended_height && rec.pin_failures == 0) return refuse(serial + " is neither suspended nor has PIN failures to reset");
  rec.pin_failures = 0;
  if (rec.suspended_height) {
    if (*rec.suspended_height < h.block().height) rec.suspensions.emplace_back(*rec.suspended_height, h.block().height);
    if (rec.suspensions.size() > kSuspensionHistoryMax) rec.suspensions.erase(rec.suspensions.begin());
    rec.suspended_height.reset();
    rec.suspend_reason.clear();
  }
  return write_status(h, serial, rec, "CertificateReset(str,Address)", reason);
}

json::object status_json(Host& h, const std::string& serial, const StatusRecord& r) {
  json::object o{{"serial", serial},
                 {"status", std::string(to_string(status_at(r, now_s(h), h.block().height)))},
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
  if (r.bid) o["bid"] = r.bid->hex();
  if (!r.verified_by.empty()) o["verifiedBy"] = r.verified_by;
  o["pinFailures"] = r.pin_failures;
  if (r.suspended_height) {
    o["suspendedHeight"] = *r.suspended_height;
    o["suspendReason"] = r.suspend_reason;
  }
  json::array ranges;
  for (const auto& [from, to] : r.suspensions) ranges.push_back(json::array{from, to});
  o["suspensions"] = std::move(ranges);
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

// The records of the serials listed under `key` ("holder/…" or "person/…"), with their status.
CallResult list_json(Host& h, const std::string& key) {
  CallResult fail;
  auto list = get(h, key, &fail);
  if (!fail.ok) return fail;
  json::array out;
  for (const auto& s : load_list(list)) {
    auto rec = load_status(h, s, &fail);
    if (!fail.ok) return fail;
    if (rec) out.push_back(status_json(h, s, *rec));
  }
  return CallResult::success(std::move(out));
}

std::optional<core::Address> address_param(const json::value& p) {
  auto text = str_param(p, "address", 42);
  auto a = text ? core::Address::parse(*text) : std::nullopt;
  if (!a || a->is_contract) return std::nullopt;
  return a;
}

CallResult certificates_of(Host& h, const json::value& p) {
  auto a = address_param(p);
  if (!a) return bad("address: expected an hx address");
  return list_json(h, holder_key(*a));
}

CallResult certificates_of_person(Host& h, const json::value& p) {
  auto bid = bid_param(p);
  if (!bid) return bad("bid: expected 64 hex digits (the person's de-identified id)");
  return list_json(h, person_key(*bid));
}

// personOf({address}): the BID of the person a device (holder address) belongs to, from its live
// certificates (null: none live, or issued without a BID).
CallResult person_of(Host& h, const json::value& p) {
  auto a = address_param(p);
  if (!a) return bad("address: expected an hx address");
  CallResult fail;
  auto live = live_serials(h, holder_key(*a), now_s(h), &fail);
  if (!live) return fail;
  json::object o{{"address", a->to_string()}, {"bid", nullptr}, {"live", live->serials.size()}, {"height", h.block().height}};
  if (!live->records.empty() && live->records.front().bid) o["bid"] = live->records.front().bid->hex();
  return CallResult::success(std::move(o));
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
    {{"requestIssue", kW, Payable::kNo, 200'000, "cert:str,bid:str,verifiedBy:str", "dict"}, request_issue},
    {{"revoke", kW, Payable::kNo, 20'000, "serial:str,reason:str", "dict"}, revoke},
    {{"reportPinFailure", kW, Payable::kNo, 20'000, "serial:str,attempt:int", "dict"}, report_pin_failure},
    {{"suspend", kW, Payable::kNo, 20'000, "serial:str,reason:str", "dict"}, suspend},
    {{"reset", kW, Payable::kNo, 20'000, "serial:str,reason:str", "dict"}, reset},
    {{"getCertificate", kR, Payable::kNo, 0, "serial:str", "dict"}, get_certificate},
    {{"getStatus", kR, Payable::kNo, 0, "serial:str", "dict"}, get_status},
    {{"certificatesOf", kR, Payable::kNo, 0, "address:Address", "list"}, certificates_of},
    {{"personOf", kR, Payable::kNo, 0, "address:Address", "dict"}, person_of},
    {{"certificatesOfPerson", kR, Payable::kNo, 0, "bid:str", "list"}, certificates_of_person},
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

}  // namespace cx::governance::ca
