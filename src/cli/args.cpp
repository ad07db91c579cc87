#include "cli/args.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cx::cli {

Args::Args(std::string usage, std::string summary, std::vector<OptionSpec> options)
    : m_usage(std::move(usage)), m_summary(std::move(summary)), m_specs(std::move(options)) {
  m_specs.push_back({"help", "", "show this help", ""});
}

std::string Args::help() const {
  std::ostringstream os;
  os << "usage: " << m_usage << "\n\n" << m_summary << "\n";
  if (!m_specs.empty()) os << "\noptions:\n";
  for (const auto& s : m_specs) {
    std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
    os << left;
    if (left.size() < 28) os << std::string(28 - left.size(), ' ');
    else os << "\n" << std::string(28, ' ');
    os << s.help;
    if (!s.default_value.empty()) os << " (default: " << s.default_value << ")";
    os << "\n";
  }
  return os.str();
}

bool Args::parse(const std::vector<std::string>& argv, int& exit_code) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (a == "-h") a = "--help";
    if (!a.starts_with("--")) {
      m_positionals.emplace_back(a);
      continue;
    }
    a.remove_prefix(2);
    std::string name(a), value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = std::string(a.substr(0, eq));
      value = std::string(a.substr(eq + 1));
      has_value = true;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : m_specs)
      if (s.name == name) spec = &s;
    if (!spec) {
      std::fprintf(stderr, "error: unknown option --%s\n\n%s", name.c_str(), help().c_str());
      exit_code = 2;
      return false;
    }
    if (name == "help") {
      std::printf("%s", help().c_str());
      exit_code = 0;
      return false;
    }
    if (spec->value_name.empty()) {
      if (has_value) {
        std::fprintf(stderr, "error: --%s takes no value\n", name.c_str());
        exit_code = 2;
        return false;
      }
      m_values[name] = "1";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argv.size()) {
        std::fprintf(stderr, "error: --%s needs a value (%s)\n", name.c_str(), spec->value_name.c_str());
        exit_code = 2;
        return false;
      }
      value = argv[++i];
    }
    m_values[name] = value;
  }
  return true;
}

bool Args::flag(std::string_view name) const { return m_values.find(name) != m_values.end(); }

std::optional<std::string> Args::get(std::string_view name) const {
  if (auto it = m_values.find(name); it != m_values.end()) return it->second;
  for (const auto& s : m_specs)
    if (s.name == name && !s.default_value.empty()) return s.default_value;
  return std::nullopt;
}

std::string Args::get_or(std::string_view name, std::string fallback) const {
  auto v = get(name);
  return v ? *v : fallback;
}

std::optional<std::string> read_password(const Args& args, std::string& error) {
  if (auto file = args.get("password-file")) {
    std::ifstream f(*file);
    if (!f) {
      error = "cannot read password file " + *file;
      return std::nullopt;
    }
    std::string pw;
    std::getline(f, pw);
    return pw;
  }
  std::string var = args.get_or("password-env", "CX_PASSWORD");
  if (const char* v = std::getenv(var.c_str())) return std::string(v);
  error = "no password: give --password-file FILE or set " + var;
  return std::nullopt;
}

int run_subcommand(std::string_view group, const char* usage, const std::vector<std::string>& argv,
                   std::initializer_list<Subcommand> subcommands) {
  if (argv.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string& sub = argv.front();
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(usage, stdout);
    return 0;
  }
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  for (const Subcommand& s : subcommands)
    if (s.name == sub) return s.run(rest);
  std::fprintf(stderr, "error: unknown %.*s subcommand '%s'\n\n%s", static_cast<int>(group.size()), group.data(),
               sub.c_str(), usage);
  return 2;
}

}  // namespace cx::cli
