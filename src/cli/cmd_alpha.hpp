#pragma once
// Shared by the `complexchain alpha` subcommands (cmd_alpha.cpp, cmd_alpha_sim.cpp).
#include <cstdint>
#include <string>

#include "cli/args.hpp"
#include "cli/commands.hpp"

namespace cx::cli {

constexpr uint64_t kIconStepPrice = 12'500'000'000;  // loop per step (ICON's default stepPrice)

// The file, refused above alpha::kTemplateBytesMax.
bool read_alpha_file(const std::string& path, std::string& out, std::string& error);
// A template's JSON text: the file itself, or converted from YAML when it ends in .yaml or .yml.
bool read_template_text(const std::string& path, std::string& text, std::string& error);
std::string group_digits(uint64_t v);  // 1,234,567

int alpha_simulate(const Argv& argv);  // cmd_alpha_sim.cpp
int alpha_prose(const Argv& argv);     // cmd_alpha_sim.cpp
int alpha_relay(const Argv& argv);     // cmd_alpha_relay.cpp

}  // namespace cx::cli
