#pragma once
// TLS client certificates from the chain CA (docs/membership.md "TLS client certificates"): a channel
// whose genesis says "rpcAuth": "tls" answers only connections whose client presented, in the TLS
// handshake, a certificate of the channel's own CA (docs/ca.md) that
//   - passes the certificate profile for this channel (issuer "CN=<ca name>, O=Complexchain", nid, the
//     self-signature by the subject's secp256k1 key; governance/ca_cert.hpp),
//   - is the one the CA contract at cx…0a03 recorded under its serial (same SHA3-256 of the DER),
//   - has status good at the channel's head (not revoked, suspended, expired or not yet valid) and is
//     inside its validity by the server's clock,
//   - belongs to a holder that is a live member of the channel (ChannelApi::member_refusal, the same
//     check as signed requests).
// The handshake proved the client holds the certificate's key (TLS 1.2 CertificateVerify).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "channel/api.hpp"
#include "core/chain_params.hpp"
#include "rpc/client_auth.hpp"

namespace cx::rpc {

// What the CA contract says of one serial at the head (its getStatus).
struct RecordedCert {
  std::string status;  // good | revoked | expired | notYetValid | suspended
  Hash32 cert_hash;    // SHA3-256 of the recorded DER
  uint64_t height = 0; // the head it was read at
};
// nullopt: the contract has no certificate with this serial. An error: the read failed.
using CaLookup = std::function<Result<std::optional<RecordedCert>>(const std::string& serial)>;

// nullopt: accepted. Otherwise why not, for the client (HTTP 401). `der` empty: no certificate was
// presented. `now_s`: the server's clock, seconds since the epoch.
std::optional<std::string> tls_client_refusal(const core::ChainParams& params, BytesView der, const CaLookup& lookup,
                                              const ClientAuth::MemberCheck& member, int64_t now_s);

// On a "tls" channel a signed request (rpc/client_auth.hpp) is the way in for those who must be able to
// act before any certificate exists: the CA's registration authorities (genesis "ca.ras") and the
// genesis validators. nullopt: `a` is one of them; otherwise why not.
std::optional<std::string> tls_signed_refusal(const core::ChainParams& params, const core::Address& a);

// The CA contract's getStatus at the channel's head (an icx_call), as a CaLookup.
CaLookup ca_lookup_of(const channel::ChannelApi& channel);

// The profile check alone (what the handshake can check without the chain's state): the error, or nullopt.
std::optional<std::string> tls_profile_refusal(const core::ChainParams& params, BytesView der);

}  // namespace cx::rpc
