// Storage of the Alpha system contract (contract_store.hpp) and the commit of a transition.
#include "alpha/contract_store.hpp"

#include <boost/json.hpp>

#include "alpha/canonical.hpp"

namespace cx::alpha::store {

namespace json = boost::json;

namespace {

BytesView bytes_of(const std::string& s) { return BytesView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

bool failed(const core::Failure& f, CallResult* fail) {
  *fail = CallResult::fail(f);
  return false;
}

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_be(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + static_cast<size_t>(i)]);
  return v;
}
constexpr size_t kEntryBytes = 20;

std::string instance_key(uint64_t id) { return "instance/" + std::to_string(id); }

}  // namespace

std::optional<std::string> get(Host& h, const std::string& key, CallResult* fail) {
  auto r = h.storage_get(bytes_of(key));
  if (!r) {
    failed(r.failure(), fail);
    return std::nullopt;
  }
  *fail = CallResult::success();
  if (!r->has_value()) return std::nullopt;
  return std::string(reinterpret_cast<const char*>((*r)->data()), (*r)->size());
}

bool put(Host& h, const std::string& key, const std::string& value, CallResult* fail) {
  auto r = h.storage_set(bytes_of(key), bytes_of(value));
  return r ? true : failed(r.failure(), fail);
}

bool erase(Host& h, const std::string& key, CallResult* fail) {
  auto r = h.storage_set(bytes_of(key), std::nullopt);
  return r ? true : failed(r.failure(), fail);
}

std::optional<int64_t> first_deadline(BytesView raw_queue) {
  if (raw_queue.empty() || raw_queue.size() % kEntryBytes) return std::nullopt;
  const std::string head(reinterpret_cast<const char*>(raw_queue.data()), 8);
  return static_cast<int64_t>(get_be(head, 0, 8));
}

std::optional<Queue> load_queue(Host& h, CallResult* fail) {
  auto raw = get(h, std::string(kQueueKey), fail);
  if (!fail->ok) return std::nullopt;
  Queue q;
  if (!raw) return q;
  if (raw->size() % kEntryBytes) {
    *fail = CallResult::fail(core::FailureCode::kInvalidInstance, "alpha timer queue is corrupt");
    return std::nullopt;
  }
  for (size_t at = 0; at < raw->size(); at += kEntryBytes)
    q.insert(q.end(), QueueEntry{static_cast<int64_t>(get_be(*raw, at, 8)), get_be(*raw, at + 8, 8),
                                 static_cast<uint32_t>(get_be(*raw, at + 16, 4))});
  return q;
}

bool save_queue(Host& h, const Queue& q, CallResult* fail) {
  std::string raw;
  raw.reserve(q.size() * kEntryBytes);
  for (const QueueEntry& e : q) {
    put_be(raw, static_cast<uint64_t>(e.deadline), 8);
    put_be(raw, e.instance, 8);
    put_be(raw, e.timer, 4);
  }
  return put(h, std::string(kQueueKey), raw, fail);
}

std::optional<Template> load_template(Host& h, const Hash32& hash, CallResult* fail) {
  auto text = get(h, "template/" + hash.hex(), fail);
  if (!fail->ok) return std::nullopt;
  if (!text) {
    *fail = CallResult::fail(core::FailureCode::kInvalidParameter, "no template 0x" + hash.hex() + " is registered");
    return std::nullopt;
  }
  auto t = parse_template_json(*text);
  if (auto* e = std::get_if<ParseError>(&t)) {
    *fail = CallResult::fail(core::FailureCode::kInvalidInstance, "stored template is corrupt: " + e->to_string());
    return std::nullopt;
  }
  return std::move(std::get<Template>(t));
}

