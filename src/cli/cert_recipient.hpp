#pragma once
// Recipients' keys from the chain CA (docs/confidential.md "Recipients from the chain CA"): a
// certificate named by serial, or the good certificate an hx address holds, gives its certified public
// key. The status must be good at the head; with a trusted start (the genesis file or a checkpoint) it
// is proven with the same verifier as `ca verify` instead of taken from the node.
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "cli/ca_verify.hpp"
#include "crypto/address.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::cli {

class RpcClient;

struct CertRecipient {
  std::string serial;
  crypto::Address holder;
  crypto::PublicKey key;
  uint64_t height = 0;  // the state the status was read from
  bool proven = false;  // the status was proven against a certified block, not taken from the node
};

struct CertLookup {
  RpcClient* client = nullptr;
  governance::ca::Expect expect;   // the CA's name and nid (from the genesis, or getCa)
  std::optional<TrustStart> trust;  // set: prove the status (cx_getProof and the set changes)
};

// The CA's name and nid as the node states them (getCa).
Result<governance::ca::Expect> fetch_ca_expect(RpcClient& client);

// A certificate by serial (32 hex digits): its DER from getCertificate, checked (profile, nid, issuer,
// self-signature), and its status good. A refusal names the status: "certificate S is revoked at
// height H (keyCompromise)".
Result<CertRecipient> recipient_by_serial(const CertLookup& lookup, std::string_view serial);
// The newest good certificate `holder` holds (certificatesOf), then as recipient_by_serial. A holder
// without one is refused with the status of each it holds.
Result<CertRecipient> recipient_by_holder(const CertLookup& lookup, const crypto::Address& holder);

}  // namespace cx::cli
