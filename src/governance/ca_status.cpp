// The CA's status records (ca_contract.hpp): their one canonical encoding, the status they give at a
// height and time, and the txPki rule that reads them. Records written before CHAIN ID's policy fields
// existed carry none of them and encode exactly as they did.
#include <boost/json.hpp>

#include "governance/ca_contract.hpp"

namespace cx::governance::ca {

namespace json = boost::json;

namespace {

// The longest record: the base fields, a BID, a verifiedBy serial and kSuspensionHistoryMax ranges.
constexpr size_t kStatusTextMax = 2048;

// The policy fields of a record (all optional); false if one is present but malformed.
template <typename S, typename N>
bool decode_policy(const json::object& o, const S& s, const N& n, StatusRecord* r) {
  if (o.contains("bid")) {
    auto b = s("bid");
    auto h = b ? Hash32::from_hex_string(*b) : std::nullopt;
    if (!h) return false;
    r->bid = *h;
  }
  if (o.contains("verifiedBy")) {
    auto v = s("verifiedBy");
    if (!v || v->empty()) return false;
    r->verified_by = *v;
  }
  if (o.contains("pinFailures")) {
    auto f = n("pinFailures");
    if (!f || *f <= 0 || *f > kPinFailuresMax) return false;
    r->pin_failures = static_cast<uint32_t>(*f);
  }
  if (o.contains("suspendedHeight")) {
    auto h = n("suspendedHeight");
    auto why = s("suspendReason");
    if (!h || *h < 0 || !why) return false;
    r->suspended_height = static_cast<uint64_t>(*h);
    r->suspend_reason = *why;
  }
  if (const json::value* a = o.if_contains("suspensions")) {
    if (!a->is_array() || a->get_array().empty() || a->get_array().size() > kSuspensionHistoryMax) return false;
    for (const auto& e : a->get_array()) {
      const json::array* pair = e.if_array();
      if (!pair || pair->size() != 2 || !(*pair)[0].is_number() || !(*pair)[1].is_number()) return false;
      boost::system::error_code ec1, ec2;
      const auto from = (*pair)[0].to_number<uint64_t>(ec1), to = (*pair)[1].to_number<uint64_t>(ec2);
      if (ec1 || ec2 || from > to) return false;
      r->suspensions.emplace_back(from, to);
    }
  }
  return true;
}

}  // namespace

std::string status_key(std::string_view serial) { return "status/" + std::string(serial); }
std::string cert_key(std::string_view serial) { return "cert/" + std::string(serial); }
std::string holder_key(const core::Address& a) { return "holder/" + a.to_string(); }
std::string person_key(const Hash32& bid) { return "person/" + bid.hex(); }

std::string encode_status(const StatusRecord& r) {
  json::object o{{"certHash", r.cert_hash.hex()},     {"holder", r.holder.to_string()}, {"ra", r.ra.to_string()},
                 {"issuedHeight", r.issued_height},    {"notBefore", r.not_before_s},    {"notAfter", r.not_after_s},
                 {"subjectHash", r.subject_hash.hex()}};
  if (r.bid) o["bid"] = r.bid->hex();
  if (!r.verified_by.empty()) o["verifiedBy"] = r.verified_by;
  if (r.pin_failures) o["pinFailures"] = r.pin_failures;
  if (r.suspended_height) {
    o["suspendedHeight"] = *r.suspended_height;
    o["suspendReason"] = r.suspend_reason;
  }
  if (!r.suspensions.empty()) {
    json::array a;
    for (const auto& [from, to] : r.suspensions) a.push_back(json::array{from, to});
    o["suspensions"] = std::move(a);
  }
  if (r.revoked_height) {
    o["revokedHeight"] = *r.revoked_height;
    o["reason"] = r.reason;
  }
  return json::serialize(o);
}

std::optional<StatusRecord> decode_status(std::string_view text) {
  if (text.size() > kStatusTextMax) return std::nullopt;
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
  if (!decode_policy(o, s, n, &r)) return std::nullopt;
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

CertStatus status_at(const StatusRecord& r, int64_t time_s, uint64_t height) {
  if (r.revoked_height && height >= *r.revoked_height) return CertStatus::kRevoked;
  if (time_s >= r.not_after_s) return CertStatus::kExpired;
  if (r.suspended_height && height >= *r.suspended_height) return CertStatus::kSuspended;
  for (const auto& [from, to] : r.suspensions)
    if (height >= from && height < to) return CertStatus::kSuspended;
  if (time_s < r.not_before_s) return CertStatus::kNotYetValid;
  return CertStatus::kGood;
}

bool is_live(CertStatus s) { return s == CertStatus::kGood || s == CertStatus::kNotYetValid || s == CertStatus::kSuspended; }

std::vector<std::string> serial_list(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  CX_ASSERT_MSG(!ec && v.is_array(), "CA serial list is corrupt");
  for (const auto& e : v.get_array()) out.emplace_back(e.get_string());
  return out;
}

std::string_view to_string(CertStatus s) {
  switch (s) {
    case CertStatus::kGood: return "good";
    case CertStatus::kRevoked: return "revoked";
    case CertStatus::kExpired: return "expired";
    case CertStatus::kNotYetValid: return "notYetValid";
    case CertStatus::kSuspended: return "suspended";
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
    for (const auto& serial : serial_list(std::string_view(reinterpret_cast<const char*>(list->data()), list->size()))) {
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
