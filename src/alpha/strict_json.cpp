#include "alpha/strict_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <vector>

namespace cx::alpha {
namespace {

namespace json = boost::json;

struct Handler {
  static constexpr size_t max_array_size = 4096;
  static constexpr size_t max_object_size = 4096;
  static constexpr size_t max_string_size = 64 * 1024;
  static constexpr size_t max_key_size = 256;

  struct Frame {
    json::value container;
    std::string key;  // the key waiting for its value (objects)
  };
  std::vector<Frame> stack;
  std::string part, key_part;
  json::value result;
  std::string error;

  bool fail(json::error_code& ec, std::string why) {
    error = std::move(why);
    ec = json::error::syntax;  // any code: `error` carries the message
    return false;
  }
  bool put(json::value v, json::error_code& ec) {
    if (stack.empty()) {
      result = std::move(v);
      return true;
    }
    Frame& top = stack.back();
    if (top.container.is_array()) {
      top.container.get_array().push_back(std::move(v));
      return true;
    }
    top.container.get_object().emplace(top.key, std::move(v));
    return true;
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) {
    stack.push_back({json::array(), {}});
    return true;
  }
  bool on_array_end(size_t, json::error_code& ec) {
    json::value v = std::move(stack.back().container);
    stack.pop_back();
    return put(std::move(v), ec);
  }
  bool on_object_begin(json::error_code&) {
    stack.push_back({json::object(), {}});
    return true;
  }
  bool on_object_end(size_t, json::error_code& ec) { return on_array_end(0, ec); }
  bool on_string_part(json::string_view s, size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, size_t, json::error_code& ec) {
    part.append(s.data(), s.size());
    json::value v(json::string(part.data(), part.size()));
    part.clear();
    return put(std::move(v), ec);
  }
  bool on_key_part(json::string_view s, size_t, json::error_code&) {
    key_part.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, size_t, json::error_code& ec) {
    key_part.append(s.data(), s.size());
    Frame& top = stack.back();
    if (top.container.get_object().contains(key_part)) return fail(ec, "duplicate key '" + key_part + "'");
    top.key = std::move(key_part);
    key_part.clear();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t i, json::string_view, json::error_code& ec) { return put(json::value(i), ec); }
  bool on_uint64(uint64_t u, json::string_view, json::error_code& ec) { return put(json::value(u), ec); }
  bool on_double(double, json::string_view s, json::error_code& ec) {
    return fail(ec, "number '" + std::string(s.data(), s.size()) +
                        "' is not a 64-bit integer (no fractions; write large integers as strings)");
  }
  bool on_bool(bool b, json::error_code& ec) { return put(json::value(b), ec); }
  bool on_null(json::error_code& ec) { return put(json::value(nullptr), ec); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

std::variant<json::value, std::string> parse_strict_json(std::string_view text, size_t bytes_max, size_t depth_max) {
  if (text.size() > bytes_max) return "document is longer than " + std::to_string(bytes_max) + " bytes";
  json::parse_options opt;
  opt.max_depth = depth_max;
  json::basic_parser<Handler> p(opt);
  json::error_code ec;
  size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    std::string why = p.handler().error.empty() ? ec.message() : p.handler().error;
    if (ec == json::error::too_deep) why = "nested deeper than " + std::to_string(depth_max) + " levels";
    return "invalid JSON at byte " + std::to_string(used) + ": " + why;
  }
  return std::move(p.handler().result);
}

}  // namespace cx::alpha
