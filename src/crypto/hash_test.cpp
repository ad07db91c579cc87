#include "crypto/hash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cx::crypto {
namespace {

std::string sha3_hex(std::string_view s) { return sha3_256(as_bytes(s)).hex(); }

// A byte pattern with no period shorter than 256, so a lane or block read at a wrong offset
// changes the digest.
Bytes pattern(size_t len) {
  Bytes b(len);
  for (size_t i = 0; i < len; ++i) b[i] = static_cast<uint8_t>(i * 167 + 13);
  return b;
}

// SHA3-256 over the concatenated digests of pattern(0) .. pattern(300).
template <typename HashFn>
std::string digest_of_digests(HashFn hash) {
  Bytes all;
  for (size_t len = 0; len <= 300; ++len) {
    const Hash32 h = hash(pattern(len));
    all.insert(all.end(), h.bytes.begin(), h.bytes.end());
  }
  return sha3_256(all).hex();
}

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

// Every input length from 0 to 300 (every padding position in the first two blocks, and the
// tail in every lane position). The constants were produced by the byte-at-a-time implementation
// this one replaced; the SHA3-256 one also agrees with Python's hashlib.sha3_256.
TEST(Hash, Sha3EveryLengthTo300) {
  EXPECT_EQ(digest_of_digests([](BytesView d) { return sha3_256(d); }),
            "1adf27bc0e7cc5cfd94fdf86d9b73f3e27d9edd0c1d0ca0a8534f919dbb4cede");
}

TEST(Hash, KeccakEveryLengthTo300) {
  EXPECT_EQ(digest_of_digests([](BytesView d) { return keccak256(d); }),
            "4775bea4888533971d698ba498b13a537d6d6a5e2a9875807b49ecf181262c55");
}

// 1 MiB: 7710 whole blocks, then a 16-byte tail.
TEST(Hash, OneMebibyte) {
  const Bytes data = pattern(size_t{1} << 20);
  EXPECT_EQ(sha3_256(data).hex(), "f05d1b51e27ac06240baa9744b65a701223281c0db05179f50ce6d1edf4d681e");
  EXPECT_EQ(keccak256(data).hex(), "c562d13f99e1e6483fa2a903416a56af2c1a2ff72787d5da47527d7d9ebd6b04");
  Sha3Hasher h;
  for (size_t i = 0; i < data.size(); i += 4099) h.update(BytesView(data).subspan(i, std::min<size_t>(4099, data.size() - i)));
  EXPECT_EQ(h.finish().hex(), "f05d1b51e27ac06240baa9744b65a701223281c0db05179f50ce6d1edf4d681e");
}

TEST(Hash, IncrementalMatchesOneShot) {
  Bytes data(200);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  const Hash32 expected = sha3_256(data);
  EXPECT_EQ(expected.hex(), "5f728f63bf5ee48c77f453c0490398fa645b8d4c4e56be9a41cfec344d6ca899");

  // Byte by byte.
  Sha3Hasher h;
  for (uint8_t b : data) h.update(BytesView(&b, 1));
  EXPECT_EQ(h.finish(), expected);
}

// Two pieces split at every offset, for lengths on both sides of a lane (8 bytes) and of the
// 136-byte rate: the second piece then starts at every position inside a lane and a block.
TEST(Hash, IncrementalEverySplit) {
  for (size_t len : {0, 1, 7, 8, 9, 135, 136, 137, 200, 271, 272, 273, 300}) {
    const Bytes data = pattern(len);
    const Hash32 expected = sha3_256(data);
    for (size_t cut = 0; cut <= len; ++cut) {
      Sha3Hasher h;
      h.update(BytesView(data).first(cut));
      h.update({});
      h.update(BytesView(data).subspan(cut));
      EXPECT_EQ(h.finish(), expected) << "length " << len << ", cut at " << cut;
    }
  }
}

// Equal pieces of many sizes: updates that stay inside one lane, cross lanes, and span blocks.
TEST(Hash, IncrementalEqualPieces) {
  const Bytes data = pattern(300);
  const Hash32 expected = sha3_256(data);
  for (size_t piece : {1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 64, 135, 136, 137, 299}) {
    Sha3Hasher h;
    for (size_t i = 0; i < data.size(); i += piece) h.update(BytesView(data).subspan(i, std::min(piece, data.size() - i)));
    EXPECT_EQ(h.finish(), expected) << "pieces of " << piece;
  }
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
