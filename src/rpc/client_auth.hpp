#pragma once
// Signed JSON-RPC requests (docs/membership.md "Signed requests"): a channel whose genesis says
// "rpcAuth": "signed" answers only requests signed by one of its members (any role: validator,
// follower, auditor or client; not suspended — membership as final state holds it), so that a private
// channel's data is not served to strangers.
//
//   header  Cx-Auth: <hx address>:<timestamp, µs since the epoch, decimal>:<base64 65-byte signature>
//   signed  SHA3-256("cx-rpc-auth\n" + <HTTP method> + " " + <request target> + "\n" + <timestamp> + "\n" + <body>)
//
// A request is refused (HTTP 401, JSON-RPC -32600, with the reason) when the header is missing or
// malformed, the signature is not the address's, the address is not a member, the timestamp is more than
// the window away from the server's clock, or the same signed request was accepted before (a replay).
// TLS client certificates from the chain CA ("rpcAuth": "tls"): rpc/tls_client_check.hpp.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/mutex.hpp"
#include "core/chain_params.hpp"
#include "crypto/secp256k1.hpp"

namespace cx::rpc {

inline constexpr std::string_view kAuthHeader = "Cx-Auth";

struct SignedRequest {
  std::string_view method;  // "POST"
  std::string_view target;  // "/api/v3/trade"
  std::string_view body;
};

class ClientAuth {
 public:
  struct Options {
    int64_t window_us = 30'000'000;     // |server clock - timestamp| allowed; also how long replays are remembered
    size_t remembered_max = 200'000;    // accepted requests remembered against replay; beyond, new ones wait
  };
  ClientAuth() : ClientAuth(Options{}) {}
  explicit ClientAuth(Options options) : m_options(options) {}

  // Why `address` may not use the channel (not a member, suspended), or nullopt: the channel's live
  // membership (ChannelApi::member_refusal).
  using MemberCheck = std::function<std::optional<std::string>(const core::Address& address)>;

  // nullopt: accepted (and remembered). Otherwise why not, for the client.
  std::optional<std::string> check(const core::ChainParams& params, const MemberCheck& member, std::string_view header,
                                   const SignedRequest& req, int64_t now_us) EXCLUDES(m_mutex);
  // Membership by the genesis alone.
  std::optional<std::string> check(const core::ChainParams& params, std::string_view header, const SignedRequest& req,
                                   int64_t now_us) EXCLUDES(m_mutex);

  // The header value a client sends (for clients and tests).
  static std::string sign(const crypto::PrivateKey& key, const SignedRequest& req, int64_t timestamp_us);

 private:
  const Options m_options;
  Mutex m_mutex;
  std::map<Hash32, int64_t> m_seen GUARDED_BY(m_mutex);             // digest -> timestamp
  std::multimap<int64_t, Hash32> m_by_time GUARDED_BY(m_mutex);     // timestamp -> digest, to forget
};

}  // namespace cx::rpc
