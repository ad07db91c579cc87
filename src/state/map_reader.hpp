#pragma once
// A StateReader over values held in memory: genesis state for chains that run without a store (the
// CLI's `contract test` chain, cli/test_chain.hpp) and the tests' fixtures.
#include <map>

#include "state/world_state.hpp"

namespace cx::state {

class MapReader final : public StateReader {
 public:
  explicit MapReader(std::map<Bytes, Bytes> values) : m_values(std::move(values)) {}
  // The values `changes` sets (deletions leave nothing).
  explicit MapReader(const StateChanges& changes) {
    for (const auto& [k, v] : changes)
      if (v) m_values.emplace(k, *v);
  }
  std::optional<Bytes> get(BytesView key) const override {
    auto it = m_values.find(Bytes(key.begin(), key.end()));
    if (it == m_values.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<Bytes, Bytes> m_values;
};

}  // namespace cx::state
