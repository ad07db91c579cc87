#pragma once
// YAML authoring for Alpha templates (and other documents the CLI reads): YAML 1.1 read with libyaml
// and turned into JSON text, which then goes through the same strict JSON path as any template. So the
// canonical form and the hash do not depend on the authoring format. Refused: anchors and aliases,
// tags, several documents, non-scalar keys, duplicate keys. Plain scalars: true/false are booleans,
// null/~ is null, optional '-' and digits are integers; everything else (quoted or not) is a string.
#include <string>
#include <string_view>
#include <variant>

namespace cx::cli {

struct YamlError {
  std::string message;  // "line 12, column 3: duplicate key 'due'"
};

std::variant<std::string, YamlError> yaml_to_json_text(std::string_view yaml);

}  // namespace cx::cli
