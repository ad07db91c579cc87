#pragma once
// Ethereum-style V3 keystores as ICON uses them ("coinType": "icx"): scrypt or pbkdf2-hmac-sha256
// key derivation, AES-128-CTR, MAC = Keccak-256(derived_key[16..32] || ciphertext).
#include <string>
#include <string_view>

#include "base/random.hpp"
#include "base/result.hpp"
#include "crypto/address.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::crypto {

enum class Kdf { kScrypt, kPbkdf2 };

struct KeystoreOptions {
  Kdf kdf = Kdf::kScrypt;
  uint64_t scrypt_n = 16384;  // ICON SDK default
  uint32_t scrypt_r = 8;
  uint32_t scrypt_p = 1;
  uint32_t pbkdf2_iterations = 262144;
};

// Returns the keystore JSON text.
std::string keystore_encrypt(const PrivateKey& key, std::string_view password, Random& random,
                             const KeystoreOptions& options = {});

struct DecryptedKey {
  PrivateKey key;
  Address address;
};
// Errors name the problem: malformed JSON, unsupported kdf/cipher, wrong password (MAC mismatch),
// address in the file not matching the key, KDF parameters beyond safe bounds.
Result<DecryptedKey> keystore_decrypt(std::string_view json, std::string_view password);

}  // namespace cx::crypto
