#pragma once
// The RPC listener's TLS (docs/membership.md "TLS"): OpenSSL 3 through Boost.Asio's ssl::context.
//   - TLS 1.2 and 1.3; the server's certificate and key are ordinary web PKI (P-256 or RSA) from files;
//   - when some served channel has "rpcAuth": "tls", the handshake asks for a client certificate
//     (optional: a channel without it serves clients without one) and accepts only a self-signed one
//     that passes the chain-CA profile of one of those channels (governance/ca_cert.hpp), else a
//     bad_certificate alert. Whether it is recorded, good and a member's is checked per request
//     (rpc/tls_client_check.hpp), against the live state of the channel asked.
// Why TLS 1.2 for those clients: the chain CA certifies the members' secp256k1 keys, and TLS 1.3 has no
// signature scheme for secp256k1 (RFC 8446 §4.2.3). TLS 1.2 signs CertificateVerify with
// ecdsa+sha256 on any curve both sides list in supported_groups, so the server lists secp256k1 and a
// client that lists it too is held to TLS 1.2 (client hello callback); every other client gets 1.3.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "core/chain_params.hpp"
#include "rpc/server.hpp"

namespace cx::rpc {

// The groups the server offers for ECDHE and accepts for client certificate keys.
inline constexpr const char* kTlsGroups = "X25519:P-256:P-384:secp256k1";

// `client_cert_channels`: the channels with rpcAuth "tls" (empty: no client certificate is asked for).
// They must outlive the context.
Result<std::unique_ptr<boost::asio::ssl::context>> make_server_tls(
    const TlsOptions& options, std::vector<const core::ChainParams*> client_cert_channels);

// The DER of the certificate the client presented on this connection, empty if none.
Bytes peer_certificate_der(SSL* ssl);

}  // namespace cx::rpc
