// The simulation report (simulate.hpp) and its digest. The report names the template by hash and
// spells every param, party, amount and time canonically, so the digest changes exactly when what a
// signatory would read changes.
#include <boost/json.hpp>

#include "alpha/canonical.hpp"
#include "alpha/sim_state.hpp"
#include "crypto/hash.hpp"

namespace cx::alpha {
namespace {

namespace json = boost::json;

json::object body(const Template& t, const InstanceInput& in, const SimResult& r) {
  json::object o;
  o["template"] = json::object{{"id", t.id}, {"version", t.version}, {"hash", "0x" + template_hash(t).hex()}};
  o["signed_at"] = format_time(in.signed_at);
  json::object params;
  for (const auto& [id, text] : in.param_text) params[id] = text;
  o["params"] = std::move(params);
  json::object parties;
  for (const auto& [role, members] : in.parties) {
    json::array a;
    for (const auto& m : members) a.push_back(json::string(m));
    parties[role] = std::move(a);
  }
  o["parties"] = std::move(parties);
  o["calendar"] = t.calendar;
  json::array paths;
  for (const SimPath& p : r.paths) {
    json::object po;
    po["terminal"] = p.terminal;
    json::array steps;
    for (const auto& s : p.steps) steps.push_back(json::string(s));
    po["steps"] = std::move(steps);
    json::object pay;
    for (const auto& [party, by_asset] : p.payments) {
      json::object a;
      for (const auto& [asset, v] : by_asset) a[asset] = v.to_dec();
      pay[party] = std::move(a);
    }
    po["payments"] = std::move(pay);
    json::object esc;
    for (const auto& [asset, v] : p.escrow_end) esc[asset] = v.to_dec();
    po["escrow_end"] = std::move(esc);
    po["max_steps"] = p.max_steps;
    if (!p.fault.empty()) po["fault"] = p.fault;
    paths.push_back(std::move(po));
  }
  o["paths"] = std::move(paths);
  o["max_steps"] = r.max_steps;
  o["truncated"] = r.truncated;
  json::array notes;
  for (const auto& n : r.notes) notes.push_back(json::string(n));
  o["notes"] = std::move(notes);
  return o;
}

}  // namespace

Hash32 detail::sim_digest(const Template& t, const InstanceInput& in, const SimResult& r) {
  return crypto::sha3_256(as_bytes(canonical_text(body(t, in, r))));
}

json::value sim_report(const Template& t, const InstanceInput& in, const SimResult& r) {
  json::object o = body(t, in, r);
  o["digest"] = "0x" + r.digest.hex();
  return o;
}

}  // namespace cx::alpha
