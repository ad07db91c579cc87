// --reconfig (README.md here): the validator set changes twice during the run, at kReconfigFirst and
// back at kReconfigSecond, in one of four scenarios chosen by the seed (seed mod 4). Key n (one past
// the genesis validators) runs as an honest node from the start: a follower while it is not a
// validator. Every set keeps the faulty weight the runs use (twins are keys 0..t−1, weight 1) within
// what it tolerates, so safety and liveness are promised throughout.
#include "sim.hpp"

#include "base/assert.hpp"

namespace cx::sim {
namespace {

enum class Scenario { kGrow, kSwap, kReweight, kGroup };
constexpr size_t kScenarios = 4;

core::ValidatorSet set_of(std::vector<core::Validator> vs) {
  auto s = core::ValidatorSet::make(std::move(vs));
  CX_ASSERT_MSG(s.is_ok(), s.message().c_str());
  return std::move(*s);
}

std::vector<core::Validator> unweighted(const std::vector<core::Address>& keys, size_t from, size_t to) {
  std::vector<core::Validator> out;
  for (size_t i = from; i < to; ++i) out.push_back({keys[i], 1, {}});
  return out;
}

// The set in force between the two switches.
core::ValidatorSet middle(Scenario s, const std::vector<core::Address>& keys, size_t n) {
  switch (s) {
    case Scenario::kGrow:  // key n joins (n + 1 validators)
      return set_of(unweighted(keys, 0, n + 1));
    case Scenario::kSwap: {  // key n − 1 leaves, key n joins
      auto vs = unweighted(keys, 0, n - 1);
      vs.push_back({keys[n], 1, {}});
      return set_of(vs);
    }
    case Scenario::kReweight: {  // key n − 1 weighs 2: the other n − 1 alone are no longer a quorum
      auto vs = unweighted(keys, 0, n);
      vs[n - 1].weight = 2;
      return set_of(vs);
    }
    case Scenario::kGroup: {  // keys n − 2 and n − 1 vote as one identity of weight 2 (both must sign)
      auto vs = unweighted(keys, 0, n);
      vs[n - 2] = {keys[n - 2], 2, "pair"};
      vs[n - 1] = {keys[n - 1], 2, "pair"};
      return set_of(vs);
    }
  }
  CX_UNREACHABLE();
}

}  // namespace

std::vector<core::ValidatorSchedule> reconfig_schedules(const std::vector<core::Address>& keys, size_t n) {
  CX_ASSERT(keys.size() == n + 1 && n >= 3);
  const auto genesis = set_of(unweighted(keys, 0, n));
  std::vector<core::ValidatorSchedule> out;
  for (size_t s = 0; s < kScenarios; ++s) {
    auto schedule = core::ValidatorSchedule::make({{0, genesis},
                                                   {kReconfigFirst, middle(static_cast<Scenario>(s), keys, n)},
                                                   {kReconfigSecond, genesis}});
    CX_ASSERT(schedule.is_ok());
    out.push_back(std::move(*schedule));
  }
  return out;
}

const core::ValidatorSchedule& Fixture::schedule(uint64_t seed) const {
  return schedules.empty() ? static_schedule : schedules[seed % schedules.size()];
}

const char* Fixture::scenario_name(uint64_t seed) {
  static const char* const kNames[kScenarios] = {"grow", "swap", "reweight", "group"};
  return kNames[seed % kScenarios];
}

}  // namespace cx::sim
