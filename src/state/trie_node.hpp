#pragma once
// Trie nodes of the world state and their canonical binary encoding (private to the state module).
//
// A node is one of (as in Ethereum's Merkle Patricia trie, with our own encoding):
//   leaf       remaining key path (nibbles) and a value
//   extension  a shared path of >= 1 nibbles and one child, which is always a branch
//   branch     up to 16 children indexed by the next nibble, and an optional value for the key that
//              ends exactly here (keys are byte strings of any length, so one can prefix another)
// Children are always referenced by the SHA3-256 of their encoding, never inlined, whatever their size.
//
// Encoding (all integers big-endian; "path" = u16 nibble count, then the nibbles packed two per
// byte high nibble first, an odd count padded with a zero low nibble):
//   leaf       0x00 path  u32 value_len  value
//   extension  0x01 path  child_hash[32]
//   branch     0x02 u16 child_mask  child_hash[32] x popcount(mask), in nibble order
//              then 0x00 (no value) | 0x01 u32 value_len value
// Bit i of child_mask (i = 0..15, least significant first) says child i is present.
// decode_node() accepts exactly the encodings encode_node() produces, so one node has one encoding
// and therefore one hash.
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/assert.hpp"
#include "base/bytes.hpp"

namespace cx::state::detail {

inline constexpr size_t kMaxKeyBytes = 256;
inline constexpr size_t kMaxKeyNibbles = 2 * kMaxKeyBytes;

enum class NodeKind : uint8_t { kLeaf = 0, kExtension = 1, kBranch = 2 };

// One nibble (0..15) per element.
using Nibbles = std::vector<uint8_t>;

inline uint8_t nibble_at(BytesView key, size_t i) {
  const uint8_t b = key[i >> 1];
  return (i & 1) ? (b & 0x0f) : (b >> 4);
}

struct Node {
  NodeKind kind = NodeKind::kLeaf;
  Nibbles path;            // leaf and extension
  bool has_value = false;  // always true for a leaf
  Bytes value;
  uint16_t child_mask = 0;       // branch
  std::vector<Hash32> children;  // branch: present children in nibble order; extension: the one child

  bool has_child(unsigned nibble) const { return (child_mask >> nibble) & 1u; }
  const Hash32& child(unsigned nibble) const {
    CX_ASSERT(kind == NodeKind::kBranch && has_child(nibble));
    return children[std::popcount(static_cast<unsigned>(child_mask & ((1u << nibble) - 1u)))];
  }
  const Hash32& extension_child() const {
    CX_ASSERT(kind == NodeKind::kExtension && children.size() == 1);
    return children[0];
  }
};

using NodePtr = std::shared_ptr<const Node>;

// Precondition: `node` is well formed (asserted): the shapes above, a branch with at least two of
// {children, value}, an extension with a non-empty path.
Bytes encode_node(const Node& node);

// nullopt unless `encoding` is exactly what encode_node() produces for some well-formed node.
// Safe on arbitrary input (it parses proofs from outside).
std::optional<Node> decode_node(BytesView encoding);

}  // namespace cx::state::detail
