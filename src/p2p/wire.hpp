#pragma once
// The P2P wire format, kept free of sockets so it can be unit-tested and fuzzed.
//
// Frame: u32 big-endian `length`, then `length` bytes = 1 byte type + payload.
//   1 <= length <= frame_bytes_max (handshake frames: <= kHandshakeFrameBytesMax).
// Types 1..6 are application messages (MessageType); 0xF0.. are transport frames that never reach the
// Handler: kHello and kAuth only before the handshake completes, kPing only after.
//
// Handshake (symmetric; both sides run it at once):
//   1. each side sends Hello {version u32, channel str, address 21 bytes, nonce 32 bytes} (codec/binary);
//   2. on the peer's Hello (version, channel, membership, not self checked) each side sends
//      Auth {signature 65 bytes} over auth_digest(channel, peer nonce, own nonce, own address);
//   3. on the peer's Auth each side recovers the signer and requires it to be the Hello's address.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "core/chain_params.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::p2p {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 5;          // u32 length + type
inline constexpr size_t kHandshakeFrameBytesMax = 512;  // Hello with the longest channel name fits
inline constexpr size_t kChannelNameBytesMax = 128;
inline constexpr size_t kNonceBytes = 32;

// Frame types 1..6 are the application's MessageType values (network.hpp); these are the transport's own.
enum class FrameType : uint8_t {
  kHello = 0xF0,
  kAuth = 0xF1,
  kPing = 0xF2,
};

inline bool is_application_type(uint8_t t) { return t >= 1 && t <= 6; }

// The whole frame, header included. CX_ASSERTs that 1 + payload fits in a u32.
Bytes encode_frame(uint8_t type, BytesView payload);

struct FrameHeader {
  uint32_t length = 0;  // type + payload
  uint8_t type = 0;
};
FrameHeader decode_frame_header(const uint8_t (&header)[kFrameHeaderBytes]);

struct Hello {
  uint32_t version = kProtocolVersion;
  std::string channel;
  core::Address address;
  Hash32 nonce;
};

Bytes encode_hello(const Hello& hello);
// nullopt (with `error` set) on any malformed or trailing byte.
std::optional<Hello> decode_hello(BytesView payload, std::string* error);

// sha3_256("complexchain/p2p" || channel || peer_nonce || own_nonce || own_address(21 bytes)).
// Binding both nonces stops replay; binding the channel stops cross-channel reuse.
Hash32 auth_digest(std::string_view channel, const Hash32& peer_nonce, const Hash32& own_nonce,
                   const core::Address& own_address);

Bytes encode_auth(const crypto::Signature& signature);
std::optional<crypto::Signature> decode_auth(BytesView payload);

}  // namespace cx::p2p
