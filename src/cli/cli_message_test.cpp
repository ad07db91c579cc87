#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/random.hpp"
#include "cli/message_keys.hpp"
#include "cli/tx_builder.hpp"
#include "core/transaction.hpp"
#include "crypto/address.hpp"

namespace cx::cli {
namespace {

namespace json = boost::json;

struct Key {
  crypto::PrivateKey priv;
  crypto::PublicKey pub;
};

Key key_of(uint64_t seed) {
  SeededRandom random(seed);
  auto k = crypto::generate_private_key(random);
  return {k, *crypto::public_key_of(k)};
}

TEST(MessageKeys, ListTakesBothFormsAndNamesTheBadKey) {
  const Key a = key_of(1), b = key_of(2);
  const std::string compressed = crypto::compress_public_key(b.pub).hex();
  auto keys = parse_public_key_list("0x" + a.pub.hex() + ", " + compressed);
  ASSERT_TRUE(keys) << keys.message();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0], a.pub);
  EXPECT_EQ((*keys)[1], b.pub);
  auto short_key = parse_public_key_list(a.pub.hex().substr(0, 128));
  ASSERT_FALSE(short_key);
  EXPECT_NE(short_key.message().find("64 bytes"), std::string::npos) << short_key.message();
  std::string off_curve = a.pub.hex();
  off_curve.back() = off_curve.back() == '0' ? '1' : '0';
  auto bad = parse_public_key_list(off_curve);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("not a secp256k1 point"), std::string::npos);
  EXPECT_FALSE(parse_public_key_list("zz"));
  EXPECT_FALSE(parse_public_key_list(""));
}

TEST(MessageKeys, FileSkipsCommentsAndIsBounded) {
  const Key a = key_of(3);
  auto keys = parse_public_key_file("# Bob\n\n  0x" + a.pub.hex() + "  \r\n");
  ASSERT_TRUE(keys) << keys.message();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0], a.pub);
  auto bad = parse_public_key_file("# ok\nnope\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_public_key_file("# nothing\n"));
  std::string many;
  for (int i = 0; i < 33; ++i) many += a.pub.hex() + "\n";
  EXPECT_FALSE(parse_public_key_file(many));
}

// A tx as icx_getTransactionByHash returns it: the signed params plus block fields.
json::object fetched(const SignedTx& tx) {
  json::object o = tx.params;
  o["txHash"] = tx.hash_hex();
  o["blockHeight"] = "0x5";
  o["blockHash"] = "0x" + std::string(64, 'a');
  o["txIndex"] = "0x0";
  return o;
}

TEST(MessageKeys, SignerKeyIsRecoveredFromAFetchedTx) {
  const Key bob = key_of(4), eve = key_of(5);
  TxSpec spec;
  spec.to = crypto::Address::of_public_key(eve.pub);
  spec.value = Uint256(1);
  spec.nid = 3;
  spec.timestamp_us = 1'700'000'000'000'000;
  const SignedTx tx = build_signed_tx(spec, bob.priv);
  auto key = signer_key_of_tx(fetched(tx), tx.hash_hex());
  ASSERT_TRUE(key) << key.message();
  EXPECT_EQ(*key, bob.pub);

  // Another hash than the one asked for: the node answered with another tx.
  auto other = signer_key_of_tx(fetched(tx), "0x" + std::string(64, '0'));
  ASSERT_FALSE(other);
  EXPECT_NE(other.message().find("hashes to"), std::string::npos);

  // A `from` that did not sign: the signature recovers to someone else.
  json::object forged = fetched(tx);
  forged["from"] = crypto::Address::of_public_key(eve.pub).to_string();
  const std::string forged_hash = "0x" + std::get<core::Transaction>(core::parse_transaction([&] {
                                             json::object p = forged;
                                             p.erase("txHash"); p.erase("blockHeight"); p.erase("blockHash"); p.erase("txIndex");
                                             return p;
                                           }())).hash.hex();
  auto wrong = signer_key_of_tx(forged, forged_hash);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.message().find("does not recover"), std::string::npos) << wrong.message();
}

}  // namespace
}  // namespace cx::cli
