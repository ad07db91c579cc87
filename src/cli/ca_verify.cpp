#include "cli/ca_verify.hpp"

#include "cli/rpc_client.hpp"
#include "consensus/engine.hpp"
#include "crypto/hash.hpp"
#include "execution/accounts.hpp"
#include "state/world_state.hpp"

namespace cx::cli {

namespace json = boost::json;
namespace ca = governance::ca;

namespace {

std::optional<std::string> str_of(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::optional<std::string>(v->get_string()) : std::nullopt;
}

std::optional<Bytes> hex_of(const json::object& o, std::string_view k) {
  auto s = str_of(o, k);
  return s ? from_hex(*s) : std::nullopt;
}

Result<VerifiedStatus> refused(std::string m) { return Result<VerifiedStatus>::error(std::move(m)); }

}  // namespace

Result<VerifiedStatus> verify_certificate(BytesView der, const json::object& proof, const ca::Expect& expect,
                                          const core::ValidatorSet& validators) {
  auto checked = ca::check_certificate(der, expect);
  if (auto* e = std::get_if<std::string>(&checked)) return refused("certificate: " + *e);
  VerifiedStatus out;
  out.cert = std::get<ca::CertFields>(checked);

  // What the node says it proved must be this certificate's status entry, recomputed here.
  const std::string key = ca::status_key(out.cert.serial);
  if (str_of(proof, "key") != key || str_of(proof, "address") != ca::ca_contract_address().to_string())
    return refused("proof: it is not for " + key + " of the CA contract");
  const Bytes state_key = execution::contract_storage_key(ca::ca_contract_address(), as_bytes(key));

  auto header_bytes = hex_of(proof, "header"), next_bytes = hex_of(proof, "nextHeader"), qc_bytes = hex_of(proof, "qc");
  auto header = header_bytes ? core::Header::decode(*header_bytes) : std::nullopt;
  auto next = next_bytes ? core::Header::decode(*next_bytes) : std::nullopt;
  auto qc = qc_bytes ? core::QuorumCertificate::decode(*qc_bytes) : std::nullopt;
  if (!header || !next || !qc) return refused("proof: header, nextHeader or qc does not decode");
  if (next->height != header->height + 1 || next->prev_hash != header->hash())
    return refused("proof: nextHeader does not follow header");
  if (qc->height != next->height || qc->block_hash != next->hash())
    return refused("proof: the QC is not for block " + std::to_string(next->height));
  if (next->validators_hash != validators.hash())
    return refused("proof: block " + std::to_string(next->height) + " names a validator set other than the trusted one");
  if (!consensus::verify_qc(*qc, validators))
    return refused("proof: the QC is not signed by a quorum of the trusted validators");

  const Hash32& root = next->prev_result.state_root;
  std::optional<Bytes> value;
  if (const json::value* v = proof.if_contains("value"); v && !v->is_null()) {
    value = hex_of(proof, "value");
    if (!value) return refused("proof: value is not hex");
  }
  std::vector<Bytes> nodes;
  const json::value* nv = proof.if_contains("proof");
  if (!nv || !nv->is_array() || nv->get_array().size() > 128) return refused("proof: proof must be a list of trie nodes");
  for (const auto& n : nv->get_array()) {
    auto b = n.is_string() ? from_hex(n.get_string()) : std::nullopt;
    if (!b) return refused("proof: a trie node is not hex");
    nodes.push_back(std::move(*b));
  }
  if (!state::verify_proof(root, state_key, value, nodes))
    return refused("proof: the Merkle proof does not show this entry under the certified state root");
  if (!value) return refused("status: the chain has no record of certificate " + out.cert.serial + " at height " + std::to_string(header->height));
  auto record = ca::decode_status(std::string_view(reinterpret_cast<const char*>(value->data()), value->size()));
  if (!record) return refused("status: the record does not decode");
  if (record->cert_hash != crypto::sha3_256(der))
    return refused("status: the chain recorded other bytes under serial " + out.cert.serial);
  out.record = *record;
  out.height = header->height;
  out.certified_block = next->hash();
  out.block_time_s = header->timestamp_us / 1'000'000;
  out.status = ca::status_at(*record, out.block_time_s, out.height);
  return out;
}

Result<VerifiedAcross> verify_certificate_across(BytesView der, const json::object& proof, const ca::Expect& expect,
                                                 const TrustStart& start, RpcClient* client) {
  using R = Result<VerifiedAcross>;
  // The height whose QC is checked; the header itself is checked again by verify_certificate.
  auto next_bytes = hex_of(proof, "nextHeader");
  auto next = next_bytes ? core::Header::decode(*next_bytes) : std::nullopt;
  if (!next) return R::error("proof: nextHeader does not decode");
  const uint64_t certified = next->height;
  Result<TrustedSet> set = start.set;
  size_t changes = 0;
  if (const json::value* listed = proof.if_contains("validatorChanges")) {
    if (!listed->is_array()) return R::error("proof: validatorChanges is not a list");
    if (start.set.from_height > certified)
      return R::error("the trusted set starts at height " + std::to_string(start.set.from_height) + ", above block " +
                      std::to_string(certified));
    set = follow_set_changes(start.set, listed->get_array(), certified, start.changes_max, changes);
  } else if (client) {
    set = fetch_set_at(*client, start.set, certified, start.changes_max, &changes);
  } else if (start.set.from_height > certified) {
    return R::error("the trusted set starts above block " + std::to_string(certified));
  }
  if (!set) return R::error("validator sets: " + set.message());
  auto v = verify_certificate(der, proof, expect, set->set);
  if (!v) return R::error(v.message());
  return VerifiedAcross{std::move(*v), std::move(*set), changes};
}

}  // namespace cx::cli
