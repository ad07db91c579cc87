#include "execution/journal.hpp"

#include <atomic>

#include <algorithm>

namespace cx::execution {

std::optional<Bytes> Journal::get(BytesView key) const {
  auto it = m_writes.find(key);
  if (it != m_writes.end()) return it->second;
  return m_base.get(key);
}

void Journal::set(BytesView key, std::optional<Bytes> value) {
  auto it = m_writes.find(key);
  if (it == m_writes.end()) {
    it = m_writes.emplace(Bytes(key.begin(), key.end()), std::move(value)).first;
    m_undo.push_back(Undo{&*it, /*existed=*/false, std::nullopt});
  } else {
    m_undo.push_back(Undo{&*it, /*existed=*/true, std::move(it->second)});
    it->second = std::move(value);
  }
}

uint64_t Journal::next_version() {
  static std::atomic<uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

void Journal::rollback(size_t checkpoint) {
  CX_ASSERT(checkpoint <= m_undo.size());
  m_version = next_version();
  while (m_undo.size() > checkpoint) {
    Undo& u = m_undo.back();
    if (u.existed) {
      u.entry->second = std::move(u.previous);
    } else {
      auto it = m_writes.find(u.entry->first);
      CX_ASSERT(it != m_writes.end());
      m_writes.erase(it);
    }
    m_undo.pop_back();
  }
}

namespace {

// A key's first 8 bytes as a big-endian integer, zero-padded: if two keys' prefixes differ, they
// order like the keys (byte order); only equal prefixes need the whole keys compared.
uint64_t key_prefix(const Bytes& key) {
  uint64_t p = 0;
  for (size_t i = 0; i < 8; ++i) p = p << 8 | (i < key.size() ? key[i] : 0);
  return p;
}

}  // namespace

state::StateChanges Journal::take_changes() {
  // The entries are moved out (key and value), sorted by key, and appended at the end of the ordered
  // map, where the hint makes each insertion constant time.
  struct Entry {
    uint64_t prefix;
    Writes::node_type node;
  };
  std::vector<Entry> entries;
  entries.reserve(m_writes.size());
  while (!m_writes.empty()) {
    auto node = m_writes.extract(m_writes.begin());
    entries.push_back(Entry{key_prefix(node.key()), std::move(node)});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.prefix != b.prefix ? a.prefix < b.prefix : a.node.key() < b.node.key();
  });
  state::StateChanges out;
  for (auto& e : entries) out.emplace_hint(out.end(), std::move(e.node.key()), std::move(e.node.mapped()));
  m_undo.clear();
  return out;
}

}  // namespace cx::execution
