// complexchain alpha: Alpha Contract templates. `template check FILE` parses a template (JSON, or YAML
// converted at this edge), runs the registration checker and prints the template hash, the stages and
// the static maximum fee of every transition, or the refusal with its rule and place.
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "alpha/canonical.hpp"
#include "alpha/checker.hpp"
#include "alpha/template.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/yaml.hpp"
#include "cli/cmd_alpha.hpp"

namespace cx::cli {

namespace json = boost::json;

bool read_alpha_file(const std::string& path, std::string& out, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = "cannot read " + path;
    return false;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  if (out.size() > alpha::kTemplateBytesMax) {
    error = path + " is larger than " + std::to_string(alpha::kTemplateBytesMax) + " bytes";
    return false;
  }
  return true;
}

bool read_template_text(const std::string& path, std::string& text, std::string& error) {
  if (!read_alpha_file(path, text, error)) return false;
  if (path.ends_with(".yaml") || path.ends_with(".yml")) {
    auto converted = yaml_to_json_text(text);
    if (auto* err = std::get_if<YamlError>(&converted)) {
      error = path + ": " + err->message;
      return false;
    }
    text = std::get<std::string>(converted);
  }
  return true;
}

std::string group_digits(uint64_t v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

namespace {

constexpr const char* kAlphaUsage =
    "usage: complexchain alpha <subcommand> [options]\n"
    "\n"
    "Before signing (no node needed):\n"
    "  template check FILE   check an Alpha Contract template (JSON or YAML): its hash, stages and the\n"
    "                        maximum fee of every transition, or why it is refused (rule and place)\n"
    "  simulate FILE --params INSTANCE\n"
    "                        every path an instance can take: payments per party, maximum fee, digest\n"
    "  prose FILE --params INSTANCE --lang ko|en\n"
    "                        the template's prose rendered from the instance's params, and its hash\n"
    "  relay --config FILE   serve authenticated webhooks and relay them as attest txs (docs/alpha-relay.md)\n"
    "\n"
    "On chain (one signed tx each, waited for; --keystore/--key-file as for 'contract send'):\n"
    "  template publish FILE register a template            template list   the registered templates\n"
    "  propose TEMPLATE --params P --parties Q               sign ID [--hash H]\n"
    "  fund ID --value V     reserve ID --value V            attest ID EVENT [--result R] [--fields F]\n"
    "  decide ID DECISION CHOICE                             delegate ID DECISION TO\n"
    "  revoke ID DECISION    dispute ID                      rule ID OUTCOME\n"
    "  show ID [--height H]  the instance as the chain holds it (icx_call), now or at a past height\n"
    "\n"
    "Every subcommand takes --json. Run 'complexchain alpha <subcommand> --help' for its options.\n";

std::string stage_summary(const alpha::Stage& s) {
  std::string what = alpha::action_name(s.action);
  if (s.action == alpha::Action::kAwait || s.action == alpha::Action::kDecide) what += " " + s.ref;
  if (s.action == alpha::Action::kPay || s.action == alpha::Action::kCollect)
    what += " " + s.from + " -> " + s.to + ": " + alpha::to_text(s.amount);
  if (s.action == alpha::Action::kSettle)
    what += std::string(" rest -> ") +
            (s.settle.rest == alpha::Rest::kKeep ? "keep" : s.settle.rest == alpha::Rest::kRefund ? "refund" : s.settle.rest_to);
  if (s.action == alpha::Action::kSettle && !s.settle.claims.empty())
    what += " after " + std::to_string(s.settle.claims.size()) + " claim(s)";
  if (s.action == alpha::Action::kWait) what += " until " + alpha::to_text(s.until);
  if (s.action == alpha::Action::kFork) what += " -> join " + s.ref;
  if (s.due) what += "; due " + alpha::to_text(*s.due);
  return what;
}

int print_text(const alpha::Template& t, const alpha::CheckReport& r, uint64_t step_price) {
  std::printf("template  %s %s\nhash      0x%s\n", t.id.c_str(), t.version.c_str(), alpha::template_hash(t).hex().c_str());
  std::printf("stages    %zu\n", t.stages.size());
  for (const auto& s : t.stages) std::printf("  %-22s %s\n", s.id.c_str(), stage_summary(s).c_str());
  if (!r.fees.empty()) {
    std::printf("transitions (maximum steps; fee at %s loop/step)\n", group_digits(step_price).c_str());
    for (const auto& f : r.fees) {
      auto fee = Uint256(f.max_steps).checked_mul(Uint256(step_price));
      std::printf("  %-28s %12s steps  %s loop\n", f.transition.c_str(), group_digits(f.max_steps).c_str(),
                  fee ? fee->to_dec().c_str() : "overflow");
    }
  }
  if (r.ok()) {
    std::puts("ok: the template passes every registration rule");
    return 0;
  }
  for (const auto& f : r.failures) std::printf("refused: %s\n", f.to_string().c_str());
  return 1;
}

int print_json(const alpha::Template& t, const alpha::CheckReport& r, uint64_t step_price) {
  json::object o;
  o["ok"] = r.ok();
  o["template"] = json::object{{"id", t.id}, {"version", t.version}};
  o["hash"] = "0x" + alpha::template_hash(t).hex();
  json::array stages;
  for (const auto& s : t.stages)
    stages.push_back(json::object{{"id", s.id}, {"action", alpha::action_name(s.action)}, {"summary", stage_summary(s)}});
  o["stages"] = std::move(stages);
  json::array fees;
  for (const auto& f : r.fees) {
    auto fee = Uint256(f.max_steps).checked_mul(Uint256(step_price));
    fees.push_back(json::object{{"transition", f.transition},
                                {"max_steps", f.max_steps},
                                {"max_fee", fee ? fee->to_icon_hex() : "overflow"}});
  }
  o["transitions"] = std::move(fees);
  json::array failures;
  for (const auto& f : r.failures)
    failures.push_back(json::object{{"rule", alpha::rule_name(f.rule)}, {"place", f.place}, {"message", f.message}});
  o["failures"] = std::move(failures);
  std::printf("%s\n", json::serialize(o).c_str());
  return r.ok() ? 0 : 1;
}

int template_check(const Argv& argv) {
  Args args("complexchain alpha template check FILE [options]",
            "Check an Alpha Contract template against the registration rules. FILE is JSON, or YAML when it ends\n"
            "in .yaml or .yml. Exit status 0 when it passes, 1 when it is refused or cannot be parsed.",
            {{"json", "", "print the result as JSON", ""},
             {"step-price", "LOOP", "step price used to turn maximum steps into fees", std::to_string(kIconStepPrice)},
             {"canonical", "", "print the canonical form instead of the report", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) {
    std::fprintf(stderr, "error: expected one FILE\n\n%s", args.help().c_str());
    return 2;
  }
  const std::string& path = args.positionals()[0];
  uint64_t step_price = 0;
  try {
    step_price = std::stoull(args.get_or("step-price", std::to_string(kIconStepPrice)));
  } catch (const std::exception&) {
    std::fprintf(stderr, "error: --step-price: expected a whole number of loop\n");
    return 2;
  }
  std::string text, error;
  if (!read_template_text(path, text, error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  auto parsed = alpha::parse_template_json(text);
  if (auto* err = std::get_if<alpha::ParseError>(&parsed)) {
    if (args.flag("json")) {
      json::object o{{"ok", false}, {"error", json::object{{"path", err->path}, {"message", err->message}}}};
      std::printf("%s\n", json::serialize(o).c_str());
    } else {
      std::fprintf(stderr, "error: %s: %s\n", path.c_str(), err->to_string().c_str());
    }
    return 1;
  }
  const alpha::Template& t = std::get<alpha::Template>(parsed);
  if (args.flag("canonical")) {
    std::printf("%s\n", alpha::canonical_json(t).c_str());
    return 0;
  }
  alpha::CheckReport report = alpha::check_template(t);
  return args.flag("json") ? print_json(t, report, step_price) : print_text(t, report, step_price);
}

}  // namespace

int cmd_alpha(const Argv& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    std::fputs(kAlphaUsage, argv.empty() ? stderr : stdout);
    return argv.empty() ? 2 : 0;
  }
  if (argv[0] == "template" && argv.size() >= 2 && argv[1] == "check")
    return template_check(Argv(argv.begin() + 2, argv.end()));
  if (argv[0] == "template" && argv.size() >= 2 && argv[1] == "publish")
    return alpha_send("publish", Argv(argv.begin() + 2, argv.end()));
  if (argv[0] == "template" && argv.size() >= 2 && argv[1] == "list")
    return alpha_template_list(Argv(argv.begin() + 2, argv.end()));
  if (argv[0] == "show") return alpha_show(Argv(argv.begin() + 1, argv.end()));
  if (argv[0] != "publish" && is_alpha_tx_verb(argv[0])) return alpha_send(argv[0], Argv(argv.begin() + 1, argv.end()));
  if (argv[0] == "simulate") return alpha_simulate(Argv(argv.begin() + 1, argv.end()));
  if (argv[0] == "prose") return alpha_prose(Argv(argv.begin() + 1, argv.end()));
  if (argv[0] == "relay") return alpha_relay(Argv(argv.begin() + 1, argv.end()));
  std::fprintf(stderr, "error: unknown alpha subcommand '%s'\n\n%s", argv[0].c_str(), kAlphaUsage);
  return 2;
}

}  // namespace cx::cli
