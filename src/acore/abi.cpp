#include "acore/abi.hpp"

#include "acore/int256.hpp"
#include "crypto/address.hpp"

namespace cx::acore {

namespace {

bool ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

// A recursive-descent reader over one signature; every method returns false with m_error set.
class Reader {
 public:
  explicit Reader(std::string_view text) : m_text(text) {}

  std::string error;

  void skip_space() {
    while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n')) ++m_pos;
  }
  bool at_end() { skip_space(); return m_pos == m_text.size(); }
  bool peek(char c) { skip_space(); return m_pos < m_text.size() && m_text[m_pos] == c; }
  bool accept(std::string_view token) {
    skip_space();
    if (m_text.substr(m_pos, token.size()) != token) return false;
    m_pos += token.size();
    return true;
  }
  bool expect(std::string_view token) {
    if (accept(token)) return true;
    return fail("expected '" + std::string(token) + "'" + where());
  }
  bool fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }
  std::string where() {
    if (m_pos >= m_text.size()) return " at the end";
    return " near '" + std::string(m_text.substr(m_pos, 12)) + "'";
  }

  bool ident(std::string& out) {
    skip_space();
    size_t start = m_pos;
    if (m_pos < m_text.size() && ident_start(m_text[m_pos])) {
      while (m_pos < m_text.size() && ident_char(m_text[m_pos])) ++m_pos;
    }
    if (m_pos == start) return fail("expected a name" + where());
    out = std::string(m_text.substr(start, m_pos - start));
    if (out.size() > kNameBytesMax) return fail("name '" + out.substr(0, 16) + "…' longer than 64 bytes");
    return true;
  }

  bool type(Type& out, bool output, size_t depth) {
    if (depth > kTypeDepthMax) return fail("types nest deeper than " + std::to_string(kTypeDepthMax));
    if (accept("[]")) {
      out.kind = Type::Kind::kList;
      out.element.emplace_back();
      return type(out.element.back(), /*output=*/false, depth + 1);
    }
    if (accept("{")) return struct_type(out, depth);
    std::string name;
    if (!ident(name)) return false;
    static const std::pair<std::string_view, Type::Kind> kScalars[] = {
        {"int", Type::Kind::kInt}, {"str", Type::Kind::kStr}, {"bytes", Type::Kind::kBytes},
        {"bool", Type::Kind::kBool}, {"Address", Type::Kind::kAddress}};
    for (const auto& [n, k] : kScalars)
      if (name == n) { out.kind = k; return true; }
    if (output && name == "list") { out.kind = Type::Kind::kList; return true; }
    if (output && name == "dict") { out.kind = Type::Kind::kDict; return true; }
    return fail("unknown type '" + name + "' (int, str, bytes, bool, Address, []T, {T name, ...}" +
                (output ? ", list, dict" : "") + ")");
  }

  bool struct_type(Type& out, size_t depth) {
    out.kind = Type::Kind::kStruct;
    do {
      Field f;
      if (!type(f.type, /*output=*/false, depth + 1) || !ident(f.name)) return false;
      for (const Field& g : out.fields)
        if (g.name == f.name) return fail("struct field '" + f.name + "' declared twice");
      out.fields.push_back(std::move(f));
    } while (accept(","));
    return expect("}");
  }

  // The default after '=': nil, true, false, a "quoted string", or a bare token (0x10, 12, hx…).
  bool default_value(Param& p) {
    p.optional = true;
    skip_space();
    if (accept("nil")) return true;
    std::string raw;
    if (accept("\"")) {
      size_t end = m_text.find('"', m_pos);
      if (end == std::string_view::npos) return fail("unterminated string default");
      raw = std::string(m_text.substr(m_pos, end - m_pos));
      m_pos = end + 1;
      if (p.type.kind != Type::Kind::kStr) return fail("a quoted default fits only a str param");
      p.default_value = raw;
      return true;
    }
    size_t start = m_pos;
    while (m_pos < m_text.size() && m_text[m_pos] != ',' && m_text[m_pos] != ')' && m_text[m_pos] != ' ') ++m_pos;
    raw = std::string(m_text.substr(start, m_pos - start));
    return check_default(p, raw);
  }

