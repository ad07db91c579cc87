#include "crypto/keystore.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <regex>

namespace cx::crypto {
namespace {

namespace json = boost::json;

// Small scrypt cost keeps the tests fast; the format is the same as with the default n.
KeystoreOptions fast_scrypt() {
  KeystoreOptions o;
  o.kdf = Kdf::kScrypt;
  o.scrypt_n = 1024;
  return o;
}

KeystoreOptions fast_pbkdf2() {
  KeystoreOptions o;
  o.kdf = Kdf::kPbkdf2;
  o.pbkdf2_iterations = 1000;
  return o;
}

PrivateKey test_key() { return *PrivateKey::from_hex_string("52b169cdcd85645c159262a93b2e9c19bff1e21ed3eb72d98d2f25bcc070b1ac"); }

TEST(Keystore, RoundTripBothKdfs) {
  SeededRandom random(1);
  for (const auto& options : {fast_scrypt(), fast_pbkdf2()}) {
    const std::string text = keystore_encrypt(test_key(), "s3cret", random, options);
    auto d = keystore_decrypt(text, "s3cret");
    ASSERT_TRUE(d) << d.message();
    EXPECT_EQ(d->key, test_key());
    EXPECT_EQ(d->address.to_string(), "hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18");

    auto wrong = keystore_decrypt(text, "s3cret!");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.message(), "keystore: wrong password (MAC mismatch)");
  }
}

TEST(Keystore, EmptyAndUnicodePasswords) {
  SeededRandom random(2);
  for (std::string_view pw : {std::string_view(""), std::string_view("p\xc3\xa4ss w\xc3\xb6rd")}) {
    const std::string text = keystore_encrypt(test_key(), pw, random, fast_pbkdf2());
    auto d = keystore_decrypt(text, pw);
    ASSERT_TRUE(d) << d.message();
    EXPECT_EQ(d->key, test_key());
  }
}

TEST(Keystore, OutputLooksLikeIconSdk) {
  SeededRandom random(3);
  const json::value v = json::parse(keystore_encrypt(test_key(), "pw", random, fast_scrypt()));
  const auto& top = v.as_object();
  EXPECT_EQ(top.at("version").as_int64(), 3);
  EXPECT_EQ(top.at("address").as_string(), "hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18");
  EXPECT_EQ(top.at("coinType").as_string(), "icx");
  const std::string id(top.at("id").as_string());
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"))) << id;
  const auto& c = top.at("crypto").as_object();
  EXPECT_EQ(c.at("cipher").as_string(), "aes-128-ctr");
  EXPECT_EQ(c.at("kdf").as_string(), "scrypt");
  EXPECT_EQ(c.at("ciphertext").as_string().size(), 64u);
  EXPECT_EQ(c.at("mac").as_string().size(), 64u);
  EXPECT_EQ(c.at("cipherparams").at("iv").as_string().size(), 32u);
  const auto& kp = c.at("kdfparams").as_object();
  EXPECT_EQ(kp.at("dklen").to_number<int>(), 32);
  EXPECT_EQ(kp.at("salt").as_string().size(), 64u);
  EXPECT_EQ(kp.at("n").to_number<int>(), 1024);
  EXPECT_EQ(kp.at("r").to_number<int>(), 8);
  EXPECT_EQ(kp.at("p").to_number<int>(), 1);

  const json::value p = json::parse(keystore_encrypt(test_key(), "pw", random, fast_pbkdf2()));
  const auto& pkp = p.at("crypto").at("kdfparams").as_object();
  EXPECT_EQ(p.at("crypto").at("kdf").as_string(), "pbkdf2");
  EXPECT_EQ(pkp.at("c").to_number<int>(), 1000);
  EXPECT_EQ(pkp.at("prf").as_string(), "hmac-sha256");
}

TEST(Keystore, FreshSaltAndIvEachTime) {
  SeededRandom random(4);
  const std::string a = keystore_encrypt(test_key(), "pw", random, fast_pbkdf2());
  const std::string b = keystore_encrypt(test_key(), "pw", random, fast_pbkdf2());
  EXPECT_NE(a, b);
}

class KeystoreRejects : public ::testing::Test {
 protected:
  void SetUp() override {
    SeededRandom random(5);
    m_scrypt = json::parse(keystore_encrypt(test_key(), "pw", random, fast_scrypt()));
    m_pbkdf2 = json::parse(keystore_encrypt(test_key(), "pw", random, fast_pbkdf2()));
  }
  // Applies `edit` to a copy of `base` and returns the decrypt error, or "" if it decrypted.
  static std::string error_after(const json::value& base, const std::function<void(json::object&)>& edit) {
    json::value v = base;
    edit(v.as_object());
    auto r = keystore_decrypt(json::serialize(v), "pw");
    return r ? std::string() : r.message();
  }
  json::value m_scrypt;
  json::value m_pbkdf2;
};

TEST_F(KeystoreRejects, MalformedJson) {
  for (std::string_view text : {"", "{", "not json", "[1,2]", "3", "{\"version\":3,}"}) {
    auto r = keystore_decrypt(text, "pw");
    ASSERT_FALSE(r) << text;
    EXPECT_TRUE(r.message().starts_with("keystore: malformed JSON")) << r.message();
  }
  auto big = keystore_decrypt(std::string(100 * 1024, ' '), "pw");
  ASSERT_FALSE(big);
}

TEST_F(KeystoreRejects, MissingFields) {
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o.erase("crypto"); }), "keystore: missing field 'crypto'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o.erase("address"); }), "keystore: missing field 'address'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o.erase("version"); }), "keystore: missing field 'version'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].as_object().erase("mac"); }),
            "keystore: missing field 'mac'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].as_object().erase("ciphertext"); }),
            "keystore: missing field 'ciphertext'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].as_object().erase("cipherparams"); }),
            "keystore: missing field 'cipherparams'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].at("kdfparams").as_object().erase("salt"); }),
            "keystore: missing field 'salt'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].at("kdfparams").as_object().erase("n"); }),
            "keystore: missing field 'n'");
  EXPECT_EQ(error_after(m_pbkdf2, [](json::object& o) { o["crypto"].at("kdfparams").as_object().erase("prf"); }),
            "keystore: missing field 'prf'");
}

