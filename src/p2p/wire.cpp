#include "p2p/wire.hpp"

#include "codec/binary.hpp"
#include "crypto/hash.hpp"

namespace cx::p2p {

Bytes encode_frame(uint8_t type, BytesView payload) {
  CX_ASSERT(payload.size() < 0xFFFFFFFFull);
  const uint32_t length = static_cast<uint32_t>(payload.size() + 1);
  Bytes out;
  out.reserve(kFrameHeaderBytes + payload.size());
  out.push_back(static_cast<uint8_t>(length >> 24));
  out.push_back(static_cast<uint8_t>(length >> 16));
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length));
  out.push_back(type);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

FrameHeader decode_frame_header(const uint8_t (&h)[kFrameHeaderBytes]) {
  FrameHeader r;
  r.length = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | uint32_t{h[3]};
  r.type = h[4];
  return r;
}

Bytes encode_hello(const Hello& hello) {
  codec::Writer w;
  w.u32(hello.version);
  w.str(hello.channel);
  auto addr = hello.address.to_bytes();
  w.raw({addr.data(), addr.size()});
  w.fixed(hello.nonce);
  return w.take();
}

std::optional<Hello> decode_hello(BytesView payload, std::string* error) {
  codec::Reader r(payload);
  Hello h;
  h.version = r.u32();
  h.channel = r.str(kChannelNameBytesMax);
  auto addr = r.raw(21);
  h.nonce = r.fixed<kNonceBytes>();
  if (!r.finish()) {
    if (error) *error = std::string("malformed hello: ") + r.error();
    return std::nullopt;
  }
  auto address = core::Address::from_bytes(addr);
  if (!address) {
    if (error) *error = "malformed hello: bad address";
    return std::nullopt;
  }
  h.address = *address;
  return h;
}

Hash32 auth_digest(std::string_view channel, const Hash32& peer_nonce, const Hash32& own_nonce,
                   const core::Address& own_address) {
  crypto::Sha3Hasher hasher;
  hasher.update(as_bytes("complexchain/p2p"));
  hasher.update(as_bytes(channel));
  hasher.update(peer_nonce.view());
  hasher.update(own_nonce.view());
  auto addr = own_address.to_bytes();
  hasher.update({addr.data(), addr.size()});
  return hasher.finish();
}

Bytes encode_auth(const crypto::Signature& signature) { return Bytes(signature.bytes.begin(), signature.bytes.end()); }

std::optional<crypto::Signature> decode_auth(BytesView payload) { return crypto::Signature::from_view(payload); }

}  // namespace cx::p2p