  bool check_default(Param& p, const std::string& raw) {
    const std::string bad = "default '" + raw + "' is not a valid " + p.type.name();
    switch (p.type.kind) {
      case Type::Kind::kInt: {
        auto v = raw.find("0x") != std::string::npos ? Int256::from_icon_hex(raw) : Int256::from_dec(raw);
        if (!v) return fail(bad);
        p.default_value = v->to_icon_hex();
        return true;
      }
      case Type::Kind::kBool:
        if (raw != "true" && raw != "false") return fail(bad);
        p.default_value = raw == "true" ? "0x1" : "0x0";
        return true;
      case Type::Kind::kBytes:
        if (!raw.starts_with("0x") || !from_hex(std::string_view(raw).substr(2))) return fail(bad);
        p.default_value = raw;
        return true;
      case Type::Kind::kAddress:
        if (!crypto::Address::parse(raw)) return fail(bad);
        p.default_value = raw;
        return true;
      case Type::Kind::kStr:
        return fail("a str default is written in double quotes");
      default:
        return fail("a " + p.type.name() + " param can only default to nil");
    }
  }

  bool param(Param& p, SignatureKind kind) {
    if (!type(p.type, /*output=*/false, 0)) return false;
    if (accept("indexed ")) {
      if (kind != SignatureKind::kEvent) return fail("only event params can be indexed");
      p.indexed = true;
    }
    if (!ident(p.name)) return false;
    if (kind == SignatureKind::kEvent && !p.type.scalar())
      return fail("event param '" + p.name + "' must be int, str, bytes, bool or Address");
    if (accept("=")) {
      if (kind == SignatureKind::kEvent) return fail("event params have no defaults");
      return default_value(p);
    }
    return true;
  }

  bool signature(Signature& sig, SignatureKind kind) {
    if (kind == SignatureKind::kInstall) {
      if (!peek('(') && !ident(sig.name)) return false;
    } else if (!ident(sig.name)) {
      return false;
    }
    if (!expect("(")) return false;
    if (!accept(")")) {
      do {
        if (sig.inputs.size() == kParamsMax) return fail("more than " + std::to_string(kParamsMax) + " params");
        Param p;
        if (!param(p, kind)) return false;
        for (const Param& q : sig.inputs)
          if (q.name == p.name) return fail("param '" + p.name + "' declared twice");
        if (!p.optional && !sig.inputs.empty() && sig.inputs.back().optional)
          return fail("param '" + p.name + "' without a default follows one with a default");
        sig.inputs.push_back(std::move(p));
      } while (accept(","));
      if (!expect(")")) return false;
    }
    if (accept("->")) {
      if (kind != SignatureKind::kFunction) return fail("only functions have an output");
      sig.output.emplace();
      if (!type(*sig.output, /*output=*/true, 0)) return false;
    }
    if (!at_end()) return fail("unexpected text" + where());
    return true;
  }

 private:
  std::string_view m_text;
  size_t m_pos = 0;
};

}  // namespace

std::string Type::name() const {
  switch (kind) {
    case Kind::kInt: return "int";
    case Kind::kStr: return "str";
    case Kind::kBytes: return "bytes";
    case Kind::kBool: return "bool";
    case Kind::kAddress: return "Address";
    case Kind::kStruct: return "struct";
    case Kind::kDict: return "dict";
    case Kind::kList: return element.empty() ? "list" : "[]" + element[0].name();
  }
  return "?";
}

std::variant<Signature, std::string> parse_signature(std::string_view text, SignatureKind kind) {
  Reader r(text);
  Signature sig;
  if (!r.signature(sig, kind)) return r.error;
  if (kind == SignatureKind::kEvent) {
    size_t indexed = 0;
    for (const Param& p : sig.inputs) indexed += p.indexed ? 1 : 0;
    if (indexed > kEventIndexedMax)
      return "an event has at most " + std::to_string(kEventIndexedMax) + " indexed params";
  }
  return sig;
}

std::string event_signature(const Signature& sig) {
  std::string s = sig.name + "(";
  for (size_t i = 0; i < sig.inputs.size(); ++i) s += (i ? "," : "") + sig.inputs[i].type.name();
  return s + ")";
}

AbiParam to_abi_param(const Param& p) {
  AbiParam a;
  a.name = p.name;
  a.type = p.type.name();
  a.indexed = p.indexed;
  a.optional = p.optional;
  a.default_value = p.default_value;
  const Type* t = &p.type;
  while (t->kind == Type::Kind::kList && !t->element.empty()) t = &t->element[0];
  for (const Field& f : t->fields) {
    Param fp;
    fp.name = f.name;
    fp.type = f.type;
    a.fields.push_back(to_abi_param(fp));
  }
  return a;
}

std::string inputs_text(const std::vector<Param>& inputs) {
  std::string s;
  for (size_t i = 0; i < inputs.size(); ++i) s += (i ? "," : "") + inputs[i].name + ":" + inputs[i].type.name();
  return s;
}

}  // namespace cx::acore
