#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>

#include "base/random.hpp"
#include "cli/tx_builder.hpp"
#include "core/transaction.hpp"

namespace cx::cli {
namespace {

namespace json = boost::json;

Uint256 loop(std::string_view dec) { return *Uint256::from_dec(dec); }

TEST(ParseAmount, DecimalIcxIsExactLoop) {
  EXPECT_EQ(*parse_amount("1", AmountUnit::kIcx), loop("1000000000000000000"));
  EXPECT_EQ(*parse_amount("1.5", AmountUnit::kIcx), loop("1500000000000000000"));
  EXPECT_EQ(*parse_amount("0.1", AmountUnit::kIcx), loop("100000000000000000"));
  // 0.1 + 0.2 style values are where a float conversion would be off by some loop.
  EXPECT_EQ(*parse_amount("0.3", AmountUnit::kIcx), loop("300000000000000000"));
  EXPECT_EQ(*parse_amount("0.000000000000000001", AmountUnit::kIcx), Uint256(1));
  EXPECT_EQ(*parse_amount("123456789.123456789123456789", AmountUnit::kIcx), loop("123456789123456789123456789"));
  EXPECT_EQ(*parse_amount("0", AmountUnit::kIcx), Uint256(0));
  EXPECT_EQ(*parse_amount("0.0", AmountUnit::kIcx), Uint256(0));
  EXPECT_EQ(*parse_amount("007.50", AmountUnit::kIcx), loop("7500000000000000000"));
}

TEST(ParseAmount, LoopAndHex) {
  EXPECT_EQ(*parse_amount("1500", AmountUnit::kLoop), Uint256(1500));
  EXPECT_EQ(*parse_amount("000", AmountUnit::kLoop), Uint256(0));
  EXPECT_EQ(*parse_amount("0xde0b6b3a7640000", AmountUnit::kIcx), loop("1000000000000000000"));
  EXPECT_EQ(*parse_amount("0x10", AmountUnit::kLoop), Uint256(16));
  // The largest 256-bit value in decimal loop still fits; one more does not.
  std::string max_dec = Uint256::max().to_dec();
  EXPECT_EQ(*parse_amount(max_dec, AmountUnit::kLoop), Uint256::max());
  std::string over = max_dec;
  over.back() = static_cast<char>(over.back() + 1);
  EXPECT_FALSE(parse_amount(over, AmountUnit::kLoop).is_ok());
}

TEST(ParseAmount, Rejects) {
  for (std::string_view bad : {"", "-1", "-0.5", "1.0000000000000000001", "abc", "1.2.3", "1e18", ".5", "1.", " 1",
                               "+1", "0x", "0xzz", "1,5", "NaN"}) {
    EXPECT_FALSE(parse_amount(bad, AmountUnit::kIcx).is_ok()) << bad;
  }
  EXPECT_FALSE(parse_amount("1.5", AmountUnit::kLoop).is_ok());
  EXPECT_FALSE(parse_amount("-3", AmountUnit::kLoop).is_ok());
  auto neg = parse_amount("-1", AmountUnit::kIcx);
  EXPECT_NE(neg.message().find("negative"), std::string::npos);
  auto many = parse_amount("0.1234567890123456789", AmountUnit::kIcx);
  EXPECT_NE(many.message().find("decimals"), std::string::npos);
  // 10^78 ICX is far beyond 2^256 loop.
  EXPECT_FALSE(parse_amount(std::string(70, '9'), AmountUnit::kIcx).is_ok());
}

TEST(FormatIcx, RoundTrips) {
  EXPECT_EQ(format_icx(Uint256(0)), "0");
  EXPECT_EQ(format_icx(Uint256(1)), "0.000000000000000001");
  EXPECT_EQ(format_icx(loop("1500000000000000000")), "1.5");
  EXPECT_EQ(format_icx(loop("20000000000000000000")), "20");
  for (std::string_view s : {"1.5", "0.25", "1000000", "0.000000000000000007", "42.000000000000000042"}) {
    EXPECT_EQ(format_icx(*parse_amount(s, AmountUnit::kIcx)), s);
  }
}

TEST(ParseHeight, DecimalAndHex) {
  EXPECT_EQ(parse_height("12"), 12u);
  EXPECT_EQ(parse_height("0x10"), 16u);
  EXPECT_FALSE(parse_height("-1").has_value());
  EXPECT_FALSE(parse_height("latest").has_value());
  EXPECT_FALSE(parse_height("99999999999999999999999").has_value());
}

TEST(MessageData, TextAndHex) {
  EXPECT_EQ(*message_data("hello complexchain"), "0x68656c6c6f20636f6d706c6578636861696e");
  EXPECT_EQ(*message_data("0xABcd"), "0xabcd");
  EXPECT_FALSE(message_data("0xabc").is_ok());
  EXPECT_FALSE(message_data("0xzz").is_ok());
}

TEST(PrivateKey, ParsesHexAndRejectsBadScalars) {
  auto k = parse_private_key_hex("  0x52b169cdcd85645c159262a93b2e9c19bff1e21ed3eb72d98d2f25bcc070b1ac\n");
  ASSERT_TRUE(k.is_ok()) << k.message();
  EXPECT_FALSE(parse_private_key_hex(std::string(64, '0')).is_ok());
  EXPECT_FALSE(parse_private_key_hex(std::string(64, 'f')).is_ok());  // above the curve order
  EXPECT_FALSE(parse_private_key_hex("1234").is_ok());
}

crypto::PrivateKey test_key() {
  return *parse_private_key_hex("52b169cdcd85645c159262a93b2e9c19bff1e21ed3eb72d98d2f25bcc070b1ac");
}

// What the node does with a tx it receives: parse, hash, recover the signer.
void expect_node_accepts(const SignedTx& signed_tx) {
  auto parsed = core::parse_transaction(signed_tx.params);
  ASSERT_TRUE(std::holds_alternative<core::Transaction>(parsed))
      << std::get<core::TxRejection>(parsed).detail << " in " << json::serialize(signed_tx.params);
  const auto& tx = std::get<core::Transaction>(parsed);
  EXPECT_EQ(tx.hash, signed_tx.hash);
  auto rejection = core::verify_signature(tx);
  EXPECT_FALSE(rejection.has_value()) << rejection->detail;
}

TEST(TxBuilder, TransferIsAcceptedByTheNodeParser) {
  TxSpec spec;
  spec.to = *crypto::Address::parse("hxef3c05b31fdb0a67447a45c05993f2df77e4db29");
  spec.value = *parse_amount("2.5", AmountUnit::kIcx);
  spec.nid = 3;
  auto signed_tx = build_signed_tx(spec, test_key());
  expect_node_accepts(signed_tx);
  const auto& p = signed_tx.params;
  EXPECT_EQ(p.at("version"), "0x3");
  EXPECT_EQ(p.at("from"), "hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18");
  EXPECT_EQ(p.at("value"), "0x22b1c8c1227a0000");
  EXPECT_EQ(p.at("stepLimit"), "0x186a0");
  EXPECT_EQ(p.at("nid"), "0x3");
  EXPECT_FALSE(p.contains("nonce"));
  EXPECT_FALSE(p.contains("dataType"));
  // The default timestamp is the wall clock in microseconds: after 2020, before 2100.
  auto ts = *Uint256::from_icon_hex(p.at("timestamp").as_string());
  EXPECT_GT(ts.low_u64(), 1'577'836'800'000'000ull);
  EXPECT_LT(ts.low_u64(), 4'102'444'800'000'000ull);
}

TEST(TxBuilder, MessagePaysForItsInput) {
  TxSpec spec;
  spec.to = *crypto::Address::parse("hxef3c05b31fdb0a67447a45c05993f2df77e4db29");
  spec.nid = 0x50;
  spec.nonce = Uint256(7);
  spec.data_type = "message";
  spec.data = *message_data("hello");
  auto signed_tx = build_signed_tx(spec, test_key());
  expect_node_accepts(signed_tx);
  // 100000 default + 200 per byte * 5 bytes.
  EXPECT_EQ(signed_tx.params.at("stepLimit"), json::value(Uint256(101000).to_icon_hex()));
  EXPECT_EQ(signed_tx.params.at("nonce"), "0x7");
}

TEST(TxBuilder, FreshKeysSignValidTxs) {
  SeededRandom random(42);
  for (int i = 0; i < 8; ++i) {
    auto key = crypto::generate_private_key(random);
    TxSpec spec;
    spec.to = *crypto::Address::parse("cx0000000000000000000000000000000000000000");
    spec.nid = 1;
    spec.timestamp_us = 1'700'000'000'000'000 + i;
    spec.step_limit = Uint256(200000);
    auto signed_tx = build_signed_tx(spec, key);
    expect_node_accepts(signed_tx);
  }
}

// The signature is deterministic (RFC 6979), so rebuilding the vector tx from its fields must
// give back its hash and its very signature, as icon-sdk-js produced them.
TEST(TxBuilder, ReproducesTheIconSdkTransferVector) {
  std::ifstream f(CX_SOURCE_DIR "/../shared/vectors/icon-tx.json");
  ASSERT_TRUE(f) << "vectors missing at " CX_SOURCE_DIR "/../shared/vectors/icon-tx.json";
  json::value root = json::parse(std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()));
  const json::object* vector = nullptr;
  for (const auto& t : root.at("transactions").as_array())
    if (t.at("name") == "transfer") vector = &t.as_object();
  ASSERT_NE(vector, nullptr);
  const json::object& p = vector->at("params").as_object();

  TxSpec spec;
  spec.to = *crypto::Address::parse(p.at("to").as_string());
  spec.value = *Uint256::from_icon_hex(p.at("value").as_string());
  spec.step_limit = *Uint256::from_icon_hex(p.at("stepLimit").as_string());
  spec.timestamp_us = static_cast<int64_t>(Uint256::from_icon_hex(p.at("timestamp").as_string())->low_u64());
  spec.nid = Uint256::from_icon_hex(p.at("nid").as_string())->low_u64();
  spec.nonce = *Uint256::from_icon_hex(p.at("nonce").as_string());
  auto key = parse_private_key_hex(vector->at("private_key").as_string());
  ASSERT_TRUE(key.is_ok());

  auto signed_tx = build_signed_tx(spec, *key);
  EXPECT_EQ(signed_tx.hash_hex(), std::string(vector->at("hash").as_string()));
  EXPECT_EQ(signed_tx.params.at("signature"), p.at("signature"));
  EXPECT_EQ(signed_tx.params.at("from"), p.at("from"));
  expect_node_accepts(signed_tx);
}

TEST(TxBuilder, ResigningReplacesAnOldSignature) {
  TxSpec spec;
  spec.to = *crypto::Address::parse("hxef3c05b31fdb0a67447a45c05993f2df77e4db29");
  spec.nid = 3;
  spec.timestamp_us = 1'700'000'000'000'000;
  auto first = build_signed_tx(spec, test_key());
  json::object params = first.params;
  params["txHash"] = "0x" + std::string(64, '0');
  auto again = sign_tx_params(params, test_key());
  EXPECT_EQ(again.hash, first.hash);
  EXPECT_FALSE(again.params.contains("txHash"));
  EXPECT_EQ(again.params.at("signature"), first.params.at("signature"));
}

}  // namespace
}  // namespace cx::cli
