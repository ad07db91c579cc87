#pragma once
// Internal to the template parser: reading typed, bounded fields out of JSON with the field path in
// every error. Each reader returns false after recording the first error in the Ctx.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "alpha/template.hpp"

namespace cx::alpha::detail {

namespace json = boost::json;

class Ctx {
 public:
  bool fail(const std::string& path, std::string message) {
    if (!m_failed) m_error = {path, std::move(message)};
    m_failed = true;
    return false;
  }
  bool failed() const { return m_failed; }
  const ParseError& error() const { return m_error; }

 private:
  bool m_failed = false;
  ParseError m_error;
};

inline std::string at(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
inline std::string at(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

bool valid_id(std::string_view s);        // [a-z][a-z0-9_]{0,31}
bool valid_asset_id(std::string_view s);  // [A-Z][A-Z0-9]{0,11}

const json::object* as_object(Ctx& c, const json::value& v, const std::string& path);
const json::array* as_array(Ctx& c, const json::value& v, const std::string& path, size_t max);
// Refuses keys outside `allowed`; requires those in `required`.
bool fields(Ctx& c, const json::object& o, const std::string& path, std::initializer_list<std::string_view> allowed,
            std::initializer_list<std::string_view> required = {});
bool read_id(Ctx& c, const json::value& v, const std::string& path, std::string& out);
bool read_text(Ctx& c, const json::value& v, const std::string& path, size_t max, std::string& out);
bool read_bool(Ctx& c, const json::value& v, const std::string& path, bool& out);
// A JSON integer or a decimal string.
bool read_uint(Ctx& c, const json::value& v, const std::string& path, uint64_t max, uint64_t& out);
bool read_u256(Ctx& c, const json::value& v, const std::string& path, Uint256& out);
bool read_duration(Ctx& c, const json::value& v, const std::string& path, uint64_t& seconds);
bool read_expr(Ctx& c, const json::value& v, const std::string& path, Expr& out);
// Distinct ids, sorted.
bool read_id_set(Ctx& c, const json::value& v, const std::string& path, size_t max, std::vector<std::string>& out);
// Distinct ids, in the order written.
bool read_id_list(Ctx& c, const json::value& v, const std::string& path, size_t max, std::vector<std::string>& out);

bool read_decl(Ctx& c, const json::value& v, const std::string& path, Decl& d);
bool read_settle(Ctx& c, const json::value& v, const std::string& path, Settle& out);
// {goto, refund|release|settle}
bool read_edge(Ctx& c, const json::value& v, const std::string& path, Edge& out);
bool read_stages(Ctx& c, const json::value& v, const std::string& path, std::vector<Stage>& out);
// The dispute section: its ladder, bonds and outcomes (template_dispute.cpp).
bool read_dispute(Ctx& c, const json::value& v, Dispute& d);

// An object whose keys are ids: each becomes a T with that id, read by `each`; sorted by id.
template <typename T, typename F>
bool read_map(Ctx& c, const json::value& v, const std::string& path, size_t max, std::vector<T>& out, F each) {
  const json::object* o = as_object(c, v, path);
  if (!o) return false;
  if (o->size() > max) return c.fail(path, "more than " + std::to_string(max) + " entries");
  for (const auto& kv : *o) {
    std::string key(kv.key());
    std::string p = at(path, key);
    if (!valid_id(key)) return c.fail(p, "'" + key + "' is not a valid id ([a-z][a-z0-9_]*, at most 32)");
    T item;
    item.id = key;
    if (!each(kv.value(), p, item)) return false;
    out.push_back(std::move(item));
  }
  std::sort(out.begin(), out.end(), [](const T& a, const T& b) { return a.id < b.id; });
  return true;
}

}  // namespace cx::alpha::detail
