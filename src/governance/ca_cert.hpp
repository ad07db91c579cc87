#pragma once
// The chain CA's certificates (docs/ca.md): X.509 v3, DER, signed by the subject's own key. The
// chain holds no signing key; a certificate is valid only because the CA contract records it as
// issued. This file parses and checks them (deterministic: the CA contract runs it in execution)
// and builds them (the requester's side, `complexchain ca request`).
//
// What a certificate must be:
//   - version 3; signature ecdsa-with-SHA256 by the subject's key (a secp256k1 key: the ICON key, so
//     the certified key is the tx-signing key, and the holder is the hx address of that key);
//   - issuer DN exactly "CN=<ca name>, O=Complexchain";
//   - the extension kChainExtOid (non-critical): DER SEQUENCE { INTEGER nid, OCTET STRING(32) requestId };
//   - serial = serial_of(nid, requestId): 16 bytes, so a serial names one request on one network;
//   - validity at most kValidityMaxS (CHAIN ID: 3 years);
//   - only the extensions listed in ca_cert.cpp (basicConstraints must say CA:FALSE);
//   - canonical DER of at most kCertBytesMax bytes.
#include <optional>
#include <string>
#include <variant>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "crypto/address.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::governance::ca {

inline constexpr size_t kCertBytesMax = 4096;
inline constexpr size_t kSubjectBytesMax = 512;  // DER of the subject name
inline constexpr int64_t kValidityMaxS = 1096ll * 86400;  // 3 years and a leap day
// A private arc without registration (ITU-T X.667: 2.25.<UUID as an integer>), for the extension
// that binds a certificate to one network and one issuance request.
inline constexpr const char* kChainExtOid = "2.25.280654747011226392040057564574362370482";

struct Expect {
  std::string ca_name;  // issuer CN
  uint64_t nid = 0;     // the channel's network id
};

struct CertFields {
  std::string serial;  // 32 lowercase hex digits
  Hash32 request_id;
  uint64_t nid = 0;
  std::string subject;  // one line, RFC 2253 order
  Hash32 subject_hash;  // SHA3-256 of the subject's DER
  crypto::PublicKey public_key;
  crypto::Address holder;  // the hx address of public_key
  int64_t not_before_s = 0;
  int64_t not_after_s = 0;
  Hash32 cert_hash;  // SHA3-256 of the DER
};

// Parses `der` and checks every rule above, including the self-signature. The error says which rule
// failed. Deterministic: it reads no clock (the validity window is checked by the caller).
std::variant<CertFields, std::string> check_certificate(BytesView der, const Expect& expect);

// The serial a request id gets on network `nid`: SHA3-256("cx-ca-serial" || nid BE64 || id), first 16
// bytes, top bits 01 (positive and exactly 16 bytes in DER).
std::string serial_of(uint64_t nid, const Hash32& request_id);

// The requester's side: a certificate over `key`'s public key, signed by `key`.
struct Request {
  crypto::PrivateKey key;
  std::string subject;  // "CN=..,O=..": attributes CN, O, OU, C, L, ST
  int64_t not_before_s = 0;
  uint32_t days = 365;
  Expect ca;
  Hash32 request_id;  // fresh random bytes
};
Result<Bytes> make_certificate(const Request& request);

std::string to_pem(BytesView der);
// DER from PEM text ("-----BEGIN CERTIFICATE-----") or from raw DER bytes given as they are.
Result<Bytes> der_of(std::string_view pem_or_der);

}  // namespace cx::governance::ca
