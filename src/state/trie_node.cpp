#include "state/trie_node.hpp"

#include <limits>

namespace cx::state::detail {
namespace {

constexpr uint8_t kTagLeaf = 0x00;
constexpr uint8_t kTagExtension = 0x01;
constexpr uint8_t kTagBranch = 0x02;

void put_u16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put_u32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

void put_path(Bytes& out, const Nibbles& path) {
  CX_ASSERT(path.size() <= kMaxKeyNibbles);
  put_u16(out, static_cast<uint16_t>(path.size()));
  for (size_t i = 0; i < path.size(); i += 2) {
    CX_ASSERT(path[i] < 16);
    const uint8_t low = i + 1 < path.size() ? path[i + 1] : 0;
    CX_ASSERT(low < 16);
    out.push_back(static_cast<uint8_t>(path[i] << 4 | low));
  }
}

void put_value(Bytes& out, const Bytes& value) {
  CX_ASSERT(value.size() <= std::numeric_limits<uint32_t>::max());
  put_u32(out, static_cast<uint32_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

// Bounds-checked cursor over untrusted bytes: any read past the end latches `ok = false`.
struct Reader {
  BytesView in;
  size_t pos = 0;
  bool ok = true;

  bool has(size_t n) {
    if (!ok || in.size() - pos < n) ok = false;
    return ok;
  }
  uint8_t u8() { return has(1) ? in[pos++] : 0; }
  uint16_t u16() {
    if (!has(2)) return 0;
    const uint16_t v = static_cast<uint16_t>(in[pos] << 8 | in[pos + 1]);
    pos += 2;
    return v;
  }
  uint32_t u32() {
    if (!has(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | in[pos++];
    return v;
  }
  BytesView take(size_t n) {
    if (!has(n)) return {};
    auto v = in.subspan(pos, n);
    pos += n;
    return v;
  }
  bool path(Nibbles& out) {
    const size_t count = u16();
    if (!ok || count > kMaxKeyNibbles) return ok = false;
    const auto packed = take((count + 1) / 2);
    if (!ok) return false;
    out.resize(count);
    for (size_t i = 0; i < count; ++i) out[i] = nibble_at(packed, i);
    // The padding nibble must be zero, or two encodings would decode to one node.
    if ((count & 1) && (packed.back() & 0x0f) != 0) return ok = false;
    return true;
  }
  bool value(Bytes& out) {
    const uint32_t len = u32();
    const auto v = take(len);
    if (!ok) return false;
    out.assign(v.begin(), v.end());
    return true;
  }
  bool hash(Hash32& out) {
    const auto v = take(Hash32::size());
    if (!ok) return false;
    std::copy(v.begin(), v.end(), out.bytes.begin());
    return true;
  }
};

}  // namespace

Bytes encode_node(const Node& node) {
  Bytes out;
  switch (node.kind) {
    case NodeKind::kLeaf:
      CX_ASSERT(node.has_value && node.children.empty());
      out.reserve(1 + 2 + (node.path.size() + 1) / 2 + 4 + node.value.size());
      out.push_back(kTagLeaf);
      put_path(out, node.path);
      put_value(out, node.value);
      break;
    case NodeKind::kExtension:
      CX_ASSERT(!node.path.empty() && !node.has_value && node.children.size() == 1);
      out.reserve(1 + 2 + (node.path.size() + 1) / 2 + 32);
      out.push_back(kTagExtension);
      put_path(out, node.path);
      out.insert(out.end(), node.children[0].bytes.begin(), node.children[0].bytes.end());
      break;
    case NodeKind::kBranch: {
      const size_t count = static_cast<size_t>(std::popcount(static_cast<unsigned>(node.child_mask)));
      CX_ASSERT(node.path.empty() && count == node.children.size());
      // A branch with fewer than two entries is not canonical: it must have been collapsed.
      CX_ASSERT(count + (node.has_value ? 1 : 0) >= 2);
      out.reserve(1 + 2 + 32 * count + 1 + (node.has_value ? 4 + node.value.size() : 0));
      out.push_back(kTagBranch);
      put_u16(out, node.child_mask);
      for (const auto& h : node.children) out.insert(out.end(), h.bytes.begin(), h.bytes.end());
      out.push_back(node.has_value ? 1 : 0);
      if (node.has_value) put_value(out, node.value);
      break;
    }
  }
  return out;
}

std::optional<Node> decode_node(BytesView encoding) {
  Reader r{encoding};
  Node node;
  switch (r.u8()) {
    case kTagLeaf:
      node.kind = NodeKind::kLeaf;
      node.has_value = true;
      if (!r.path(node.path) || !r.value(node.value)) return std::nullopt;
      break;
    case kTagExtension:
      node.kind = NodeKind::kExtension;
      node.children.resize(1);
      if (!r.path(node.path) || node.path.empty() || !r.hash(node.children[0])) return std::nullopt;
      break;
    case kTagBranch: {
      node.kind = NodeKind::kBranch;
      node.child_mask = r.u16();
      const size_t count = static_cast<size_t>(std::popcount(static_cast<unsigned>(node.child_mask)));
      node.children.resize(count);
      for (auto& h : node.children) {
        if (!r.hash(h)) return std::nullopt;
      }
      const uint8_t flag = r.u8();
      if (!r.ok || flag > 1) return std::nullopt;
      node.has_value = flag == 1;
      if (node.has_value && !r.value(node.value)) return std::nullopt;
      if (count + (node.has_value ? 1 : 0) < 2) return std::nullopt;
      break;
    }
    default:
      return std::nullopt;
  }
  if (!r.ok || r.pos != encoding.size()) return std::nullopt;
  return node;
}

}  // namespace cx::state::detail
