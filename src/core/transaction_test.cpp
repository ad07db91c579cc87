#include "core/transaction.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/block.hpp"
#include "core/receipt.hpp"
#include "core/test_tx.hpp"

using namespace cx;
using namespace cx::core;

namespace {
boost::json::object load_vectors() {
  std::string path = std::getenv("CX_VECTORS") ? std::getenv("CX_VECTORS")
                                               : std::string(CX_SOURCE_DIR) + "/../shared/vectors/icon-tx.json";
  std::ifstream f(path);
  EXPECT_TRUE(f) << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return boost::json::parse(ss.str()).as_object();
}

Transaction parse_ok(const std::string& json) {
  auto r = parse_transaction_json(json);
  if (auto* rej = std::get_if<TxRejection>(&r)) ADD_FAILURE() << rej->detail;
  return std::get<Transaction>(r);
}

TxRejection parse_bad(const std::string& json) {
  auto r = parse_transaction_json(json);
  EXPECT_TRUE(std::holds_alternative<TxRejection>(r)) << json;
  if (auto* rej = std::get_if<TxRejection>(&r)) return *rej;
  return {};
}

const char* kTransfer =
    R"({"to":"hxef3c05b31fdb0a67447a45c05993f2df77e4db29","from":"hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18","nid":"0x3","version":"0x3","timestamp":"0x60a24181e4000","stepLimit":"0x186a0","value":"0xde0b6b3a7640000","nonce":"0x1","signature":"PUURVnMoNBXpOpxpfnRcMh5WgmnG6yA2lfvxyVUDPdMX5PcW2lBy+re1Uv30B73+sdjzJ3crIfEAqqf4DBj0nQE="})";
}  // namespace

TEST(Transaction, EveryVectorParsesHashesAndVerifiesAsExpected) {
  auto doc = load_vectors();
  for (const auto& t : doc["transactions"].as_array()) {
    const auto& v = t.as_object();
    std::string name(v.at("name").as_string());
    auto r = parse_transaction(v.at("params").as_object());
    ASSERT_TRUE(std::holds_alternative<Transaction>(r)) << name << ": " << std::get<TxRejection>(r).detail;
    const auto& tx = std::get<Transaction>(r);
    EXPECT_EQ("0x" + tx.hash.hex(), std::string(v.at("hash").as_string())) << name;
    auto bad = verify_signature(tx);
    if (v.at("valid").as_bool()) {
      EXPECT_FALSE(bad.has_value()) << name << ": " << bad->detail;
    } else {
      ASSERT_TRUE(bad.has_value()) << name;
      EXPECT_EQ(bad->reason, TxReject::kSignerMismatch) << name;
      EXPECT_NE(bad->detail.find("not by from"), std::string::npos) << bad->detail;
    }
  }
}

TEST(Transaction, ParsesFields) {
  auto tx = parse_ok(kTransfer);
  EXPECT_EQ(tx.from.to_string(), "hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18");
  EXPECT_EQ(tx.value.to_dec(), "1000000000000000000");
  EXPECT_EQ(tx.nid, 3u);
  EXPECT_EQ(tx.timestamp_us, 0x60a24181e4000);
  EXPECT_EQ(tx.data_type, DataType::kNone);
}

