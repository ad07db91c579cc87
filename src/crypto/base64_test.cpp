#include "crypto/base64.hpp"

#include <gtest/gtest.h>

namespace cx::crypto {
namespace {

std::string enc(std::string_view s) { return base64_encode(as_bytes(s)); }
std::optional<std::string> dec(std::string_view s) {
  auto b = base64_decode(s);
  if (!b) return std::nullopt;
  return std::string(as_string_view(*b));
}

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, text] : cases) {
    EXPECT_EQ(enc(plain), text);
    EXPECT_EQ(dec(text), std::optional<std::string>(plain)) << text;
  }
}

TEST(Base64, AllByteValuesRoundTrip) {
  Bytes data(256);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  for (size_t n = 0; n <= data.size(); ++n) {
    BytesView v = BytesView(data).first(n);
    auto back = base64_decode(base64_encode(v));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, Bytes(v.begin(), v.end()));
  }
  EXPECT_NE(base64_encode(BytesView(data).subspan(250)).find('+'), std::string::npos);
}

TEST(Base64, RejectsNonCanonical) {
  EXPECT_FALSE(base64_decode("Zg"));       // missing padding
  EXPECT_FALSE(base64_decode("Zg="));      // short padding
  EXPECT_FALSE(base64_decode("Zh=="));     // non-zero trailing bits
  EXPECT_FALSE(base64_decode("Zm9="));     // non-zero trailing bits
  EXPECT_FALSE(base64_decode("Z==="));     // too much padding
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("Zg==Zg=="));  // padding in the middle
  EXPECT_FALSE(base64_decode("Zm9v\n"));
  EXPECT_FALSE(base64_decode("Zm 9"));
  EXPECT_FALSE(base64_decode("Zm-_"));      // URL-safe alphabet is not accepted
  EXPECT_TRUE(base64_decode("Zm+/"));
}

}  // namespace
}  // namespace cx::crypto
