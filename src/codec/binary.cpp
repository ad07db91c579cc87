#include "codec/binary.hpp"

namespace cx::codec {

void Writer::u32(uint32_t v) {
  for (int i = 3; i >= 0; --i) m_out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Writer::u64(uint64_t v) {
  for (int i = 7; i >= 0; --i) m_out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Writer::varint(uint64_t v) {
  while (v >= 0x80) {
    m_out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  m_out.push_back(static_cast<uint8_t>(v));
}
void Writer::bytes(BytesView b) {
  varint(b.size());
  raw(b);
}
void Writer::uint256(const Uint256& v) {
  const auto full = v.to_be_bytes();
  const size_t len = (v.bit_length() + 7) / 8;  // minimal: no leading zero byte, zero is empty
  bytes(BytesView(full).last(len));
}

BytesView Reader::raw(size_t n) {
  if (m_failed) return {};
  if (remaining() < n) {
    fail("truncated input");
    return {};
  }
  BytesView v = m_in.subspan(m_pos, n);
  m_pos += n;
  return v;
}
uint8_t Reader::u8() {
  auto v = raw(1);
  return m_failed ? 0 : v[0];
}
uint32_t Reader::u32() {
  auto v = raw(4);
  if (m_failed) return 0;
  uint32_t r = 0;
  for (auto b : v) r = r << 8 | b;
  return r;
}
uint64_t Reader::u64() {
  auto v = raw(8);
  if (m_failed) return 0;
  uint64_t r = 0;
  for (auto b : v) r = r << 8 | b;
  return r;
}
uint64_t Reader::varint() {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = u8();
    if (m_failed) return 0;
    if (shift == 63 && b > 1) {
      fail("varint overflow");
      return 0;
    }
    r |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      if (b == 0 && shift != 0) {
        fail("non-minimal varint");
        return 0;
      }
      return r;
    }
  }
  fail("varint too long");
  return 0;
}
bool Reader::boolean() {
  uint8_t b = u8();
  if (b > 1) fail("bad boolean");
  return b == 1;
}
uint64_t Reader::count(uint64_t max_count) {
  uint64_t n = varint();
  if (n > max_count) {
    fail("count above limit");
    return 0;
  }
  return n;
}
BytesView Reader::bytes_view(size_t max_len) {
  uint64_t n = varint();
  if (n > max_len) {
    fail("length above limit");
    return {};
  }
  return raw(static_cast<size_t>(n));
}
Bytes Reader::bytes(size_t max_len) {
  auto v = bytes_view(max_len);
  return Bytes(v.begin(), v.end());
}
std::string Reader::str(size_t max_len) { return std::string(as_string_view(bytes_view(max_len))); }
Uint256 Reader::uint256() {
  auto b = bytes_view(32);
  if (m_failed) return {};
  if (!b.empty() && b[0] == 0) {
    fail("non-minimal integer");
    return {};
  }
  return *Uint256::from_be_bytes(b);
}

}  // namespace cx::codec
