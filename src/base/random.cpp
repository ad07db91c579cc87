#include "base/random.hpp"

#include <sys/random.h>

#include <cstring>

#include "base/assert.hpp"

namespace cx {

static uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

SeededRandom::SeededRandom(uint64_t seed) {
  for (auto& s : m_s) s = splitmix64(seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t SeededRandom::next_u64() {
  const uint64_t result = rotl(m_s[1] * 5, 7) * 9;
  const uint64_t t = m_s[1] << 17;
  m_s[2] ^= m_s[0];
  m_s[3] ^= m_s[1];
  m_s[1] ^= m_s[2];
  m_s[0] ^= m_s[3];
  m_s[2] ^= t;
  m_s[3] = rotl(m_s[3], 45);
  return result;
}

void SeededRandom::fill(std::span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); i += 8) {
    uint64_t v = next_u64();
    std::memcpy(out.data() + i, &v, std::min<size_t>(8, out.size() - i));
  }
}

uint64_t SeededRandom::below(uint64_t bound) {
  CX_ASSERT(bound > 0);
  // Rejection sampling keeps the distribution uniform.
  uint64_t limit = ~0ull - (~0ull % bound);
  uint64_t v;
  do v = next_u64(); while (v >= limit);
  return v % bound;
}

namespace {
class OsRandom final : public Random {
 public:
  uint64_t next_u64() override {
    uint64_t v;
    fill({reinterpret_cast<uint8_t*>(&v), sizeof v});
    return v;
  }
  void fill(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
      CX_ASSERT_MSG(n > 0, "getrandom failed");
      done += static_cast<size_t>(n);
    }
  }
};
}  // namespace

Random& os_random() {
  static OsRandom r;
  return r;
}

}  // namespace cx
