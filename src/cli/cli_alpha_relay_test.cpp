// The webhook relay's authentication, replay memory, bounds and tx (alpha_relay.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "alpha/system_contract.hpp"
#include "cli/alpha_relay.hpp"

namespace cx::cli::relay {
namespace {

constexpr int64_t kNow = 1'767'225'600;
const std::string kSecret = "a-shared-secret-of-32-characters";
const std::string kBody = R"({"instance":"0x1","event":"shipped","result":"ok"})";

Config config() {
  auto c = parse_config(R"({"keystore":"attester.json","window_seconds":300,"deliveries_max":3,
                           "sources":{"warehouse":{"secret":"a-shared-secret-of-32-characters"}}})",
                        "/etc/relay");
  EXPECT_TRUE(c) << c.message();
  return *c;
}

Delivery signed_delivery(const std::string& id, int64_t ts, const std::string& body = kBody) {
  const std::string t = std::to_string(ts);
  return {"warehouse", id, t, "sha256=" + signature_hex(kSecret, t, id, body)};
}

TEST(AlphaRelay, SignatureIsHmacSha256OfTimestampDeliveryAndBody) {
  // Reference values from Python's hmac module: HMAC-SHA256(secret, "<timestamp>.<delivery>.<body>").
  EXPECT_EQ(signature_hex(kSecret, "1767225600", "d-1", kBody), "f35198f29d7407419e7c66a3b96d8398278c42b4620270037e174c76794d6183");
  EXPECT_NE(signature_hex(kSecret, "1767225600", "d-1", kBody + " "), signature_hex(kSecret, "1767225600", "d-1", kBody));
}

TEST(AlphaRelay, AcceptsASignedFreshDeliveryOnce) {
  Config c = config();
  Authenticator auth(c);
  EXPECT_TRUE(auth.admit(signed_delivery("d-1", kNow), kBody, kNow).ok());
  Verdict again = auth.admit(signed_delivery("d-1", kNow), kBody, kNow + 10);
  EXPECT_EQ(again.refusal, Refusal::kReplay);
  EXPECT_EQ(http_status(again.refusal), 409u);
  // Another source may use the same id... only if it is configured: unknown sources are refused.
  Delivery other = signed_delivery("d-1", kNow);
  other.source = "carrier";
  EXPECT_EQ(auth.admit(other, kBody, kNow).refusal, Refusal::kUnknownSource);
}

TEST(AlphaRelay, RefusesForgedOrTamperedDeliveries) {
  Config c = config();
  Authenticator auth(c);
  Delivery d = signed_delivery("d-2", kNow);
  EXPECT_EQ(auth.admit(d, kBody + " ", kNow).refusal, Refusal::kBadSignature);  // body changed
  Delivery moved = d;
  moved.id = "d-3";  // the signature binds the delivery id
  EXPECT_EQ(auth.admit(moved, kBody, kNow).refusal, Refusal::kBadSignature);
  Delivery retimed = d;
  retimed.timestamp = std::to_string(kNow + 1);  // and the timestamp
  EXPECT_EQ(auth.admit(retimed, kBody, kNow).refusal, Refusal::kBadSignature);
  Delivery wrong_key = d;
  wrong_key.signature = "sha256=" + signature_hex("another-secret-of-some-length", d.timestamp, d.id, kBody);
  EXPECT_EQ(auth.admit(wrong_key, kBody, kNow).refusal, Refusal::kBadSignature);
  // None of the refusals burnt the id: the genuine delivery still goes through.
  EXPECT_TRUE(auth.admit(d, kBody, kNow).ok());
  EXPECT_EQ(auth.remembered(), 1u);
}

TEST(AlphaRelay, RefusesMissingHeadersBadIdsAndTimestampsOutsideTheWindow) {
  Config c = config();
  Authenticator auth(c);
  Delivery d = signed_delivery("d-4", kNow);
  d.signature.clear();
  EXPECT_EQ(auth.admit(d, kBody, kNow).refusal, Refusal::kMissingHeader);
  EXPECT_EQ(auth.admit(signed_delivery("bad id!", kNow), kBody, kNow).refusal, Refusal::kMissingHeader);
  EXPECT_EQ(auth.admit(signed_delivery(std::string(65, 'x'), kNow), kBody, kNow).refusal, Refusal::kMissingHeader);
  EXPECT_EQ(auth.admit(signed_delivery("d-5", kNow - 301), kBody, kNow).refusal, Refusal::kStale);
  EXPECT_EQ(auth.admit(signed_delivery("d-5", kNow + 301), kBody, kNow).refusal, Refusal::kStale);
  Delivery garbage = signed_delivery("d-5", kNow);
  garbage.timestamp = "soon";
  EXPECT_EQ(auth.admit(garbage, kBody, kNow).refusal, Refusal::kBadTimestamp);
  EXPECT_TRUE(auth.admit(signed_delivery("d-5", kNow - 300), kBody, kNow).ok());
}

