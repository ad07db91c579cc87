// Parsing templates (errors name the field path) and the canonical form (hash independent of key
// order, whitespace and shorthand; parse -> canonical -> parse is the identity).
#include "alpha/alpha_test_util.hpp"
#include "alpha/strict_json.hpp"

namespace cx::alpha {
namespace {

using namespace test;

std::string parse_error_text(const std::string& text) {
  auto r = parse_template_json(text);
  return std::holds_alternative<ParseError>(r) ? std::get<ParseError>(r).to_string() : "(parsed)";
}
std::string parse_error(const json::value& v) { return parse_error_text(json::serialize(v)); }

TEST(TemplateParse, BaseTemplateParses) {
  Template t = parse_ok(base());
  EXPECT_EQ(t.id, "t.base");
  ASSERT_EQ(t.stages.size(), 5u);
  EXPECT_EQ(t.stages[0].action, Action::kPay);
  EXPECT_EQ(t.stages[0].next, "shipment");  // the implicit exit is written out
  EXPECT_EQ(t.stages[3].settle.rest, Rest::kRole);
  EXPECT_EQ(t.stages[3].settle.rest_to, "seller");
  EXPECT_EQ(t.roles[0].id, "buyer");  // maps are sorted by id
}

TEST(TemplateParse, ErrorsNameTheFieldPath) {
  json::value v = base();
  stage(v, 1)["dew"] = "ship_by";
  EXPECT_EQ(parse_error(v).substr(0, 37), "stages[1].dew: unknown field 'dew' (e");

  v = base();
  stage(v, 1)["due"] = json::object{{"at", "ship_by +"}};
  EXPECT_EQ(parse_error(v), "stages[1].due.at: at 9: expression ends too early");

  v = base();
  stage(v, 2)["due"] = "shipped.time + P1M";
  EXPECT_NE(parse_error(v).find("stages[2].due: at 18: bad duration 'P1M'"), std::string::npos) << parse_error(v);

  v = base();
  v.at("params").as_object()["Price"] = "int";
  EXPECT_EQ(parse_error(v).substr(0, 41), "params.Price: 'Price' is not a valid id (");

  v = base();
  v.at("events").at("shipped").as_object()["quorum"] = -1;
  EXPECT_EQ(parse_error(v), "events.shipped.quorum: expected a non-negative integer");

  v = base();
  v.as_object().erase("on_fault");
  EXPECT_EQ(parse_error(v), "on_fault: missing");

  v = base();
  stage(v, 4)["id"] = "deposit";
  EXPECT_EQ(parse_error(v), "stages[4].id: stage 'deposit' is declared twice");

  v = base();
  v.at("roles").as_object()["escrow"] = json::object{};
  EXPECT_EQ(parse_error(v), "roles.escrow: 'escrow' is a reserved word");

  v = base();
  v.at("roles").as_object()["shipment"] = json::object{};
  EXPECT_EQ(parse_error(v), "stages[1].id: 'shipment' is already declared at roles.shipment");

  v = base();
  stage(v, 3)["refund"] = "all";
  EXPECT_EQ(parse_error(v), "stages[3].refund: a stage has one action; it already has 'release'");

  v = base();
  v.at("params").as_object()["price"] = json::object{{"type", "amount"}};
  EXPECT_EQ(parse_error(v), "params.price.asset: missing: an amount names its asset");

  v = base();
  v.at("prose").as_object()["governing"] = "ko";
  EXPECT_EQ(parse_error(v), "prose.governing: 'ko' is not one of the prose languages");
}

TEST(TemplateParse, StrictJson) {
  EXPECT_NE(parse_error_text(R"({"act": 1, "act": 1})").find("duplicate key 'act'"), std::string::npos);
  EXPECT_NE(parse_error_text(R"({"act": 1.0})").find("not a 64-bit integer"), std::string::npos);
  EXPECT_NE(parse_error_text(R"({"act": 123456789012345678901234567890})").find("not a 64-bit integer"), std::string::npos);
  EXPECT_NE(parse_error_text("{\"act\": 1,}").find("invalid JSON"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "[";
  EXPECT_NE(parse_error_text(deep).find("nested deeper than 16"), std::string::npos);
  EXPECT_NE(parse_error_text(std::string(kTemplateBytesMax + 1, ' ')).find("longer than"), std::string::npos);
}

TEST(TemplateParse, CountsAreBounded) {
  json::value v = base();
  json::array& stages = v.at("stages").as_array();
  for (size_t i = stages.size(); i <= kStagesMax; ++i)
    stages.push_back(json::object{{"id", "s" + std::to_string(i)}, {"refund", "all"}, {"goto", "cancelled"}});
  EXPECT_EQ(parse_error(v), "stages: more than 128 entries");

  v = base();
  json::array values;
  for (size_t i = 0; i <= kEnumValuesMax; ++i) values.push_back(json::value("v" + std::to_string(i)));
  v.at("params").at("mode").as_object()["values"] = values;
  EXPECT_EQ(parse_error(v), "params.mode.values: more than 32 entries");

  v = base();
  v.at("roles").at("carrier").as_object()["members"] = 65;
  EXPECT_EQ(parse_error(v), "roles.carrier.members: greater than 64");
}

// Rebuilds every object with its keys in reverse order.
json::value reversed(const json::value& v) {
  if (v.is_array()) {
    json::array a;
    for (const auto& x : v.as_array()) a.push_back(reversed(x));
    return a;
  }
  if (!v.is_object()) return v;
  std::vector<const json::key_value_pair*> kvs;
  for (const auto& kv : v.as_object()) kvs.push_back(&kv);
  json::object o;
  for (auto it = kvs.rbegin(); it != kvs.rend(); ++it) o[(*it)->key()] = reversed((*it)->value());
  return o;
}

TEST(TemplateCanonical, HashIgnoresKeyOrderWhitespaceAndShorthand) {
  Template t = parse_ok(base());
  Hash32 h = template_hash(t);

  json::value r = reversed(base());
  ASSERT_NE(json::serialize(r), json::serialize(base()));
  EXPECT_EQ(template_hash(parse_ok(r)), h);

  // Shorthand and spelling: explicit next, settle for release/refund, {at} for due, spacing.
  json::value v = base();
  stage(v, 0)["next"] = "shipment";
  stage(v, 3).erase("release");
  stage(v, 3)["settle"] = json::object{{"rest", "seller"}};
  stage(v, 4).erase("refund");
  stage(v, 4)["settle"] = json::object{{"rest", "refund"}};
  stage(v, 1)["due"] = json::object{{"at", "ship_by"}};
  stage(v, 2)["due"] = "shipped.time+P7D";
  v.at("params").as_object()["ship_by"] = json::object{{"type", "time"}};
  EXPECT_EQ(template_hash(parse_ok(v)), h);

  // ... but a change of meaning changes it.
  v = base();
  stage(v, 2)["due"] = "shipped.time + P8D";
  EXPECT_NE(template_hash(parse_ok(v)), h);
  v = base();
  v.at("stages").as_array()[3].as_object()["goto"] = "cancelled";
  EXPECT_NE(template_hash(parse_ok(v)), h);
}

TEST(TemplateCanonical, RoundTripGivesTheSameModelAndHash) {
  for (const char* name : {"manufacturing-order", "auction", "car-jeonse"}) {
    std::string text = read_source(std::string("examples/alpha/") + name + ".json");
    ASSERT_FALSE(text.empty()) << name;
    auto first = parse_template_json(text);
    ASSERT_TRUE(std::holds_alternative<Template>(first)) << name << ": " << std::get<ParseError>(first).to_string();
    const Template& t = std::get<Template>(first);
    std::string canon = canonical_json(t);
    auto second = parse_template_json(canon);
    ASSERT_TRUE(std::holds_alternative<Template>(second)) << name << ": " << std::get<ParseError>(second).to_string();
    EXPECT_EQ(std::get<Template>(second), t) << name;
    EXPECT_EQ(canonical_json(std::get<Template>(second)), canon) << name;
    EXPECT_EQ(template_hash(std::get<Template>(second)), template_hash(t)) << name;
    // The canonical text has sorted keys and no whitespace outside strings.
    EXPECT_EQ(canon.find("\n"), std::string::npos);
    EXPECT_EQ(canon.rfind("{\"act\":1,", 0), 0u) << canon.substr(0, 40);
  }
}

// The canonical encoding is part of the protocol (instances pin template hashes): a change to it must
// be deliberate. If this fails after an intended change of the format, bump `act` and update the hash.
TEST(TemplateCanonical, EncodingIsPinned) {
  Template t = parse_ok(base());
  EXPECT_EQ(canonical_json(t).size(), 1461u) << canonical_json(t);
  EXPECT_EQ(template_hash(t).hex(), "b4fbad77f8f5f5100ed6164d7aad5e262adb8a6d0c80f335e9c7cbc29c36c414") << canonical_json(t);
}

TEST(StrictJson, RefusesWhatWouldBeAmbiguous) {
  auto ok = parse_strict_json(R"({"a": [1, -2, "x"], "b": {"c": null}})", 1'000, 8);
  ASSERT_TRUE(std::holds_alternative<json::value>(ok));
  EXPECT_EQ(json::serialize(std::get<json::value>(ok)), R"({"a":[1,-2,"x"],"b":{"c":null}})");
  auto dup = parse_strict_json(R"({"b": {"c": 1, "c": 2}})", 1'000, 8);
  ASSERT_TRUE(std::holds_alternative<std::string>(dup));
  EXPECT_NE(std::get<std::string>(dup).find("duplicate key 'c'"), std::string::npos);
}

}  // namespace
}  // namespace cx::alpha