TEST(Transaction, RejectsBadShapesWithClearReasons) {
  auto patch = [](const char* key, boost::json::value v) {
    auto o = boost::json::parse(kTransfer).as_object();
    if (v.is_null()) o.erase(key);
    else o[key] = v;
    return boost::json::serialize(o);
  };
  EXPECT_EQ(parse_bad("[1,2]").reason, TxReject::kMalformed);
  EXPECT_EQ(parse_bad("{").reason, TxReject::kMalformed);
  EXPECT_EQ(parse_bad(patch("version", "0x2")).reason, TxReject::kBadVersion);
  auto r = parse_bad(patch("from", "hx12"));
  EXPECT_EQ(r.reason, TxReject::kBadAddress);
  EXPECT_NE(r.detail.find("hx12"), std::string::npos);
  EXPECT_EQ(parse_bad(patch("from", "cxef3c05b31fdb0a67447a45c05993f2df77e4db29")).reason, TxReject::kBadAddress);
  EXPECT_EQ(parse_bad(patch("value", "100")).reason, TxReject::kBadNumber);
  EXPECT_EQ(parse_bad(patch("stepLimit", nullptr)).reason, TxReject::kBadNumber);
  EXPECT_EQ(parse_bad(patch("nid", 3)).reason, TxReject::kMalformed);
  EXPECT_EQ(parse_bad(patch("signature", "abc")).reason, TxReject::kBadSignature);
  EXPECT_EQ(parse_bad(patch("color", "red")).reason, TxReject::kMalformed);
  EXPECT_EQ(parse_bad(patch("dataType", "teleport")).reason, TxReject::kUnsupportedDataType);
  EXPECT_EQ(parse_bad(patch("data", "0x00")).reason, TxReject::kBadData);  // data without dataType
  std::string deep = "\"x\"";
  for (int i = 0; i < 20; ++i) deep = "[" + deep + "]";
  auto o = boost::json::parse(kTransfer).as_object();
  o["dataType"] = "call";
  o["data"] = boost::json::parse(R"({"method":"m","params":{"a":)" + deep + "}}");
  EXPECT_EQ(parse_bad(boost::json::serialize(o)).reason, TxReject::kBadData);
  EXPECT_EQ(parse_bad(std::string(kTxJsonBytesMax + 1, ' ')).reason, TxReject::kTooLarge);
}

TEST(Block, EncodeDecodeRoundTripAndIntegrity) {
  Block b;
  b.header.height = 7;
  b.header.timestamp_us = 123;
  b.txs.push_back(std::make_shared<const Transaction>(parse_ok(kTransfer)));
  b.header.tx_root = tx_root(b.txs);
  b.prev_qc.height = 6;
  Vote v;
  v.height = 6;
  v.voter = b.txs[0]->from;
  b.prev_qc.votes.push_back(v);
  b.header.prev_qc_hash = b.prev_qc.hash();
  auto enc = b.encode();
  auto dec = Block::decode(enc);
  ASSERT_TRUE(dec) << dec.message();
  EXPECT_EQ(dec->hash(), b.hash());
  EXPECT_EQ(dec->txs.size(), 1u);
  EXPECT_EQ(dec->txs[0]->hash, b.txs[0]->hash);
  EXPECT_EQ(dec->encode(), enc);
  // Flipping the tx root breaks integrity; truncation is an error, not a crash.
  auto bad = enc;
  bad[80] ^= 1;  // inside tx_root (after version, height, round, prev_hash, timestamp, proposer)
  EXPECT_FALSE(Block::decode(bad));
  for (size_t n = 0; n < enc.size(); n += 37) EXPECT_FALSE(Block::decode(BytesView(enc.data(), n)));
}

TEST(Receipt, RoundTrip) {
  Receipt r;
  r.tx_index = 3;
  r.success = false;
  r.failure = Failure{FailureCode::kOutOfBalance, "out of balance"};
  r.step_used = 100000;
  EventLog l;
  l.indexed = {"ICXTransfer(Address,Address,int)", "hx1", "hx2", "0x1"};
  r.logs.push_back(l);
  bloom_add_log(r.logs_bloom, l);
  auto d = Receipt::decode(r.encode());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->encode(), r.encode());
  EXPECT_FALSE(r.logs_bloom.is_zero());
}

