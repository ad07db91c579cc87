// What an instance's signatories sign besides params and parties (instance.hpp): the simulation of the
// instance as proposed (signed at its proposal time, with no samples) and its prose, rendered from the
// same params.
#include <boost/json.hpp>

#include "alpha/canonical.hpp"
#include "alpha/instance.hpp"
#include "alpha/instance_read.hpp"
#include "alpha/prose.hpp"
#include "alpha/simulate.hpp"
#include "crypto/hash.hpp"

namespace cx::alpha {

namespace json = boost::json;

json::object simulation_input(const Instance& inst) {
  json::object parties;
  for (const auto& [role, members] : inst.parties) {
    json::array a;
    for (const std::string& m : members) a.push_back(json::string(m));
    parties[role] = std::move(a);
  }
  return json::object{{"signed_at", inst.proposed_at}, {"params", inst.params}, {"parties", std::move(parties)}};
}

namespace {

// The instance as simulate and render_prose read it.
std::variant<InstanceInput, EngineError> input_of(const Template& t, const Instance& inst) {
  const std::string text = canonical_text(simulation_input(inst));
  if (text.size() > kInstanceBytesMax)
    return EngineError{"the instance is too large to simulate: its params and parties take " + std::to_string(text.size()) +
                       " bytes, at most " + std::to_string(kInstanceBytesMax)};
  auto in = parse_instance_input(t, text);
  if (auto* e = std::get_if<ParseError>(&in)) return EngineError{"the instance cannot be simulated: " + e->to_string()};
  return std::move(std::get<InstanceInput>(in));
}

}  // namespace

std::optional<EngineError> seal_prose(const Template& t, Instance& inst, const std::map<std::string, std::string>& sources) {
  auto in = input_of(t, inst);
  if (auto* e = std::get_if<EngineError>(&in)) return *e;
  std::string all;
  inst.prose.clear();
  for (const Prose& p : t.prose) {
    std::string entry = "source:" + p.hash.hex();
    if (auto s = sources.find(p.lang); s != sources.end()) {
      auto r = render_prose(t, std::get<InstanceInput>(in), p.lang, s->second);
      if (auto* e = std::get_if<std::string>(&r)) return EngineError{"prose '" + p.lang + "': " + *e};
      entry = "rendered:" + std::get<RenderedProse>(r).hash.hex();
    }
    all += p.lang + ":" + entry + ";";
    inst.prose[p.lang] = std::move(entry);
  }
  inst.prose_digest = crypto::sha3_256(as_bytes(all));
  inst.hash = instance_hash(inst);
  return std::nullopt;
}

std::optional<EngineError> seal_simulation(const Template& t, Instance& inst, size_t paths_max, size_t* paths) {
  auto in = input_of(t, inst);
  if (auto* e = std::get_if<EngineError>(&in)) return *e;
  auto sim = simulate(t, std::get<InstanceInput>(in), paths_max);  // stops early: a refusal costs little
  if (auto* e = std::get_if<std::string>(&sim)) return EngineError{"the instance cannot be simulated: " + *e};
  const SimResult& r = std::get<SimResult>(sim);
  if (paths) *paths = r.paths.size();
  if (r.truncated)
    return EngineError{"the simulation of this instance has more than " + std::to_string(r.paths.size()) +
                       " paths, or a path with more than " + std::to_string(kSimDepthMax) +
                       " waiting stages; a proposal may have at most " + std::to_string(paths_max) +
                       " (every path is shown to the signatories): bound the template's loops or split the agreement"};
  inst.simulation_digest = r.digest;
  inst.hash = instance_hash(inst);
  return std::nullopt;
}

std::variant<json::value, EngineError> simulation_report(const Template& t, const Instance& inst, size_t paths_max) {
  auto in = input_of(t, inst);
  if (auto* e = std::get_if<EngineError>(&in)) return *e;
  auto sim = simulate(t, std::get<InstanceInput>(in), paths_max);
  if (auto* e = std::get_if<std::string>(&sim)) return EngineError{"the instance cannot be simulated: " + *e};
  return sim_report(t, std::get<InstanceInput>(in), std::get<SimResult>(sim));
}

std::variant<json::object, EngineError> render_instance_prose(const Template& t, const Instance& inst, const std::string& lang,
                                                              const std::string& source) {
  auto in = input_of(t, inst);
  if (auto* e = std::get_if<EngineError>(&in)) return *e;
  auto r = render_prose(t, std::get<InstanceInput>(in), lang, source);
  if (auto* e = std::get_if<std::string>(&r)) return EngineError{"prose '" + lang + "': " + *e};
  const RenderedProse& rp = std::get<RenderedProse>(r);
  return json::object{{"lang", lang}, {"text", rp.text}, {"hash", "0x" + rp.hash.hex()}};
}

}  // namespace cx::alpha
