#include "p2p/wire.hpp"

#include <gtest/gtest.h>

#include "crypto/address.hpp"

namespace cx::p2p {
namespace {

core::Address test_address(uint8_t fill) {
  core::Address a;
  a.id.bytes.fill(fill);
  return a;
}

TEST(P2pWire, FrameHeaderIsBigEndianLengthOfTypeAndPayload) {
  const Bytes payload{1, 2, 3};
  Bytes frame = encode_frame(2, payload);
  ASSERT_EQ(frame.size(), kFrameHeaderBytes + 3);
  EXPECT_EQ(frame[0], 0);
  EXPECT_EQ(frame[3], 4);  // type + 3 payload bytes
  uint8_t header[kFrameHeaderBytes];
  std::copy_n(frame.begin(), kFrameHeaderBytes, header);
  auto h = decode_frame_header(header);
  EXPECT_EQ(h.length, 4u);
  EXPECT_EQ(h.type, 2);

  const uint8_t big[kFrameHeaderBytes] = {0x12, 0x34, 0x56, 0x78, 0xF0};
  EXPECT_EQ(decode_frame_header(big).length, 0x12345678u);
}

TEST(P2pWire, HelloRoundTripsAndRejectsMalformed) {
  Hello h{kProtocolVersion, "loopchain_default", test_address(7), {}};
  h.nonce.bytes.fill(9);
  Bytes enc = encode_hello(h);
  std::string error;
  auto back = decode_hello(enc, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->version, h.version);
  EXPECT_EQ(back->channel, h.channel);
  EXPECT_EQ(back->address, h.address);
  EXPECT_EQ(back->nonce, h.nonce);
  EXPECT_LE(enc.size() + 1, kHandshakeFrameBytesMax);

  Bytes trailing = enc;
  trailing.push_back(0);
  EXPECT_FALSE(decode_hello(trailing, &error));
  EXPECT_NE(error.find("trailing"), std::string::npos);
  Bytes truncated(enc.begin(), enc.end() - 1);
  EXPECT_FALSE(decode_hello(truncated, &error));
  Bytes bad_tag = enc;
  bad_tag[4 + 1 + h.channel.size()] = 7;  // address tag byte after u32 + varint + channel
  EXPECT_FALSE(decode_hello(bad_tag, &error));

  Hello long_name = h;
  long_name.channel.assign(kChannelNameBytesMax + 1, 'x');
  EXPECT_FALSE(decode_hello(encode_hello(long_name), &error));
  long_name.channel.assign(kChannelNameBytesMax, 'x');
  EXPECT_TRUE(decode_hello(encode_hello(long_name), &error));
  EXPECT_LE(encode_hello(long_name).size() + 1, kHandshakeFrameBytesMax);
}

TEST(P2pWire, AuthDigestBindsEveryField) {
  Hash32 n1, n2;
  n1.bytes.fill(1);
  n2.bytes.fill(2);
  const auto a = test_address(3);
  const Hash32 base = auth_digest("c", n1, n2, a);
  EXPECT_NE(base, auth_digest("d", n1, n2, a));
  EXPECT_NE(base, auth_digest("c", n2, n1, a));
  EXPECT_NE(base, auth_digest("c", n1, n2, test_address(4)));
  EXPECT_EQ(base, auth_digest("c", n1, n2, a));
}

TEST(P2pWire, AuthIsExactly65Bytes) {
  crypto::Signature s;
  s.bytes.fill(5);
  auto enc = encode_auth(s);
  EXPECT_EQ(enc.size(), 65u);
  EXPECT_EQ(decode_auth(enc), s);
  enc.pop_back();
  EXPECT_FALSE(decode_auth(enc));
}

}  // namespace
}  // namespace cx::p2p
