// complexchain alpha simulate | prose: what a party sees before signing an instance (docs/alpha.md
// "Simulate", "Prose"). Both read a template (JSON or YAML) and an instance (--params: a file, or the
// JSON itself when it starts with '{').
#include <boost/json.hpp>
#include <cstdio>

#include "alpha/canonical.hpp"
#include "alpha/checker.hpp"
#include "alpha/prose.hpp"
#include "alpha/simulate.hpp"
#include "cli/cmd_alpha.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

struct Loaded {
  alpha::Template t;
  alpha::InstanceInput in;
};

// Template and instance, or an error printed to stderr (exit status 1).
bool load(const std::string& path, const std::string& params, Loaded& out) {
  std::string text, error;
  if (!read_template_text(path, text, error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return false;
  }
  auto parsed = alpha::parse_template_json(text);
  if (auto* err = std::get_if<alpha::ParseError>(&parsed)) {
    std::fprintf(stderr, "error: %s: %s\n", path.c_str(), err->to_string().c_str());
    return false;
  }
  out.t = std::move(std::get<alpha::Template>(parsed));
  std::string inst = params;
  if (!params.starts_with("{") && !read_alpha_file(params, inst, error)) {
    std::fprintf(stderr, "error: --params: %s\n", error.c_str());
    return false;
  }
  auto in = alpha::parse_instance_input(out.t, inst);
  if (auto* err = std::get_if<alpha::ParseError>(&in)) {
    std::fprintf(stderr, "error: --params: %s\n", err->to_string().c_str());
    return false;
  }
  out.in = std::move(std::get<alpha::InstanceInput>(in));
  return true;
}

// Parses argv, requires FILE and the options in `required`, loads template and instance. Returns -1
// when the command should go on, else its exit status.
int prepare(Args& args, const Argv& argv, std::initializer_list<const char*> required, Loaded& l) {
  int code = 0;
  if (!args.parse(argv, code)) return code;
  bool missing = args.positionals().size() != 1;
  for (const char* r : required) missing |= args.get_or(r, "").empty();
  if (missing) {
    std::fprintf(stderr, "error: expected FILE and every one of --params%s\n\n%s",
                 required.size() > 1 ? ", --lang" : "", args.help().c_str());
    return 2;
  }
  return load(args.positionals()[0], *args.get("params"), l) ? -1 : 1;
}

std::string fee_text(uint64_t steps, uint64_t step_price) {
  auto fee = Uint256(steps).checked_mul(Uint256(step_price));
  return fee ? fee->to_dec() : "overflow";
}

void print_sim_text(const alpha::Template& t, const alpha::SimResult& r, uint64_t step_price, bool steps) {
  std::printf("template  %s %s\nhash      0x%s\npaths     %zu%s\n", t.id.c_str(), t.version.c_str(),
              alpha::template_hash(t).hex().c_str(), r.paths.size(), r.truncated ? " (TRUNCATED)" : "");
  for (const auto& n : r.notes) std::printf("note      %s\n", n.c_str());
  for (size_t k = 0; k < r.paths.size(); ++k) {
    const alpha::SimPath& p = r.paths[k];
    std::printf("\npath %zu -> %s%s%s\n", k + 1, p.terminal.c_str(),
                p.fault.empty() ? "" : "  fault: ", p.fault.c_str());
    if (steps)
      for (const auto& s : p.steps) std::printf("    %s\n", s.c_str());
    if (p.payments.empty()) std::printf("  (no payments)\n");
    for (const auto& [party, by_asset] : p.payments)
      for (const auto& [asset, v] : by_asset)
        std::printf("  %-16s %24s %s\n", party.c_str(), v.to_dec().c_str(), asset.c_str());
    for (const auto& [asset, v] : p.escrow_end)
      if (!v.is_zero()) std::printf("  %-16s %24s %s\n", "(escrow)", v.to_dec().c_str(), asset.c_str());
    std::printf("  max fee %s steps = %s loop\n", group_digits(p.max_steps).c_str(),
                fee_text(p.max_steps, step_price).c_str());
  }
  std::printf("\nmax fee   %s steps = %s loop (at %s loop/step)\ndigest    0x%s\n", group_digits(r.max_steps).c_str(),
              fee_text(r.max_steps, step_price).c_str(), group_digits(step_price).c_str(), r.digest.hex().c_str());
}

uint64_t parse_step_price(const Args& args, bool& ok) {
  try {
    ok = true;
    return std::stoull(args.get_or("step-price", std::to_string(kIconStepPrice)));
  } catch (const std::exception&) {
    ok = false;
    std::fprintf(stderr, "error: --step-price: expected a whole number of loop\n");
    return 0;
  }
}

}  // namespace

