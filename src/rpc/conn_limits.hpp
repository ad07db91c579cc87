#pragma once
// Who may hold the RPC server's connections (docs/membership.md "RPC connection limits"). Without it one
// client holding connections_max idle keep-alive connections locked everyone else out until the idle
// timeout freed them. The policy:
//   - one client address holds at most `per_address_max` connections; more are refused at accept;
//   - when all `total_max` are taken, a newcomer takes the slot of the longest-idle HTTP connection (one
//     waiting for its next request, never one being answered or a WebSocket monitor) of the address that
//     holds the most, provided that address holds more than the newcomer's would; otherwise it is refused;
//   - while more than 3/4 of the slots are taken, idle HTTP connections get the short `busy` idle timeout.
// Thread-safe; the server's I/O threads call it at accept and at each change between idle and busy.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "base/mutex.hpp"

namespace cx::rpc {

struct ConnLimits {
  size_t total_max = 1024;
  size_t per_address_max = 128;
};

enum class AdmitRefusal { kNone, kAddressFull, kFull };

class ConnectionTable : public std::enable_shared_from_this<ConnectionTable> {
 public:
  // Runs a connection's close on its own strand; called without the table's lock held.
  using Closer = std::function<void()>;

  // A taken slot; destroying it frees the slot.
  class Slot {
   public:
    Slot(std::shared_ptr<ConnectionTable> table, uint64_t id) : m_table(std::move(table)), m_id(id) {}
    ~Slot() { m_table->release(m_id); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    // An idle connection (waiting for a request) may be closed to make room; a busy one never is.
    void set_idle(bool idle, int64_t now_us) { m_table->set_idle(m_id, idle, now_us); }
    void set_closer(Closer closer) { m_table->set_closer(m_id, std::move(closer)); }

   private:
    std::shared_ptr<ConnectionTable> m_table;
    uint64_t m_id;
  };

  static std::shared_ptr<ConnectionTable> make(ConnLimits limits) {
    return std::shared_ptr<ConnectionTable>(new ConnectionTable(limits));
  }

  // A slot for a new connection from `address` (an IP literal), or the reason it is refused. The slot
  // starts busy. When full, it may ask an idle connection of the heaviest address to close.
  std::unique_ptr<Slot> admit(const std::string& address, AdmitRefusal& refusal) EXCLUDES(m_mutex);
  size_t size() const EXCLUDES(m_mutex);
  bool under_pressure() const EXCLUDES(m_mutex);  // more than 3/4 of total_max taken
  uint64_t evicted() const EXCLUDES(m_mutex);

 private:
  explicit ConnectionTable(ConnLimits limits) : m_limits(limits) {}
  void release(uint64_t id) EXCLUDES(m_mutex);
  void set_idle(uint64_t id, bool idle, int64_t now_us) EXCLUDES(m_mutex);
  void set_closer(uint64_t id, Closer closer) EXCLUDES(m_mutex);
  // The connection to close to make room for one more from `address`, marked closing; 0 if none.
  uint64_t pick_victim(const std::string& address) REQUIRES(m_mutex);

  struct Entry {
    std::string address;
    bool idle = false;
    bool closing = false;  // asked to close to make room; its slot is already given away
    int64_t idle_since_us = 0;
    Closer closer;
  };

  const ConnLimits m_limits;
  mutable Mutex m_mutex;
  uint64_t m_next_id GUARDED_BY(m_mutex) = 1;
  std::map<uint64_t, Entry> m_entries GUARDED_BY(m_mutex);
  std::map<std::string, std::set<uint64_t>> m_by_address GUARDED_BY(m_mutex);
  size_t m_closing GUARDED_BY(m_mutex) = 0;
  uint64_t m_evicted GUARDED_BY(m_mutex) = 0;
};

}  // namespace cx::rpc
