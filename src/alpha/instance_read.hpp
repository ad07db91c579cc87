#pragma once
// What a party reads before signing (the Alpha contract's read methods `simulate` and `getProse`,
// docs/gapp.md): the report of simulate() over simulation_input(inst) — every path's payments and
// maximum steps, and the digest seal_simulation binds — and the text of language `lang` rendered from
// `source` for the instance's params and parties ({lang, text, hash}); `source` must hash to the
// template's pin. Defined in instance_sim.cpp, next to the sealing they mirror.
#include <string>
#include <variant>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "alpha/instance.hpp"

namespace cx::alpha {

std::variant<boost::json::value, EngineError> simulation_report(const Template& t, const Instance& inst, size_t paths_max);
std::variant<boost::json::object, EngineError> render_instance_prose(const Template& t, const Instance& inst,
                                                                     const std::string& lang, const std::string& source);

}  // namespace cx::alpha