TEST_F(KeystoreRejects, WrongTypes) {
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"] = "x"; }), "keystore: field 'crypto' is not an object");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].at("kdfparams").as_object()["n"] = "1024"; }),
            "keystore: field 'n' is not a non-negative integer");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].at("kdfparams").as_object()["n"] = -1024; }),
            "keystore: field 'n' is not a non-negative integer");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].as_object()["mac"] = "zz"; }),
            "keystore: field 'mac' is not hex");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].as_object()["mac"] = "00"; }),
            "keystore: field 'mac' has the wrong length");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].at("cipherparams").as_object()["iv"] = "0011"; }),
            "keystore: field 'iv' has the wrong length");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["version"] = 1; }), "keystore: unsupported version 1");
}

TEST_F(KeystoreRejects, UnsupportedAlgorithms) {
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].as_object()["cipher"] = "aes-128-cbc"; }),
            "keystore: unsupported cipher 'aes-128-cbc'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].as_object()["kdf"] = "argon2"; }),
            "keystore: unsupported kdf 'argon2'");
  EXPECT_EQ(error_after(m_pbkdf2, [](json::object& o) { o["crypto"].at("kdfparams").as_object()["prf"] = "hmac-sha1"; }),
            "keystore: unsupported pbkdf2 prf 'hmac-sha1'");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["crypto"].at("kdfparams").as_object()["dklen"] = 64; }),
            "keystore: kdfparams dklen must be 32");
}

TEST_F(KeystoreRejects, KdfBounds) {
  auto scrypt_with = [&](uint64_t n, uint64_t r, uint64_t p) {
    return error_after(m_scrypt, [&](json::object& o) {
      auto& kp = o["crypto"].at("kdfparams").as_object();
      kp["n"] = n;
      kp["r"] = r;
      kp["p"] = p;
    });
  };
  EXPECT_EQ(scrypt_with(1000, 8, 1), "keystore: scrypt n must be a power of two >= 2");
  EXPECT_EQ(scrypt_with(0, 8, 1), "keystore: scrypt n must be a power of two >= 2");
  EXPECT_EQ(scrypt_with(uint64_t{1} << 21, 8, 1), "keystore: scrypt n above the limit of 2^20");
  EXPECT_EQ(scrypt_with(uint64_t{1} << 62, 8, 1), "keystore: scrypt n above the limit of 2^20");
  EXPECT_EQ(scrypt_with(1024, 0, 1), "keystore: scrypt r and p must be positive");
  EXPECT_EQ(scrypt_with(1024, 64, 32), "keystore: scrypt r*p above the limit of 1024");
  EXPECT_EQ(scrypt_with(1024, uint64_t{1} << 40, uint64_t{1} << 40), "keystore: scrypt r*p above the limit of 1024");
  EXPECT_EQ(scrypt_with(uint64_t{1} << 20, 16, 1), "keystore: scrypt n*r*p above the limit of 2^23");
  // Within bounds but different from what was used: the MAC catches it, nothing is refused.
  EXPECT_EQ(scrypt_with(2048, 8, 1), "keystore: wrong password (MAC mismatch)");

  EXPECT_EQ(error_after(m_pbkdf2, [](json::object& o) { o["crypto"].at("kdfparams").as_object()["c"] = 10'000'001; }),
            "keystore: pbkdf2 c above the limit of 10000000");
  EXPECT_EQ(error_after(m_pbkdf2, [](json::object& o) { o["crypto"].at("kdfparams").as_object()["c"] = 0; }),
            "keystore: pbkdf2 c must be positive");
}

TEST_F(KeystoreRejects, TamperedContent) {
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) {
              std::string ct(o["crypto"].at("ciphertext").as_string());
              ct[0] = ct[0] == '0' ? '1' : '0';
              o["crypto"].as_object()["ciphertext"] = ct;
            }),
            "keystore: wrong password (MAC mismatch)");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["address"] = "hxef3c05b31fdb0a67447a45c05993f2df77e4db29"; }),
            "keystore: address mismatch: file says hxef3c05b31fdb0a67447a45c05993f2df77e4db29, key belongs to "
            "hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18");
  EXPECT_EQ(error_after(m_scrypt, [](json::object& o) { o["address"] = "cx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18"; }),
            "keystore: field 'address' is not an hx address");
}

TEST_F(KeystoreRejects, AcceptsCapitalisedCryptoAndUpperHex) {
  EXPECT_EQ(error_after(m_scrypt,
                        [](json::object& o) {
                          json::value c = o["crypto"];
                          o.erase("crypto");
                          o["Crypto"] = c;
                        }),
            "");
  EXPECT_EQ(error_after(m_pbkdf2,
                        [](json::object& o) {
                          std::string mac(o["crypto"].at("mac").as_string());
                          for (auto& ch : mac) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                          o["crypto"].as_object()["mac"] = mac;
                        }),
            "");
}

}  // namespace
}  // namespace cx::crypto
