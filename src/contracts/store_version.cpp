// Names and semantic versions of the ACORE Store (semver.org 2.0.0, without build metadata).
#include <cstdint>
#include <vector>

#include "contracts/store.hpp"

namespace cx::contracts {
namespace {

constexpr size_t kNumberDigitsMax = 9;  // numbers below 10^9: no overflow, and no one needs more

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_ident_char(char c) { return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z') || c == '-'; }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c)) return false;
  return !s.empty();
}

// A numeric identifier: digits, no leading zero, at most kNumberDigitsMax digits.
std::optional<std::string> number_problem(std::string_view part, std::string_view what) {
  if (!all_digits(part)) return std::string(what) + " must be a number";
  if (part.size() > 1 && part[0] == '0') return std::string(what) + " has a leading zero";
  if (part.size() > kNumberDigitsMax) return std::string(what) + " is above 999999999";
  return std::nullopt;
}

uint64_t number(std::string_view digits) {
  uint64_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

int compare_numbers(std::string_view a, std::string_view b) {
  const uint64_t x = number(a), y = number(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

// Pre-release identifiers (semver §11.4): numeric ones compare as numbers and below alphanumeric
// ones, which compare by ASCII; a shorter list that is a prefix of a longer one ranks lower.
int compare_prerelease(std::string_view a, std::string_view b) {
  const auto xs = split(a, '.'), ys = split(b, '.');
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    const bool xn = all_digits(xs[i]), yn = all_digits(ys[i]);
    int c = 0;
    if (xn && yn) c = compare_numbers(xs[i], ys[i]);
    else if (xn != yn) c = xn ? -1 : 1;
    else c = xs[i].compare(ys[i]) < 0 ? -1 : (xs[i] == ys[i] ? 0 : 1);
    if (c != 0) return c;
  }
  return xs.size() < ys.size() ? -1 : (xs.size() > ys.size() ? 1 : 0);
}

}  // namespace

std::optional<std::string> store_name_problem(std::string_view name) {
  if (name.empty()) return std::string("the name is empty");
  if (name.size() > kStoreNameBytesMax) return "the name is longer than " + std::to_string(kStoreNameBytesMax) + " bytes";
  if (!is_lower(name.front())) return std::string("the name must start with a lower-case letter (a-z)");
  for (char c : name)
    if (!is_lower(c) && !is_digit(c) && c != '-' && c != '_')
      return std::string("the name may hold only a-z, 0-9, '-' and '_'");
  if (name.back() == '-' || name.back() == '_') return std::string("the name must not end with '-' or '_'");
  return std::nullopt;
}

std::optional<std::string> store_version_problem(std::string_view version) {
  const std::string hint = " (a semantic version MAJOR.MINOR.PATCH[-PRERELEASE], e.g. 1.0.0 or 2.1.0-rc.1)";
  if (version.empty()) return "the version is empty" + hint;
  if (version.size() > kStoreVersionBytesMax)
    return "the version is longer than " + std::to_string(kStoreVersionBytesMax) + " bytes";
  if (version.find('+') != std::string_view::npos)
    return std::string("build metadata (+...) is not allowed: versions that differ only in it would rank equal");
  const size_t dash = version.find('-');
  const auto core = split(version.substr(0, dash), '.');
  if (core.size() != 3) return "the version needs three numbers" + hint;
  const char* names[] = {"MAJOR", "MINOR", "PATCH"};
  for (size_t i = 0; i < 3; ++i)
    if (auto p = number_problem(core[i], names[i])) return *p + hint;
  if (dash == std::string_view::npos) return std::nullopt;
  for (std::string_view id : split(version.substr(dash + 1), '.')) {
    if (id.empty()) return "an empty pre-release identifier" + hint;
    for (char c : id)
      if (!is_ident_char(c)) return std::string("a pre-release identifier may hold only 0-9, A-Z, a-z and '-'");
    if (all_digits(id) && id.size() > 1 && id[0] == '0') return std::string("a numeric pre-release identifier has a leading zero");
    if (all_digits(id) && id.size() > kNumberDigitsMax) return std::string("a numeric pre-release identifier is above 999999999");
  }
  return std::nullopt;
}

int compare_versions(std::string_view a, std::string_view b) {
  const size_t da = a.find('-'), db = b.find('-');
  const auto xs = split(a.substr(0, da), '.'), ys = split(b.substr(0, db), '.');
  for (size_t i = 0; i < 3; ++i)
    if (int c = compare_numbers(xs[i], ys[i]); c != 0) return c;
  // A pre-release ranks below its release (semver §11.3).
  if (da == std::string_view::npos || db == std::string_view::npos)
    return da == db ? 0 : (da == std::string_view::npos ? 1 : -1);
  return compare_prerelease(a.substr(da + 1), b.substr(db + 1));
}

}  // namespace cx::contracts
