#pragma once
// secp256k1 keys and 65-byte recoverable signatures (R || S || recid) as ICON uses them.
#include <array>
#include <optional>

#include "base/bytes.hpp"
#include "base/random.hpp"

namespace cx::crypto {

using PrivateKey = FixedBytes<32>;
using PublicKey = FixedBytes<65>;   // uncompressed, 0x04 || X || Y
using Signature = FixedBytes<65>;   // R || S || recovery id (0..3)

// nullopt if the scalar is zero or not below the curve order.
std::optional<PublicKey> public_key_of(const PrivateKey& key);
bool is_valid_private_key(const PrivateKey& key);
PrivateKey generate_private_key(Random& random);

// Deterministic (RFC 6979) signature over a 32-byte digest.
Signature sign(const Hash32& digest, const PrivateKey& key);
// The public key that produced `sig` over `digest`; nullopt if the signature is malformed.
std::optional<PublicKey> recover(const Hash32& digest, const Signature& sig);

// A public key parsed once for repeated verification (libsecp256k1's opaque 64-byte form).
struct VerifyKey {
  std::array<uint8_t, 64> data{};
};
// nullopt if `key` is not a point on the curve.
std::optional<VerifyKey> verify_key_of(const PublicKey& key);

// True iff R || S of `sig` is a valid ECDSA signature over `digest` by `key`. The recovery id is not
// looked at, and a high S is accepted (normalised first), so this is true exactly when recovery with
// one of the four recovery ids yields `key` — and about 20% cheaper than a recovery.
bool verify(const Hash32& digest, const Signature& sig, const VerifyKey& key);

// True iff the R of `sig` is so small that R + n is still a field element, i.e. the recovery ids 2
// and 3 name a point at all (probability ~2^-127 for an honest signature).
bool r_has_overflow_twin(const Signature& sig);

// A public key in SEC 1 form, 65 bytes uncompressed (0x04 || X || Y) or 33 compressed (0x02|0x03 || X),
// returned uncompressed; nullopt if it is neither or not a point on the curve.
std::optional<PublicKey> parse_public_key(BytesView sec1);
// The 33-byte compressed form of a valid public key.
FixedBytes<33> compress_public_key(const PublicKey& key);
// ECDH: the X coordinate of key * point (32 bytes, big-endian), not hashed; the caller derives keys
// from it with a KDF. nullopt if `point` is not on the curve or `key` is not a valid scalar.
std::optional<FixedBytes<32>> ecdh_x(const PublicKey& point, const PrivateKey& key);

}  // namespace cx::crypto
