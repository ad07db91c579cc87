#pragma once
// A strict JSON reader for templates and other signed documents: a document must mean one thing, so
// duplicate keys (which Boost.JSON would silently resolve to the last one) are refused, and so are
// fractional numbers, integers beyond 64 bits (write them as decimal strings), comments, nesting
// deeper than `depth_max` and text longer than `bytes_max`. Errors name the byte offset.
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/value.hpp>

namespace cx::alpha {

std::variant<boost::json::value, std::string> parse_strict_json(std::string_view text, size_t bytes_max,
                                                                 size_t depth_max);

}  // namespace cx::alpha
