#pragma once
// The canonical form of a template and its identity (docs/alpha.md §2.9). The canonical form is JSON
// printed from the parsed model, not from the author's text: object keys sorted by bytes, no
// whitespace, integers only (above 2^53 as decimal strings), sugar expanded (release/refund become
// settle, implicit next written out, due as {at}), expressions re-printed canonically. So key order,
// spacing, shorthand and digit separators never change a template's hash, and parsing the canonical
// form gives back the same model (tested).
//
//   template_hash = SHA3-256(canonical_json(t))
#include <string>

#include <boost/json/value.hpp>

#include "alpha/template.hpp"
#include "base/bytes.hpp"

namespace cx::alpha {

boost::json::value to_json(const Template& t);
// Sorted keys, no whitespace, strings escaped minimally (", \ and control characters).
std::string canonical_text(const boost::json::value& v);
std::string canonical_json(const Template& t);
Hash32 template_hash(const Template& t);

}  // namespace cx::alpha
