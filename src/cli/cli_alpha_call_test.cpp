// The Alpha verbs' argument parsing and tx building (cmd_alpha_call.cpp): each verb becomes the call the
// system contract expects, bad input is refused with a message naming it, and the built tx is one the
// node's own parser accepts.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <variant>

#include "alpha/canonical.hpp"
#include "alpha/instance.hpp"
#include "alpha/system_contract.hpp"
#include "alpha/template.hpp"
#include "cli/cmd_alpha.hpp"
#include "core/transaction.hpp"

namespace cx::cli {
namespace {

namespace json = boost::json;

std::string src(const std::string& rel) { return std::string(CX_SOURCE_DIR) + "/" + rel; }

// The call for `verb` from argv, or the error message.
std::variant<AlphaCall, std::string> build(const std::string& verb, const Argv& argv) {
  Args args("", "", alpha_verb_options(verb));
  int code = 0;
  testing::internal::CaptureStderr();
  bool parsed = args.parse(argv, code);
  std::string err = testing::internal::GetCapturedStderr();
  if (!parsed) return "parse: " + err;
  auto call = alpha_call_of(verb, args);
  if (!call) return call.message();
  return *call;
}

AlphaCall ok(const std::string& verb, const Argv& argv) {
  auto r = build(verb, argv);
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << verb << ": " << *e;
  return std::get_if<AlphaCall>(&r) ? std::get<AlphaCall>(r) : AlphaCall{};
}

std::string refused(const std::string& verb, const Argv& argv) {
  auto r = build(verb, argv);
  if (std::holds_alternative<AlphaCall>(r)) {
    ADD_FAILURE() << verb << " accepted " << json::serialize(std::get<AlphaCall>(r).params);
    return "";
  }
  return std::get<std::string>(r);
}

const std::string kHx = "hxef3c05b31fdb0a67447a45c05993f2df77e4db29";

TEST(AlphaCallCli, InstanceVerbsBuildTheContractsParams) {
  AlphaCall sign = ok("sign", {"7", "--hash", "0x" + std::string(64, 'a')});
  EXPECT_EQ(sign.method, "sign");
  EXPECT_EQ(sign.params.at("id"), "0x7");
  EXPECT_EQ(sign.params.at("hash"), json::value("0x" + std::string(64, 'a')));
  EXPECT_FALSE(ok("sign", {"0x7"}).params.contains("hash"));  // filled from the chain by the sender

  AlphaCall fund = ok("fund", {"12", "--value", "1500", "--unit", "loop"});
  EXPECT_EQ(fund.method, "fund");
  EXPECT_EQ(fund.params.at("id"), "0xc");
  EXPECT_EQ(fund.value, Uint256(1500));
  EXPECT_EQ(ok("reserve", {"1", "--value", "0.5"}).value, *Uint256::from_dec("500000000000000000"));

  AlphaCall attest = ok("attest", {"3", "order_confirmed", "--result", "accepted", "--fields", "{\"defect_rate\":\"1%\"}",
                                   "--attest-nonce", "n-1"});
  EXPECT_EQ(attest.params.at("event"), "order_confirmed");
  EXPECT_EQ(attest.params.at("result"), "accepted");
  EXPECT_EQ(attest.params.at("nonce"), "n-1");
  EXPECT_EQ(json::parse(attest.params.at("fields").as_string()), json::parse("{\"defect_rate\":\"1%\"}"));
  EXPECT_FALSE(ok("attest", {"3", "shipped"}).params.at("nonce").as_string().empty());  // a fresh nonce by default

  AlphaCall decide = ok("decide", {"3", "award", kHx});
  EXPECT_EQ(decide.params.at("decision"), "award");
  EXPECT_EQ(decide.params.at("choice"), json::value(kHx));
  EXPECT_EQ(ok("delegate", {"3", "award", kHx}).params.at("to"), json::value(kHx));
  EXPECT_EQ(ok("revoke", {"3", "award"}).params.size(), 2u);
  EXPECT_EQ(ok("dispute", {"3"}).params, (json::object{{"id", "0x3"}}));
  EXPECT_EQ(ok("rule", {"3", "split"}).params.at("outcome"), "split");
}

TEST(AlphaCallCli, ProposeTakesAHashOrTheTemplateFile) {
  std::ifstream f(src("examples/alpha/terms/cwo.json"));
  std::stringstream text;
  text << f.rdbuf();
  const std::string hash =
      "0x" + alpha::template_hash(std::get<alpha::Template>(alpha::parse_template_json(text.str()))).hex();
  const std::string parties = "{\"buyer\":\"" + kHx + "\",\"seller\":\"hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18\","
                              "\"carrier\":\"hx0000000000000000000000000000000000000001\"}";
  const Argv rest{"--params", "{\"price\":\"1000\",\"confirm_within\":\"P5D\",\"ship_by\":1800000000}",
                  "--parties", parties, "--sign-by", "P3D"};
  Argv by_file{src("examples/alpha/terms/cwo.json")};
  by_file.insert(by_file.end(), rest.begin(), rest.end());
  AlphaCall p = ok("propose", by_file);
  EXPECT_EQ(p.method, "propose");
  EXPECT_EQ(p.params.at("template"), json::value(hash));
  EXPECT_EQ(json::parse(p.params.at("params").as_string()).at("confirm_within"), "P5D");
  EXPECT_TRUE(p.params.contains("signBy"));
  // The instance hash is computed from the file once the chain has the instance, to check the chain's against.
  EXPECT_EQ(p.template_file, src("examples/alpha/terms/cwo.json"));
  Argv by_hash{hash};
  by_hash.insert(by_hash.end(), rest.begin(), rest.end());
  EXPECT_EQ(ok("propose", by_hash).params.at("params"), p.params.at("params"));
  EXPECT_TRUE(ok("propose", by_hash).template_file.empty());
  // With the file, params and parties are bound by the engine here: a refusal costs no fee.
  Argv missing{src("examples/alpha/terms/cwo.json"), "--params", "{\"price\":\"1000\"}", "--parties", parties};
  EXPECT_NE(refused("propose", missing).find("params.confirm_within"), std::string::npos);
  Argv no_carrier{src("examples/alpha/terms/cwo.json"), "--parties", "{\"buyer\":\"" + kHx + "\"}", "--params", rest[1]};
  EXPECT_NE(refused("propose", no_carrier).find("does not fit"), std::string::npos);
}

TEST(AlphaCallCli, SignRecomputesTheInstanceHashFromTheTemplate) {
  std::ifstream f(src("examples/alpha/terms/cwo.json"));
  std::stringstream text;
  text << f.rdbuf();
  const alpha::Template t = std::get<alpha::Template>(alpha::parse_template_json(text.str()));
  json::object params{{"price", "1000"}, {"confirm_within", "P5D"}, {"ship_by", 1'800'000'000}};
  json::object parties{{"buyer", kHx}, {"seller", "hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18"},
                       {"carrier", json::array{"hx0000000000000000000000000000000000000001"}}};
  auto inst = std::get<alpha::Instance>(alpha::propose(t, alpha::template_hash(t), 9, params, parties, 1'700'000'000, std::nullopt));
  // Sealed as the system contract seals a proposal: prose by its pinned sources, and the simulation.
  ASSERT_FALSE(alpha::seal_prose(t, inst, {}).has_value());
  ASSERT_FALSE(alpha::seal_simulation(t, inst, alpha::kProposeSimPathsMax).has_value());
  const json::object stored = alpha::to_json(inst);  // what getInstance answers
  auto h = instance_hash_from(src("examples/alpha/terms/cwo.json"), stored);
  ASSERT_TRUE(h) << h.message();
  EXPECT_EQ(*h, "0x" + inst.hash.hex());
  auto other = instance_hash_from(src("examples/alpha/auction.json"), stored);
  ASSERT_FALSE(other);
  EXPECT_NE(other.message().find("not of"), std::string::npos);
  json::object tampered = stored;
  tampered["params"].as_object()["price"] = "999";  // the hash was computed from other params
  auto h2 = instance_hash_from(src("examples/alpha/terms/cwo.json"), tampered);
  ASSERT_TRUE(h2);
  EXPECT_NE(*h2, "0x" + inst.hash.hex());
}

TEST(AlphaCallCli, PublishChecksTheTemplateFirst) {
  AlphaCall pub = ok("publish", {src("examples/alpha/auction.yaml")});
  EXPECT_EQ(pub.method, "registerTemplate");
  auto t = alpha::parse_template_json(pub.params.at("template").as_string());
  ASSERT_TRUE(std::holds_alternative<alpha::Template>(t));  // the YAML went out as JSON text
  EXPECT_EQ(std::get<alpha::Template>(t).id, "cx.market.owner-auction");

  const std::string bad = testing::TempDir() + "/alpha_bad_template.json";
  std::ifstream in(src("examples/alpha/terms/cwo.json"));
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  const std::string timeout = "\"on_timeout\": { \"goto\": \"cancelled\" }";
  text.replace(text.find(timeout), timeout.size(), "\"next\": \"confirmation\"");
  std::ofstream(bad) << text;
  EXPECT_NE(refused("publish", {bad}).find("is refused: ["), std::string::npos);
  EXPECT_NE(refused("publish", {src("examples/alpha/nope.json")}).find("cannot read"), std::string::npos);
}

TEST(AlphaCallCli, BadInputIsRefusedNamingIt) {
  EXPECT_NE(refused("sign", {}).find("expects ID"), std::string::npos);
  EXPECT_NE(refused("sign", {"seven"}).find("ID 'seven'"), std::string::npos);
  EXPECT_NE(refused("sign", {"0"}).find("not an instance id"), std::string::npos);
  EXPECT_NE(refused("sign", {"1", "--hash", "0x12"}).find("--hash"), std::string::npos);
  EXPECT_NE(refused("fund", {"1"}).find("--value AMOUNT is required"), std::string::npos);
  EXPECT_NE(refused("fund", {"1", "--value", "0"}).find("more than zero"), std::string::npos);
  EXPECT_NE(refused("fund", {"1", "--value", "-3"}).find("-3"), std::string::npos);
  EXPECT_NE(refused("fund", {"1", "--value", "1", "--unit", "won"}).find("--unit"), std::string::npos);
  EXPECT_NE(refused("delegate", {"1", "award", "bob"}).find("TO 'bob'"), std::string::npos);
  EXPECT_NE(refused("decide", {"1", "award"}).find("expects ID DECISION CHOICE"), std::string::npos);
  EXPECT_NE(refused("attest", {"1", std::string(200, 'e')}).find("1..128"), std::string::npos);
  EXPECT_NE(refused("attest", {"1", "e", "--fields", "[1]"}).find("--fields: expected a JSON object"), std::string::npos);
  EXPECT_NE(refused("fund", {"1", "--bogus", "1"}).find("bogus"), std::string::npos);
  const Argv no_parties{"0x" + std::string(64, 'b'), "--params", "{}"};
  EXPECT_NE(refused("propose", no_parties).find("--parties is required"), std::string::npos);
  EXPECT_NE(refused("propose", {"0x" + std::string(64, 'b'), "--params", "{\"a\":", "--parties", "{}"}).find("--params: not JSON"),
            std::string::npos);
  EXPECT_NE(refused("propose", {"0x" + std::string(64, 'b'), "--params", "/nonexistent/params.json", "--parties", "{}"})
                .find("--params: cannot read /nonexistent/params.json"),
            std::string::npos);
  EXPECT_NE(refused("propose", {"0x" + std::string(64, 'b'), "--params", "{}", "--parties", "{}", "--sign-by", "soon"})
                .find("--sign-by 'soon'"),
            std::string::npos);
  EXPECT_NE(refused("propose", {"0xzz", "--params", "{}", "--parties", "{}"}).find("TEMPLATE"), std::string::npos);
}

TEST(AlphaCallCli, TheTxIsACallTheNodeAccepts) {
  AlphaCall fund = ok("fund", {"5", "--value", "2", "--unit", "loop"});
  TxSpec spec = alpha_tx_spec(fund);
  spec.nid = 3;
  spec.timestamp_us = 1'700'000'000'000'000;
  auto key = parse_private_key_hex("0x" + std::string(63, '0') + "1");
  ASSERT_TRUE(key);
  SignedTx tx = build_signed_tx(spec, *key);
  auto parsed = core::parse_transaction(tx.params);
  ASSERT_TRUE(std::holds_alternative<core::Transaction>(parsed)) << std::get<core::TxRejection>(parsed).detail;
  EXPECT_EQ(std::get<core::Transaction>(parsed).hash, tx.hash);
  EXPECT_EQ(tx.params.at("to"), "cx0000000000000000000000000000000000000a01");
  EXPECT_EQ(tx.params.at("dataType"), "call");
  EXPECT_EQ(tx.params.at("value"), "0x2");
  EXPECT_EQ(tx.params.at("stepLimit"), json::value(Uint256(kAlphaStepLimit).to_icon_hex()));
  EXPECT_EQ(tx.params.at("data"), (json::object{{"method", "fund"}, {"params", {{"id", "0x5"}}}}));
}

}  // namespace
}  // namespace cx::cli
