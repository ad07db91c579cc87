#include "crypto/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_recovery.h>

#include <array>
#include <cstring>

#include "base/assert.hpp"

namespace cx::crypto {

namespace {

// One context for the whole process. libsecp256k1 documents that a context may be used
// concurrently by any number of threads for signing, verification and recovery once it has
// been created and randomized; only randomize/destroy need exclusive access, and we do both
// exactly once (creation) or never (it lives until exit).
const secp256k1_context* context() {
  static const secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    CX_ASSERT(c != nullptr);
    // Blinding protects signing against side channels; it does not affect results.
    std::array<uint8_t, 32> seed{};
    os_random().fill(seed);
    const int randomized = secp256k1_context_randomize(c, seed.data());
    CX_ASSERT(randomized == 1);
    return c;
  }();
  return ctx;
}

PublicKey serialize_uncompressed(const secp256k1_pubkey& pk) {
  PublicKey out;
  size_t len = out.size();
  const int ok = secp256k1_ec_pubkey_serialize(context(), out.data(), &len, &pk, SECP256K1_EC_UNCOMPRESSED);
  CX_ASSERT(ok == 1);
  CX_ASSERT(len == out.size() && out.bytes[0] == 0x04);
  return out;
}

// secp256k1_ecdh's hash callback: copy X out unhashed (the library default would SHA-256 the
// compressed point; ECIES here runs HKDF over X, as SEC 1 ECIES does).
int copy_x(unsigned char* output, const unsigned char* x32, const unsigned char* /*y32*/, void* /*data*/) {
  std::memcpy(output, x32, 32);
  return 1;
}

}  // namespace

bool is_valid_private_key(const PrivateKey& key) {
  return secp256k1_ec_seckey_verify(context(), key.data()) == 1;
}

std::optional<PublicKey> public_key_of(const PrivateKey& key) {
  secp256k1_pubkey pk;
  if (secp256k1_ec_pubkey_create(context(), &pk, key.data()) != 1) return std::nullopt;
  return serialize_uncompressed(pk);
}

PrivateKey generate_private_key(Random& random) {
  // Rejection sampling: a uniform 256-bit value is out of range with probability ~2^-128.
  PrivateKey key;
  do random.fill(key.bytes); while (!is_valid_private_key(key));
  return key;
}

Signature sign(const Hash32& digest, const PrivateKey& key) {
  secp256k1_ecdsa_recoverable_signature rsig;
  // Null nonce function selects the library default, RFC 6979 with HMAC-SHA256.
  int ok = secp256k1_ecdsa_sign_recoverable(context(), &rsig, digest.data(), key.data(), nullptr, nullptr);
  // An invalid key here means the caller skipped is_valid_private_key on its input: a bug.
  CX_ASSERT_MSG(ok == 1, "sign with an invalid private key");
  Signature out;
  int recid = -1;
  ok = secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), out.data(), &recid, &rsig);
  CX_ASSERT(ok == 1);
  CX_ASSERT(recid >= 0 && recid <= 3);
  out.bytes[64] = static_cast<uint8_t>(recid);
  return out;
}

std::optional<PublicKey> recover(const Hash32& digest, const Signature& sig) {
  const uint8_t recid = sig.bytes[64];
  // The library asserts on recid > 3 instead of failing, so untrusted input is checked here.
  if (recid > 3) return std::nullopt;
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &rsig, sig.data(), recid) != 1) {
    return std::nullopt;
  }
  secp256k1_pubkey pk;
  if (secp256k1_ecdsa_recover(context(), &pk, &rsig, digest.data()) != 1) return std::nullopt;
  return serialize_uncompressed(pk);
}

std::optional<VerifyKey> verify_key_of(const PublicKey& key) {
  secp256k1_pubkey pk;
  if (secp256k1_ec_pubkey_parse(context(), &pk, key.data(), key.size()) != 1) return std::nullopt;
  VerifyKey out;
  static_assert(sizeof(pk.data) == sizeof(out.data));
  std::memcpy(out.data.data(), pk.data, sizeof(pk.data));
  return out;
}

bool verify(const Hash32& digest, const Signature& sig, const VerifyKey& key) {
  secp256k1_ecdsa_signature s;
  // Fails when R or S is not below the curve order, as recovery does.
  if (secp256k1_ecdsa_signature_parse_compact(context(), &s, sig.data()) != 1) return false;
  // Recovery accepts either S (S and n - S recover the same key with the other parity), while
  // secp256k1_ecdsa_verify accepts only the lower one: normalise so both agree.
  secp256k1_ecdsa_signature_normalize(context(), &s, &s);
  secp256k1_pubkey pk;
  std::memcpy(pk.data, key.data.data(), sizeof(pk.data));
  return secp256k1_ecdsa_verify(context(), &s, digest.data(), &pk) == 1;
}

bool r_has_overflow_twin(const Signature& sig) {
  // p - n, big-endian: R + n < p iff R < p - n.
  static constexpr std::array<uint8_t, 32> kPMinusN = {
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x45, 0x51, 0x23, 0x19, 0x50, 0xb7, 0x5f, 0xc4,
      0x40, 0x2d, 0xa1, 0x72, 0x2f, 0xc9, 0xba, 0xee};
  return std::memcmp(sig.data(), kPMinusN.data(), kPMinusN.size()) < 0;
}

std::optional<PublicKey> parse_public_key(BytesView sec1) {
  if (sec1.size() != 65 && sec1.size() != 33) return std::nullopt;
  // The library also accepts 0x06/0x07 "hybrid" 65-byte keys; SEC 1 as ICON uses it does not.
  if (sec1.size() == 65 && sec1[0] != 0x04) return std::nullopt;
  if (sec1.size() == 33 && sec1[0] != 0x02 && sec1[0] != 0x03) return std::nullopt;
  secp256k1_pubkey pk;
  if (secp256k1_ec_pubkey_parse(context(), &pk, sec1.data(), sec1.size()) != 1) return std::nullopt;
  return serialize_uncompressed(pk);
}

FixedBytes<33> compress_public_key(const PublicKey& key) {
  secp256k1_pubkey pk;
  const int parsed = secp256k1_ec_pubkey_parse(context(), &pk, key.data(), key.size());
  CX_ASSERT_MSG(parsed == 1, "compress_public_key of an invalid key");
  FixedBytes<33> out;
  size_t len = out.size();
  const int ok = secp256k1_ec_pubkey_serialize(context(), out.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
  CX_ASSERT(ok == 1 && len == out.size());
  return out;
}

std::optional<FixedBytes<32>> ecdh_x(const PublicKey& point, const PrivateKey& key) {
  secp256k1_pubkey pk;
  if (secp256k1_ec_pubkey_parse(context(), &pk, point.data(), point.size()) != 1) return std::nullopt;
  FixedBytes<32> out;
  if (secp256k1_ecdh(context(), out.data(), &pk, key.data(), copy_x, nullptr) != 1) return std::nullopt;
  return out;
}

}  // namespace cx::crypto
