#pragma once
// Randomness is an interface: the simulator seeds it; key generation uses the OS source.
#include <cstdint>
#include <span>

namespace cx {

class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t next_u64() = 0;
  virtual void fill(std::span<uint8_t> out) = 0;
};

// Deterministic (splitmix64/xoshiro256**) generator for simulation and tests.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed);
  uint64_t next_u64() override;
  void fill(std::span<uint8_t> out) override;
  // Uniform in [0, bound), bound > 0.
  uint64_t below(uint64_t bound);

 private:
  uint64_t m_s[4];
};

// OS entropy (getrandom); aborts if the kernel cannot supply it.
Random& os_random();

}  // namespace cx
