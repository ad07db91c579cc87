#pragma once
// Minimal command-line parsing for the complexchain subcommands: "--name value", "--name=value",
// boolean "--flag", and positionals. Every command declares its options so --help is generated and
// unknown options are errors that name the option.
#include <map>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cx::cli {

struct OptionSpec {
  std::string name;         // without leading dashes
  std::string value_name;   // empty = boolean flag
  std::string help;
  std::string default_value;
};

class Args {
 public:
  Args(std::string usage, std::string summary, std::vector<OptionSpec> options);
  // Returns false and prints the error (or help) if parsing fails / --help was asked.
  // `exit_code` is 0 for --help, 2 for a usage error.
  bool parse(const std::vector<std::string>& argv, int& exit_code);

  bool flag(std::string_view name) const;
  std::optional<std::string> get(std::string_view name) const;  // value or declared default
  std::string get_or(std::string_view name, std::string fallback) const;
  const std::vector<std::string>& positionals() const { return m_positionals; }
  std::string help() const;

 private:
  std::string m_usage, m_summary;
  std::vector<OptionSpec> m_specs;
  std::map<std::string, std::string, std::less<>> m_values;
  std::vector<std::string> m_positionals;
};

// Password for a keystore: --password-file F, else env CX_PASSWORD (or the named env var given
// with --password-env), else an error (we never prompt: scripts and CI have no terminal).
std::optional<std::string> read_password(const Args& args, std::string& error);

// `complexchain GROUP SUB ...`: runs the subcommand `argv[0]` names with the rest of argv; help on
// --help/-h/help (exit 0), the usage on stderr with exit 2 when argv is empty or names no subcommand.
struct Subcommand {
  std::string_view name;
  std::function<int(const std::vector<std::string>&)> run;
};
int run_subcommand(std::string_view group, const char* usage, const std::vector<std::string>& argv,
                   std::initializer_list<Subcommand> subcommands);

}  // namespace cx::cli
