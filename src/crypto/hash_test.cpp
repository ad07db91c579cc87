#include "crypto/hash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cx::crypto {
namespace {

std::string sha3_hex(std::string_view s) { return sha3_256(as_bytes(s)).hex(); }

TEST(Hash, Sha3KnownVectors) {
  EXPECT_EQ(sha3_hex(""), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  EXPECT_EQ(sha3_hex("abc"), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}

TEST(Hash, KeccakKnownVectors) {
  EXPECT_EQ(keccak256({}).hex(), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(keccak256(as_bytes("abc")).hex(), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

// Lengths around the 136-byte rate exercise the padding landing in the last byte of a block
// and the extra block appended when the input fills one exactly (values from Python hashlib).
TEST(Hash, Sha3AroundBlockBoundary) {
  EXPECT_EQ(sha3_hex(std::string(135, 'a')), "8094bb53c44cfb1e67b7c30447f9a1c33696d2463ecc1d9c92538913392843c9");
  EXPECT_EQ(sha3_hex(std::string(136, 'a')), "3fc5559f14db8e453a0a3091edbd2bc25e11528d81c66fa570a4efdcc2695ee1");
  EXPECT_EQ(sha3_hex(std::string(137, 'a')), "f8d6846cedd2ccfadf15c5879ef95af724d799eed7391fb1c91f95344e738614");
  EXPECT_EQ(sha3_hex(std::string(272, 'a')), "a490357b9b3fb39d0a89a117734e5b020b1f33c7bf3fa3575c396425432003d3");
}

TEST(Hash, IncrementalMatchesOneShot) {
  Bytes data(200);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  const Hash32 expected = sha3_256(data);
  EXPECT_EQ(expected.hex(), "5f728f63bf5ee48c77f453c0490398fa645b8d4c4e56be9a41cfec344d6ca899");

  // Every split point, including empty pieces and splits across the block boundary.
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    Sha3Hasher h;
    h.update(BytesView(data).first(cut));
    h.update({});
    h.update(BytesView(data).subspan(cut));
    EXPECT_EQ(h.finish(), expected) << "cut at " << cut;
  }
  // Byte by byte.
  Sha3Hasher h;
  for (uint8_t b : data) h.update(BytesView(&b, 1));
  EXPECT_EQ(h.finish(), expected);
}

TEST(Hash, IncrementalLongInput) {
  Bytes data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i % 251);
  Sha3Hasher h;
  for (size_t i = 0; i < data.size(); i += 77) h.update(BytesView(data).subspan(i, std::min<size_t>(77, data.size() - i)));
  const Hash32 got = h.finish();
  EXPECT_EQ(got, sha3_256(data));
  EXPECT_EQ(got.hex(), "48e66a01861d0eadaacdb7a6ae7db6b9ac79242ecced4154a9fbb33c4e3cc571");
}

TEST(Hash, EmptyIncremental) {
  Sha3Hasher h;
  EXPECT_EQ(h.finish().hex(), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
}

}  // namespace
}  // namespace cx::crypto
