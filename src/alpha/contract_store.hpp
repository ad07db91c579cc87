#pragma once
// Internal to the Alpha system contract: its storage layout and the commit of an engine transition.
//   "template/<hash hex>"  canonical template JSON
//   "instance/<id>"        instance JSON (instance.hpp to_json)
//   "next_instance"        decimal counter
//   "timers"               the timer queue: 20-byte entries (deadline u64 BE, instance u64 BE,
//                          timer u32 BE), sorted, so the bytes order is the firing order
#include <set>
#include <string>

#include "alpha/instance.hpp"
#include "contracts/host.hpp"

namespace cx::alpha::store {

using contracts::CallResult;
using contracts::Host;

struct QueueEntry {
  int64_t deadline = 0;
  uint64_t instance = 0;
  uint32_t timer = 0;
  auto operator<=>(const QueueEntry&) const = default;
};
using Queue = std::set<QueueEntry>;

// The storage key of the timer queue, and the earliest deadline in its raw bytes (none when empty
// or corrupt): what begin-block's scheduling reads without running the contract.
inline constexpr std::string_view kQueueKey = "timers";
std::optional<int64_t> first_deadline(BytesView raw_queue);

// Each returns the host's failure as a CallResult in *fail when a host operation failed.
std::optional<std::string> get(Host& h, const std::string& key, CallResult* fail);
bool put(Host& h, const std::string& key, const std::string& value, CallResult* fail);
std::optional<Queue> load_queue(Host& h, CallResult* fail);
bool save_queue(Host& h, const Queue& q, CallResult* fail);

// The template and instance an instance call works on; *fail says why not.
struct Loaded {
  Template t;
  Instance inst;
};
std::optional<Loaded> load(Host& h, uint64_t id, CallResult* fail);
std::optional<Instance> load_instance(Host& h, uint64_t id, CallResult* fail);
std::optional<Template> load_template(Host& h, const Hash32& hash, CallResult* fail);

// Stores `tr.next`, moves its timers in `q` (those of `before` out, its own in), pays its payouts
// from the contract's balance and emits one AlphaTransition log (unless `log` is false: begin-block
// has no receipt to put it in, and a receipt's log cap must not bound how many timers fire).
// `before` is null for a new instance.
bool commit(Host& h, Queue& q, const Instance* before, const Transition& tr, CallResult* fail, bool log = true);

}  // namespace cx::alpha::store
