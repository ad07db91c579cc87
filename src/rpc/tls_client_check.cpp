#include "rpc/tls_client_check.hpp"

#include <algorithm>
#include <variant>

#include "crypto/hash.hpp"
#include "governance/ca_cert.hpp"
#include "governance/ca_contract.hpp"

namespace cx::rpc {

namespace ca = governance::ca;

namespace {

std::variant<ca::CertFields, std::string> profile_of(const core::ChainParams& params, BytesView der) {
  if (!params.ca) return "channel " + params.channel + " has no chain CA (genesis \"ca\"), so no certificate can be from it";
  return ca::check_certificate(der, ca::Expect{params.ca->name, params.nid});
}

}  // namespace

std::optional<std::string> tls_profile_refusal(const core::ChainParams& params, BytesView der) {
  auto fields = profile_of(params, der);
  if (auto* why = std::get_if<std::string>(&fields)) return *why;
  return std::nullopt;
}

std::optional<std::string> tls_client_refusal(const core::ChainParams& params, BytesView der, const CaLookup& lookup,
                                              const ClientAuth::MemberCheck& member, int64_t now_s) {
  const std::string prefix = "unauthorized: ";
  if (der.empty())
    return prefix + "channel " + params.channel +
           " answers only clients with a TLS client certificate from its chain CA, and none was presented "
           "(docs/membership.md \"TLS client certificates\")";
  auto checked = profile_of(params, der);
  if (auto* why = std::get_if<std::string>(&checked))
    return prefix + "the client certificate is not one of channel " + params.channel + "'s CA: " + *why;
  const ca::CertFields& cert = std::get<ca::CertFields>(checked);
  auto recorded = lookup(cert.serial);
  if (!recorded) return "internal error: cannot read the chain CA's record of " + cert.serial + ": " + recorded.status().message();
  if (!*recorded)
    return prefix + "certificate " + cert.serial + " is not recorded by the chain CA of channel " + params.channel +
           " (unknown: never issued)";
  const RecordedCert& rec = **recorded;
  if (rec.cert_hash != cert.cert_hash)
    return prefix + "certificate " + cert.serial + " is not the one the chain CA recorded under that serial (forged)";
  if (rec.status != "good")
    return prefix + "certificate " + cert.serial + " is " + rec.status + " at height " + std::to_string(rec.height);
  if (now_s < cert.not_before_s) return prefix + "certificate " + cert.serial + " is not yet valid";
  if (now_s >= cert.not_after_s) return prefix + "certificate " + cert.serial + " is expired";
  if (auto why = member(cert.holder)) return prefix + "the certificate's holder: " + *why;
  return std::nullopt;
}

std::optional<std::string> tls_signed_refusal(const core::ChainParams& params, const core::Address& a) {
  const bool validator = std::find(params.validators.begin(), params.validators.end(), a) != params.validators.end();
  if (validator || ca::is_ra(params, a)) return std::nullopt;
  return a.to_string() + " may not sign requests on channel " + params.channel +
         " (rpcAuth \"tls\": only its CA's registration authorities and validators may; others present a TLS "
         "client certificate from the chain CA)";
}

CaLookup ca_lookup_of(const channel::ChannelApi& channel) {
  return [&channel](const std::string& serial) -> Result<std::optional<RecordedCert>> {
    contracts::CallRequest req;
    req.contract = ca::ca_contract_address();
    req.method = "getStatus";
    req.params = boost::json::object{{"serial", serial}};
    auto r = channel.call(req, std::nullopt);
    if (!r) return Status::error(r.status().message());
    if (!r->ok) return Status::error(r->message);
    const auto* o = r->output.if_object();
    const auto* status = o ? o->if_contains("status") : nullptr;
    if (!status || !status->is_string()) return Status::error("getStatus returned no status");
    if (status->get_string() == "unknown") return std::optional<RecordedCert>();
    RecordedCert rec;
    rec.status = std::string(status->get_string());
    const auto* hash = o->if_contains("certHash");
    auto parsed = hash && hash->is_string() ? Hash32::from_hex_string(hash->get_string()) : std::nullopt;
    if (!parsed) return Status::error("getStatus returned no certHash");
    rec.cert_hash = *parsed;
    if (const auto* h = o->if_contains("height"); h && h->is_int64()) rec.height = static_cast<uint64_t>(h->get_int64());
    if (const auto* h = o->if_contains("height"); h && h->is_uint64()) rec.height = h->get_uint64();
    return std::optional<RecordedCert>(std::move(rec));
  };
}

}  // namespace cx::rpc
