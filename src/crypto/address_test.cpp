#include "crypto/address.hpp"

#include <gtest/gtest.h>

namespace cx::crypto {
namespace {

TEST(Address, ParseAndPrint) {
  const std::string text = "hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18";
  auto a = Address::parse(text);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_contract);
  EXPECT_EQ(a->to_string(), text);
  auto c = Address::parse("cxb0776ee37f5b45bfaea8cff1d8232fbb6122ec32");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->is_contract);
  EXPECT_EQ(c->to_string(), "cxb0776ee37f5b45bfaea8cff1d8232fbb6122ec32");
  EXPECT_NE(*a, *c);
}

TEST(Address, ParseIsStrict) {
  EXPECT_FALSE(Address::parse(""));
  EXPECT_FALSE(Address::parse("hx"));
  EXPECT_FALSE(Address::parse("hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa1"));    // 39 digits
  EXPECT_FALSE(Address::parse("hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa180"));  // 41 digits
  EXPECT_FALSE(Address::parse("hx92ED4dd5bfda069d8fca8b72504aaafbcdd6fa18"));   // upper-case hex
  EXPECT_FALSE(Address::parse("HX92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18"));   // upper-case prefix
  EXPECT_FALSE(Address::parse("0x92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18"));
  EXPECT_FALSE(Address::parse("hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa1g"));
  EXPECT_FALSE(Address::parse("ax92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18"));
}

// The private key 1 has the generator G as public key; the expected address is
// SHA3-256(Gx || Gy)[12..32] computed independently with Python's hashlib.
TEST(Address, OfGeneratorPoint) {
  PrivateKey one;
  one.bytes[31] = 1;
  auto pub = public_key_of(one);
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->hex(),
            "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  EXPECT_EQ(Address::of_public_key(*pub).to_string(), "hx0502987e630ea7ebb2bf1d84a65a727109385bcf");
}

TEST(Address, OfKnownKeys) {
  auto check = [](std::string_view key_hex, std::string_view expected) {
    auto key = PrivateKey::from_hex_string(key_hex);
    ASSERT_TRUE(key);
    auto pub = public_key_of(*key);
    ASSERT_TRUE(pub);
    EXPECT_EQ(Address::of_public_key(*pub).to_string(), expected);
  };
  check("52b169cdcd85645c159262a93b2e9c19bff1e21ed3eb72d98d2f25bcc070b1ac", "hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18");
  check("aafa04d6becf02a531bfcd106b3d5373e643fb355bf20570b6dd14d795654a40", "hxef3c05b31fdb0a67447a45c05993f2df77e4db29");
}

TEST(Address, BytesRoundTrip) {
  for (const char* text : {"hx92ed4dd5bfda069d8fca8b72504aaafbcdd6fa18", "cxb0776ee37f5b45bfaea8cff1d8232fbb6122ec32"}) {
    auto a = Address::parse(text);
    ASSERT_TRUE(a);
    auto b = a->to_bytes();
    EXPECT_EQ(b[0], a->is_contract ? 1 : 0);
    EXPECT_EQ(to_hex(BytesView(b).subspan(1)), a->id.hex());
    auto back = Address::from_bytes(b);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *a);
  }
  std::array<uint8_t, 21> bad{};
  bad[0] = 2;
  EXPECT_FALSE(Address::from_bytes(bad));
  EXPECT_FALSE(Address::from_bytes(BytesView(bad).first(20)));
}

}  // namespace
}  // namespace cx::crypto
