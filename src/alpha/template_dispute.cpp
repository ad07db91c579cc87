// Parsing a template's dispute section (docs/alpha-engine.md "Disputes"): who may open one, during
// which stages, the bonds, the ladder of arbiters (Virtual Person -> referee -> panel), the appeal
// window, the default on silence, and the outcomes with the role each favours.
#include "alpha/parse_util.hpp"

namespace cx::alpha::detail {
namespace {

bool read_rows(Ctx& c, const json::value& v, const std::string& p, std::vector<RungRow>& out) {
  const json::array* rows = as_array(c, v, p, kVpRulesMax);
  if (!rows) return false;
  for (size_t i = 0; i < rows->size(); ++i) {
    std::string rp = at(p, i);
    const json::object* o = as_object(c, (*rows)[i], rp);
    if (!o || !fields(c, *o, rp, {"when", "outcome"}, {"when", "outcome"})) return false;
    RungRow row;
    if (!read_expr(c, o->at("when"), at(rp, "when"), row.when) || !read_id(c, o->at("outcome"), at(rp, "outcome"), row.outcome))
      return false;
    out.push_back(std::move(row));
  }
  return true;
}

bool read_rung(Ctx& c, const json::value& v, const std::string& p, LadderStep& s) {
  const json::object* o = as_object(c, v, p);
  if (!o || !fields(c, *o, p, {"by", "within", "quorum", "bond", "rows", "default"}, {"by"})) return false;
  if (!read_id(c, o->at("by"), at(p, "by"), s.by)) return false;
  if (o->contains("within") && !read_duration(c, o->at("within"), at(p, "within"), s.within)) return false;
  if (o->contains("quorum")) {
    uint64_t k = 0;
    if (!read_uint(c, o->at("quorum"), at(p, "quorum"), kMembersMax, k)) return false;
    if (k == 0) return c.fail(at(p, "quorum"), "at least 1");
    s.quorum = static_cast<uint32_t>(k);
  }
  if (o->contains("bond")) {
    s.bond.emplace();
    if (!read_expr(c, o->at("bond"), at(p, "bond"), *s.bond)) return false;
  }
  if (o->contains("rows") && !read_rows(c, o->at("rows"), at(p, "rows"), s.rows)) return false;
  return !o->contains("default") || read_id(c, o->at("default"), at(p, "default"), s.otherwise);
}

// An outcome is an edge ({goto, refund|release|settle}) plus the role it favours.
bool read_outcome(Ctx& c, const json::value& v, const std::string& p, Outcome& out) {
  const json::object* o = as_object(c, v, p);
  if (!o) return false;
  json::object rest = *o;
  if (const json::value* f = o->if_contains("favours")) {
    if (!read_id(c, *f, at(p, "favours"), out.favours)) return false;
    rest.erase("favours");
  }
  return read_edge(c, rest, p, out.edge);
}

}  // namespace

bool read_dispute(Ctx& c, const json::value& v, Dispute& d) {
  const std::string p = "dispute";
  const json::object* o = as_object(c, v, p);
  if (!o || !fields(c, *o, p, {"open_by", "during", "bond", "bonds_to", "ladder", "appeal_window", "on_silence", "outcomes"},
                    {"open_by", "ladder", "on_silence", "outcomes"}))
    return false;
  if (!read_id_set(c, o->at("open_by"), at(p, "open_by"), kListMax, d.open_by)) return false;
  if (o->contains("during") && !read_id_set(c, o->at("during"), at(p, "during"), kStagesMax, d.during)) return false;
  if (o->contains("bond")) {
    d.bond.emplace();
    if (!read_expr(c, o->at("bond"), at(p, "bond"), *d.bond)) return false;
  }
  if (o->contains("bonds_to") && !read_id(c, o->at("bonds_to"), at(p, "bonds_to"), d.bonds_to)) return false;
  const json::array* ladder = as_array(c, o->at("ladder"), at(p, "ladder"), kLadderMax);
  if (!ladder) return false;
  if (ladder->empty()) return c.fail(at(p, "ladder"), "at least one rung");
  for (size_t i = 0; i < ladder->size(); ++i) {
    LadderStep s;
    if (!read_rung(c, (*ladder)[i], at(at(p, "ladder"), i), s)) return false;
    d.ladder.push_back(std::move(s));
  }
  if (o->contains("appeal_window") && !read_duration(c, o->at("appeal_window"), at(p, "appeal_window"), d.appeal_window))
    return false;
  std::string sp = at(p, "on_silence");
  const json::object* so = as_object(c, o->at("on_silence"), sp);
  if (!so || !fields(c, *so, sp, {"after", "outcome"}, {"after", "outcome"}) ||
      !read_duration(c, so->at("after"), at(sp, "after"), d.silence_after) ||
      !read_id(c, so->at("outcome"), at(sp, "outcome"), d.on_silence))
    return false;
  return read_map(c, o->at("outcomes"), at(p, "outcomes"), kCasesMax, d.outcomes,
                  [&](const json::value& ov, const std::string& op, Outcome& out) { return read_outcome(c, ov, op, out); });
}

}  // namespace cx::alpha::detail
