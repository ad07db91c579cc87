#include "crypto/hash.hpp"

#include <algorithm>
#include <array>
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

// Lane (x, y) of the 5x5 state lives at index x + 5*y (FIPS 202 §3.1.2).
constexpr size_t lane_index(size_t x, size_t y) { return x + 5 * y; }

// Rho offsets (FIPS 202 §3.2.2, Algorithm 2): starting at (x, y) = (1, 0), the t-th lane visited by
// (x, y) <- (y, 2x + 3y) rotates by (t + 1)(t + 2) / 2 bits; lane (0, 0) does not rotate.
constexpr std::array<int, 25> rho_offsets() {
  std::array<int, 25> r{};
  size_t x = 1, y = 0;
  for (int t = 0; t < 24; ++t) {
    r[lane_index(x, y)] = ((t + 1) * (t + 2) / 2) % 64;
    const size_t next_y = (2 * x + 3 * y) % 5;
    x = y;
    y = next_y;
  }
  return r;
}
constexpr std::array<int, 25> kRho = rho_offsets();
static_assert(kRho[lane_index(1, 0)] == 1 && kRho[lane_index(0, 1)] == 36 && kRho[lane_index(4, 4)] == 14,
              "rho offsets disagree with FIPS 202 Table 2");

// The round below is written so that lanes can live in registers: every lane index is a
// compile-time constant, and the helpers must be inlined for that (without the attribute GCC
// calls them and the state stays in memory). Compilers without the attribute just ignore it.
#define CX_KECCAK_INLINE [[gnu::always_inline]] inline

// The whole state as a value, so that a round reads one and writes another.
struct Lanes {
  uint64_t lane[25];
};

// Theta, rho and pi for lane (x, y) of the output: pi (§3.2.3) fills it from input lane
// (x + 3y mod 5, x), which theta (§3.2.1) has XORed with its column's D and rho then rotates.
template <size_t X, size_t Y>
CX_KECCAK_INLINE uint64_t theta_rho_pi(const Lanes& a, const uint64_t d[5]) {
  constexpr size_t kSourceX = (X + 3 * Y) % 5;
  constexpr size_t kSource = lane_index(kSourceX, X);
  return std::rotl(a.lane[kSource] ^ d[kSourceX], kRho[kSource]);
}

// Lane complementing. Written directly, chi costs a NOT per lane (A'[x] = B[x] ^ (~B[x+1] & B[x+2]))
// on top of its AND and XOR. Instead six lanes of the state are kept inverted (bitwise NOT)
// throughout the 24 rounds, chosen so that chi can work with only one NOT per plane:
//  - theta, rho, pi and iota are XORs and rotations, so they carry inversions along: a lane after
//    pi is inverted iff its source lane was, XOR its column's D was. The six lanes leave an odd
//    number inverted in columns 0-3 and an even one in column 4, so C[0..3] come out inverted and
//    with them D[0] = C[4] ^ rot(C[1]) and D[3] = C[2] ^ rot(C[4]) (D[1], D[2], D[4] cancel).
//  - In chi, x ^ (~u & v) with u held inverted as U is x ^ (U & v); with v held inverted as V it
//    is the inverse of x ^ (u | V), since ~u & v = ~(u | V). Only where u and v are held alike
//    is a NOT needed, and each plane below needs it on a single lane.
// With this set chi's outputs come out inverted exactly where the round's inputs were, so the
// pattern holds from round to round. An exhaustive search over all 2^25 sets finds none that
// needs fewer than five NOTs per round, and six (this one among them) that need five.
constexpr size_t kInvertedLanes[] = {lane_index(1, 0), lane_index(2, 0), lane_index(3, 1),
                                     lane_index(2, 2), lane_index(2, 3), lane_index(0, 4)};

// Output plane Y (the five lanes with that y) from chi (§3.2.4) over the rotated lanes b0..b4 of
// row Y. Working plane by plane needs only five of the rotated lanes at a time, which keeps the
// register pressure low. Each formula below is A'[x] = B[x] ^ (~B[x+1] & B[x+2]) rewritten for
// which of b0..b4 are held inverted (listed per plane) and which outputs must be.
template <size_t Y>
CX_KECCAK_INLINE void rho_pi_chi_plane(const Lanes& a, const uint64_t d[5], Lanes& out) {
  const uint64_t b0 = theta_rho_pi<0, Y>(a, d);
  const uint64_t b1 = theta_rho_pi<1, Y>(a, d);
  const uint64_t b2 = theta_rho_pi<2, Y>(a, d);
  const uint64_t b3 = theta_rho_pi<3, Y>(a, d);
  const uint64_t b4 = theta_rho_pi<4, Y>(a, d);
  uint64_t* e = out.lane + lane_index(0, Y);
  if constexpr (Y == 0) {
    // b0, b2, b3 inverted in; e[1], e[2] inverted out.
    e[0] = b0 ^ (b1 | b2);
    e[1] = b1 ^ (~b2 | b3);
    e[2] = b2 ^ (b3 & b4);
    e[3] = b3 ^ (b4 | b0);
    e[4] = b4 ^ (b0 & b1);
  } else if constexpr (Y == 1) {
    // b0, b2 inverted in; e[3] inverted out.
    e[0] = b0 ^ (b1 | b2);
    e[1] = b1 ^ (b2 & b3);
    e[2] = b2 ^ (b3 | ~b4);
    e[3] = b3 ^ (b4 | b0);
    e[4] = b4 ^ (b0 & b1);
  } else if constexpr (Y == 2) {
    // b0, b2 inverted in; e[2] inverted out.
    e[0] = b0 ^ (b1 | b2);
    e[1] = b1 ^ (b2 & b3);
    e[2] = b2 ^ (~b3 & b4);
    e[3] = ~b3 ^ (b4 | b0);
    e[4] = b4 ^ (b0 & b1);
  } else if constexpr (Y == 3) {
    // b1, b3, b4 inverted in; e[2] inverted out.
    e[0] = b0 ^ (b1 & b2);
    e[1] = b1 ^ (b2 | b3);
    e[2] = b2 ^ (~b3 | b4);
    e[3] = ~b3 ^ (b4 & b0);
    e[4] = b4 ^ (b0 | b1);
  } else {
    static_assert(Y == 4);
    // b0, b3 inverted in; e[0] inverted out.
    e[0] = b0 ^ (~b1 & b2);
    e[1] = ~b1 ^ (b2 | b3);
    e[2] = b2 ^ (b3 & b4);
    e[3] = b3 ^ (b4 | b0);
    e[4] = b4 ^ (b0 & b1);
  }
}

