// What a simulated instance's expressions see (sim_state.hpp): params, lets (evaluated again each
// time, as the engine does), roles, assets, block time, and the events, decisions, stages and Virtual
// Person outputs recorded so far. Something not recorded yet is unbound, never a default value.
#include "alpha/sim_state.hpp"

namespace cx::alpha::detail {

std::string member_key(const Role& r, size_t member) {
  return r.members_max == 1 ? r.id : r.id + "#" + std::to_string(member + 1);
}

bool belongs(const std::string& key, std::string_view who) {
  if (key == who) return true;
  return who.find('#') == std::string_view::npos && key.size() > who.size() && key.compare(0, who.size(), who) == 0 &&
         key[who.size()] == '#';
}

namespace {
Value time_value(int64_t t) { return Value{Kind::kTime, Fraction(Int(static_cast<uint64_t>(t))), false, {}}; }
}  // namespace

EvalEnv::Lookup SimEnv::name(std::string_view name, Value* out) const {
  std::string n(name);
  if (auto it = m_in.params.find(n); it != m_in.params.end()) {
    *out = it->second;
    return Lookup::kFound;
  }
  if (const Binding* b = find_let(m_t, n)) {
    EvalResult r = eval_expr(b->value, *this);  // the checker refused let cycles
    if (!r.value) return Lookup::kUnbound;
    *out = *r.value;
    return Lookup::kFound;
  }
  if (find_role(m_t, n)) {
    *out = Value{Kind::kRole, {}, false, n};
    return Lookup::kFound;
  }
  if (find_asset(m_t, n)) {
    *out = Value{Kind::kAsset, {}, false, n};
    return Lookup::kFound;
  }
  if (n == "now" || n == "signed_at") {
    *out = time_value(n == "now" ? m_s.now : m_in.signed_at);
    return Lookup::kFound;
  }
  return Lookup::kNotAName;
}

EvalEnv::Lookup SimEnv::field(std::string_view obj, std::string_view f, Value* out) const {
  std::string o(obj), fs(f);
  if (find_event(m_t, o)) {
    auto it = m_s.events.find(o);
    if (it == m_s.events.end()) return Lookup::kUnbound;
    if (fs == "time")
      *out = time_value(it->second.time);
    else if (fs == "result")
      *out = Value{Kind::kEnum, {}, false, it->second.result};
    else if (auto v = it->second.fields.find(fs); v != it->second.fields.end())
      *out = v->second;
    else
      return Lookup::kUnbound;
    return Lookup::kFound;
  }
  if (find_decision(m_t, o)) {
    auto it = m_s.decisions.find(o);
    if (it == m_s.decisions.end()) return Lookup::kUnbound;
    *out = fs == "time" ? time_value(it->second.first) : it->second.second;
    return Lookup::kFound;
  }
  if (find_stage(m_t, o) >= 0) {
    const auto& times = fs == "entered" ? m_s.entered : m_s.left;
    auto it = times.find(o);
    if (it == times.end()) return Lookup::kUnbound;
    *out = time_value(it->second);
    return Lookup::kFound;
  }
  if (o == "vp") {
    auto it = m_s.vp.find(fs);
    if (it == m_s.vp.end()) return Lookup::kUnbound;
    *out = it->second;
    return Lookup::kFound;
  }
  return Lookup::kUnbound;
}

std::optional<Uint256> SimEnv::paid(std::string_view role, std::string_view asset) const {
  Uint256 sum;
  for (const auto& [payer, by_asset] : m_s.paid) {
    if (!belongs(payer, role)) continue;
    auto it = by_asset.find(std::string(asset));
    if (it == by_asset.end()) continue;
    auto s = sum.checked_add(it->second);
    if (!s) return std::nullopt;
    sum = *s;
  }
  return sum;
}

std::optional<Uint256> SimEnv::escrow(std::string_view asset) const {
  auto it = m_s.escrow.find(std::string(asset));
  return it == m_s.escrow.end() ? Uint256() : it->second;
}

std::optional<std::string> SimEnv::sole_asset() const {
  if (m_t.assets.size() != 1) return std::nullopt;
  return m_t.assets[0].id;
}

}  // namespace cx::alpha::detail
