#pragma once
// Confidential payloads: ECIES over secp256k1 with AES-256-GCM, one envelope readable by up to
// kEnvelopeRecipientsMax recipients (docs/confidential.md has the format byte by byte).
//
// One ephemeral key pair per envelope; per recipient, ECDH(ephemeral, recipient) -> HKDF-SHA256 ->
// a key and nonce that wrap one random 256-bit content key with AES-256-GCM; the payload is encrypted
// once under the content key. The header (magic, version, count, ephemeral key, payload nonce, key
// commitment, every slot) is the payload's AAD, so changing any byte of an envelope makes every
// recipient refuse it. Sealing draws randomness and runs in clients only, never in execution.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/random.hpp"
#include "base/result.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::crypto {

inline constexpr uint8_t kEnvelopeVersion = 1;
inline constexpr size_t kEnvelopeRecipientsMax = 32;
// Fits an ICON message tx twice over in hex under core::kTxJsonBytesMax (512 KiB) with room for the
// other fields: 240 KiB of envelope is 480 KiB of hex.
inline constexpr size_t kEnvelopeBytesMax = 240 * 1024;
inline constexpr size_t kEnvelopeFixedBytes = 83;  // magic 4, version 1, count 1, ephemeral 33, nonce 12, commitment 32
inline constexpr size_t kEnvelopeSlotBytes = 68;   // address id 20, wrapped key 32, tag 16
inline constexpr size_t kEnvelopeTagBytes = 16;

// The largest plaintext an envelope for `recipients` recipients can carry.
size_t envelope_plaintext_bytes_max(size_t recipients);

enum class EnvelopeReject {
  kMalformed,      // not an envelope, or a field out of range (the detail names it)
  kNotRecipient,   // well formed, but no slot names the reader's address
  kAuthFailed,     // a slot names the reader but the key slot, the commitment or the payload does not authenticate
};
std::string_view to_string(EnvelopeReject reason);

struct EnvelopeRejection {
  EnvelopeReject reason;
  std::string detail;
};

struct EnvelopeHeader {
  uint8_t version = 0;
  FixedBytes<33> ephemeral_key;
  std::vector<FixedBytes<20>> recipients;  // hx address ids, in slot order
  size_t payload_bytes = 0;                // plaintext length
};

// Checks the shape (magic, version, 1..32 recipients, sizes, a valid ephemeral key, no recipient twice)
// without any key.
std::variant<EnvelopeHeader, EnvelopeRejection> parse_envelope(BytesView envelope);

// Errors: no recipients, more than kEnvelopeRecipientsMax, a recipient twice (by address), a public
// key not on the curve, a plaintext above envelope_plaintext_bytes_max.
Result<Bytes> seal_envelope(BytesView plaintext, std::span<const PublicKey> recipients, Random& random);

// The plaintext, or why not. Never returns unauthenticated bytes.
std::variant<Bytes, EnvelopeRejection> open_envelope(BytesView envelope, const PrivateKey& key);

}  // namespace cx::crypto
