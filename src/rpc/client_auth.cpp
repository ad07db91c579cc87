#include "rpc/client_auth.hpp"

#include <charconv>

#include "crypto/address.hpp"
#include "crypto/base64.hpp"
#include "crypto/hash.hpp"

namespace cx::rpc {
namespace {

Hash32 digest_of(const SignedRequest& req, std::string_view timestamp) {
  std::string text = "cx-rpc-auth\n";
  text.reserve(text.size() + req.method.size() + req.target.size() + timestamp.size() + req.body.size() + 4);
  text.append(req.method).append(" ").append(req.target).append("\n").append(timestamp).append("\n").append(req.body);
  return crypto::sha3_256(as_bytes(text));
}

}  // namespace

std::string ClientAuth::sign(const crypto::PrivateKey& key, const SignedRequest& req, int64_t timestamp_us) {
  const std::string ts = std::to_string(timestamp_us);
  const auto address = core::Address::of_public_key(*crypto::public_key_of(key));
  return address.to_string() + ":" + ts + ":" + crypto::base64_encode(crypto::sign(digest_of(req, ts), key).view());
}

std::optional<std::string> ClientAuth::check(const core::ChainParams& params, std::string_view header,
                                             const SignedRequest& req, int64_t now_us) {
  const MemberCheck genesis = [&params](const core::Address& a) -> std::optional<std::string> {
    if (params.role_of(a)) return std::nullopt;
    return a.to_string() + " is not a member of channel " + params.channel;
  };
  return check(params, genesis, header, req, now_us);
}

std::optional<std::string> ClientAuth::check(const core::ChainParams& params, const MemberCheck& member,
                                             std::string_view header, const SignedRequest& req, int64_t now_us) {
  if (header.empty())
    return "unauthorized: channel " + params.channel + " answers only signed requests (header " + std::string(kAuthHeader) +
           ": <address>:<timestamp µs>:<signature>, docs/membership.md)";
  const size_t c1 = header.find(':');
  const size_t c2 = c1 == std::string_view::npos ? c1 : header.find(':', c1 + 1);
  if (c2 == std::string_view::npos || header.size() > 256)
    return "unauthorized: malformed " + std::string(kAuthHeader) + " header (expected <address>:<timestamp µs>:<signature>)";
  const auto address = core::Address::parse(header.substr(0, c1));
  if (!address || address->is_contract) return "unauthorized: the " + std::string(kAuthHeader) + " address is not an hx address";
  const std::string_view ts = header.substr(c1 + 1, c2 - c1 - 1);
  int64_t timestamp = 0;
  auto [end, err] = std::from_chars(ts.data(), ts.data() + ts.size(), timestamp);
  if (err != std::errc() || end != ts.data() + ts.size() || ts.empty())
    return "unauthorized: the " + std::string(kAuthHeader) + " timestamp is not a decimal number of µs";
  auto sig_bytes = crypto::base64_decode(header.substr(c2 + 1));
  if (!sig_bytes || sig_bytes->size() != crypto::Signature::size())
    return "unauthorized: the " + std::string(kAuthHeader) + " signature is not 65 bytes of base64";
  if (timestamp < now_us - m_options.window_us || timestamp > now_us + m_options.window_us)
    return "unauthorized: stale request: its timestamp is " + std::to_string((now_us - timestamp) / 1000) +
           " ms from this node's clock (allowed: " + std::to_string(m_options.window_us / 1000) + " ms)";
  // Membership first: a stranger costs no hashing of the body and no signature recovery.
  if (auto refused = member(*address)) return "unauthorized: " + *refused;
  crypto::Signature sig;
  std::copy(sig_bytes->begin(), sig_bytes->end(), sig.bytes.begin());
  const Hash32 digest = digest_of(req, ts);
  auto pub = crypto::recover(digest, sig);
  if (!pub || core::Address::of_public_key(*pub) != *address)
    return "unauthorized: the signature is not " + address->to_string() + "'s over this request";
  MutexLock lock(m_mutex);
  while (!m_by_time.empty() && m_by_time.begin()->first < now_us - m_options.window_us) {
    m_seen.erase(m_by_time.begin()->second);
    m_by_time.erase(m_by_time.begin());
  }
  if (m_seen.contains(digest)) return "unauthorized: replayed request (this signed request was answered already)";
  if (m_seen.size() >= m_options.remembered_max)
    return "unauthorized: too many signed requests in the last " + std::to_string(m_options.window_us / 1000000) +
           " s; retry shortly";
  m_seen.emplace(digest, timestamp);
  m_by_time.emplace(timestamp, digest);
  return std::nullopt;
}

}  // namespace cx::rpc