// Regenerates the block fuzzer's seed corpus: CX_WRITE_CORPUS=1 ./core_test --gtest_filter=*FuzzSeed*
TEST(Block, FuzzSeed) {
  if (!std::getenv("CX_WRITE_CORPUS")) GTEST_SKIP() << "set CX_WRITE_CORPUS=1 to write tests/fuzz/corpus/block_decode";
  Block b;
  b.header.height = 2;
  b.txs.push_back(std::make_shared<const Transaction>(parse_ok(kTransfer)));
  b.header.tx_root = tx_root(b.txs);
  Vote v;
  v.height = 1;
  v.voter = b.txs[0]->from;
  b.prev_qc.height = 1;
  b.prev_qc.votes.push_back(v);
  b.header.prev_qc_hash = b.prev_qc.hash();
  auto enc = b.encode();
  std::ofstream(std::string(CX_SOURCE_DIR) + "/tests/fuzz/corpus/block_decode/block-1tx.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(enc.data()), static_cast<std::streamsize>(enc.size()));
  auto ve = v.encode();
  std::ofstream(std::string(CX_SOURCE_DIR) + "/tests/fuzz/corpus/block_decode/vote.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(ve.data()), static_cast<std::streamsize>(ve.size()));
}

// The signature rule ignores the recovery id and accepts a high S, so that a node that knows the
// sender's key can verify instead of recovering with exactly the same verdict (verify_signature).
TEST(Transaction, SignatureVerdictIsTheSameWithOrWithoutTheSignersKey) {
  const Uint256 n = *Uint256::from_icon_hex("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  auto set_s = [](crypto::Signature& sig, const Uint256& s) {
    auto be = s.to_be_bytes();
    std::copy(be.begin(), be.end(), sig.bytes.begin() + 32);
  };
  auto get_s = [](const crypto::Signature& sig) {
    return *Uint256::from_be_bytes(BytesView(sig.bytes.data() + 32, 32));
  };
  for (uint8_t k = 1; k <= 8; ++k) {
    const auto key = core::testing::test_key(k);
    const auto other = core::testing::test_key(static_cast<uint8_t>(k + 100));
    const auto known = crypto::verify_key_of(*crypto::public_key_of(key));
    ASSERT_TRUE(known.has_value());
    core::testing::TxSpec spec;
    spec.to = core::testing::address_of(other);
    spec.nonce = k;
    const Transaction base = *core::testing::signed_tx(key, spec);

    struct Variant {
      std::string name;
      Transaction tx;
      bool valid;
    };
    std::vector<Variant> variants;
    variants.push_back({"as signed", base, true});
    for (uint8_t flip = 1; flip < 4; ++flip) {
      Transaction t = base;
      t.signature.bytes[64] ^= flip;
      variants.push_back({"recovery id ^" + std::to_string(flip), t, true});
    }
    {
      Transaction t = base;  // S and n - S recover the same key with the other parity
      set_s(t.signature, *n.checked_sub(get_s(t.signature)));
      variants.push_back({"high S", t, true});
      t.signature.bytes[64] ^= 1;
      variants.push_back({"high S, parity fixed", t, true});
    }
    {
      Transaction t = base;  // a signature over another tx
      t.hash.bytes[0] ^= 1;
      variants.push_back({"other hash", t, false});
    }
    {
      Transaction t = base;  // signed by someone else
      t.from = core::testing::address_of(other);
      variants.push_back({"other from", t, false});
    }
    {
      Transaction t = base;
      t.signature.bytes[64] = 4;
      variants.push_back({"recovery id 4", t, false});
    }
    {
      Transaction t = base;
      std::fill(t.signature.bytes.begin(), t.signature.bytes.begin() + 32, 0);
      variants.push_back({"R = 0", t, false});
    }
    {
      Transaction t = base;
      set_s(t.signature, Uint256());
      variants.push_back({"S = 0", t, false});
    }
    {
      Transaction t = base;
      set_s(t.signature, n);
      variants.push_back({"S = n", t, false});
    }
    const auto theirs = crypto::verify_key_of(*crypto::public_key_of(other));
    for (const auto& v : variants) {
      // known_key is by contract from's key.
      const crypto::VerifyKey& from_key = v.tx.from == base.from ? *known : *theirs;
      crypto::VerifyKey learned;
      const auto recovered = verify_signature(v.tx, nullptr, &learned);
      const auto verified = verify_signature(v.tx, &from_key, nullptr);
      EXPECT_EQ(!recovered.has_value(), v.valid) << v.name << (recovered ? ": " + recovered->detail : "");
      EXPECT_EQ(!verified.has_value(), v.valid) << v.name << (verified ? ": " + verified->detail : "");
      if (v.valid && !recovered) EXPECT_EQ(learned.data, known->data) << v.name;
    }
  }
}

TEST(Transaction, SignerMismatchNamesTheSignerOfTheGivenRecoveryId) {
  const auto key = core::testing::test_key(1);
  const auto other = core::testing::test_key(2);
  core::testing::TxSpec spec;
  spec.to = core::testing::address_of(other);
  Transaction t = *core::testing::signed_tx(key, spec);
  t.from = core::testing::address_of(other);
  const auto known = crypto::verify_key_of(*crypto::public_key_of(other));
  for (const crypto::VerifyKey* k : {static_cast<const crypto::VerifyKey*>(nullptr), &*known}) {
    auto bad = verify_signature(t, k);
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->reason, TxReject::kSignerMismatch);
    EXPECT_EQ(bad->detail, "signature is by " + core::testing::address_of(key).to_string() + ", not by from " +
                               t.from.to_string());
  }
}
