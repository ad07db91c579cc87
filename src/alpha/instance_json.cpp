// An instance as JSON: its form in the Alpha contract's storage and what getInstance returns. Maps
// are written with sorted keys (std::map order, then canonical_text), amounts as decimal strings.
#include <algorithm>

#include <boost/json.hpp>

#include "alpha/calendar.hpp"
#include "alpha/engine_impl.hpp"

namespace cx::alpha {

namespace json = boost::json;

namespace {

json::object ledger_json(const Ledger& l) {
  json::object o;
  for (const auto& [k, v] : l) o[k] = v.to_dec();
  return o;
}
json::object ledgers_json(const std::map<std::string, Ledger>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = ledger_json(v);
  return o;
}
template <typename T>
json::object map_json(const std::map<std::string, T>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = json::value_from(v);
  return o;
}

json::object event_json(const EventState& e) {
  json::object o;
  o["time"] = e.time;
  o["payload"] = e.payload;
  o["votes"] = map_json(e.votes);
  return o;
}
json::object decision_json(const DecisionState& d) {
  return json::object{{"holder", d.holder}, {"delegated_by", d.delegated_by}, {"exercised", d.exercised},
                      {"choice", d.choice}, {"time", d.time}};
}
json::object timer_json(const Timer& t) {
  return json::object{{"deadline", t.deadline}, {"id", t.id}, {"kind", static_cast<uint64_t>(t.kind)}, {"stage", t.stage}};
}

// Reading back: the contract stores only what to_json wrote, so a shape error means corrupt state;
// every accessor is checked and turns into an EngineError rather than undefined behaviour.
struct Reader {
  bool ok = true;
  const json::value* at(const json::object& o, std::string_view k) {
    const json::value* v = o.if_contains(k);
    if (!v) ok = false;
    return v;
  }
  std::string str(const json::object& o, std::string_view k) {
    const json::value* v = at(o, k);
    if (!v || !v->is_string()) return ok = false, "";
    return std::string(v->get_string());
  }
  int64_t num(const json::object& o, std::string_view k) {
    const json::value* v = at(o, k);
    if (!v || !v->is_number()) return ok = false, 0;
    return v->to_number<int64_t>();
  }
  const json::object& obj(const json::object& o, std::string_view k) {
    static const json::object empty;
    const json::value* v = at(o, k);
    if (!v || !v->is_object()) return ok = false, empty;
    return v->get_object();
  }
  Uint256 amount(const json::value& v) {
    auto u = v.is_string() ? Uint256::from_dec(v.get_string()) : std::nullopt;
    if (!u) ok = false;
    return u.value_or(Uint256());
  }
  Hash32 hash(const json::object& o, std::string_view k) {
    auto h = Hash32::from_hex_string(str(o, k));
    if (!h) ok = false;
    return h.value_or(Hash32{});
  }
  std::vector<std::string> strings(const json::value& v) {
    std::vector<std::string> out;
    if (!v.is_array()) return ok = false, out;
    for (const auto& s : v.get_array()) out.push_back(s.is_string() ? std::string(s.get_string()) : (ok = false, ""));
    return out;
  }
  std::map<std::string, Ledger> ledgers(const json::object& o) {
    std::map<std::string, Ledger> m;
    for (const auto& [asset, l] : o)
      for (const auto& [k, v] : l.is_object() ? l.get_object() : (ok = false, json::object()))
        m[asset][k] = amount(v);
    return m;
  }
};

void read_states(Reader& rd, const json::object& o, Instance& inst) {
  for (const auto& [k, v] : rd.obj(o, "events")) {
    const json::object& e = v.is_object() ? v.get_object() : (rd.ok = false, json::object());
    EventState& es = inst.events[k];
    es.time = rd.num(e, "time");
    es.payload = rd.str(e, "payload");
    for (const auto& [p, voters] : rd.obj(e, "votes")) es.votes[p] = rd.strings(voters);
  }
  for (const auto& [k, v] : rd.obj(o, "decisions")) {
    const json::object& d = v.is_object() ? v.get_object() : (rd.ok = false, json::object());
    DecisionState& ds = inst.decisions[k];
    ds.holder = rd.str(d, "holder");
    ds.delegated_by = rd.str(d, "delegated_by");
    const json::value* ex = rd.at(d, "exercised");
    ds.exercised = ex && ex->is_bool() && ex->get_bool();
    ds.choice = rd.str(d, "choice");
    ds.time = rd.num(d, "time");
  }
  const json::value* timers = rd.at(o, "timers");
  if (timers && timers->is_array())
    for (const auto& v : timers->get_array()) {
      const json::object& t = v.is_object() ? v.get_object() : (rd.ok = false, json::object());
      inst.timers.push_back(Timer{rd.num(t, "deadline"), static_cast<uint32_t>(rd.num(t, "id")),
                                  static_cast<TimerKind>(std::min<int64_t>(rd.num(t, "kind") & 7, 5)), rd.str(t, "stage")});
    }
}

}  // namespace

json::object to_json(const Instance& inst) {
  json::object o;
  o["id"] = inst.id;
  o["template_hash"] = inst.template_hash.hex();
  o["params"] = inst.params;
  o["parties"] = map_json(inst.parties);
  o["prose_digest"] = inst.prose_digest.hex();
  if (!inst.prose.empty()) o["prose"] = map_json(inst.prose);
  o["simulation_digest"] = inst.simulation_digest.hex();
  o["hash"] = inst.hash.hex();
  o["status"] = status_name(inst.status);
  o["proposed_at"] = inst.proposed_at;
  o["sign_by"] = inst.sign_by;
  o["signed_at"] = inst.signed_at;
  o["signed_by"] = json::value_from(inst.signed_by);
  o["stage"] = inst.stage;
  o["tokens"] = json::value_from(inst.tokens);
  o["joined"] = map_json(inst.joined);
  o["entered"] = map_json(inst.entered);
  o["left"] = map_json(inst.left);
  o["visits"] = map_json(inst.visits);
  json::object events, decisions, vp;
  for (const auto& [k, v] : inst.events) events[k] = event_json(v);
  for (const auto& [k, v] : inst.decisions) decisions[k] = decision_json(v);
  for (const auto& [k, v] : inst.vp) vp[k] = v;
  o["events"] = std::move(events);
  o["decisions"] = std::move(decisions);
  o["vp"] = std::move(vp);
  o["vp_row"] = inst.vp_row;
  o["escrow"] = ledger_json(inst.escrow);
  o["stakes"] = ledgers_json(inst.stakes);
  o["paid"] = ledgers_json(inst.paid);
  o["reserved"] = ledgers_json(inst.reserved);
  json::array timers;
  for (const Timer& t : inst.timers) timers.push_back(timer_json(t));
  o["timers"] = std::move(timers);
  o["next_timer"] = inst.next_timer;
  o["nonces"] = json::value_from(inst.nonces);
  o["dispute_opened_by"] = inst.dispute_opened_by;
  o["dispute"] = dispute_state_json(inst.dispute);
  if (!inst.calendar.id.empty()) o["calendar"] = calendar::to_json(inst.calendar);
  o["bonds"] = ledgers_json(inst.bonds);
  o["fault"] = inst.fault;
  o["seq"] = inst.seq;
  return o;
}

std::variant<Instance, EngineError> instance_from_json(const json::value& v) {
  if (!v.is_object()) return EngineError{"stored instance is not an object"};
  const json::object& o = v.get_object();
  Reader rd;
  Instance inst;
  inst.id = static_cast<uint64_t>(rd.num(o, "id"));
  inst.template_hash = rd.hash(o, "template_hash");
  inst.params = rd.obj(o, "params");
  for (const auto& [k, m] : rd.obj(o, "parties")) inst.parties[k] = rd.strings(m);
  inst.prose_digest = rd.hash(o, "prose_digest");
  if (o.contains("prose"))
    for (const auto& [k, h] : rd.obj(o, "prose")) inst.prose[k] = h.is_string() ? std::string(h.get_string()) : (rd.ok = false, "");
  inst.simulation_digest = rd.hash(o, "simulation_digest");
  inst.hash = rd.hash(o, "hash");
  std::string status = rd.str(o, "status");
  for (Status s : {Status::kProposed, Status::kActive, Status::kDisputed, Status::kClosed, Status::kExpired})
    if (status == status_name(s)) inst.status = s;
  inst.proposed_at = rd.num(o, "proposed_at");
  inst.sign_by = rd.num(o, "sign_by");
  inst.signed_at = rd.num(o, "signed_at");
  if (const json::value* s = rd.at(o, "signed_by")) inst.signed_by = rd.strings(*s);
  inst.stage = rd.str(o, "stage");
  if (const json::value* tk = rd.at(o, "tokens")) inst.tokens = rd.strings(*tk);
  for (const auto& [k, n] : rd.obj(o, "joined")) inst.joined[k] = n.to_number<uint32_t>();
  for (const auto& [k, t] : rd.obj(o, "entered")) inst.entered[k] = t.to_number<int64_t>();
  for (const auto& [k, t] : rd.obj(o, "left")) inst.left[k] = t.to_number<int64_t>();
  for (const auto& [k, n] : rd.obj(o, "visits")) inst.visits[k] = n.to_number<uint32_t>();
  read_states(rd, o, inst);
  for (const auto& [k, x] : rd.obj(o, "vp")) inst.vp[k] = x;
  inst.vp_row = rd.str(o, "vp_row");
  for (const auto& [k, a] : rd.obj(o, "escrow")) inst.escrow[k] = rd.amount(a);
  inst.stakes = rd.ledgers(rd.obj(o, "stakes"));
  inst.paid = rd.ledgers(rd.obj(o, "paid"));
  inst.reserved = rd.ledgers(rd.obj(o, "reserved"));
  inst.next_timer = static_cast<uint32_t>(rd.num(o, "next_timer"));
  if (const json::value* n = rd.at(o, "nonces")) inst.nonces = rd.strings(*n);
  inst.dispute_opened_by = rd.str(o, "dispute_opened_by");
  if (const json::value* d = rd.at(o, "dispute")) rd.ok &= dispute_state_from_json(*d, inst.dispute);
  inst.bonds = rd.ledgers(rd.obj(o, "bonds"));
  if (const json::value* c = o.if_contains("calendar")) {
    auto cal = calendar::from_json(*c);
    rd.ok &= cal.has_value();
    if (cal) inst.calendar = std::move(*cal);
  }
  inst.fault = rd.str(o, "fault");
  inst.seq = static_cast<uint64_t>(rd.num(o, "seq"));
  if (!rd.ok) return EngineError{"stored instance is malformed"};
  return inst;
}

}  // namespace cx::alpha
