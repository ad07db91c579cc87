#include "cli/yaml.hpp"

#include <yaml.h>

#include <boost/json.hpp>
#include <charconv>
#include <vector>

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr size_t kDepthMax = 32;

std::string where(const yaml_mark_t& m) {
  return "line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1);
}

json::value scalar(const yaml_event_t& e) {
  std::string_view s(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
  if (e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return json::value(json::string(s));
  if (s == "true") return json::value(true);
  if (s == "false") return json::value(false);
  if (s == "null" || s == "~" || s.empty()) return json::value(nullptr);
  bool digits = !s.empty() && s.find_first_not_of("0123456789", s[0] == '-' ? 1 : 0) == std::string_view::npos &&
                s != "-";
  if (digits) {
    if (s[0] == '-') {
      int64_t v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return json::value(v);
    } else {
      uint64_t v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return json::value(v);
    }
  }
  return json::value(json::string(s));
}

struct Frame {
  json::value container;
  std::string key;
  bool have_key = false;
};

class Converter {
 public:
  std::variant<std::string, YamlError> run(std::string_view text) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return YamlError{"cannot start the YAML parser"};
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    bool done = false;
    while (!done && m_error.empty()) {
      yaml_event_t e;
      if (!yaml_parser_parse(&parser, &e)) {
        m_error = where(parser.problem_mark) + ": " + (parser.problem ? parser.problem : "invalid YAML");
        break;
      }
      done = e.type == YAML_STREAM_END_EVENT;
      step(e);
      yaml_event_delete(&e);
    }
    yaml_parser_delete(&parser);
    if (!m_error.empty()) return YamlError{m_error};
    if (m_documents != 1) return YamlError{"expected exactly one YAML document"};
    return json::serialize(m_result);
  }

 private:
  void step(const yaml_event_t& e) {
    switch (e.type) {
      case YAML_DOCUMENT_START_EVENT:
        if (++m_documents > 1) m_error = where(e.start_mark) + ": a second document";
        break;
      case YAML_ALIAS_EVENT: m_error = where(e.start_mark) + ": anchors and aliases are not accepted"; break;
      case YAML_MAPPING_START_EVENT:
      case YAML_SEQUENCE_START_EVENT:
        if (e.type == YAML_MAPPING_START_EVENT ? e.data.mapping_start.anchor != nullptr
                                               : e.data.sequence_start.anchor != nullptr) {
          m_error = where(e.start_mark) + ": anchors and aliases are not accepted";
          return;
        }
        if (!m_stack.empty() && m_stack.back().container.is_object() && !m_stack.back().have_key) {
          m_error = where(e.start_mark) + ": a key must be a plain value";
          return;
        }
        if (m_stack.size() >= kDepthMax) {
          m_error = where(e.start_mark) + ": nested deeper than " + std::to_string(kDepthMax);
          return;
        }
        m_stack.push_back({e.type == YAML_MAPPING_START_EVENT ? json::value(json::object()) : json::value(json::array())});
        break;
      case YAML_MAPPING_END_EVENT:
      case YAML_SEQUENCE_END_EVENT: {
        json::value v = std::move(m_stack.back().container);
        m_stack.pop_back();
        put(std::move(v), e);
        break;
      }
      case YAML_SCALAR_EVENT: {
        if (e.data.scalar.anchor) {
          m_error = where(e.start_mark) + ": anchors and aliases are not accepted";
          return;
        }
        if (!m_stack.empty() && m_stack.back().container.is_object() && !m_stack.back().have_key) {
          Frame& f = m_stack.back();
          f.key.assign(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
          if (f.container.get_object().contains(f.key)) m_error = where(e.start_mark) + ": duplicate key '" + f.key + "'";
          f.have_key = true;
          return;
        }
        put(scalar(e), e);
        break;
      }
      default: break;
    }
  }
  void put(json::value v, const yaml_event_t&) {
    if (m_stack.empty()) {
      m_result = std::move(v);
      return;
    }
    Frame& f = m_stack.back();
    if (f.container.is_array()) {
      f.container.get_array().push_back(std::move(v));
    } else {
      f.container.get_object()[f.key] = std::move(v);
      f.have_key = false;
    }
  }

  std::vector<Frame> m_stack;
  json::value m_result;
  std::string m_error;
  int m_documents = 0;
};

}  // namespace

std::variant<std::string, YamlError> yaml_to_json_text(std::string_view yaml) { return Converter().run(yaml); }

}  // namespace cx::cli
