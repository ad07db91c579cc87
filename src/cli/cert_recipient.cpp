#include "cli/cert_recipient.hpp"

#include "base/uint256.hpp"
#include "cli/rpc_client.hpp"
#include "crypto/base64.hpp"

namespace cx::cli {

namespace json = boost::json;
namespace ca = governance::ca;

namespace {

constexpr size_t kSerialHexDigits = 32;
constexpr size_t kCertBase64Max = 8192;  // a certificate is at most 4 KiB of DER

Result<json::value> ca_call(RpcClient& client, std::string_view method, json::object params) {
  json::object req{{"to", ca::ca_contract_address().to_string()},
                   {"dataType", "call"},
                   {"data", {{"method", method}, {"params", std::move(params)}}}};
  RpcReply r = client.call("icx_call", std::move(req));
  if (!r.ok()) return Result<json::value>::error(std::string(method) + ": " + r.error->describe());
  return std::move(r.result);
}

std::string str_or(const json::object& o, std::string_view k, std::string fallback = "") {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : fallback;
}

std::optional<uint64_t> u64_or_null(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  return std::nullopt;
}

// "revoked at height 12 (keyCompromise)", "suspended since height 9", or just the status.
std::string status_detail(const json::object& o) {
  const std::string status = str_or(o, "status", "unknown");
  if (status == "revoked" && u64_or_null(o, "revokedHeight"))
    return status + " at height " + std::to_string(*u64_or_null(o, "revokedHeight")) + " (" + str_or(o, "reason") + ")";
  if (status == "suspended" && u64_or_null(o, "suspendedHeight"))
    return status + " since height " + std::to_string(*u64_or_null(o, "suspendedHeight"));
  return status;
}

Result<CertRecipient> proven(const CertLookup& lookup, BytesView der, const std::string& serial) {
  using R = Result<CertRecipient>;
  RpcReply r = lookup.client->call("cx_getProof", json::object{{"address", ca::ca_contract_address().to_string()},
                                                               {"key", ca::status_key(serial)}});
  if (!r.ok()) return R::error("cx_getProof: " + r.error->describe());
  if (!r.result.is_object()) return R::error("cx_getProof: not an object");
  auto v = verify_certificate_across(der, r.result.get_object(), lookup.expect, *lookup.trust, lookup.client);
  if (!v) return R::error("certificate " + serial + " not verified: " + v.message());
  const VerifiedStatus& s = v->status;
  if (s.status != ca::CertStatus::kGood)
    return R::error("certificate " + serial + " is " + std::string(ca::to_string(s.status)) + " at height " +
                    std::to_string(s.height) + " (proven)");
  return CertRecipient{serial, s.cert.holder, s.cert.public_key, s.height, /*proven=*/true};
}

}  // namespace

Result<ca::Expect> fetch_ca_expect(RpcClient& client) {
  auto r = ca_call(client, "getCa", {});
  if (!r) return r.status();
  const json::object* o = r->if_object();
  auto nid = o ? u64_or_null(*o, "nid") : std::nullopt;
  if (!o || str_or(*o, "name").empty() || !nid) return Result<ca::Expect>::error("getCa: no name and nid");
  return ca::Expect{str_or(*o, "name"), *nid};
}

Result<CertRecipient> recipient_by_serial(const CertLookup& lookup, std::string_view serial_in) {
  using R = Result<CertRecipient>;
  std::string serial(serial_in);
  if (serial.starts_with("0x")) serial.erase(0, 2);
  if (serial.size() != kSerialHexDigits || !from_hex(serial))
    return R::error("'" + std::string(serial_in) + "' is not a serial (32 hex digits)");
  auto reply = ca_call(*lookup.client, "getCertificate", {{"serial", serial}});
  if (!reply) return R::error("certificate " + serial + ": " + reply.message());
  const json::object* o = reply->if_object();
  const std::string cert_b64 = o ? str_or(*o, "cert") : "";
  auto der = cert_b64.size() <= kCertBase64Max ? crypto::base64_decode(cert_b64) : std::nullopt;
  if (!der) return R::error("certificate " + serial + ": the node sent no certificate");
  auto checked = ca::check_certificate(*der, lookup.expect);
  if (auto* e = std::get_if<std::string>(&checked)) return R::error("certificate " + serial + ": " + *e);
  const auto& fields = std::get<ca::CertFields>(checked);
  if (fields.serial != serial) return R::error("certificate " + serial + ": the node sent certificate " + fields.serial);
  if (lookup.trust) return proven(lookup, *der, serial);
  if (str_or(*o, "status") != "good") return R::error("certificate " + serial + " is " + status_detail(*o));
  return CertRecipient{serial, fields.holder, fields.public_key, u64_or_null(*o, "height").value_or(0), /*proven=*/false};
}

Result<CertRecipient> recipient_by_holder(const CertLookup& lookup, const crypto::Address& holder) {
  using R = Result<CertRecipient>;
  if (holder.is_contract) return R::error(holder.to_string() + " is a contract, not a holder");
  auto reply = ca_call(*lookup.client, "certificatesOf", {{"address", holder.to_string()}});
  if (!reply) return R::error(reply.message());
  if (!reply->is_array()) return R::error("certificatesOf: not a list");
  std::optional<std::pair<uint64_t, std::string>> newest;
  std::string others;
  for (const auto& c : reply->get_array()) {
    const json::object* o = c.if_object();
    if (!o) continue;
    const std::string serial = str_or(*o, "serial");
    if (str_or(*o, "status") == "good") {
      const uint64_t issued = u64_or_null(*o, "issuedHeight").value_or(0);
      if (!newest || issued > newest->first) newest = {issued, serial};
    } else {
      others += (others.empty() ? "" : ", ") + serial + " " + status_detail(*o);
    }
  }
  if (!newest)
    return R::error(holder.to_string() + " holds no good certificate from the chain CA (" +
                    (others.empty() ? std::string("none issued") : others) + ")");
  auto r = recipient_by_serial(lookup, newest->second);
  if (r && r->holder != holder) return R::error("certificate " + newest->second + " is not " + holder.to_string() + "'s");
  return r;
}

}  // namespace cx::cli
