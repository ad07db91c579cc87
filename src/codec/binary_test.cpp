#include "codec/binary.hpp"

#include <gtest/gtest.h>

using namespace cx;

TEST(Binary, RoundTrip) {
  codec::Writer w;
  w.u8(7);
  w.u32(0xdeadbeef);
  w.u64(1ull << 40);
  w.varint(300);
  w.str("hello");
  w.uint256(*Uint256::from_dec("1000000000000000000"));
  w.boolean(true);
  auto out = w.take();
  codec::Reader r(out);
  EXPECT_EQ(r.u8(), 7);
  EXPECT_EQ(r.u32(), 0xdeadbeefu);
  EXPECT_EQ(r.u64(), 1ull << 40);
  EXPECT_EQ(r.varint(), 300u);
  EXPECT_EQ(r.str(10), "hello");
  EXPECT_EQ(r.uint256().to_dec(), "1000000000000000000");
  EXPECT_TRUE(r.boolean());
  EXPECT_TRUE(r.finish());
}

TEST(Binary, RejectsMalformed) {
  Bytes trunc = {0x05, 'a', 'b'};
  codec::Reader r1(trunc);
  r1.str(100);
  EXPECT_TRUE(r1.failed());
  Bytes nonmin = {0x80, 0x00};
  codec::Reader r2(nonmin);
  r2.varint();
  EXPECT_TRUE(r2.failed());
  Bytes big = {0x0b};
  codec::Reader r3(big);
  r3.bytes(10);
  EXPECT_TRUE(r3.failed());
  Bytes trailing = {0x01, 0x02};
  codec::Reader r4(trailing);
  r4.u8();
  EXPECT_FALSE(r4.finish());
  Bytes lead0 = {0x02, 0x00, 0x01};
  codec::Reader r5(lead0);
  r5.uint256();
  EXPECT_TRUE(r5.failed());
}
