#include "state/trie_node.hpp"

#include <gtest/gtest.h>

namespace cx::state::detail {
namespace {

Hash32 filled(uint8_t b) {
  Hash32 h;
  h.bytes.fill(b);
  return h;
}

Node leaf(Nibbles path, Bytes value) {
  Node n;
  n.kind = NodeKind::kLeaf;
  n.path = std::move(path);
  n.has_value = true;
  n.value = std::move(value);
  return n;
}

void expect_round_trip(const Node& n) {
  const Bytes enc = encode_node(n);
  auto back = decode_node(enc);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->kind, n.kind);
  EXPECT_EQ(back->path, n.path);
  EXPECT_EQ(back->has_value, n.has_value);
  EXPECT_EQ(back->value, n.value);
  EXPECT_EQ(back->child_mask, n.child_mask);
  EXPECT_EQ(back->children, n.children);
  EXPECT_EQ(encode_node(*back), enc);
}

TEST(TrieNode, LeafEncodingIsTheDocumentedFormat) {
  // Odd path: 3 nibbles a,b,c packed as 0xab 0xc0.
  const Bytes enc = encode_node(leaf({0xa, 0xb, 0xc}, {0x01, 0x02}));
  const Bytes expected = {0x00, 0x00, 0x03, 0xab, 0xc0, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02};
  EXPECT_EQ(enc, expected);
  expect_round_trip(leaf({0xa, 0xb, 0xc}, {0x01, 0x02}));
  expect_round_trip(leaf({}, {}));
}

TEST(TrieNode, ExtensionAndBranchEncoding) {
  Node ext;
  ext.kind = NodeKind::kExtension;
  ext.path = {0x1, 0x2};
  ext.children = {filled(0xee)};
  Bytes expected = {0x01, 0x00, 0x02, 0x12};
  expected.insert(expected.end(), 32, 0xee);
  EXPECT_EQ(encode_node(ext), expected);
  expect_round_trip(ext);

  Node branch;
  branch.kind = NodeKind::kBranch;
  branch.child_mask = (1u << 0) | (1u << 15);
  branch.children = {filled(0x11), filled(0xff)};
  expected = {0x02, 0x80, 0x01};
  expected.insert(expected.end(), 32, 0x11);
  expected.insert(expected.end(), 32, 0xff);
  expected.push_back(0x00);
  EXPECT_EQ(encode_node(branch), expected);
  expect_round_trip(branch);
  EXPECT_EQ(branch.child(15), filled(0xff));
  EXPECT_FALSE(branch.has_child(7));

  // One child plus a value is still a valid branch.
  branch.child_mask = 1u << 4;
  branch.children = {filled(0x44)};
  branch.has_value = true;
  branch.value = {0x09};
  expect_round_trip(branch);
}

TEST(TrieNode, DecodeRejectsNonCanonicalAndMalformedInput) {
  const Bytes good = encode_node(leaf({0xa, 0xb, 0xc}, {0x01, 0x02}));
  ASSERT_TRUE(decode_node(good));
  EXPECT_FALSE(decode_node({}));
  // Every truncation fails.
  for (size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode_node(BytesView(good).first(n))) << n;
  // Trailing bytes.
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_FALSE(decode_node(longer));
  // Non-zero padding nibble.
  Bytes padded = good;
  padded[4] = 0xc1;
  EXPECT_FALSE(decode_node(padded));
  // Unknown tag.
  Bytes tag = good;
  tag[0] = 0x03;
  EXPECT_FALSE(decode_node(tag));
  // Extension with an empty path.
  Bytes ext = {0x01, 0x00, 0x00};
  ext.insert(ext.end(), 32, 0x01);
  EXPECT_FALSE(decode_node(ext));
  // Branch with a single child and no value.
  Bytes branch = {0x02, 0x00, 0x01};
  branch.insert(branch.end(), 32, 0x01);
  branch.push_back(0x00);
  EXPECT_FALSE(decode_node(branch));
  // Branch value flag other than 0/1.
  branch[1] = 0x00;
  branch[2] = 0x03;
  branch.insert(branch.begin() + 3, 32, 0x02);
  ASSERT_TRUE(decode_node(branch));
  branch.back() = 0x02;
  EXPECT_FALSE(decode_node(branch));
  // Path longer than the longest key.
  Bytes huge = {0x00, 0x02, 0x02};
  huge.insert(huge.end(), 257, 0x00);
  huge.insert(huge.end(), {0, 0, 0, 0});
  EXPECT_FALSE(decode_node(huge));
}

}  // namespace
}  // namespace cx::state::detail
