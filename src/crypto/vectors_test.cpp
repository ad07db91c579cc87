// Cross-checks against /work/shared/vectors/icon-tx.json, produced by icon-sdk-js 1.5.3:
// ties our hashing, signing, recovery and keystores to what real ICON clients emit.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/address.hpp"
#include "crypto/base64.hpp"
#include "crypto/hash.hpp"
#include "crypto/keystore.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::crypto {
namespace {

namespace json = boost::json;

std::string vectors_path() {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("CX_SOURCE_DIR")) candidates.push_back(std::string(dir) + "/../shared/vectors/icon-tx.json");
  candidates.push_back(std::string(CX_SOURCE_DIR) + "/../shared/vectors/icon-tx.json");
  if (const char* file = std::getenv("CX_VECTORS")) candidates.push_back(file);
  for (const auto& c : candidates) {
    if (std::filesystem::exists(c)) return c;
  }
  return {};
}

json::value load_vectors() {
  const std::string path = vectors_path();
  if (path.empty()) {
    ADD_FAILURE() << "icon-tx.json not found beside the repo (../shared/vectors) nor via CX_VECTORS";
    return {};
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

TEST(IconVectors, Transactions) {
  const json::value root = load_vectors();
  ASSERT_TRUE(root.is_object());
  const auto& txs = root.at("transactions").as_array();
  ASSERT_FALSE(txs.empty());
  size_t reproduced = 0;
  size_t with_key = 0;
  for (const auto& tx : txs) {
    SCOPED_TRACE(str(tx, "name"));
    const auto& params = tx.at("params").as_object();
    const bool valid = tx.at("valid").as_bool();

    const Hash32 hash = sha3_256(as_bytes(str(tx, "serialized")));
    auto expected_hash = Hash32::from_hex_string(str(tx, "hash"));
    ASSERT_TRUE(expected_hash);
    EXPECT_EQ(hash, *expected_hash);

    auto sig_bytes = base64_decode(std::string(params.at("signature").as_string()));
    ASSERT_TRUE(sig_bytes);
    auto sig = Signature::from_view(*sig_bytes);
    ASSERT_TRUE(sig);
    EXPECT_EQ(base64_encode(sig->view()), params.at("signature").as_string());
    auto recovered = recover(hash, *sig);
    ASSERT_TRUE(recovered);
    const Address recovered_address = Address::of_public_key(*recovered);
    auto from = Address::parse(params.at("from").as_string());
    ASSERT_TRUE(from);
    EXPECT_EQ(recovered_address == *from, valid);

    // The public-docs example carries no private key; it only checks recovery != from.
    if (!tx.as_object().contains("private_key")) continue;
    ++with_key;
    auto key = PrivateKey::from_hex_string(str(tx, "private_key"));
    ASSERT_TRUE(key);
    auto pub = public_key_of(*key);
    ASSERT_TRUE(pub);
    auto signer = Address::parse(str(tx, "signer"));
    ASSERT_TRUE(signer);
    EXPECT_EQ(Address::of_public_key(*pub), *signer);
    EXPECT_EQ(recovered_address, *signer);

    const Signature ours = sign(hash, *key);
    // Both libraries use RFC 6979 nonces and low-S, so the bytes must match exactly.
    EXPECT_EQ(ours.hex(), sig->hex());
    if (ours == *sig) ++reproduced;
  }
  EXPECT_EQ(reproduced, with_key);
}

TEST(IconVectors, Keystores) {
  const json::value root = load_vectors();
  ASSERT_TRUE(root.is_object());
  const auto& stores = root.at("keystores").as_array();
  ASSERT_FALSE(stores.empty());
  for (const auto& entry : stores) {
    const std::string text = json::serialize(entry.at("keystore"));
    SCOPED_TRACE(std::string(entry.at("keystore").at("crypto").at("kdf").as_string()));
    auto decrypted = keystore_decrypt(text, str(entry, "password"));
    ASSERT_TRUE(decrypted) << decrypted.message();
    EXPECT_EQ(decrypted->key.hex(), str(entry, "private_key"));
    EXPECT_EQ(decrypted->address.to_string(), str(entry, "address"));

    auto wrong = keystore_decrypt(text, "password");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.message(), "keystore: wrong password (MAC mismatch)");
  }
}

}  // namespace
}  // namespace cx::crypto
