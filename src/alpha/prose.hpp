#pragma once
// Prose rendered from an instance's params (N3; docs/alpha.md "Prose"). A template pins, per language,
// the hash of its prose source: markdown with placeholders. Rendering fills {param} with the param's
// canonical spelling and {role} with the role's bound addresses; "{{" and "}}" are literal braces. A
// placeholder that names nothing is an error, so a rendered text never has a hole. The rendered text's
// hash is what the instance binds, one per language, next to the simulation digest.
#include <string>
#include <string_view>
#include <variant>

#include "alpha/simulate.hpp"

namespace cx::alpha {

constexpr size_t kProseBytesMax = 64 * 1024;

struct RenderedProse {
  std::string text;
  Hash32 hash;  // SHA3-256 of text
};

// `source` must hash to the template's pinned hash for `lang`; the error says which check failed.
std::variant<RenderedProse, std::string> render_prose(const Template& t, const InstanceInput& in, std::string_view lang,
                                                      std::string_view source);

}  // namespace cx::alpha