TEST(AlphaRelay, RemembersIdsWhileTheyCanPassTheWindowAndStaysBounded) {
  Config c = config();  // deliveries_max 3
  Authenticator auth(c);
  for (const char* id : {"a", "b", "c"}) EXPECT_TRUE(auth.admit(signed_delivery(id, kNow), kBody, kNow).ok());
  EXPECT_EQ(auth.admit(signed_delivery("d", kNow), kBody, kNow).refusal, Refusal::kFull);
  EXPECT_EQ(http_status(Refusal::kFull), 503u);
  // Once "a".."c" can no longer pass the window (timestamp + window < now), they are forgotten.
  const int64_t later = kNow + 301;
  EXPECT_TRUE(auth.admit(signed_delivery("d", later), kBody, later).ok());
  EXPECT_EQ(auth.remembered(), 1u);
  // A replay of a forgotten id is stale anyway.
  EXPECT_EQ(auth.admit(signed_delivery("a", kNow), kBody, later).refusal, Refusal::kStale);
  auth.forget(signed_delivery("d", later));
  EXPECT_TRUE(auth.admit(signed_delivery("d", later), kBody, later).ok());
}

TEST(AlphaRelay, ConfigIsCheckedFieldByField) {
  auto bad = [](const std::string& text) {
    auto c = parse_config(text, "");
    EXPECT_FALSE(c) << text;
    return c ? std::string() : c.message();
  };
  EXPECT_NE(bad("[]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(bad(R"({"sources":{"w":{"secret":"0123456789abcdef"}}})").find("keystore"), std::string::npos);
  EXPECT_NE(bad(R"({"keystore":"k","sources":{"w":{"secret":"short"}}})").find("sources.w.secret"), std::string::npos);
  EXPECT_NE(bad(R"({"keystore":"k","sources":{}})").find("sources"), std::string::npos);
  EXPECT_NE(bad(R"({"keystore":"k","body_bytes_max":99999999,"sources":{"w":{"secret":"0123456789abcdef"}}})").find("body_bytes_max"),
            std::string::npos);
  EXPECT_NE(bad(R"({"keystore":"k","listen":"nope","sources":{"w":{"secret":"0123456789abcdef"}}})").find("listen"), std::string::npos);
  EXPECT_NE(bad(R"({"keystore":"k","secret":"x","sources":{"w":{"secret":"0123456789abcdef"}}})").find("unknown field 'secret'"),
            std::string::npos);
  auto ok = parse_config(R"({"keystore":"ks/a.json","password_file":"/run/pw","listen":"0.0.0.0:9200","nid":7,
                            "sources":{"w":{"secret":"0123456789abcdef"}}})", "/etc/relay");
  ASSERT_TRUE(ok) << ok.message();
  EXPECT_EQ(ok->keystore, "/etc/relay/ks/a.json");
  EXPECT_EQ(ok->password_file, "/run/pw");
  EXPECT_EQ(ok->listen_port, 9200);
  EXPECT_EQ(ok->nid, 7u);
}

TEST(AlphaRelay, EventBodiesAreCheckedAndBecomeTheAttestCall) {
  EXPECT_FALSE(parse_event("not json"));
  EXPECT_FALSE(parse_event(R"({"event":"shipped"})"));
  EXPECT_FALSE(parse_event(R"({"instance":"0x1"})"));
  EXPECT_FALSE(parse_event(R"({"instance":"0x1","event":"shipped","extra":1})"));
  EXPECT_FALSE(parse_event(R"({"instance":"0x1","event":"shipped","fields":"x"})"));
  auto e = parse_event(R"({"instance":12,"event":"inspected","result":"pass","fields":{"defect_ppm":120}})");
  ASSERT_TRUE(e) << e.message();
  EXPECT_EQ(e->instance, "0xc");
  TxSpec tx = attest_tx(*e, "d-9", 3, 10'000'000, kNow * 1'000'000);
  EXPECT_EQ(tx.to, alpha::alpha_contract_address());
  EXPECT_EQ(tx.data_type, "call");
  const auto& data = tx.data.as_object();
  EXPECT_EQ(data.at("method"), "attest");
  const auto& p = data.at("params").as_object();
  EXPECT_EQ(p.at("id"), "0xc");
  EXPECT_EQ(p.at("event"), "inspected");
  EXPECT_EQ(p.at("nonce"), "d-9");  // the delivery id: the chain refuses its replay too
  EXPECT_EQ(p.at("result"), "pass");
  EXPECT_EQ(p.at("fields"), R"({"defect_ppm":120})");
}

}  // namespace
}  // namespace cx::cli::relay
