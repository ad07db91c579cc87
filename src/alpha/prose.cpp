// Rendering prose (prose.hpp): one pass over the source, placeholders bounded to an id's length.
#include "alpha/prose.hpp"

#include "crypto/hash.hpp"

namespace cx::alpha {

namespace {

std::optional<std::string> fill(const Template& t, const InstanceInput& in, const std::string& name) {
  if (auto it = in.param_text.find(name); it != in.param_text.end()) return it->second;
  if (find_role(t, name)) {
    auto it = in.parties.find(name);
    if (it == in.parties.end()) return std::nullopt;
    std::string s;
    for (const auto& m : it->second) s += (s.empty() ? "" : ", ") + m;
    return s;
  }
  return std::nullopt;
}

}  // namespace

std::variant<RenderedProse, std::string> render_prose(const Template& t, const InstanceInput& in, std::string_view lang,
                                                      std::string_view source) {
  const Prose* pinned = nullptr;
  for (const Prose& p : t.prose)
    if (p.lang == lang) pinned = &p;
  if (!pinned) return "the template has no prose in '" + std::string(lang) + "'";
  if (source.size() > kProseBytesMax) return "the prose is larger than " + std::to_string(kProseBytesMax) + " bytes";
  if (Hash32 h = crypto::sha3_256(as_bytes(source)); h != pinned->hash)
    return "the prose source hashes to sha3-256:" + h.hex() + ", but the template pins sha3-256:" + pinned->hash.hex() +
           " for '" + std::string(lang) + "'";
  RenderedProse r;
  for (size_t i = 0; i < source.size(); ++i) {
    char ch = source[i];
    if ((ch == '{' || ch == '}') && i + 1 < source.size() && source[i + 1] == ch) {
      r.text += ch;
      ++i;
      continue;
    }
    if (ch != '{') {
      r.text += ch;
      continue;
    }
    size_t end = source.find('}', i);
    if (end == std::string_view::npos || end - i - 1 > kIdMax)
      return "an unclosed placeholder at byte " + std::to_string(i) + " (write {{ for a literal brace)";
    std::string name(source.substr(i + 1, end - i - 1));
    auto value = fill(t, in, name);
    if (!value) return "placeholder {" + name + "} at byte " + std::to_string(i) + " names no param or role";
    r.text += *value;
    i = end;
  }
  r.hash = crypto::sha3_256(as_bytes(r.text));
  return r;
}

}  // namespace cx::alpha