int alpha_simulate(const Argv& argv) {
  Args args(
      "complexchain alpha simulate FILE --params INSTANCE [options]",
      "Run every branch of an instance of the template in FILE with synthetic block times and print each\n"
      "path's terminal, payments per party and asset, and maximum fee, and the digest of the result that\n"
      "the signatories sign. INSTANCE is a file or inline JSON: {\"signed_at\", \"params\", \"parties\",\n"
      "\"samples\", \"calendar\"} (docs/alpha.md, Simulate).",
      {{"params", "INSTANCE", "the instance: a JSON file, or JSON text starting with '{'", ""},
       {"json", "", "print the report as canonical JSON", ""},
       {"steps", "", "print each path's steps", ""},
       {"step-price", "LOOP", "step price used to turn maximum steps into fees", std::to_string(kIconStepPrice)}});
  Loaded l;
  if (int code = prepare(args, argv, {"params"}, l); code >= 0) return code;
  bool ok = false;
  uint64_t step_price = parse_step_price(args, ok);
  if (!ok) return 2;
  auto sim = alpha::simulate(l.t, l.in);
  if (auto* err = std::get_if<std::string>(&sim)) {
    std::fprintf(stderr, "error: %s\n", err->c_str());
    return 1;
  }
  const alpha::SimResult& r = std::get<alpha::SimResult>(sim);
  if (args.flag("json"))
    std::printf("%s\n", alpha::canonical_text(alpha::sim_report(l.t, l.in, r)).c_str());
  else
    print_sim_text(l.t, r, step_price, args.flag("steps"));
  return r.truncated ? 1 : 0;
}

int alpha_prose(const Argv& argv) {
  Args args("complexchain alpha prose FILE --params INSTANCE --lang LANG [options]",
            "Render the template's prose in LANG from the instance's params and print it with its hash. The\n"
            "prose source is read from --source, or from the template's repo:// uri relative to --root; it must\n"
            "hash to what the template pins.",
            {{"params", "INSTANCE", "the instance: a JSON file, or JSON text starting with '{'", ""},
             {"lang", "LANG", "the language (ko, en)", ""},
             {"source", "FILE", "the prose source (default: the template's uri)", ""},
             {"root", "DIR", "where repo:// uris are found", "."},
             {"json", "", "print {lang, hash, text} as JSON", ""}});
  Loaded l;
  if (int code = prepare(args, argv, {"params", "lang"}, l); code >= 0) return code;
  std::string lang = *args.get("lang"), source_path = args.get_or("source", "");
  for (const alpha::Prose& p : l.t.prose)
    if (p.lang == lang && source_path.empty() && p.uri.starts_with("repo://"))
      source_path = args.get_or("root", ".") + "/" + p.uri.substr(7);
  if (source_path.empty()) {
    std::fprintf(stderr, "error: no prose source for '%s': give --source FILE\n", lang.c_str());
    return 1;
  }
  std::string source, error;
  if (!read_alpha_file(source_path, source, error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  auto r = alpha::render_prose(l.t, l.in, lang, source);
  if (auto* err = std::get_if<std::string>(&r)) {
    std::fprintf(stderr, "error: %s: %s\n", source_path.c_str(), err->c_str());
    return 1;
  }
  const auto& p = std::get<alpha::RenderedProse>(r);
  if (args.flag("json"))
    std::printf(
        "%s\n",
        json::serialize(json::object{{"lang", lang}, {"hash", "sha3-256:" + p.hash.hex()}, {"text", p.text}}).c_str());
  else
    std::printf("%s\n---\nlang %s  hash sha3-256:%s\n", p.text.c_str(), lang.c_str(), p.hash.hex().c_str());
  return 0;
}

}  // namespace cx::cli
