#pragma once
// Shared by the alpha tests: a small template that passes every rule, and helpers to mutate it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "alpha/canonical.hpp"
#include "alpha/checker.hpp"
#include "alpha/template.hpp"

namespace cx::alpha::test {

namespace json = boost::json;

// Deposit into escrow, await shipment (result ok/damaged), the buyer's acceptance (delegable to the
// referee), then release to the seller or refund the buyer.
inline constexpr const char* kBase = R"({
  "act": 1,
  "template": { "id": "t.base", "version": "1.0.0" },
  "prose": { "en": { "uri": "u", "hash": "sha3-256:0000000000000000000000000000000000000000000000000000000000000000" },
             "governing": "en" },
  "params": { "price": { "type": "amount", "asset": "COIN" }, "ship_by": "time",
              "mode": { "type": "enum", "values": ["fast", "slow"] } },
  "roles": { "buyer": { "signatory": true }, "seller": { "signatory": true }, "carrier": {},
             "referee": { "referee": true } },
  "assets": { "COIN": { "kind": "native" } },
  "events": { "shipped": { "attesters": ["carrier"], "result": ["ok", "damaged"] } },
  "decisions": { "accept": { "holder": "buyer", "delegable_to": ["referee"], "choices": ["yes", "no"] } },
  "stages": [
    { "id": "deposit", "pay": { "from": "buyer", "to": "escrow", "amount": "price" },
      "due": "signed_at + P3D", "on_timeout": { "goto": "cancelled" } },
    { "id": "shipment", "await": "shipped", "due": "ship_by",
      "on_timeout": { "refund": "all", "goto": "cancelled" },
      "branch": [ { "when": "shipped.result == ok", "goto": "acceptance" }, { "default": "refund_buyer" } ] },
    { "id": "acceptance", "decide": "accept", "due": "shipped.time + P7D", "on_timeout": { "goto": "pay_seller" },
      "branch": [ { "when": "accept.choice == yes", "goto": "pay_seller" }, { "default": "refund_buyer" } ] },
    { "id": "pay_seller", "release": "seller", "goto": "closed" },
    { "id": "refund_buyer", "refund": "all", "goto": "cancelled" }
  ],
  "terminals": ["closed", "cancelled", "faulted"],
  "on_fault": { "refund": "all", "goto": "faulted" }
})";

inline json::value base() { return json::parse(kBase); }

inline std::variant<Template, ParseError> parse(const json::value& v) {
  return parse_template_json(json::serialize(v));
}

inline Template parse_ok(const json::value& v) {
  auto r = parse(v);
  if (auto* e = std::get_if<ParseError>(&r)) {
    ADD_FAILURE() << "parse error: " << e->to_string();
    return Template{};
  }
  return std::get<Template>(r);
}

inline std::string report_text(const CheckReport& r) {
  std::string s;
  for (const auto& f : r.failures) s += f.to_string() + "\n";
  return s.empty() ? "(passes)" : s;
}

inline std::string read_source(const std::string& rel) {
  std::ifstream f(std::string(CX_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline json::object& stage(json::value& v, size_t i) { return v.at("stages").as_array().at(i).as_object(); }

}  // namespace cx::alpha::test
