#include "alpha/canonical.hpp"

#include <algorithm>
#include <cstdio>

#include "base/assert.hpp"
#include "crypto/hash.hpp"

namespace cx::alpha {
namespace {

namespace json = boost::json;

json::value text(const Expr& e) { return json::value(to_text(e)); }
json::value u256(const Uint256& u) { return json::value(u.to_dec()); }
json::value duration(uint64_t s) { return json::value(format_iso_duration(s)); }

json::array ids(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::value decl(const Decl& d) {
  json::object o;
  o["type"] = value_type_name(d.type);
  if (!d.asset.empty()) o["asset"] = d.asset;
  if (!d.values.empty()) o["values"] = ids(d.values);
  if (d.min) o["min"] = u256(*d.min);
  if (d.max) o["max"] = u256(*d.max);
  return o;
}

template <typename T, typename F>
json::object map_of(const std::vector<T>& v, F f) {
  json::object o;
  for (const T& x : v) o[x.id] = f(x);
  return o;
}

json::value settle(const Settle& s) {
  json::object o;
  if (!s.claims.empty()) {
    json::array claims;
    for (const Claim& c : s.claims) {
      json::object co{{"to", c.to}, {"amount", text(c.amount)}};
      if (c.from) co["from"] = text(*c.from);
      claims.push_back(std::move(co));
    }
    o["claims"] = std::move(claims);
  }
  o["rest"] = s.rest == Rest::kKeep ? "keep" : s.rest == Rest::kRefund ? "refund" : s.rest_to;
  return o;
}

json::value edge(const Edge& e) {
  json::object o{{"goto", e.target}};
  if (e.settle) o["settle"] = settle(*e.settle);
  return o;
}

json::value action(const Stage& s) {
  switch (s.action) {
    case Action::kPay: return json::object{{"from", s.from}, {"to", s.to}, {"amount", text(s.amount)}};
    case Action::kCollect: return json::object{{"from", s.from}, {"to", s.to}, {"min", text(s.amount)}};
    case Action::kSettle: return settle(s.settle);
    case Action::kAwait: case Action::kDecide: case Action::kJoin: return json::value(s.ref);
    case Action::kWait: return json::object{{"until", text(s.until)}};
    case Action::kFork: return json::object{{"branches", ids(s.branches)}, {"join", s.ref}};
    case Action::kArbitrate: return json::value(true);
    case Action::kNone: break;
  }
  return nullptr;
}

json::value stage(const Stage& s) {
  json::object o{{"id", s.id}};
  if (s.action != Action::kNone) o[action_name(s.action)] = action(s);
  if (s.due) o["due"] = json::object{{"at", text(*s.due)}};
  if (s.on_timeout) o["on_timeout"] = edge(*s.on_timeout);
  if (!s.next.empty()) o["next"] = s.next;
  if (!s.cases.empty() || s.otherwise) {
    json::array b;
    for (const Case& c : s.cases) b.push_back(json::object{{"when", text(c.when)}, {"goto", c.target}});
    if (s.otherwise) b.push_back(json::object{{"default", *s.otherwise}});
    o["branch"] = std::move(b);
  }
  if (s.max_visits) o["max_visits"] = s.max_visits;
  if (s.on_exhausted) o["on_exhausted"] = edge(*s.on_exhausted);
  return o;
}

json::value vp_rule(const VpRule& r) {
  json::object o{{"goto", r.target}};
  if (r.when) o["when"] = text(*r.when);
  if (r.priority) o["priority"] = r.priority;
  if (!r.set.empty()) o["set"] = map_of(r.set, [](const Binding& b) { return text(b.value); });
  return o;
}

json::value virtual_person(const VirtualPerson& vp) {
  static constexpr const char* kPolicies[] = {"FIRST", "UNIQUE", "PRIORITY"};
  json::object o{{"hit_policy", kPolicies[static_cast<size_t>(vp.hit_policy)]}};
  if (!vp.inputs.empty()) o["inputs"] = map_of(vp.inputs, [](const Binding& b) { return text(b.value); });
  if (!vp.outputs.empty()) o["outputs"] = map_of(vp.outputs, decl);
  json::array rules;
  for (const VpRule& r : vp.rules) rules.push_back(vp_rule(r));
  o["rules"] = std::move(rules);
  if (vp.otherwise) o["default"] = vp_rule(*vp.otherwise);
  return o;
}

json::value rung(const LadderStep& s) {
  json::object o{{"by", s.by}, {"within", duration(s.within)}};
  if (s.quorum != 1) o["quorum"] = s.quorum;
  if (s.bond) o["bond"] = text(*s.bond);
  if (!s.rows.empty()) {
    json::array rows;
    for (const RungRow& r : s.rows) rows.push_back(json::object{{"when", text(r.when)}, {"outcome", r.outcome}});
    o["rows"] = std::move(rows);
  }
  if (!s.otherwise.empty()) o["default"] = s.otherwise;
  return o;
}

json::value dispute(const Dispute& d) {
  json::object o{{"open_by", ids(d.open_by)}};
  if (!d.during.empty()) o["during"] = ids(d.during);
  if (d.bond) o["bond"] = text(*d.bond);
  if (!d.bonds_to.empty()) o["bonds_to"] = d.bonds_to;
  json::array ladder;
  for (const LadderStep& s : d.ladder) ladder.push_back(rung(s));
  o["ladder"] = std::move(ladder);
  if (d.appeal_window) o["appeal_window"] = duration(d.appeal_window);
  o["on_silence"] = json::object{{"after", duration(d.silence_after)}, {"outcome", d.on_silence}};
  o["outcomes"] = map_of(d.outcomes, [](const Outcome& x) {
    json::value e = edge(x.edge);
    if (!x.favours.empty()) e.as_object()["favours"] = x.favours;
    return e;
  });
  return o;
}

json::value role(const Role& r) {
  json::object o;
  if (r.bind != Bind::kAddress) o["bind"] = "cert";
  if (r.signatory) o["signatory"] = true;
  if (r.observer) o["observer"] = true;
  if (r.referee) o["referee"] = true;
  if (r.members_max != 1) o["members"] = r.members_max;
  return o;
}

json::value event(const Event& e) {
  json::object o{{"attesters", ids(e.attesters)}, {"quorum", e.quorum}};
  if (e.dispute_window) o["dispute_window"] = duration(e.dispute_window);
  if (!e.result.empty()) o["result"] = ids(e.result);
  if (!e.fields.empty()) o["fields"] = map_of(e.fields, decl);
  return o;
}

json::value decision(const Decision& d) {
  json::object o{{"holder", d.holder}, {"single_use", d.single_use}};
  if (!d.delegable_to.empty()) o["delegable_to"] = ids(d.delegable_to);
  if (d.revocable_until) o["revocable_until"] = text(*d.revocable_until);
  if (!d.choices.empty()) o["choices"] = ids(d.choices);
  if (!d.member_of.empty()) o["member_of"] = d.member_of;
  return o;
}

void write_string(std::string_view s, std::string& out) {
  out += '"';
  for (char ch : s) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

void write(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::double_: CX_UNREACHABLE();
    case json::kind::string: write_string(std::string_view(v.get_string().data(), v.get_string().size()), out); break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write(x, out);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      std::vector<const json::key_value_pair*> kvs;
      for (const auto& kv : v.get_object()) kvs.push_back(&kv);
      std::sort(kvs.begin(), kvs.end(), [](auto* a, auto* b) {
        return std::string_view(a->key().data(), a->key().size()) < std::string_view(b->key().data(), b->key().size());
      });
      out += '{';
      for (size_t i = 0; i < kvs.size(); ++i) {
        if (i) out += ',';
        write_string(std::string_view(kvs[i]->key().data(), kvs[i]->key().size()), out);
        out += ':';
        write(kvs[i]->value(), out);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

json::value to_json(const Template& t) {
  json::object o;
  o["act"] = t.act;
  o["template"] = json::object{{"id", t.id}, {"version", t.version}};
  json::object prose{{"governing", t.governing}};
  for (const Prose& p : t.prose) prose[p.lang] = json::object{{"uri", p.uri}, {"hash", "sha3-256:" + p.hash.hex()}};
  o["prose"] = std::move(prose);
  if (!t.calendar.empty()) o["calendar"] = t.calendar;
  if (!t.params.empty()) o["params"] = map_of(t.params, decl);
  if (!t.lets.empty()) o["let"] = map_of(t.lets, [](const Binding& b) { return text(b.value); });
  o["roles"] = map_of(t.roles, role);
  o["assets"] = map_of(t.assets, [](const Asset& a) {
    json::object ao{{"kind", a.kind == AssetKind::kNative ? "native" : "irc2"}, {"decimals", a.decimals}};
    if (!a.contract.empty()) ao["contract"] = a.contract;
    return ao;
  });
  if (!t.events.empty()) o["events"] = map_of(t.events, event);
  if (!t.decisions.empty()) o["decisions"] = map_of(t.decisions, decision);
  json::array stages;
  for (const Stage& s : t.stages) stages.push_back(stage(s));
  o["stages"] = std::move(stages);
  if (t.virtual_person) o["virtual_person"] = virtual_person(*t.virtual_person);
  if (t.dispute) o["dispute"] = dispute(*t.dispute);
  if (!t.fees.empty()) {
    o["fees"] = map_of(t.fees, [](const Fee& f) {
      return json::object{{"bps", f.bps}, {"payer", f.payer}, {"to", f.to}, {"on", ids(f.on)},
                          {"rounding", f.rounding == Rounding::kFloor ? "floor" : "ceil"}};
    });
  }
  o["terminals"] = ids(t.terminals);
  o["on_fault"] = edge(t.on_fault);
  return o;
}

std::string canonical_text(const json::value& v) {
  std::string out;
  write(v, out);
  return out;
}

std::string canonical_json(const Template& t) { return canonical_text(to_json(t)); }

Hash32 template_hash(const Template& t) { return crypto::sha3_256(as_bytes(canonical_json(t))); }

}  // namespace cx::alpha
