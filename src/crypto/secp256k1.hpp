#pragma once
// secp256k1 keys and 65-byte recoverable signatures (R || S || recid) as ICON uses them.
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

}  // namespace cx::crypto
