#pragma once
// Canonical binary encoding for blocks, votes, receipts and P2P messages.
// Integers: fixed-width big-endian or LEB128 varints (minimal form enforced on decode);
// byte strings: varint length + bytes. One encoding per value, so hashes of encodings are canonical.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/uint256.hpp"

namespace cx::codec {

class Writer {
 public:
  Writer() : Writer(256) {}
  explicit Writer(size_t reserve_bytes) { m_out.reserve(reserve_bytes); }
  void u8(uint8_t v) { m_out.push_back(v); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void varint(uint64_t v);
  void boolean(bool v) { u8(v ? 1 : 0); }
  void bytes(BytesView b);            // length-prefixed
  void str(std::string_view s) { bytes(as_bytes(s)); }
  void raw(BytesView b) { m_out.insert(m_out.end(), b.begin(), b.end()); }
  template <size_t N>
  void fixed(const FixedBytes<N>& f) { raw(f.view()); }
  void uint256(const Uint256& v);     // length-prefixed minimal big-endian
  const Bytes& out() const { return m_out; }
  Bytes take() { return std::move(m_out); }
  // Empties the output but keeps its capacity, so one writer can encode value after value.
  void clear() { m_out.clear(); }

 private:
  Bytes m_out;
};

// Reader never throws and never reads past the end: the first failure sets `failed()` and every later
// read returns zero values. Decoders check `finish()` once at the end.
class Reader {
 public:
  explicit Reader(BytesView in) : m_in(in) {}
  uint8_t u8();
  uint32_t u32();
  uint64_t u64();
  int64_t i64() { return static_cast<int64_t>(u64()); }
  uint64_t varint();
  bool boolean();
  // Length-prefixed bytes, refusing lengths above `max_len`.
  Bytes bytes(size_t max_len);
  // The same without a copy: a view into the input.
  BytesView bytes_view(size_t max_len);
  std::string str(size_t max_len);
  BytesView raw(size_t n);
  template <size_t N>
  FixedBytes<N> fixed() {
    FixedBytes<N> f;
    auto v = raw(N);
    if (!m_failed) std::memcpy(f.data(), v.data(), N);
    return f;
  }
  Uint256 uint256();
  // Guards element counts read from the wire before allocating.
  uint64_t count(uint64_t max_count);

  void fail(const char* why) { if (!m_failed) { m_failed = true; m_error = why; } }
  bool failed() const { return m_failed; }
  const char* error() const { return m_error; }
  size_t remaining() const { return m_in.size() - m_pos; }
  // True iff nothing failed and every byte was consumed.
  bool finish() { if (!m_failed && remaining() != 0) fail("trailing bytes"); return !m_failed; }

 private:
  BytesView m_in;
  size_t m_pos = 0;
  bool m_failed = false;
  const char* m_error = "";
};

}  // namespace cx::codec
