#pragma once
// Test-only: builds zip archives byte by byte, so tests (and the fuzz target's seeds) can make the
// archives a careful tool never would: symlinks, lying sizes, "..", duplicates, bombs.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <zlib.h>

#include "base/bytes.hpp"

namespace cx::acore::test {

struct ZipEntrySpec {
  ZipEntrySpec(std::string n, std::string d, bool compress = false, uint32_t mode = 0100644,
               std::optional<uint32_t> declared = std::nullopt, uint16_t f = 0)
      : name(std::move(n)), data(std::move(d)), deflate(compress), unix_mode(mode), declared_size(declared), flags(f) {}
  std::string name;
  std::string data;
  bool deflate = false;
  uint32_t unix_mode = 0100644;                // 0120777 makes a symlink
  std::optional<uint32_t> declared_size;       // a lie about the uncompressed size
  uint16_t flags = 0;                          // 1: encrypted
};

namespace detail {
inline void le16(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
inline void le32(Bytes& out, uint32_t v) {
  le16(out, v & 0xffff);
  le16(out, v >> 16);
}
inline std::string raw_deflate(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
}  // namespace detail

inline Bytes make_zip(const std::vector<ZipEntrySpec>& entries) {
  using detail::le16;
  using detail::le32;
  Bytes out, central;
  for (const auto& e : entries) {
    const std::string stored = e.deflate ? detail::raw_deflate(e.data) : e.data;
    const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(e.data.data()),
                                                     static_cast<uInt>(e.data.size())));
    const uint32_t size = e.declared_size.value_or(static_cast<uint32_t>(e.data.size()));
    const uint32_t offset = static_cast<uint32_t>(out.size());
    auto common = [&](Bytes& b) {
      le16(b, 20);                      // version needed
      le16(b, e.flags);
      le16(b, e.deflate ? 8 : 0);       // method
      le16(b, 0);                       // time
      le16(b, 0x21);                    // date: 1980-01-01
      le32(b, crc);
      le32(b, static_cast<uint32_t>(stored.size()));
      le32(b, size);
      le16(b, static_cast<uint32_t>(e.name.size()));
      le16(b, 0);                       // extra
    };
    le32(out, 0x04034b50);
    common(out);
    out.insert(out.end(), e.name.begin(), e.name.end());
    out.insert(out.end(), stored.begin(), stored.end());
    le32(central, 0x02014b50);
    le16(central, (3u << 8) | 20);      // made by Unix
    common(central);
    le16(central, 0);                   // comment
    le16(central, 0);                   // disk
    le16(central, 0);                   // internal attributes
    le32(central, e.unix_mode << 16);   // external attributes
    le32(central, offset);
    central.insert(central.end(), e.name.begin(), e.name.end());
  }
  const uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out.insert(out.end(), central.begin(), central.end());
  le32(out, 0x06054b50);
  le16(out, 0);
  le16(out, 0);
  le16(out, static_cast<uint32_t>(entries.size()));
  le16(out, static_cast<uint32_t>(entries.size()));
  le32(out, static_cast<uint32_t>(central.size()));
  le32(out, cd_offset);
  le16(out, 0);
  return out;
}

}  // namespace cx::acore::test
