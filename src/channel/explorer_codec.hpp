#pragma once
// Keys and values of the explorer's indexes (explorer_index.hpp), shared by their writers and readers.
#include <optional>

#include "channel/api.hpp"
#include "codec/binary.hpp"

namespace cx::channel::explorer {

inline constexpr size_t kAddressBytes = 21;
// Each index's "next height" record: a key no address key can be (an address's first byte is 0 or 1).
inline const Bytes kTipKey{0xff};

inline void put_address(codec::Writer& w, const core::Address& a) {
  const auto b = a.to_bytes();
  w.raw(BytesView(b.data(), b.size()));
}
inline std::optional<core::Address> take_address(codec::Reader& r) { return core::Address::from_bytes(r.raw(kAddressBytes)); }

// address ‖ ~height ‖ ~tx index [‖ ~log index]: ascending keys run newest first.
inline Bytes position_key(const core::Address& prefix, const PagePosition& p, bool with_log) {
  codec::Writer w(kAddressBytes + 16);
  put_address(w, prefix);
  w.u64(~p.height);
  w.u32(~p.tx_index);
  if (with_log) w.u32(~p.log_index);
  return w.take();
}
inline std::optional<PagePosition> position_of_key(BytesView key, bool with_log) {
  if (key.size() != kAddressBytes + (with_log ? 16 : 12)) return std::nullopt;
  codec::Reader r(key.subspan(kAddressBytes));
  PagePosition p;
  p.height = ~r.u64();
  p.tx_index = ~r.u32();
  if (with_log) p.log_index = ~r.u32();
  return p;
}

// An address_txs value: hash, from, to, dataType, status, block time, value.
inline Bytes encode_address_tx(const AddressTx& t) {
  codec::Writer w(128);
  w.fixed(t.tx_hash);
  put_address(w, t.from);
  put_address(w, t.to);
  w.u8(static_cast<uint8_t>(t.data_type));
  w.boolean(t.success);
  w.i64(t.timestamp_us);
  w.uint256(t.value);
  return w.take();
}
inline std::optional<AddressTx> decode_address_tx(BytesView v, const PagePosition& at) {
  codec::Reader r(v);
  AddressTx t;
  t.height = at.height;
  t.index = at.tx_index;
  t.tx_hash = r.fixed<32>();
  auto from = take_address(r);
  auto to = take_address(r);
  const uint8_t type = r.u8();
  t.success = r.boolean();
  t.timestamp_us = r.i64();
  t.value = r.uint256();
  if (r.failed() || r.remaining() != 0 || !from || !to || type > static_cast<uint8_t>(core::DataType::kDeposit))
    return std::nullopt;
  t.from = *from;
  t.to = *to;
  t.data_type = static_cast<core::DataType>(type);
  return t;
}

// A token transfer value: token, from, to, value, tx hash, block time.
inline Bytes encode_transfer(const TokenTransfer& t) {
  codec::Writer w(160);
  put_address(w, t.token);
  put_address(w, t.from);
  put_address(w, t.to);
  w.uint256(t.value);
  w.fixed(t.tx_hash);
  w.i64(t.timestamp_us);
  return w.take();
}
inline std::optional<TokenTransfer> decode_transfer(BytesView v, const PagePosition& at) {
  codec::Reader r(v);
  TokenTransfer t;
  auto token = take_address(r);
  auto from = take_address(r);
  auto to = take_address(r);
  t.value = r.uint256();
  t.tx_hash = r.fixed<32>();
  t.timestamp_us = r.i64();
  if (r.failed() || r.remaining() != 0 || !token || !from || !to) return std::nullopt;
  t.token = *token;
  t.from = *from;
  t.to = *to;
  t.height = at.height;
  t.tx_index = at.tx_index;
  t.log_index = at.log_index;
  return t;
}

// address ‖ token -> first height, last height, transfers; address alone -> the count of its tokens.
inline Bytes holding_key(const core::Address& address, const core::Address& token) {
  codec::Writer w(2 * kAddressBytes);
  put_address(w, address);
  put_address(w, token);
  return w.take();
}
inline Bytes encode_holding(const TokenHolding& h) {
  codec::Writer w(24);
  w.u64(h.first_height);
  w.u64(h.last_height);
  w.u64(h.transfers);
  return w.take();
}
inline std::optional<TokenHolding> decode_holding(BytesView v, const core::Address& token) {
  codec::Reader r(v);
  TokenHolding h;
  h.token = token;
  h.first_height = r.u64();
  h.last_height = r.u64();
  h.transfers = r.u64();
  if (r.failed() || r.remaining() != 0) return std::nullopt;
  return h;
}

inline Bytes encode_u64(uint64_t v) {
  codec::Writer w(8);
  w.u64(v);
  return w.take();
}
inline std::optional<uint64_t> decode_u64(BytesView v) {
  codec::Reader r(v);
  const uint64_t x = r.u64();
  if (r.failed() || r.remaining() != 0) return std::nullopt;
  return x;
}

}  // namespace cx::channel::explorer
