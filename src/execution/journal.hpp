#pragma once
// Mutation inside a block goes through a journal over the block's base state: reads see earlier
// writes, checkpoint()/rollback() undo a failed tx, and take_changes() yields the ordered diff that
// the channel applies to the world state in one batch.
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "state/world_state.hpp"

namespace cx::execution {

class Journal final : public state::StateReader {
 public:
  explicit Journal(const state::StateReader& base) : m_base(base), m_version(next_version()) {}

  std::optional<Bytes> get(BytesView key) const override;
  void set(BytesView key, std::optional<Bytes> value);

  size_t checkpoint() const { return m_undo.size(); }
  void rollback(size_t checkpoint);
  // Makes every write so far final: no earlier checkpoint can be rolled back to any more. Called
  // between txs, so that the undo log holds one tx's writes rather than the whole block's.
  void commit() { m_undo.clear(); }
  // The ordered set of keys written (last value wins); the journal is left empty.
  state::StateChanges take_changes();
  // Unique to this journal in this process, and new after each rollback: two reads of a key give the
  // same value if the version did not change and nothing set the key in between (what an ACORE
  // executor's read cache relies on, contracts::Host::state_version). Never part of a result.
  uint64_t version() const { return m_version; }

 private:
  // Hashed, not ordered: a block reads and writes each key several times but needs the key order
  // only once, in take_changes(). Transparent, so lookups by BytesView do not allocate.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(BytesView key) const { return std::hash<std::string_view>{}(as_string_view(key)); }
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(BytesView a, BytesView b) const {
      return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
    }
  };
  using Writes = std::unordered_map<Bytes, std::optional<Bytes>, KeyHash, KeyEqual>;

  struct Undo {
    // The written entry. Elements of an unordered_map never move, and rollback() pops in reverse
    // order, so an entry outlives every undo record that points to it.
    Writes::value_type* entry;
    bool existed;                   // the key was in m_writes before this write (else rollback erases it)
    std::optional<Bytes> previous;  // its value in m_writes then
  };

  static uint64_t next_version();

  const state::StateReader& m_base;
  uint64_t m_version;
  Writes m_writes;
  std::vector<Undo> m_undo;
};

}  // namespace cx::execution