// Rnd(A, i) = iota(chi(pi(rho(theta(A))))) (§3.3), reading `a` and writing `out`.
CX_KECCAK_INLINE void keccak_round(const Lanes& a, Lanes& out, uint64_t round_constant) {
  // theta: C[x] is the parity of column x; D[x] = C[x-1] ^ rot(C[x+1], 1) is XORed into every
  // lane of column x (done lane by lane in theta_rho_pi).
  // (Written out rather than looped: GCC -O2 keeps a 5-iteration loop, and the arrays with it.)
  const auto parity = [&a](size_t x) {
    return a.lane[x] ^ a.lane[x + 5] ^ a.lane[x + 10] ^ a.lane[x + 15] ^ a.lane[x + 20];
  };
  const uint64_t c[5] = {parity(0), parity(1), parity(2), parity(3), parity(4)};
  const uint64_t d[5] = {
      c[4] ^ std::rotl(c[1], 1), c[0] ^ std::rotl(c[2], 1), c[1] ^ std::rotl(c[3], 1),
      c[2] ^ std::rotl(c[4], 1), c[3] ^ std::rotl(c[0], 1),
  };
  rho_pi_chi_plane<0>(a, d, out);
  rho_pi_chi_plane<1>(a, d, out);
  rho_pi_chi_plane<2>(a, d, out);
  rho_pi_chi_plane<3>(a, d, out);
  rho_pi_chi_plane<4>(a, d, out);
  // iota
  out.lane[0] ^= round_constant;
}

#undef CX_KECCAK_INLINE

// Keccak-f[1600] = Keccak-p[1600, 24] (FIPS 202 §3.4). Two rounds per iteration, the second
// writing back into `a`, so the two states swap roles instead of being copied.
void keccak_f1600(uint64_t state[25]) {
  static_assert(kRounds % 2 == 0);
  Lanes a;
  Lanes e;
  std::memcpy(a.lane, state, sizeof a.lane);
  for (size_t i : kInvertedLanes) a.lane[i] = ~a.lane[i];
  for (size_t round = 0; round < kRounds; round += 2) {
    keccak_round(a, e, kRoundConstants[round]);
    keccak_round(e, a, kRoundConstants[round + 1]);
  }
  for (size_t i : kInvertedLanes) a.lane[i] = ~a.lane[i];
  std::memcpy(state, a.lane, sizeof a.lane);
}

// Bytes map to lanes little-endian (FIPS 202 §B.1): byte i of the rate is byte i % 8 of lane i / 8.
// The loads and stores are spelled out for big-endian hosts so digests do not depend on the host.
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

inline void store_le64(uint8_t* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof v);
  } else {
    for (size_t j = 0; j < 8; ++j) p[j] = static_cast<uint8_t>(v >> (8 * j));
  }
}

// XORs n bytes into the rate starting at byte `pos`, without crossing the end of the block: at
// most 7 bytes one at a time up to a lane boundary, then whole lanes, then at most 7 bytes.
void xor_into_block(uint64_t state[25], size_t pos, const uint8_t* p, size_t n) {
  CX_ASSERT(pos + n <= kRateBytes);
  for (; n > 0 && pos % 8 != 0; --n) xor_byte(state, pos++, *p++);
  for (; n >= 8; n -= 8, pos += 8, p += 8) state[pos / 8] ^= load_le64(p);
  for (; n > 0; --n) xor_byte(state, pos++, *p++);
}

// Absorbs `data` into the sponge, continuing from byte offset `pos` inside the current block.
// Returns the new offset (always < kRateBytes): a block is permuted as soon as it is full.
size_t absorb(uint64_t state[25], size_t pos, BytesView data) {
  CX_ASSERT(pos < kRateBytes);
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    const size_t take = std::min(n, kRateBytes - pos);
    xor_into_block(state, pos, p, take);
    p += take;
    n -= take;
    pos += take;
    if (pos == kRateBytes) {
      keccak_f1600(state);
      pos = 0;
    }
  }
  return pos;
}

// pad10*1 (§5.1) after the domain bits, then one permutation; the 256-bit digest is the first
// four lanes (§4, Algorithm 8: d = 256 < r, so one squeeze).
Hash32 squeeze(uint64_t state[25], size_t pos, uint8_t pad) {
  CX_ASSERT(pos < kRateBytes);
  xor_byte(state, pos, pad);
  xor_byte(state, kRateBytes - 1, 0x80);
  keccak_f1600(state);
  Hash32 out;
  static_assert(Hash32::size() % 8 == 0);
  for (size_t i = 0; i < Hash32::size() / 8; ++i) store_le64(out.data() + 8 * i, state[i]);
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
