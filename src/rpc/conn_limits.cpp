#include "rpc/conn_limits.hpp"

namespace cx::rpc {

std::unique_ptr<ConnectionTable::Slot> ConnectionTable::admit(const std::string& address, AdmitRefusal& refusal) {
  Closer close_victim;
  uint64_t id = 0;
  {
    MutexLock lock(m_mutex);
    auto mine = m_by_address.find(address);
    const size_t held = mine == m_by_address.end() ? 0 : mine->second.size();
    if (held >= m_limits.per_address_max) {
      refusal = AdmitRefusal::kAddressFull;
      return nullptr;
    }
    // Connections asked to close are on their way out: their slots are already given away.
    if (m_entries.size() - m_closing >= m_limits.total_max) {
      const uint64_t victim = pick_victim(address);
      if (victim == 0) {
        refusal = AdmitRefusal::kFull;
        return nullptr;
      }
      close_victim = m_entries.at(victim).closer;
      ++m_evicted;
    }
    id = m_next_id++;
    m_entries.emplace(id, Entry{address, false, false, 0, {}});
    m_by_address[address].insert(id);
  }
  if (close_victim) close_victim();
  refusal = AdmitRefusal::kNone;
  return std::make_unique<Slot>(shared_from_this(), id);
}

uint64_t ConnectionTable::pick_victim(const std::string& address) {
  auto mine = m_by_address.find(address);
  const size_t newcomer = (mine == m_by_address.end() ? 0 : mine->second.size()) + 1;
  // The address holding the most connections that may still be closed (ties: the first address).
  const std::set<uint64_t>* heaviest = nullptr;
  size_t heaviest_held = 0;
  for (const auto& [addr, ids] : m_by_address) {
    size_t held = 0;
    for (uint64_t id : ids) held += m_entries.at(id).closing ? 0 : 1;
    if (held > heaviest_held) {
      heaviest = &ids;
      heaviest_held = held;
    }
  }
  // Only one that would still hold more than the newcomer: no address is pushed below another's share.
  if (!heaviest || heaviest_held <= newcomer) return 0;
  uint64_t victim = 0;
  int64_t oldest = 0;
  for (uint64_t id : *heaviest) {
    const Entry& e = m_entries.at(id);
    if (!e.idle || e.closing || !e.closer) continue;
    if (victim == 0 || e.idle_since_us < oldest) {
      victim = id;
      oldest = e.idle_since_us;
    }
  }
  if (victim != 0) {
    m_entries.at(victim).closing = true;
    ++m_closing;
  }
  return victim;
}

void ConnectionTable::release(uint64_t id) {
  MutexLock lock(m_mutex);
  auto it = m_entries.find(id);
  if (it == m_entries.end()) return;
  if (it->second.closing) --m_closing;
  auto a = m_by_address.find(it->second.address);
  a->second.erase(id);
  if (a->second.empty()) m_by_address.erase(a);
  m_entries.erase(it);
}

void ConnectionTable::set_idle(uint64_t id, bool idle, int64_t now_us) {
  MutexLock lock(m_mutex);
  auto it = m_entries.find(id);
  if (it == m_entries.end()) return;
  if (idle && !it->second.idle) it->second.idle_since_us = now_us;
  it->second.idle = idle;
}

void ConnectionTable::set_closer(uint64_t id, Closer closer) {
  MutexLock lock(m_mutex);
  if (auto it = m_entries.find(id); it != m_entries.end()) it->second.closer = std::move(closer);
}

size_t ConnectionTable::size() const {
  MutexLock lock(m_mutex);
  return m_entries.size();
}

bool ConnectionTable::under_pressure() const {
  MutexLock lock(m_mutex);
  return (m_entries.size() - m_closing) * 4 > m_limits.total_max * 3;
}

uint64_t ConnectionTable::evicted() const {
  MutexLock lock(m_mutex);
  return m_evicted;
}

}  // namespace cx::rpc
