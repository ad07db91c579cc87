#include "crypto/hash.hpp"

#include <bit>
#include <cstring>

#include "base/assert.hpp"

namespace cx::crypto {

namespace {

// FIPS 202: a 256-bit output leaves a rate of 1600 - 2*256 bits = 136 bytes (17 lanes).
constexpr size_t kRateBytes = 136;
constexpr size_t kRounds = 24;
// Domain-separation bytes: SHA-3 appends "01" then pad10*1 (0x06); the original Keccak
// submission that Ethereum-style keystores use appends only pad10*1 (0x01).
constexpr uint8_t kSha3Pad = 0x06;
constexpr uint8_t kKeccakPad = 0x01;

// Iota constants (FIPS 202 §3.2.5), one per round.
constexpr uint64_t kRoundConstants[kRounds] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

inline uint64_t rotl64(uint64_t x, int n) { return std::rotl(x, n); }

// One Keccak-f[1600] permutation (FIPS 202 §3.3). Lane (x, y) lives at a[x + 5*y]; rho
// offsets are FIPS 202 Table 2. The step mappings are written out lane by lane: looping with
// "% 5" indexing is several times slower, and tx hashing sits on the admission hot path.
void keccak_f1600(uint64_t a[25]) {
  for (size_t round = 0; round < kRounds; ++round) {
    // theta
    const uint64_t c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
    const uint64_t c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
    const uint64_t c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
    const uint64_t c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
    const uint64_t c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
    const uint64_t d0 = c4 ^ rotl64(c1, 1);
    const uint64_t d1 = c0 ^ rotl64(c2, 1);
    const uint64_t d2 = c1 ^ rotl64(c3, 1);
    const uint64_t d3 = c2 ^ rotl64(c4, 1);
    const uint64_t d4 = c3 ^ rotl64(c0, 1);
    // rho and pi: lane (x, y) moves to (y, 2x + 3y) after rotating by its rho offset
    const uint64_t b00 = a[0] ^ d0;
    const uint64_t b10 = rotl64(a[1] ^ d1, 1);
    const uint64_t b20 = rotl64(a[2] ^ d2, 62);
    const uint64_t b05 = rotl64(a[3] ^ d3, 28);
    const uint64_t b15 = rotl64(a[4] ^ d4, 27);
    const uint64_t b16 = rotl64(a[5] ^ d0, 36);
    const uint64_t b01 = rotl64(a[6] ^ d1, 44);
    const uint64_t b11 = rotl64(a[7] ^ d2, 6);
    const uint64_t b21 = rotl64(a[8] ^ d3, 55);
    const uint64_t b06 = rotl64(a[9] ^ d4, 20);
    const uint64_t b07 = rotl64(a[10] ^ d0, 3);
    const uint64_t b17 = rotl64(a[11] ^ d1, 10);
    const uint64_t b02 = rotl64(a[12] ^ d2, 43);
    const uint64_t b12 = rotl64(a[13] ^ d3, 25);
    const uint64_t b22 = rotl64(a[14] ^ d4, 39);
    const uint64_t b23 = rotl64(a[15] ^ d0, 41);
    const uint64_t b08 = rotl64(a[16] ^ d1, 45);
    const uint64_t b18 = rotl64(a[17] ^ d2, 15);
    const uint64_t b03 = rotl64(a[18] ^ d3, 21);
    const uint64_t b13 = rotl64(a[19] ^ d4, 8);
    const uint64_t b14 = rotl64(a[20] ^ d0, 18);
    const uint64_t b24 = rotl64(a[21] ^ d1, 2);
    const uint64_t b09 = rotl64(a[22] ^ d2, 61);
    const uint64_t b19 = rotl64(a[23] ^ d3, 56);
    const uint64_t b04 = rotl64(a[24] ^ d4, 14);
    // chi
    a[0] = b00 ^ (~b01 & b02);
    a[1] = b01 ^ (~b02 & b03);
    a[2] = b02 ^ (~b03 & b04);
    a[3] = b03 ^ (~b04 & b00);
    a[4] = b04 ^ (~b00 & b01);
    a[5] = b05 ^ (~b06 & b07);
    a[6] = b06 ^ (~b07 & b08);
    a[7] = b07 ^ (~b08 & b09);
    a[8] = b08 ^ (~b09 & b05);
    a[9] = b09 ^ (~b05 & b06);
    a[10] = b10 ^ (~b11 & b12);
    a[11] = b11 ^ (~b12 & b13);
    a[12] = b12 ^ (~b13 & b14);
    a[13] = b13 ^ (~b14 & b10);
    a[14] = b14 ^ (~b10 & b11);
    a[15] = b15 ^ (~b16 & b17);
    a[16] = b16 ^ (~b17 & b18);
    a[17] = b17 ^ (~b18 & b19);
    a[18] = b18 ^ (~b19 & b15);
    a[19] = b19 ^ (~b15 & b16);
    a[20] = b20 ^ (~b21 & b22);
    a[21] = b21 ^ (~b22 & b23);
    a[22] = b22 ^ (~b23 & b24);
    a[23] = b23 ^ (~b24 & b20);
    a[24] = b24 ^ (~b20 & b21);
    // iota
    a[0] ^= kRoundConstants[round];
  }
}

// Lanes are little-endian (FIPS 202 §B.1); written byte-wise so the code is endian-neutral.
inline void xor_byte(uint64_t state[25], size_t pos, uint8_t v) {
  state[pos / 8] ^= static_cast<uint64_t>(v) << (8 * (pos % 8));
}

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof v);
  } else {
    v = 0;
    for (size_t j = 0; j < 8; ++j) v |= static_cast<uint64_t>(p[j]) << (8 * j);
  }
  return v;
}