std::optional<Instance> load_instance(Host& h, uint64_t id, CallResult* fail) {
  auto text = get(h, instance_key(id), fail);
  if (!fail->ok) return std::nullopt;
  if (!text) {
    *fail = CallResult::fail(core::FailureCode::kInvalidParameter, "no alpha instance " + std::to_string(id));
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  auto inst = ec ? std::variant<Instance, EngineError>(EngineError{"stored instance is not JSON"}) : instance_from_json(v);
  if (auto* e = std::get_if<EngineError>(&inst)) {
    *fail = CallResult::fail(core::FailureCode::kInvalidInstance, e->message);
    return std::nullopt;
  }
  return std::move(std::get<Instance>(inst));
}

std::optional<Loaded> load(Host& h, uint64_t id, CallResult* fail) {
  auto inst = load_instance(h, id, fail);
  if (!inst) return std::nullopt;
  auto t = load_template(h, inst->template_hash, fail);
  if (!t) return std::nullopt;
  return Loaded{std::move(*t), std::move(*inst)};
}

namespace {

// A closed or expired instance holds nothing: the checker proves it, the engine refunds any rest,
// and the contract refuses to store one that would strand money.
bool ends_empty(const Instance& next, CallResult* fail) {
  if (next.status != Status::kClosed && next.status != Status::kExpired) return true;
  if (next.escrow.empty() && next.reserved.empty()) return true;
  std::string what = next.escrow.empty() ? next.reserved.begin()->first + " reserved" : next.escrow.begin()->first + " in escrow";
  return failed(core::make_failure(core::FailureCode::kInvalidInstance, "instance " + std::to_string(next.id) + " " +
                                                                            status_name(next.status) + " with " + what),
                fail);
}

bool emit_transition(Host& h, const Transition& tr, CallResult* fail) {
  const Instance& next = tr.next;
  std::string lines;
  for (const std::string& l : tr.effects.log) {
    if (lines.size() + l.size() + 2 > core::kLogItemBytesMax) break;
    lines += (lines.empty() ? "" : "; ") + l;
  }
  core::EventLog event{{}, {"AlphaTransition(int,int,str,str,str)", Uint256(next.id).to_icon_hex()},
                       {Uint256(next.seq).to_icon_hex(), status_name(next.status), next.stage, lines}};
  auto r = h.emit(std::move(event));
  return r ? true : failed(r.failure(), fail);
}

}  // namespace

bool commit(Host& h, Queue& q, const Template& t, const Instance* before, const Transition& tr, CallResult* fail,
            bool log) {
  const Instance& next = tr.next;
  if (!ends_empty(next, fail)) return false;
  if (before)
    for (const Timer& tm : before->timers) q.erase(QueueEntry{tm.deadline, before->id, tm.id});
  for (const Timer& tm : next.timers) q.insert(QueueEntry{tm.deadline, next.id, tm.id});
  if (!put(h, instance_key(next.id), canonical_text(to_json(next)), fail)) return false;
  struct TokenPayout {
    core::Address token, to;
    Uint256 amount;
  };
  std::vector<TokenPayout> tokens;
  for (const Payout& p : tr.effects.payouts) {
    auto to = core::Address::parse(p.to);
    const Asset* a = find_asset(t, p.asset);
    if (!to || !a) return failed(core::make_failure(core::FailureCode::kInvalidInstance, "payout to a bad address or in an unknown asset"), fail);
    if (a->kind == AssetKind::kIrc2) {
      auto token = token_of(*a, next);
      if (!token) return failed(core::make_failure(core::FailureCode::kInvalidInstance, "asset " + a->id + " has no token contract"), fail);
      tokens.push_back({*token, *to, p.amount});
      continue;
    }
    auto r = h.transfer(*to, p.amount);
    if (!r) return failed(r.failure(), fail);
  }
  if (log && !emit_transition(h, tr, fail)) return false;
  if (tokens.empty()) return true;
  // Token calls last, with everything above stored, and under the lock: a token or a payee that
  // calls the Alpha contract back finds it refusing writes.
  if (!put(h, "lock", "1", fail)) return false;
  for (const TokenPayout& p : tokens)
    if (!pay_token(h, p.token, p.to, p.amount, fail)) return false;
  return erase(h, "lock", fail);
}

}  // namespace cx::alpha::store
