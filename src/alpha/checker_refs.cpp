// The reference and type pass: every name resolves to the kind of thing its place needs, every
// expression has the type its place needs (docs/alpha.md §4.1).
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "alpha/checker_impl.hpp"

namespace cx::alpha::detail {
namespace {

Type decl_type(const Decl& d, const std::string& domain) {
  switch (d.type) {
    case ValueType::kAmount: return {Kind::kAmount, d.asset, false};
    case ValueType::kBps: case ValueType::kPpm: return {Kind::kNum, "", true};
    case ValueType::kInt: return {Kind::kNum, "", false};
    case ValueType::kTime: return {Kind::kTime, "", false};
    case ValueType::kDuration: return {Kind::kDuration, "", false};
    case ValueType::kBool: return {Kind::kBool, "", false};
    case ValueType::kEnum: return {Kind::kEnum, domain, false};
    case ValueType::kAddress: return {Kind::kAddress, "", false};
  }
  return {};
}

const Decl* find_decl(const std::vector<Decl>& v, std::string_view id) {
  for (const Decl& d : v)
    if (d.id == id) return &d;
  return nullptr;
}

// What a template's expressions can see. Enum domains: "param:<id>", "event:<id>" (result),
// "event:<id>.<field>", "decision:<id>", "vp:<output>".
class TemplateScope : public Scope {
 public:
  TemplateScope(const Template& t, bool vp_visible) : m_t(t), m_vp(vp_visible) {}

  std::optional<Type> name(std::string_view n) const override {
    if (const Decl* d = find_param(m_t, n)) return decl_type(*d, "param:" + d->id);
    if (const Binding* b = find_let(m_t, n)) {
      // The reference pass refuses cycles among lets before it types anything; the depth bound
      // keeps this recursion finite regardless.
      // Types are cached: a chain of lets that each name the previous one twice costs linear time.
      if (auto it = m_let_types.find(b->id); it != m_let_types.end()) return it->second;
      if (m_let_depth >= kLetsMax) return std::nullopt;
      ++m_let_depth;
      auto r = check_expr(b->value, *this);
      --m_let_depth;
      std::optional<Type> t;
      if (auto* ok = std::get_if<Type>(&r)) t = *ok;
      m_let_types[b->id] = t;
      return t;
    }
    if (find_role(m_t, n)) return Type{Kind::kRole, std::string(n), false};
    if (find_asset(m_t, n)) return Type{Kind::kAsset, std::string(n), false};
    if (n == "now" || n == "signed_at") return Type{Kind::kTime, "", false};
    return std::nullopt;
  }

  std::optional<Type> field(std::string_view obj, std::string_view f, std::string* why) const override {
    std::string o(obj), fs(f);
    if (const Event* e = find_event(m_t, obj)) {
      if (f == "time") return Type{Kind::kTime, "", false};
      if (f == "result" && !e->result.empty()) return Type{Kind::kEnum, "event:" + o, false};
      if (const Decl* d = find_decl(e->fields, f)) return decl_type(*d, "event:" + o + "." + fs);
      *why = "event '" + o + "' has no field '" + fs + "'";
      return std::nullopt;
    }
    if (const Decision* d = find_decision(m_t, obj)) {
      if (f == "time") return Type{Kind::kTime, "", false};
      if (f == "choice")
        return d->member_of.empty() ? Type{Kind::kEnum, "decision:" + o, false} : Type{Kind::kRole, d->member_of, false};
      *why = "decision '" + o + "' has only 'choice' and 'time'";
      return std::nullopt;
    }
    if (find_stage(m_t, obj) >= 0) {
      if (f == "entered" || f == "time") return Type{Kind::kTime, "", false};
      *why = "stage '" + o + "' has only 'entered' and 'time' (when it was left)";
      return std::nullopt;
    }
    if (obj == "vp" && m_t.virtual_person) {
      if (!m_vp) {
        *why = "the Virtual Person's inputs cannot read vp.*";
        return std::nullopt;
      }
      const VirtualPerson& vp = *m_t.virtual_person;
      if (const Decl* d = find_decl(vp.outputs, f)) return decl_type(*d, "vp:" + fs);
      for (const Binding& b : vp.inputs)
        if (b.id == f) {
          TemplateScope inner(m_t, false);
          auto r = check_expr(b.value, inner);
          if (auto* t = std::get_if<Type>(&r)) return *t;
          *why = "vp input '" + fs + "' does not type-check";
          return std::nullopt;
        }
      *why = "the Virtual Person has no input or output '" + fs + "'";
      return std::nullopt;
    }
    *why = "unknown stage, event or decision '" + o + "'";
    return std::nullopt;
  }

