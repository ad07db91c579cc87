#pragma once
// Shared by the `complexchain alpha` subcommands (cmd_alpha.cpp, cmd_alpha_sim.cpp).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "base/result.hpp"
#include "base/uint256.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/tx_builder.hpp"

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

// ---- the verbs that send a tx to the Alpha system contract (cmd_alpha_call.cpp builds, cmd_alpha_tx.cpp sends) ----

// The step limit of an Alpha call without --step-limit or --estimate; the engine's transitions use far
// less (the receipt shows stepUsed), registering a large template the most.
inline constexpr uint64_t kAlphaStepLimit = 100'000'000;

// One call of the system contract: its method, params (ICON style: ids 0x hex, JSON values as text)
// and the coin sent with it.
struct AlphaCall {
  std::string method;
  boost::json::object params;
  Uint256 value;
  // propose with the template's file: the file, from which the instance hash is computed here once the
  // chain has the instance (its proposal time seeds the simulation), to check the chain's against.
  std::string template_file;
};

// publish (template publish), propose, sign, fund, reserve, attest, decide, delegate, revoke, dispute, rule.
bool is_alpha_tx_verb(std::string_view verb);
std::string alpha_verb_usage(std::string_view verb);
std::string alpha_verb_summary(std::string_view verb);
// The verb's own options, then the signing options of `contract send` (keystore, password, nid, ...).
std::vector<OptionSpec> alpha_verb_options(std::string_view verb);
// The call from parsed args, every input checked: ids, addresses, amounts, JSON objects (inline or a
// file, at most alpha::kTemplateBytesMax), a template checked here before it is published. A `sign`
// without --hash has no "hash" param: the sender fills it from the chain.
Result<AlphaCall> alpha_call_of(std::string_view verb, const Args& args);
// The instance hash of `inst` (getInstance's answer) recomputed from the template in `template_file` and
// the instance's params, parties, proposal time and signing deadline, with the prose the chain rendered
// (its sources read from the template's repo:// uris under `root`) and the simulation digest sealed as
// the chain seals them: what a signatory checks before it signs.
Result<std::string> instance_hash_from(const std::string& template_file, const boost::json::object& inst,
                                       const std::string& root = ".");
// To cx…0a01, dataType call, step limit kAlphaStepLimit.
TxSpec alpha_tx_spec(const AlphaCall& call);

int alpha_send(std::string_view verb, const Argv& argv);  // cmd_alpha_tx.cpp
int alpha_show(const Argv& argv);                         // cmd_alpha_tx.cpp
int alpha_template_list(const Argv& argv);                // cmd_alpha_tx.cpp

}  // namespace cx::cli
