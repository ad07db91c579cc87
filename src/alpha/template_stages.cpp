// Parsing the `stages` array (docs/alpha.md §2.4). A stage has at most one action key (pay, collect,
// settle / release / refund, await, decide, wait, fork, join, arbitrate), an optional deadline with its
// default outcome, and an exit (next / goto, or an exclusive branch). A stage without an exit continues
// with the stage written after it; the parser writes that `next` out, so the model and the canonical
// form never depend on the implicit rule.
#include "alpha/parse_util.hpp"

namespace cx::alpha::detail {
namespace {



bool read_pay(Ctx& c, const json::value& v, const std::string& path, bool collect, Stage& s) {
  const json::object* o = as_object(c, v, path);
  std::string_view amount_key = collect ? "min" : "amount";
  if (!o || !fields(c, *o, path, {"from", "to", amount_key}, {"from", "to", amount_key})) return false;
  return read_id(c, o->at("from"), at(path, "from"), s.from) && read_id(c, o->at("to"), at(path, "to"), s.to) &&
         read_expr(c, o->at(amount_key), at(path, amount_key), s.amount);
}

// due: "expr" | { at: expr } | { business_days: n, from: time-expr }
bool read_due(Ctx& c, const json::value& v, const std::string& path, Expr& out) {
  if (v.is_string()) return read_expr(c, v, path, out);
  const json::object* o = as_object(c, v, path);
  if (!o) return false;
  if (o->contains("at")) {
    if (!fields(c, *o, path, {"at"})) return false;
    return read_expr(c, o->at("at"), at(path, "at"), out);
  }
  if (!fields(c, *o, path, {"business_days", "from"}, {"business_days", "from"})) return false;
  uint64_t n = 0;
  Expr from;
  if (!read_uint(c, o->at("business_days"), at(path, "business_days"), kBusinessDaysMax, n) ||
      !read_expr(c, o->at("from"), at(path, "from"), from))
    return false;
  auto r = parse_expr("business_days(" + to_text(from) + ", " + std::to_string(n) + ")");
  if (auto* err = std::get_if<ExprError>(&r)) return c.fail(path, err->message);
  out = std::move(std::get<Expr>(r));
  return true;
}

bool read_branch(Ctx& c, const json::value& v, const std::string& path, Stage& s) {
  const json::array* a = as_array(c, v, path, kCasesMax + 1);
  if (!a) return false;
  for (size_t i = 0; i < a->size(); ++i) {
    std::string p = at(path, i);
    const json::object* o = as_object(c, (*a)[i], p);
    if (!o) return false;
    if (o->contains("default")) {
      if (!fields(c, *o, p, {"default"})) return false;
      if (s.otherwise) return c.fail(p, "a second default");
      if (i + 1 != a->size()) return c.fail(p, "the default comes last");
      s.otherwise.emplace();
      if (!read_id(c, o->at("default"), at(p, "default"), *s.otherwise)) return false;
      continue;
    }
    if (!fields(c, *o, p, {"when", "goto"}, {"when", "goto"})) return false;
    Case cs;
    if (!read_expr(c, o->at("when"), at(p, "when"), cs.when) || !read_id(c, o->at("goto"), at(p, "goto"), cs.target))
      return false;
    s.cases.push_back(std::move(cs));
  }
  if (s.cases.empty() && !s.otherwise) return c.fail(path, "an empty branch");
  return true;
}

bool read_action(Ctx& c, const json::object& o, const std::string& path, Stage& s) {
  static constexpr std::pair<std::string_view, Action> kActions[] = {
      {"pay", Action::kPay},       {"collect", Action::kCollect}, {"settle", Action::kSettle},
      {"release", Action::kSettle}, {"refund", Action::kSettle},  {"await", Action::kAwait},
      {"decide", Action::kDecide}, {"wait", Action::kWait},       {"fork", Action::kFork},
      {"join", Action::kJoin},     {"arbitrate", Action::kArbitrate}};
  std::string_view key;
  for (auto [k, a] : kActions) {
    if (!o.contains(k)) continue;
    if (!key.empty()) return c.fail(at(path, k), "a stage has one action; it already has '" + std::string(key) + "'");
    key = k;
    s.action = a;
  }
  if (key.empty()) return true;  // a gateway: only an exit
  std::string p = at(path, key);
  const json::value& v = o.at(key);
  switch (s.action) {
    case Action::kPay: return read_pay(c, v, p, false, s);
    case Action::kCollect: return read_pay(c, v, p, true, s);
    case Action::kSettle:
      if (key == "settle") return read_settle(c, v, p, s.settle);
      if (key == "refund") {
        if (!v.is_string() || v.get_string() != "all") return c.fail(p, "expected \"all\"");
        s.settle.rest = Rest::kRefund;
        return true;
      }
      s.settle.rest = Rest::kRole;
      return read_id(c, v, p, s.settle.rest_to);
    case Action::kAwait:
    case Action::kDecide:
    case Action::kJoin: return read_id(c, v, p, s.ref);
    case Action::kWait: {
      const json::object* w = as_object(c, v, p);
      return w && fields(c, *w, p, {"until"}, {"until"}) && read_expr(c, w->at("until"), at(p, "until"), s.until);
    }
    case Action::kFork: {
      const json::object* f = as_object(c, v, p);
      if (!f || !fields(c, *f, p, {"branches", "join"}, {"branches", "join"})) return false;
      if (!read_id_list(c, f->at("branches"), at(p, "branches"), kForkBranchesMax, s.branches)) return false;
      if (s.branches.size() < 2) return c.fail(at(p, "branches"), "a fork has at least two branches");
      return read_id(c, f->at("join"), at(p, "join"), s.ref);
    }
    case Action::kArbitrate:
      if (!v.is_bool() || !v.get_bool()) return c.fail(p, "expected true (the template's Virtual Person decides)");
      return true;
    case Action::kNone: break;
  }
  return true;
}

bool read_stage(Ctx& c, const json::value& v, const std::string& path, Stage& s) {
  const json::object* o = as_object(c, v, path);
  if (!o || !fields(c, *o, path,
                    {
    "id",   "pay",  "collect", "settle", "release",    "refund", "await",  "decide",     "wait",        "fork",
    "join", "arbitrate", "due", "on_timeout", "next", "goto", "branch", "max_visits", "on_exhausted"},
                    {"id"})) return false;
  if (!read_id(c, o->at("id"), at(path, "id"), s.id) || !read_action(c, *o, path, s)) return false;
  if (o->contains("due")) {
    s.due.emplace();
    if (!read_due(c, o->at("due"), at(path, "due"), *s.due)) return false;
  }
  if (o->contains("on_timeout")) {
    if (s.action == Action::kCollect)
      return c.fail(at(path, "on_timeout"), "a collection ends at its deadline and goes on to 'next'");
    s.on_timeout.emplace();
    if (!read_edge(c, o->at("on_timeout"), at(path, "on_timeout"), *s.on_timeout)) return false;
  }
  int exits = o->contains("next") + o->contains("goto") + o->contains("branch");
  if (exits > 1) return c.fail(path, "at most one of next, goto, branch");
  if (o->contains("next") && !read_id(c, o->at("next"), at(path, "next"), s.next)) return false;
  if (o->contains("goto") && !read_id(c, o->at("goto"), at(path, "goto"), s.next)) return false;
  if (o->contains("branch") && !read_branch(c, o->at("branch"), at(path, "branch"), s)) return false;
  if (s.action == Action::kFork && exits)
    return c.fail(path, "a fork continues at its join; it has no next, goto or branch");
  if (s.action == Action::kArbitrate && exits)
    return c.fail(path, "an arbitrate stage goes where the Virtual Person's row says; it has no next, goto or branch");
  if (o->contains("max_visits")) {
    uint64_t n = 0;
    if (!read_uint(c, o->at("max_visits"), at(path, "max_visits"), kVisitsMax, n)) return false;
    if (n == 0) return c.fail(at(path, "max_visits"), "at least 1");
    s.max_visits = static_cast<uint32_t>(n);
  }
  if (o->contains("on_exhausted")) {
    if (!s.max_visits) return c.fail(at(path, "on_exhausted"), "only a stage with max_visits is exhausted");
    s.on_exhausted.emplace();
    if (!read_edge(c, o->at("on_exhausted"), at(path, "on_exhausted"), *s.on_exhausted)) return false;
  }
  return true;
}

}  // namespace

bool read_stages(Ctx& c, const json::value& v, const std::string& path, std::vector<Stage>& out) {
  const json::array* a = as_array(c, v, path, kStagesMax);
  if (!a) return false;
  if (a->empty()) return c.fail(path, "a template has at least one stage");
  for (size_t i = 0; i < a->size(); ++i) {
    Stage s;
    if (!read_stage(c, (*a)[i], at(path, i), s)) return false;
    for (const Stage& prev : out)
      if (prev.id == s.id) return c.fail(at(at(path, i), "id"), "stage '" + s.id + "' is declared twice");
    out.push_back(std::move(s));
  }
  // The implicit exit: a stage with neither next nor branch goes on to the one written after it.
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    Stage& s = out[i];
    if (s.action != Action::kFork && s.action != Action::kArbitrate && s.next.empty() && s.cases.empty() && !s.otherwise) s.next = out[i + 1].id;
  }
  return true;
}

}  // namespace cx::alpha::detail
