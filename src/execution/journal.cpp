#include "execution/journal.hpp"

#include <algorithm>

namespace cx::execution {

std::optional<Bytes> Journal::get(BytesView key) const {
  auto it = m_writes.find(key);
  if (it != m_writes.end()) return it->second;
  return m_base.get(key);
}

void Journal::set(BytesView key, std::optional<Bytes> value) {
  Bytes k(key.begin(), key.end());
  auto it = m_writes.find(k);
  if (it == m_writes.end()) {
    m_undo.push_back(Undo{k, false, std::nullopt});
    m_writes.emplace(std::move(k), std::move(value));
  } else {
    m_undo.push_back(Undo{k, true, std::move(it->second)});
    it->second = std::move(value);
  }
}

void Journal::rollback(size_t checkpoint) {
  CX_ASSERT(checkpoint <= m_undo.size());
  while (m_undo.size() > checkpoint) {
    Undo& u = m_undo.back();
    if (u.existed) m_writes[u.key] = std::move(u.previous);
    else m_writes.erase(u.key);
    m_undo.pop_back();
  }
}

state::StateChanges Journal::take_changes() {
  state::StateChanges out;
  for (auto& [k, v] : m_writes) out.emplace(k, std::move(v));
  m_writes.clear();
  m_undo.clear();
  return out;
}

}  // namespace cx::execution
