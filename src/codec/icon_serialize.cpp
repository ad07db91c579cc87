#include "codec/icon_serialize.hpp"

#include <algorithm>
#include <vector>

#include <boost/json.hpp>

namespace cx::codec {
namespace {

void append_escaped(std::string_view s, std::string& out) {
  for (char c : s) {
    if (c == '\\' || c == '.' || c == '{' || c == '}' || c == '[' || c == ']') out.push_back('\\');
    out.push_back(c);
  }
}

void append_value(const boost::json::value& v, std::string& out);

void append_object(const boost::json::object& o, std::string& out, bool top_level) {
  std::vector<const boost::json::key_value_pair*> items;
  items.reserve(o.size());
  for (const auto& kv : o) {
    if (top_level && (kv.key() == "signature" || kv.key() == "txHash")) continue;
    items.push_back(&kv);
  }
  // Byte order of the UTF-8 keys (std::string_view compares as unsigned char via char_traits).
  std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
  bool first = true;
  for (const auto* kv : items) {
    if (!first) out.push_back('.');
    first = false;
    append_escaped(kv->key(), out);
    out.push_back('.');
    append_value(kv->value(), out);
  }
}

void append_value(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::string:
      append_escaped(v.get_string(), out);
      break;
    case boost::json::kind::object:
      out.push_back('{');
      append_object(v.get_object(), out, /*top_level=*/false);
      out.push_back('}');
      break;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back('.');
        first = false;
        append_value(e, out);
      }
      out.push_back(']');
      break;
    }
    case boost::json::kind::null:
      out.append("\\0");
      break;
    default:
      // ICON params are strings; numbers and booleans are hashed in their JSON text form.
      append_escaped(boost::json::serialize(v), out);
      break;
  }
}

}  // namespace

void icon_serialize_params(const boost::json::object& params, std::string& out) {
  append_object(params, out, /*top_level=*/true);
}

std::string icon_tx_serialization(const boost::json::object& params, std::string_view method) {
  std::string out;
  out.reserve(512);
  out.append(method);
  out.push_back('.');
  icon_serialize_params(params, out);
  return out;
}

}  // namespace cx::codec
