#include "execution/journal.hpp"

#include <gtest/gtest.h>

#include <map>

#include "base/random.hpp"
#include "state/map_reader.hpp"

namespace cx::execution {
namespace {

using state::MapReader;

// Keys that stress the ordering of take_changes(): shorter than 8 bytes, prefixes of each other,
// differing only in zero padding ("a" vs "a\0"), and sharing their first 8 bytes.
std::vector<Bytes> tricky_keys() {
  std::vector<Bytes> keys = {{}, {'a'}, {'a', 0}, {'a', 0, 0}, {'a', 1}, {'b'}, {0xff}, {0, 0, 0, 0, 0, 0, 0, 0}};
  for (uint8_t tail = 0; tail < 4; ++tail) {
    keys.push_back({'c', 'o', 'm', 'm', 'o', 'n', '8', 'b', tail});
    keys.push_back({'c', 'o', 'm', 'm', 'o', 'n', '8', 'b', tail, 7});
  }
  for (uint8_t i = 0; i < 24; ++i) keys.push_back({'a', 0, i, static_cast<uint8_t>(i * 37), 1, 2, 3, 4, 5, 6});
  return keys;
}

// Random gets, sets, deletes, checkpoints, rollbacks and commits against a model that snapshots its
// writes at each checkpoint; the journal must read like the model throughout and its diff must be
// exactly the model's writes.
TEST(Journal, MatchesAModelUnderRollbackAndCommit) {
  const std::vector<Bytes> keys = tricky_keys();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SeededRandom rng(seed);
    std::map<Bytes, Bytes> base_values;
    for (const auto& k : keys)
      if (rng.below(2)) base_values[k] = Bytes{static_cast<uint8_t>(rng.below(256))};
    MapReader base(base_values);
    Journal journal(base);

    using Writes = std::map<Bytes, std::optional<Bytes>>;
    Writes model;
    std::vector<std::pair<size_t, Writes>> checkpoints;  // journal checkpoint, model writes then
    auto model_get = [&](const Bytes& k) -> std::optional<Bytes> {
      if (auto it = model.find(k); it != model.end()) return it->second;
      if (auto it = base_values.find(k); it != base_values.end()) return it->second;
      return std::nullopt;
    };

    for (int step = 0; step < 2000; ++step) {
      const Bytes& key = keys[rng.below(keys.size())];
      switch (rng.below(10)) {
        case 0:
          checkpoints.emplace_back(journal.checkpoint(), model);
          break;
        case 1:
          if (!checkpoints.empty()) {
            size_t back = rng.below(checkpoints.size());
            journal.rollback(checkpoints[back].first);
            model = checkpoints[back].second;
            checkpoints.resize(back);
          }
          break;
        case 2:
          journal.commit();
          checkpoints.clear();
          break;
        case 3: case 4: case 5: {
          std::optional<Bytes> value;
          if (rng.below(4)) value = Bytes(1 + rng.below(3), static_cast<uint8_t>(step));
          journal.set(key, value);
          model[key] = value;
          break;
        }
        default:
          ASSERT_EQ(journal.get(key), model_get(key)) << "seed " << seed << " step " << step;
      }
    }
    EXPECT_EQ(journal.take_changes(), model) << "seed " << seed;
    EXPECT_TRUE(journal.take_changes().empty());
  }
}

}  // namespace
}  // namespace cx::execution