  bool enum_has(std::string_view domain, std::string_view value) const override {
    auto values = enum_values(domain);
    return values && std::find(values->begin(), values->end(), value) != values->end();
  }

  std::optional<std::string> sole_asset() const override {
    if (m_t.assets.size() == 1) return m_t.assets[0].id;
    return std::nullopt;
  }
  bool has_calendar() const override { return !m_t.calendar.empty(); }

 private:
  const std::vector<std::string>* enum_values(std::string_view domain) const {
    size_t colon = domain.find(':');
    if (colon == std::string_view::npos) return nullptr;
    std::string_view kind = domain.substr(0, colon), rest = domain.substr(colon + 1);
    if (kind == "param") {
      const Decl* d = find_param(m_t, rest);
      return d ? &d->values : nullptr;
    }
    if (kind == "decision") {
      const Decision* d = find_decision(m_t, rest);
      return d ? &d->choices : nullptr;
    }
    if (kind == "vp" && m_t.virtual_person) {
      const Decl* d = find_decl(m_t.virtual_person->outputs, rest);
      return d ? &d->values : nullptr;
    }
    if (kind == "event") {
      size_t dot = rest.find('.');
      const Event* e = find_event(m_t, rest.substr(0, dot));
      if (!e) return nullptr;
      if (dot == std::string_view::npos) return &e->result;
      const Decl* d = find_decl(e->fields, rest.substr(dot + 1));
      return d ? &d->values : nullptr;
    }
    return nullptr;
  }

  const Template& m_t;
  bool m_vp;
  mutable size_t m_let_depth = 0;
  mutable std::map<std::string, std::optional<Type>, std::less<>> m_let_types;
};

// The lets a let's expression names.
std::vector<std::string> let_refs(const Template& t, const Expr& e) {
  std::vector<std::string> out;
  for (const Node& n : e.nodes)
    if (n.op == Op::kName && find_let(t, n.name)) out.push_back(n.name);
  return out;
}

struct Want {
  Want(Kind k, bool whole_only = true, std::string d = {}) : kind(k), whole(whole_only), domain(std::move(d)) {}
  Kind kind;
  bool whole;          // refuse values that may be fractions
  std::string domain;  // required domain, or "" for any
};

class RefPass {
 public:
  explicit RefPass(CheckCtx& c) : m_c(c), m_t(c.t), m_scope(c.t, true) {}

  void run() {
    m_c.pay_asset.assign(m_t.stages.size(), "");
    m_c.claim_assets.assign(m_t.stages.size(), {});
    check_declarations();
    check_lets();
    if (m_c.failures()) return;  // a let cycle would make every use of it an error too
    for (size_t i = 0; i < m_t.stages.size(); ++i) check_stage(i);
    check_vp();
    check_dispute();
    check_fees();
    edge(m_t.on_fault, "on_fault");
  }

