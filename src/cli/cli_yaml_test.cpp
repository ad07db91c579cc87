// YAML authoring: a YAML template converts to the same canonical form and hash as its JSON twin;
// what YAML could make ambiguous is refused.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "alpha/canonical.hpp"
#include "alpha/template.hpp"
#include "cli/yaml.hpp"

namespace cx::cli {
namespace {

std::string read(const std::string& rel) {
  std::ifstream f(std::string(CX_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string yaml_error(std::string_view text) {
  auto r = yaml_to_json_text(text);
  return std::holds_alternative<YamlError>(r) ? std::get<YamlError>(r).message : "(converted) " + std::get<std::string>(r);
}

TEST(Yaml, AuctionInYamlHasTheHashOfItsJsonTwin) {
  auto converted = yaml_to_json_text(read("examples/alpha/auction.yaml"));
  ASSERT_TRUE(std::holds_alternative<std::string>(converted)) << std::get<YamlError>(converted).message;
  auto from_yaml = alpha::parse_template_json(std::get<std::string>(converted));
  auto from_json = alpha::parse_template_json(read("examples/alpha/auction.json"));
  ASSERT_TRUE(std::holds_alternative<alpha::Template>(from_yaml)) << std::get<alpha::ParseError>(from_yaml).to_string();
  ASSERT_TRUE(std::holds_alternative<alpha::Template>(from_json));
  EXPECT_EQ(alpha::template_hash(std::get<alpha::Template>(from_yaml)),
            alpha::template_hash(std::get<alpha::Template>(from_json)));
}

TEST(Yaml, ScalarsAndRefusals) {
  auto r = yaml_to_json_text("a: 12\nb: -3\nc: true\nd: \"12\"\ne: 1.5\nf: P21D\ng: ~\nh: [x, 'y']\n");
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_EQ(std::get<std::string>(r), R"({"a":12,"b":-3,"c":true,"d":"12","e":"1.5","f":"P21D","g":null,"h":["x","y"]})");
  EXPECT_NE(yaml_error("a: 1\na: 2\n").find("line 2, column 1: duplicate key 'a'"), std::string::npos);
  EXPECT_NE(yaml_error("a: &x 1\nb: *x\n").find("anchors and aliases"), std::string::npos);
  EXPECT_NE(yaml_error("a: 1\n---\nb: 2\n").find("a second document"), std::string::npos);
  EXPECT_NE(yaml_error("? [a, b]\n: 1\n").find("a key must be a plain value"), std::string::npos);
  EXPECT_NE(yaml_error("a: [1, 2\n").find("line"), std::string::npos);
}

}  // namespace
}  // namespace cx::cli
