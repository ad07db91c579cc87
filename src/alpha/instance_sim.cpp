// The simulation an instance's signatories sign (instance.hpp simulation_input / seal_simulation):
// `simulate` over the instance as proposed, signed at its proposal time, with no samples.
#include <boost/json.hpp>

#include "alpha/canonical.hpp"
#include "alpha/instance.hpp"
#include "alpha/simulate.hpp"

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

std::optional<EngineError> seal_simulation(const Template& t, Instance& inst, size_t paths_max, size_t* paths) {
  const std::string text = canonical_text(simulation_input(inst));
  if (text.size() > kInstanceBytesMax)
    return EngineError{"the instance is too large to simulate: its params and parties take " + std::to_string(text.size()) +
                       " bytes, at most " + std::to_string(kInstanceBytesMax)};
  auto in = parse_instance_input(t, text);
  if (auto* e = std::get_if<ParseError>(&in)) return EngineError{"the instance cannot be simulated: " + e->to_string()};
  auto sim = simulate(t, std::get<InstanceInput>(in));
  if (auto* e = std::get_if<std::string>(&sim)) return EngineError{"the instance cannot be simulated: " + *e};
  const SimResult& r = std::get<SimResult>(sim);
  if (paths) *paths = r.paths.size();
  if (r.truncated || r.paths.size() > paths_max)
    return EngineError{"the simulation of this instance has " + std::string(r.truncated ? "more than " : "") +
                       std::to_string(r.paths.size()) + " paths; a proposal may have at most " + std::to_string(paths_max) +
                       " (every path is shown to the signatories): bound the template's loops or split the agreement"};
  inst.simulation_digest = r.digest;
  inst.hash = instance_hash(inst);
  return std::nullopt;
}

}  // namespace cx::alpha