 private:
  std::optional<Type> expr(const Expr& e, const std::string& place, const Want& want) {
    auto r = check_expr(e, m_scope);
    if (auto* err = std::get_if<ExprError>(&r)) {
      bool ref = err->message.find("unknown") != std::string::npos;
      m_c.fail(ref ? Rule::kReference : Rule::kType, place, err->message);
      return std::nullopt;
    }
    Type t = std::get<Type>(r);
    if (t.kind != want.kind || (!want.domain.empty() && t.domain != want.domain)) {
      Type w{want.kind, want.domain, false};
      m_c.fail(Rule::kType, place, "'" + to_text(e) + "' is " + type_name(t) + "; expected " + type_name(w));
      return std::nullopt;
    }
    if (want.whole && t.frac) {
      m_c.fail(Rule::kType, place, "'" + to_text(e) + "' may be a fraction; round it with floor() or ceil()");
      return std::nullopt;
    }
    return t;
  }
  bool role(const std::string& id, const std::string& place) {
    if (find_role(m_t, id)) return true;
    m_c.fail(Rule::kReference, place, "unknown role '" + id + "'");
    return false;
  }
  void target(const std::string& id, const std::string& place) {
    if (find_stage(m_t, id) < 0 && !is_terminal(m_t, id))
      m_c.fail(Rule::kReference, place, "unknown stage '" + id + "'");
  }
  void edge(const Edge& e, const std::string& place) {
    target(e.target, place + ".goto");
    if (e.settle) settle(*e.settle, place + ".settle", nullptr);
  }
  void settle(const Settle& s, const std::string& place, std::vector<std::string>* assets) {
    for (size_t k = 0; k < s.claims.size(); ++k) {
      const Claim& cl = s.claims[k];
      std::string p = place + ".claims[" + std::to_string(k) + "]";
      role(cl.to, p + ".to");
      auto t = expr(cl.amount, p + ".amount", {Kind::kAmount});
      if (t && assets) assets->push_back(t->domain);
      if (cl.from) expr(*cl.from, p + ".from", {Kind::kRole, false});
    }
    if (s.rest == Rest::kRole) role(s.rest_to, place + ".rest");
  }

