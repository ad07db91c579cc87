#pragma once
// Mutation inside a block goes through a journal over the block's base state: reads see earlier
// writes, checkpoint()/rollback() undo a failed tx, and take_changes() yields the ordered diff that
// the channel applies to the world state in one batch.
#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "state/world_state.hpp"

namespace cx::execution {

class Journal final : public state::StateReader {
 public:
  explicit Journal(const state::StateReader& base) : m_base(base) {}

  std::optional<Bytes> get(BytesView key) const override;
  void set(BytesView key, std::optional<Bytes> value);

  size_t checkpoint() const { return m_undo.size(); }
  void rollback(size_t checkpoint);
  // The ordered set of keys written (last value wins); the journal is left empty.
  state::StateChanges take_changes();

 private:
  struct Undo {
    Bytes key;
    bool existed;                        // key was in m_writes before this write
    std::optional<Bytes> previous;       // its value in m_writes then
  };
  // Ordered by bytes; transparent so lookups by BytesView do not allocate.
  struct KeyLess {
    using is_transparent = void;
    bool operator()(BytesView a, BytesView b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    }
  };
  const state::StateReader& m_base;
  std::map<Bytes, std::optional<Bytes>, KeyLess> m_writes;
  std::vector<Undo> m_undo;
};

}  // namespace cx::execution
