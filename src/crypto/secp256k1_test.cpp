#include "crypto/secp256k1.hpp"

#include <gtest/gtest.h>

#include "crypto/address.hpp"
#include "crypto/hash.hpp"

namespace cx::crypto {
namespace {

// secp256k1 group order n.
constexpr const char* kOrderHex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

TEST(Secp256k1, PrivateKeyRange) {
  EXPECT_FALSE(is_valid_private_key(PrivateKey{}));
  EXPECT_FALSE(public_key_of(PrivateKey{}));
  auto order = PrivateKey::from_hex_string(kOrderHex);
  ASSERT_TRUE(order);
  EXPECT_FALSE(is_valid_private_key(*order));
  EXPECT_FALSE(public_key_of(*order));
  PrivateKey below = *order;
  below.bytes[31] -= 1;
  EXPECT_TRUE(is_valid_private_key(below));
  EXPECT_TRUE(public_key_of(below));
}

TEST(Secp256k1, SignRecoverRoundTrip) {
  SeededRandom random(42);
  for (int i = 0; i < 20; ++i) {
    const PrivateKey key = generate_private_key(random);
    ASSERT_TRUE(is_valid_private_key(key));
    const auto pub = public_key_of(key);
    ASSERT_TRUE(pub);
    const Hash32 digest = sha3_256(as_bytes("message " + std::to_string(i)));
    const Signature sig = sign(digest, key);
    EXPECT_LE(sig.bytes[64], 3);
    EXPECT_EQ(sign(digest, key), sig) << "signing must be deterministic (RFC 6979)";
    const auto recovered = recover(digest, sig);
    ASSERT_TRUE(recovered);
    EXPECT_EQ(*recovered, *pub);

    // A different digest recovers to some other key, never the signer.
    Hash32 other = digest;
    other.bytes[0] ^= 1;
    const auto wrong = recover(other, sig);
    if (wrong) {
      EXPECT_NE(*wrong, *pub);
    }
  }
}

TEST(Secp256k1, RecoverRejectsMalformed) {
  SeededRandom random(7);
  const PrivateKey key = generate_private_key(random);
  const Hash32 digest = sha3_256(as_bytes("x"));
  Signature sig = sign(digest, key);

  Signature bad_recid = sig;
  bad_recid.bytes[64] = 4;
  EXPECT_FALSE(recover(digest, bad_recid));
  bad_recid.bytes[64] = 0xff;
  EXPECT_FALSE(recover(digest, bad_recid));

  Signature zero_r = sig;
  std::fill(zero_r.bytes.begin(), zero_r.bytes.begin() + 32, 0);
  EXPECT_FALSE(recover(digest, zero_r));

  Signature big_s = sig;  // S >= n does not parse
  std::fill(big_s.bytes.begin() + 32, big_s.bytes.begin() + 64, 0xff);
  EXPECT_FALSE(recover(digest, big_s));

  EXPECT_FALSE(recover(digest, Signature{}));
}

}  // namespace
}  // namespace cx::crypto
