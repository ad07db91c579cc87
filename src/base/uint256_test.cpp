#include "base/uint256.hpp"

#include <gtest/gtest.h>

using cx::Uint256;

TEST(Uint256, IconHexRoundTrip) {
  auto v = Uint256::from_icon_hex("0xde0b6b3a7640000");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->to_dec(), "1000000000000000000");
  EXPECT_EQ(v->to_icon_hex(), "0xde0b6b3a7640000");
  EXPECT_EQ(Uint256().to_icon_hex(), "0x0");
  EXPECT_FALSE(Uint256::from_icon_hex("de0b"));
  EXPECT_FALSE(Uint256::from_icon_hex("0x"));
  EXPECT_FALSE(Uint256::from_icon_hex("0xzz"));
  EXPECT_FALSE(Uint256::from_icon_hex("0x1" + std::string(64, '0')));
  EXPECT_EQ(Uint256::from_icon_hex("0x" + std::string(64, 'f')), Uint256::max());
}

// Powers of two and the numbers just below them cover every digit count from 1 to 64.
TEST(Uint256, IconHexHasNoLeadingZeroAtEveryLength) {
  Uint256 power(1);
  for (unsigned k = 0; k < 256; ++k) {
    const std::string hex = power.to_icon_hex();
    EXPECT_EQ(hex.size(), 2 + k / 4 + 1) << "2^" << k;
    EXPECT_EQ(hex[2], "1248"[k % 4]) << "2^" << k;
    EXPECT_EQ(hex.find_first_not_of('0', 3), std::string::npos) << "2^" << k;
    EXPECT_EQ(Uint256::from_icon_hex(hex), power);
    const Uint256 all_ones = *power.checked_sub(1);
    EXPECT_EQ(Uint256::from_icon_hex(all_ones.to_icon_hex()), all_ones);
    if (k < 255) power = *power.checked_add(power);
  }
  EXPECT_EQ(Uint256::max().to_icon_hex(), "0x" + std::string(64, 'f'));
}

TEST(Uint256, CheckedArithmetic) {
  EXPECT_FALSE(Uint256::max().checked_add(1));
  EXPECT_FALSE(Uint256(1).checked_sub(2));
  EXPECT_EQ(*Uint256(5).checked_sub(2), Uint256(3));
  auto big = *Uint256::from_dec("340282366920938463463374607431768211456");  // 2^128
  EXPECT_FALSE(big.checked_mul(big));
  auto sq = *Uint256::from_dec("18446744073709551616");  // 2^64
  EXPECT_EQ(*sq.checked_mul(sq), big);
  Uint256 rem;
  EXPECT_EQ(big.div(Uint256(7), &rem).to_dec(), "48611766702991209066196372490252601636");
  EXPECT_EQ(rem, Uint256(4));
}

TEST(Uint256, DecimalAndBytes) {
  EXPECT_FALSE(Uint256::from_dec(""));
  EXPECT_FALSE(Uint256::from_dec("12a"));
  EXPECT_FALSE(Uint256::from_dec(std::string(79, '9')));
  auto v = *Uint256::from_dec("123456789012345678901234567890");
  auto be = v.to_be_bytes();
  EXPECT_EQ(*Uint256::from_be_bytes(be), v);
  EXPECT_EQ(*Uint256::from_be_bytes(v.to_be_bytes_trimmed()), v);
  EXPECT_TRUE(Uint256().to_be_bytes_trimmed().empty());
}