  void check_declarations() {
    for (const Decl& d : m_t.params) {
      if (d.type == ValueType::kAmount && !find_asset(m_t, d.asset))
        m_c.fail(Rule::kReference, "params." + d.id + ".asset", "unknown asset '" + d.asset + "'");
      if ((d.type == ValueType::kBps && d.max && *d.max > Uint256(10'000)) ||
          (d.type == ValueType::kPpm && d.max && *d.max > Uint256(1'000'000)))
        m_c.fail(Rule::kType, "params." + d.id + ".max", "a rate above 100%");
    }
    for (const Asset& a : m_t.assets) {
      if (a.kind != AssetKind::kIrc2 || a.contract.starts_with("cx")) continue;
      const Decl* d = find_param(m_t, a.contract);
      if (!d || d->type != ValueType::kAddress)
        m_c.fail(Rule::kReference, "assets." + a.id + ".contract", "'" + a.contract + "' is not an address param");
    }
    for (const Event& e : m_t.events) {
      std::string p = "events." + e.id;
      uint64_t members = 0;
      for (const std::string& r : e.attesters) {
        const Role* role = find_role(m_t, r);
        if (!role) m_c.fail(Rule::kRoles, p + ".attesters", "'" + r + "' is not a role");
        else members += role->members_max;
      }
      if (e.quorum == 0 || e.quorum > members)
        m_c.fail(Rule::kQuorum, p + ".quorum",
                 "quorum " + std::to_string(e.quorum) + " of " + std::to_string(members) + " attester members");
      for (const Decl& d : e.fields)
        if (d.type == ValueType::kAmount && !find_asset(m_t, d.asset))
          m_c.fail(Rule::kReference, p + ".fields." + d.id + ".asset", "unknown asset '" + d.asset + "'");
    }
    for (const Decision& d : m_t.decisions) {
      std::string p = "decisions." + d.id;
      if (!find_role(m_t, d.holder)) m_c.fail(Rule::kRoles, p + ".holder", "'" + d.holder + "' is not a role");
      for (const std::string& r : d.delegable_to) {
        if (!find_role(m_t, r)) m_c.fail(Rule::kRoles, p + ".delegable_to", "'" + r + "' is not a role");
        else if (r == d.holder) m_c.fail(Rule::kRoles, p + ".delegable_to", "the holder cannot delegate to itself");
      }
      if (!d.member_of.empty() && !find_role(m_t, d.member_of))
        m_c.fail(Rule::kRoles, p + ".member_of", "'" + d.member_of + "' is not a role");
      if (d.revocable_until) expr(*d.revocable_until, p + ".revocable_until", {Kind::kTime});
    }
  }

  // Lets form no cycle (depth-first search with colours), then each has a type.
  void check_lets() {
    std::vector<int> colour(m_t.lets.size(), 0);  // 0 new, 1 on the stack, 2 done
    auto index = [&](const std::string& id) {
      return static_cast<size_t>(find_let(m_t, id) - m_t.lets.data());
    };
    std::function<bool(size_t)> visit = [&](size_t i) {
      if (colour[i] == 2) return true;
      if (colour[i] == 1) return false;
      colour[i] = 1;
      for (const std::string& r : let_refs(m_t, m_t.lets[i].value))
        if (!visit(index(r))) {
          if (colour[i] == 1) m_c.fail(Rule::kReference, "let." + m_t.lets[i].id, "let '" + m_t.lets[i].id + "' refers to itself through '" + r + "'");
          colour[i] = 2;
          return false;
        }
      colour[i] = 2;
      return true;
    };
    for (size_t i = 0; i < m_t.lets.size(); ++i)
      if (!visit(i)) return;
    for (const Binding& b : m_t.lets) {
      auto r = check_expr(b.value, m_scope);
      if (auto* err = std::get_if<ExprError>(&r))
        m_c.fail(err->message.find("unknown") != std::string::npos ? Rule::kReference : Rule::kType, "let." + b.id,
                 err->message);
    }
  }

  void check_pay(const Stage& s, size_t i, const std::string& p) {
    std::string key = p + (s.action == Action::kPay ? ".pay" : ".collect");
    bool from_ok = role(s.from, key + ".from");
    if (s.to != "escrow" && !role(s.to, key + ".to")) return;
    if (s.action == Action::kCollect && s.to != "escrow")
      m_c.fail(Rule::kRoles, key + ".to", "a collection pays into the escrow");
    if (from_ok && s.from == s.to) m_c.fail(Rule::kRoles, key + ".to", "a role pays itself");
    auto t = expr(s.amount, key + (s.action == Action::kPay ? ".amount" : ".min"), {Kind::kAmount});
    if (t) m_c.pay_asset[i] = t->domain;
  }

  void check_stage(size_t i) {
    const Stage& s = m_t.stages[i];
    std::string p = stage_place(m_t, i);
    switch (s.action) {
      case Action::kPay: case Action::kCollect: check_pay(s, i, p); break;
      case Action::kSettle: settle(s.settle, p + ".settle", &m_c.claim_assets[i]); break;
      case Action::kAwait:
        if (!find_event(m_t, s.ref)) m_c.fail(Rule::kReference, p + ".await", "unknown event '" + s.ref + "'");
        break;
      case Action::kDecide:
        if (!find_decision(m_t, s.ref)) m_c.fail(Rule::kReference, p + ".decide", "unknown decision '" + s.ref + "'");
        break;
      case Action::kWait: expr(s.until, p + ".wait.until", {Kind::kTime}); break;
      case Action::kFork:
        for (size_t k = 0; k < s.branches.size(); ++k)
          if (find_stage(m_t, s.branches[k]) < 0)
            m_c.fail(Rule::kReference, p + ".fork.branches[" + std::to_string(k) + "]", "unknown stage '" + s.branches[k] + "'");
        if (find_stage(m_t, s.ref) < 0) m_c.fail(Rule::kReference, p + ".fork.join", "unknown stage '" + s.ref + "'");
        break;
      case Action::kJoin:
        if (find_stage(m_t, s.ref) < 0) m_c.fail(Rule::kReference, p + ".join", "unknown stage '" + s.ref + "'");
        break;
      case Action::kArbitrate:
        if (!m_t.virtual_person) m_c.fail(Rule::kReference, p + ".arbitrate", "the template has no virtual_person");
        break;
      case Action::kNone: break;
    }
    if (s.due) expr(*s.due, p + ".due.at", {Kind::kTime});
    if (s.on_timeout) edge(*s.on_timeout, p + ".on_timeout");
    if (s.on_exhausted) edge(*s.on_exhausted, p + ".on_exhausted");
    if (!s.next.empty()) target(s.next, p + ".next");
    for (size_t k = 0; k < s.cases.size(); ++k) {
      std::string cp = p + ".branch[" + std::to_string(k) + "]";
      expr(s.cases[k].when, cp + ".when", {Kind::kBool});
      target(s.cases[k].target, cp + ".goto");
    }
    if (s.otherwise) target(*s.otherwise, p + ".branch[" + std::to_string(s.cases.size()) + "].default");
  }

  // A row's outputs: every declared output, each of its declared type (an enum output may be set to
  // one of its values by name).
  void vp_row(const VpRule& r, const std::string& p) {
    const VirtualPerson& vp = *m_t.virtual_person;
    if (r.when) expr(*r.when, p + ".when", {Kind::kBool, false});
    target(r.target, p + ".goto");
    for (const Binding& b : r.set) {
      const Decl* d = find_decl(vp.outputs, b.id);
      std::string bp = p + ".set." + b.id;
      if (!d) {
        m_c.fail(Rule::kVirtualPerson, bp, "'" + b.id + "' is not a declared output");
        continue;
      }
      if (d->type == ValueType::kEnum && b.value.nodes.size() == 1 && b.value.root().op == Op::kName &&
          std::find(d->values.begin(), d->values.end(), b.value.root().name) != d->values.end())
        continue;
      Type want = decl_type(*d, "vp:" + d->id);
      expr(b.value, bp, {want.kind, !want.frac, want.domain});
    }
    for (const Decl& d : vp.outputs) {
      bool set = std::any_of(r.set.begin(), r.set.end(), [&](const Binding& b) { return b.id == d.id; });
      if (!set) m_c.fail(Rule::kVirtualPerson, p + ".set", "does not set output '" + d.id + "'");
    }
  }

  void check_vp() {
    if (!m_t.virtual_person) return;
    const VirtualPerson& vp = *m_t.virtual_person;
    TemplateScope inputs_scope(m_t, false);
    for (const Binding& b : vp.inputs) {
      auto r = check_expr(b.value, inputs_scope);
      if (auto* err = std::get_if<ExprError>(&r)) m_c.fail(Rule::kType, "virtual_person.inputs." + b.id, err->message);
      if (find_decl(vp.outputs, b.id))
        m_c.fail(Rule::kVirtualPerson, "virtual_person.inputs." + b.id, "an input and an output share the name");
    }
    std::set<int32_t> priorities;
    for (size_t k = 0; k < vp.rules.size(); ++k) {
      std::string p = "virtual_person.rules[" + std::to_string(k) + "]";
      vp_row(vp.rules[k], p);
      if (vp.hit_policy == HitPolicy::kPriority && !priorities.insert(vp.rules[k].priority).second)
        m_c.fail(Rule::kVirtualPerson, p + ".priority", "two rows share priority " + std::to_string(vp.rules[k].priority));
    }
    if (!vp.otherwise) m_c.fail(Rule::kVirtualPerson, "virtual_person.default", "missing: every case needs an outcome");
    else vp_row(*vp.otherwise, "virtual_person.default");
  }

  bool is_outcome(const std::string& id) const {
    const auto& os = m_t.dispute->outcomes;
    return std::any_of(os.begin(), os.end(), [&](const Outcome& o) { return o.id == id; });
  }

  // A rung: its arbiter, its panel size, its bond, its rows, and its default (N10: every rung has one).
  void check_rung(size_t k) {
    const Dispute& d = *m_t.dispute;
    const LadderStep& s = d.ladder[k];
    std::string p = "dispute.ladder[" + std::to_string(k) + "]";
    if (s.by == "virtual_person") {
      if (s.quorum != 1) m_c.fail(Rule::kDispute, p + ".quorum", "the Virtual Person rules alone");
    } else if (const Role* r = find_role(m_t, s.by); !r || !r->referee) {
      m_c.fail(Rule::kDispute, p + ".by", "'" + s.by + "' is not a referee role (roles." + s.by + ".referee)");
    } else {
      if (s.quorum > r->members_max)
        m_c.fail(Rule::kDispute, p + ".quorum", "a panel of " + std::to_string(s.quorum) + " from a role of at most " +
                                                    std::to_string(r->members_max) + " members");
      if (!s.rows.empty()) m_c.fail(Rule::kDispute, p + ".rows", "only the Virtual Person rules by rows");
      if (s.within == 0 && d.silence_after == 0) m_c.fail(Rule::kDispute, p + ".within", "a referee needs time to rule");
    }
    if (s.bond) expr(*s.bond, p + ".bond", {Kind::kAmount});
    for (size_t i = 0; i < s.rows.size(); ++i) {
      std::string rp = p + ".rows[" + std::to_string(i) + "]";
      expr(s.rows[i].when, rp + ".when", {Kind::kBool});
      if (!is_outcome(s.rows[i].outcome)) m_c.fail(Rule::kDispute, rp + ".outcome", "'" + s.rows[i].outcome + "' is not an outcome");
    }
    if (!s.otherwise.empty() && !is_outcome(s.otherwise))
      m_c.fail(Rule::kDispute, p + ".default", "'" + s.otherwise + "' is not an outcome");
  }

  // Bonds are conserved: each comes back to its payer or goes to exactly one address.
  void check_bonds() {
    const Dispute& d = *m_t.dispute;
    auto single = [&](const std::string& role, const std::string& place) {
      const Role* r = find_role(m_t, role);
      if (!r) m_c.fail(Rule::kReference, place, "unknown role '" + role + "'");
      else if (r->members_max != 1) m_c.fail(Rule::kDispute, place, "a forfeited bond goes to one address; '" + role + "' is a group");
    };
    if (!d.bonds_to.empty()) single(d.bonds_to, "dispute.bonds_to");
    for (const Outcome& o : d.outcomes) {
      if (o.favours.empty()) continue;
      if (d.bonds_to.empty()) single(o.favours, "dispute.outcomes." + o.id + ".favours");
      else role(o.favours, "dispute.outcomes." + o.id + ".favours");
    }
  }

  void check_dispute() {
    if (!m_t.dispute) return;
    const Dispute& d = *m_t.dispute;
    for (const std::string& r : d.open_by) role(r, "dispute.open_by");
    for (const std::string& s : d.during)
      if (find_stage(m_t, s) < 0) m_c.fail(Rule::kReference, "dispute.during", "unknown stage '" + s + "'");
    if (d.bond) expr(*d.bond, "dispute.bond", {Kind::kAmount});
    for (size_t k = 0; k < d.ladder.size(); ++k) check_rung(k);
    for (const Outcome& o : d.outcomes) edge(o.edge, "dispute.outcomes." + o.id);
    if (!is_outcome(d.on_silence)) m_c.fail(Rule::kDispute, "dispute.on_silence.outcome", "'" + d.on_silence + "' is not an outcome");
    check_bonds();
  }

  void check_fees() {
    for (const Fee& f : m_t.fees) {
      std::string p = "fees." + f.id;
      role(f.payer, p + ".payer");
      role(f.to, p + ".to");
      for (const std::string& s : f.on) {
        int i = find_stage(m_t, s);
        if (i < 0) m_c.fail(Rule::kReference, p + ".on", "unknown stage '" + s + "'");
        else if (m_t.stages[static_cast<size_t>(i)].action != Action::kPay &&
                 m_t.stages[static_cast<size_t>(i)].action != Action::kSettle)
          m_c.fail(Rule::kReference, p + ".on", "stage '" + s + "' moves no money");
      }
    }
  }

  CheckCtx& m_c;
  const Template& m_t;
  TemplateScope m_scope;
};

}  // namespace

void check_references(CheckCtx& c) { RefPass(c).run(); }

std::optional<Type> expr_type(const Template& t, const Expr& e) {
  TemplateScope scope(t, true);
  auto r = check_expr(e, scope);
  if (auto* ty = std::get_if<Type>(&r)) return *ty;
  return std::nullopt;
}

}  // namespace cx::alpha::detail