// Absorbs `data` into the sponge, continuing from byte offset `pos` inside the current block.
// Returns the new offset (always < kRateBytes).
size_t absorb(uint64_t state[25], size_t pos, BytesView data) {
  CX_ASSERT(pos < kRateBytes);
  const uint8_t* p = data.data();
  size_t n = data.size();
  // Finish a partially filled block first.
  while (n > 0 && pos != 0) {
    xor_byte(state, pos, *p++);
    --n;
    if (++pos == kRateBytes) {
      keccak_f1600(state);
      pos = 0;
    }
  }
  // Whole blocks, a lane at a time.
  while (n >= kRateBytes) {
    for (size_t i = 0; i < kRateBytes / 8; ++i) state[i] ^= load_le64(p + 8 * i);
    keccak_f1600(state);
    p += kRateBytes;
    n -= kRateBytes;
  }
  for (size_t i = 0; i < n; ++i) xor_byte(state, pos + i, p[i]);
  return pos + n;
}

Hash32 squeeze(uint64_t state[25], size_t pos, uint8_t pad) {
  CX_ASSERT(pos < kRateBytes);
  xor_byte(state, pos, pad);
  xor_byte(state, kRateBytes - 1, 0x80);
  keccak_f1600(state);
  Hash32 out;
  for (size_t i = 0; i < out.size(); ++i) out.bytes[i] = static_cast<uint8_t>(state[i / 8] >> (8 * (i % 8)));
  return out;
}

Hash32 hash_once(BytesView data, uint8_t pad) {
  uint64_t state[25] = {};
  size_t pos = absorb(state, 0, data);
  return squeeze(state, pos, pad);
}

}  // namespace

Hash32 sha3_256(BytesView data) { return hash_once(data, kSha3Pad); }

Hash32 keccak256(BytesView data) { return hash_once(data, kKeccakPad); }

Sha3Hasher::Sha3Hasher() { std::memset(m_state, 0, sizeof m_state); }

void Sha3Hasher::update(BytesView data) { m_pos = absorb(m_state, m_pos, data); }

Hash32 Sha3Hasher::finish() {
  // m_pos past the rate marks a finished hasher; finishing twice would return garbage.
  CX_ASSERT_MSG(m_pos < kRateBytes, "Sha3Hasher::finish called twice");
  Hash32 out = squeeze(m_state, m_pos, kSha3Pad);
  m_pos = kRateBytes;
  return out;
}

}  // namespace cx::crypto
