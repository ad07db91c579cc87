// Parsing a template's JSON into the model (docs/alpha.md §2). Shape, bounds and unknown fields only;
// references and types are the checker's.
#include <array>

#include "alpha/parse_util.hpp"
#include "alpha/strict_json.hpp"

namespace cx::alpha {

const char* value_type_name(ValueType t) {
  static constexpr std::array<const char*, 9> kNames = {"amount", "bps",  "ppm",  "int",    "time",
                                                        "duration", "bool", "enum", "address"};
  return kNames[static_cast<size_t>(t)];
}

const char* action_name(Action a) {
  static constexpr std::array<const char*, 10> kNames = {"none",  "pay",  "collect", "settle", "await",
                                                         "decide", "wait", "fork",    "join",   "arbitrate"};
  return kNames[static_cast<size_t>(a)];
}

bool is_waiting(Action a) {
  return a == Action::kPay || a == Action::kCollect || a == Action::kAwait || a == Action::kDecide ||
         a == Action::kWait;
}

namespace {

using namespace detail;

bool read_header(Ctx& c, const json::object& o, Template& t) {
  uint64_t act = 0;
  if (!read_uint(c, o.at("act"), "act", 1'000, act)) return false;
  if (act != kActVersion) return c.fail("act", "this node reads act " + std::to_string(kActVersion));
  const json::object* h = as_object(c, o.at("template"), "template");
  if (!h || !fields(c, *h, "template", {"id", "version"}, {"id", "version"})) return false;
  if (!read_text(c, h->at("id"), "template.id", 64, t.id) ||
      !read_text(c, h->at("version"), "template.version", 16, t.version))
    return false;
  for (char ch : t.id)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
      return c.fail("template.id", "use [a-z0-9.-] (\"kr.trade.sale-lc\")");
  for (char ch : t.version)
    if (!((ch >= '0' && ch <= '9') || ch == '.')) return c.fail("template.version", "use digits and dots (\"1.3.0\")");
  if (t.id.empty() || t.version.empty()) return c.fail("template", "id and version are not empty");
  return true;
}

bool read_prose(Ctx& c, const json::value& v, Template& t) {
  const json::object* o = as_object(c, v, "prose");
  if (!o) return false;
  if (!o->contains("governing")) return c.fail("prose.governing", "missing: which language prevails");
  if (o->size() - 1 > kLanguagesMax) return c.fail("prose", "more than " + std::to_string(kLanguagesMax) + " languages");
  for (const auto& kv : *o) {
    std::string lang(kv.key());
    std::string p = at("prose", lang);
    if (lang == "governing") {
      if (!read_text(c, kv.value(), p, 8, t.governing)) return false;
      continue;
    }
    if (lang.size() < 2 || lang.size() > 8 || !valid_id(lang)) return c.fail(p, "not a language tag (\"ko\", \"en\")");
    const json::object* po = as_object(c, kv.value(), p);
    if (!po || !fields(c, *po, p, {"uri", "hash"}, {"uri", "hash"})) return false;
    Prose pr;
    pr.lang = lang;
    std::string hash;
    if (!read_text(c, po->at("uri"), at(p, "uri"), kTextMax, pr.uri) || !read_text(c, po->at("hash"), at(p, "hash"), 80, hash))
      return false;
    auto h = hash.starts_with("sha3-256:") ? Hash32::from_hex_string(std::string_view(hash).substr(9)) : std::nullopt;
    if (!h) return c.fail(at(p, "hash"), "expected \"sha3-256:\" and 64 hex digits");
    pr.hash = *h;
    t.prose.push_back(std::move(pr));
  }
  std::sort(t.prose.begin(), t.prose.end(), [](const Prose& a, const Prose& b) { return a.lang < b.lang; });
  if (t.prose.empty()) return c.fail("prose", "at least one language");
  for (const Prose& p : t.prose)
    if (p.lang == t.governing) return true;
  return c.fail("prose.governing", "'" + t.governing + "' is not one of the prose languages");
}

bool read_role(Ctx& c, const json::value& v, const std::string& p, Role& r) {
  const json::object* o = as_object(c, v, p);
  if (!o || !fields(c, *o, p, {"signatory", "observer", "referee", "members", "bind"})) return false;
  if (o->contains("signatory") && !read_bool(c, o->at("signatory"), at(p, "signatory"), r.signatory)) return false;
  if (o->contains("observer") && !read_bool(c, o->at("observer"), at(p, "observer"), r.observer)) return false;
  if (o->contains("referee") && !read_bool(c, o->at("referee"), at(p, "referee"), r.referee)) return false;
  if (o->contains("members")) {
    uint64_t n = 0;
    if (!read_uint(c, o->at("members"), at(p, "members"), kMembersMax, n)) return false;
    if (n == 0) return c.fail(at(p, "members"), "at least 1");
    r.members_max = static_cast<uint32_t>(n);
  }
  if (o->contains("bind")) {
    const json::value& b = o->at("bind");
    if (b == "address") r.bind = Bind::kAddress;
    else if (b == "cert") r.bind = Bind::kCert;
    else return c.fail(at(p, "bind"), "expected \"address\" or \"cert\"");
  }
  return true;
}

bool read_assets(Ctx& c, const json::value& v, Template& t) {
  const json::object* o = as_object(c, v, "assets");
  if (!o) return false;
  if (o->empty() || o->size() > kAssetsMax) return c.fail("assets", "1 to " + std::to_string(kAssetsMax) + " assets");
  for (const auto& kv : *o) {
    Asset a;
    a.id = std::string(kv.key());
    std::string p = at("assets", a.id);
    if (!valid_asset_id(a.id)) return c.fail(p, "not an asset id ([A-Z][A-Z0-9]*, at most 12)");
    const json::object* ao = as_object(c, kv.value(), p);
    if (!ao || !fields(c, *ao, p, {"kind", "contract", "decimals"}, {"kind"})) return false;
    const json::value& k = ao->at("kind");
    if (k == "native") a.kind = AssetKind::kNative;
    else if (k == "irc2") a.kind = AssetKind::kIrc2;
    else return c.fail(at(p, "kind"), "expected \"native\" or \"irc2\"");
    if ((a.kind == AssetKind::kIrc2) != ao->contains("contract"))
      return c.fail(at(p, "contract"), a.kind == AssetKind::kIrc2 ? "missing: an IRC2 token names its contract"
                                                                  : "the native coin has no contract");
    if (ao->contains("contract") && !read_text(c, ao->at("contract"), at(p, "contract"), 42, a.contract)) return false;
    if (!a.contract.empty() && !valid_id(a.contract) &&
        !(a.contract.size() == 42 && a.contract.starts_with("cx") && from_hex(a.contract.substr(2))))
      return c.fail(at(p, "contract"), "an address param's id or \"cx\" + 40 hex digits");
    uint64_t d = 18;
    if (ao->contains("decimals") && !read_uint(c, ao->at("decimals"), at(p, "decimals"), 36, d)) return false;
    a.decimals = static_cast<uint32_t>(d);
    t.assets.push_back(std::move(a));
  }
  std::sort(t.assets.begin(), t.assets.end(), [](const Asset& a, const Asset& b) { return a.id < b.id; });
  return true;
}

bool read_event(Ctx& c, const json::value& v, const std::string& p, Event& e) {
  const json::object* o = as_object(c, v, p);
  if (!o || !fields(c, *o, p, {"attesters", "quorum", "dispute_window", "result", "fields"}, {"attesters"})) return false;
  if (!read_id_set(c, o->at("attesters"), at(p, "attesters"), kListMax, e.attesters)) return false;
  if (e.attesters.empty()) return c.fail(at(p, "attesters"), "at least one attester role");
  uint64_t q = 1;
  if (o->contains("quorum") && !read_uint(c, o->at("quorum"), at(p, "quorum"), kMembersMax * kListMax, q)) return false;
  e.quorum = static_cast<uint32_t>(q);
  if (o->contains("dispute_window") && !read_duration(c, o->at("dispute_window"), at(p, "dispute_window"), e.dispute_window))
    return false;
  if (o->contains("result") && !read_id_list(c, o->at("result"), at(p, "result"), kEnumValuesMax, e.result)) return false;
  if (o->contains("fields")) {
    if (!read_map(c, o->at("fields"), at(p, "fields"), kFieldsMax, e.fields,
                  [&](const json::value& fv, const std::string& fp, Decl& d) { return read_decl(c, fv, fp, d); }))
      return false;
    for (const Decl& d : e.fields)
      if (d.id == "time" || d.id == "result") return c.fail(at(at(p, "fields"), d.id), "'time' and 'result' are built in");
  }
  return true;
}

bool read_decision(Ctx& c, const json::value& v, const std::string& p, Decision& d) {
  const json::object* o = as_object(c, v, p);
  if (!o || !fields(c, *o, p, {"holder", "delegable_to", "single_use", "revocable_until", "choices", "member_of"},
                    {"holder"}))
    return false;
  if (!read_id(c, o->at("holder"), at(p, "holder"), d.holder)) return false;
  if (o->contains("delegable_to") && !read_id_set(c, o->at("delegable_to"), at(p, "delegable_to"), kListMax, d.delegable_to))
    return false;
  if (o->contains("single_use") && !read_bool(c, o->at("single_use"), at(p, "single_use"), d.single_use)) return false;
  if (o->contains("revocable_until")) {
    d.revocable_until.emplace();
    if (!read_expr(c, o->at("revocable_until"), at(p, "revocable_until"), *d.revocable_until)) return false;
  }
  if (o->contains("choices") == o->contains("member_of"))
    return c.fail(p, "a decision has either choices (an enum) or member_of (a role's member)");
  if (o->contains("choices")) {
    if (!read_id_list(c, o->at("choices"), at(p, "choices"), kEnumValuesMax, d.choices)) return false;
    if (d.choices.empty()) return c.fail(at(p, "choices"), "at least one choice");
    return true;
  }
  return read_id(c, o->at("member_of"), at(p, "member_of"), d.member_of);
}

bool read_bindings(Ctx& c, const json::value& v, const std::string& p, size_t max, std::vector<Binding>& out) {
  return read_map(c, v, p, max, out,
                  [&](const json::value& bv, const std::string& bp, Binding& b) { return read_expr(c, bv, bp, b.value); });
}

bool read_vp_rule(Ctx& c, const json::value& v, const std::string& p, bool is_default, VpRule& r) {
  const json::object* o = as_object(c, v, p);
  if (!o) return false;
  if (is_default ? !fields(c, *o, p, {"set", "goto"}, {"goto"})
                 : !fields(c, *o, p, {"when", "priority", "set", "goto"}, {"when", "goto"}))
    return false;
  if (!is_default) {
    r.when.emplace();
    if (!read_expr(c, o->at("when"), at(p, "when"), *r.when)) return false;
  }
  if (o->contains("priority")) {
    const json::value& pv = o->at("priority");
    if (!pv.is_int64() || pv.get_int64() < -1'000'000 || pv.get_int64() > 1'000'000)
      return c.fail(at(p, "priority"), "an integer within ±1,000,000");
    r.priority = static_cast<int32_t>(pv.get_int64());
  }
  if (o->contains("set") && !read_bindings(c, o->at("set"), at(p, "set"), kVpOutputsMax, r.set)) return false;
  return read_id(c, o->at("goto"), at(p, "goto"), r.target);
}

bool read_vp(Ctx& c, const json::value& v, VirtualPerson& vp) {
  const std::string p = "virtual_person";
  const json::object* o = as_object(c, v, p);
  if (!o || !fields(c, *o, p, {"hit_policy", "inputs", "outputs", "rules", "default"}, {"hit_policy", "rules"}))
    return false;
  const json::value& hp = o->at("hit_policy");
  if (hp == "FIRST") vp.hit_policy = HitPolicy::kFirst;
  else if (hp == "UNIQUE") vp.hit_policy = HitPolicy::kUnique;
  else if (hp == "PRIORITY") vp.hit_policy = HitPolicy::kPriority;
  else return c.fail(at(p, "hit_policy"), "expected FIRST, UNIQUE or PRIORITY");
  if (o->contains("inputs") && !read_bindings(c, o->at("inputs"), at(p, "inputs"), kVpInputsMax, vp.inputs)) return false;
  if (o->contains("outputs") &&
      !read_map(c, o->at("outputs"), at(p, "outputs"), kVpOutputsMax, vp.outputs,
                [&](const json::value& dv, const std::string& dp, Decl& d) { return read_decl(c, dv, dp, d); }))
    return false;
  const json::array* rules = as_array(c, o->at("rules"), at(p, "rules"), kVpRulesMax);
  if (!rules) return false;
  for (size_t i = 0; i < rules->size(); ++i) {
    VpRule r;
    if (!read_vp_rule(c, (*rules)[i], at(at(p, "rules"), i), false, r)) return false;
    vp.rules.push_back(std::move(r));
  }
  if (o->contains("default")) {
    vp.otherwise.emplace();
    if (!read_vp_rule(c, o->at("default"), at(p, "default"), true, *vp.otherwise)) return false;
  }
  return true;
}

bool read_fee(Ctx& c, const json::value& v, const std::string& p, Fee& f) {
  const json::object* o = as_object(c, v, p);
  if (!o || !fields(c, *o, p, {"bps", "payer", "to", "on", "rounding"}, {"bps", "payer", "to", "on"})) return false;
  uint64_t bps = 0;
  if (!read_uint(c, o->at("bps"), at(p, "bps"), 10'000, bps)) return false;
  f.bps = static_cast<uint32_t>(bps);
  if (!read_id(c, o->at("payer"), at(p, "payer"), f.payer) || !read_id(c, o->at("to"), at(p, "to"), f.to) ||
      !read_id_set(c, o->at("on"), at(p, "on"), kListMax, f.on))
    return false;
  if (o->contains("rounding")) {
    const json::value& r = o->at("rounding");
    if (r == "floor") f.rounding = Rounding::kFloor;
    else if (r == "ceil") f.rounding = Rounding::kCeil;
    else return c.fail(at(p, "rounding"), "expected \"floor\" or \"ceil\"");
  }
  return true;
}

// Params, roles, events, decisions, stages, terminals and "vp" share one namespace, so a bare name in
// an expression means one thing; words the format itself uses are reserved.
bool check_names(Ctx& c, const Template& t) {
  static constexpr std::string_view kReserved[] = {"escrow", "keep", "refund", "all", "vp", "virtual_person", "now",
                                                   "signed_at", "true", "false", "floor", "ceil", "min", "max",
                                                   "paid", "business_days", "add_months", "default"};
  std::vector<std::pair<std::string, std::string>> names;  // name, where
  for (const Decl& d : t.params) names.emplace_back(d.id, at("params", d.id));
  for (const Binding& b : t.lets) names.emplace_back(b.id, at("let", b.id));
  for (const Role& r : t.roles) names.emplace_back(r.id, at("roles", r.id));
  for (const Event& e : t.events) names.emplace_back(e.id, at("events", e.id));
  for (const Decision& d : t.decisions) names.emplace_back(d.id, at("decisions", d.id));
  for (size_t i = 0; i < t.stages.size(); ++i) names.emplace_back(t.stages[i].id, at(at("stages", i), "id"));
  for (size_t i = 0; i < t.terminals.size(); ++i) names.emplace_back(t.terminals[i], "terminals");
  for (size_t i = 0; i < names.size(); ++i) {
    for (auto r : kReserved)
      if (names[i].first == r) return c.fail(names[i].second, "'" + names[i].first + "' is a reserved word");
    for (size_t j = 0; j < i; ++j)
      if (names[i].first == names[j].first)
        return c.fail(names[i].second, "'" + names[i].first + "' is already declared at " + names[j].second);
  }
  return true;
}

bool read_sections(Ctx& c, const json::object& o, Template& t) {
  auto decls = [&](const json::value& v, const std::string& p, Decl& d) { return read_decl(c, v, p, d); };
  if (!read_header(c, o, t) || !read_prose(c, o.at("prose"), t)) return false;
  if (o.contains("calendar")) {
    if (!read_text(c, o.at("calendar"), "calendar", 32, t.calendar)) return false;
    if (!valid_calendar_id(t.calendar)) return c.fail("calendar", "expected NAME@VERSION (\"KR-BANK@2025.2\")");
  }
  if (o.contains("params") && !read_map(c, o.at("params"), "params", kParamsMax, t.params, decls)) return false;
  if (o.contains("let") && !read_bindings(c, o.at("let"), "let", kLetsMax, t.lets)) return false;
  if (!read_map(c, o.at("roles"), "roles", kRolesMax, t.roles,
                [&](const json::value& v, const std::string& p, Role& r) { return read_role(c, v, p, r); }))
    return false;
  if (!read_assets(c, o.at("assets"), t)) return false;
  if (o.contains("events") &&
      !read_map(c, o.at("events"), "events", kEventsMax, t.events,
                [&](const json::value& v, const std::string& p, Event& e) { return read_event(c, v, p, e); }))
    return false;
  if (o.contains("decisions") &&
      !read_map(c, o.at("decisions"), "decisions", kDecisionsMax, t.decisions,
                [&](const json::value& v, const std::string& p, Decision& d) { return read_decision(c, v, p, d); }))
    return false;
  if (!read_stages(c, o.at("stages"), "stages", t.stages)) return false;
  if (o.contains("virtual_person")) {
    t.virtual_person.emplace();
    if (!read_vp(c, o.at("virtual_person"), *t.virtual_person)) return false;
  }
  if (o.contains("dispute")) {
    t.dispute.emplace();
    if (!read_dispute(c, o.at("dispute"), *t.dispute)) return false;
  }
  if (o.contains("fees") &&
      !read_map(c, o.at("fees"), "fees", kFeesMax, t.fees,
                [&](const json::value& v, const std::string& p, Fee& f) { return read_fee(c, v, p, f); }))
    return false;
  if (!read_id_set(c, o.at("terminals"), "terminals", kTerminalsMax, t.terminals)) return false;
  if (t.terminals.empty()) return c.fail("terminals", "at least one terminal");
  if (!read_edge(c, o.at("on_fault"), "on_fault", t.on_fault)) return false;
  return check_names(c, t);
}

}  // namespace

std::variant<Template, ParseError> parse_template_json(std::string_view text) {
  auto doc = parse_strict_json(text, kTemplateBytesMax, kJsonDepthMax);
  if (auto* err = std::get_if<std::string>(&doc)) return ParseError{"", *err};
  Ctx c;
  const json::object* o = as_object(c, std::get<json::value>(doc), "");
  if (!o || !fields(c, *o, "",
                    {"act", "template", "prose", "calendar", "params", "let", "roles", "assets", "events", "decisions",
                     "stages", "virtual_person", "dispute", "fees", "terminals", "on_fault"},
                    {"act", "template", "prose", "roles", "assets", "stages", "terminals", "on_fault"}))
    return c.error();
  Template t;
  if (!read_sections(c, *o, t)) return c.error();
  return t;
}

template <typename T>
static const T* find_sorted(const std::vector<T>& v, std::string_view id) {
  auto it = std::lower_bound(v.begin(), v.end(), id, [](const T& x, std::string_view k) { return x.id < k; });
  return it != v.end() && it->id == id ? &*it : nullptr;
}

const Decl* find_param(const Template& t, std::string_view id) { return find_sorted(t.params, id); }
const Binding* find_let(const Template& t, std::string_view id) { return find_sorted(t.lets, id); }
const Role* find_role(const Template& t, std::string_view id) { return find_sorted(t.roles, id); }
const Asset* find_asset(const Template& t, std::string_view id) { return find_sorted(t.assets, id); }
const Event* find_event(const Template& t, std::string_view id) { return find_sorted(t.events, id); }
const Decision* find_decision(const Template& t, std::string_view id) { return find_sorted(t.decisions, id); }
int find_stage(const Template& t, std::string_view id) {
  for (size_t i = 0; i < t.stages.size(); ++i)
    if (t.stages[i].id == id) return static_cast<int>(i);
  return -1;
}
bool is_terminal(const Template& t, std::string_view id) {
  return std::binary_search(t.terminals.begin(), t.terminals.end(), id);
}

}  // namespace cx::alpha
