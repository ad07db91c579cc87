#include "crypto/ecies.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <set>

#include "base/assert.hpp"
#include "crypto/address.hpp"
#include "crypto/hash.hpp"

namespace cx::crypto {

namespace {

constexpr std::array<uint8_t, 4> kMagic = {'C', 'X', 'E', 'N'};
constexpr size_t kNonceBytes = 12;
constexpr size_t kKeyBytes = 32;
constexpr size_t kAddressBytes = 20;
// Offsets inside the fixed header (docs/confidential.md).
constexpr size_t kOffVersion = 4;
constexpr size_t kOffCount = 5;
constexpr size_t kOffEphemeral = 6;
constexpr size_t kOffNonce = 39;
constexpr size_t kOffCommitment = 51;
static_assert(kOffCommitment + 32 == kEnvelopeFixedBytes);
static_assert(kAddressBytes + kKeyBytes + kEnvelopeTagBytes == kEnvelopeSlotBytes);

// Domain separation: a key or commitment made for this format can never be taken for another's.
constexpr std::string_view kWrapInfo = "complexchain/ecies/v1/wrap";
constexpr std::string_view kCommitLabel = "complexchain/ecies/v1/commit";

using Key = FixedBytes<kKeyBytes>;
using Nonce = FixedBytes<kNonceBytes>;

struct WrapKey {
  Key key;
  Nonce nonce;
};

EnvelopeRejection reject(EnvelopeReject reason, std::string detail) { return {reason, std::move(detail)}; }

// HKDF-SHA256 (RFC 5869) through OpenSSL 3's EVP_KDF: ikm = the ECDH X coordinate, salt = both
// compressed public keys (so a slot is bound to the pair it was made for), info = kWrapInfo.
WrapKey derive_wrap_key(const FixedBytes<32>& shared_x, const FixedBytes<33>& ephemeral, const FixedBytes<33>& recipient) {
  std::array<uint8_t, 66> salt;
  std::memcpy(salt.data(), ephemeral.data(), 33);
  std::memcpy(salt.data() + 33, recipient.data(), 33);
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr), &EVP_KDF_free);
  CX_ASSERT_MSG(kdf != nullptr, "OpenSSL has no HKDF");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()), &EVP_KDF_CTX_free);
  CX_ASSERT(ctx != nullptr);
  char digest[] = "SHA256";
  std::string info(kWrapInfo);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(shared_x.data()), shared_x.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  std::array<uint8_t, kKeyBytes + kNonceBytes> okm{};
  const int ok = EVP_KDF_derive(ctx.get(), okm.data(), okm.size(), params);
  CX_ASSERT_MSG(ok == 1, "HKDF-SHA256 failed");
  WrapKey out;
  std::memcpy(out.key.data(), okm.data(), kKeyBytes);
  std::memcpy(out.nonce.data(), okm.data() + kKeyBytes, kNonceBytes);
  OPENSSL_cleanse(okm.data(), okm.size());
  return out;
}

Hash32 key_commitment(const Key& content_key) {
  Sha3Hasher h;
  h.update(as_bytes(kCommitLabel));
  h.update(content_key.view());
  return h.finish();
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx gcm_init(const Key& key, const Nonce& nonce, BytesView aad, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  CX_ASSERT(ctx != nullptr);
  const int ok = EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data(), encrypt ? 1 : 0);
  CX_ASSERT(ok == 1);  // the default GCM IV length is 96 bits, the nonce's
  int len = 0;
  if (!aad.empty()) {
    const int aad_ok = EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size()));
    CX_ASSERT(aad_ok == 1);
  }
  return ctx;
}

// Appends ciphertext || tag to `out`.
void gcm_seal(const Key& key, const Nonce& nonce, BytesView aad, BytesView plaintext, Bytes& out) {
  CipherCtx ctx = gcm_init(key, nonce, aad, /*encrypt=*/true);
  const size_t start = out.size();
  out.resize(start + plaintext.size() + kEnvelopeTagBytes);
  int len = 0;
  if (!plaintext.empty()) {
    const int ok = EVP_EncryptUpdate(ctx.get(), out.data() + start, &len, plaintext.data(), static_cast<int>(plaintext.size()));
    CX_ASSERT(ok == 1 && static_cast<size_t>(len) == plaintext.size());
  }
  int fin = 0;
  CX_ASSERT(EVP_EncryptFinal_ex(ctx.get(), out.data() + start + plaintext.size(), &fin) == 1 && fin == 0);
  const int tag_ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kEnvelopeTagBytes,
                                         out.data() + start + plaintext.size());
  CX_ASSERT(tag_ok == 1);
}

// `sealed` = ciphertext || tag; nullopt unless the tag authenticates.
std::optional<Bytes> gcm_open(const Key& key, const Nonce& nonce, BytesView aad, BytesView sealed) {
  CX_ASSERT(sealed.size() >= kEnvelopeTagBytes);
  const size_t n = sealed.size() - kEnvelopeTagBytes;
  CipherCtx ctx = gcm_init(key, nonce, aad, /*encrypt=*/false);
  Bytes out(n);
  int len = 0;
  if (n > 0) {
    const int ok = EVP_DecryptUpdate(ctx.get(), out.data(), &len, sealed.data(), static_cast<int>(n));
    CX_ASSERT(ok == 1 && static_cast<size_t>(len) == n);
  }
  std::array<uint8_t, kEnvelopeTagBytes> tag;
  std::memcpy(tag.data(), sealed.data() + n, tag.size());
  CX_ASSERT(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag.size(), tag.data()) == 1);
  int fin = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &fin) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

// The AAD of every key slot: the fixed header and all recipients' addresses (the slots' wrapped keys
// are not known yet while wrapping; the payload's AAD covers them).
Bytes wrap_aad(BytesView envelope, size_t count) {
  Bytes aad(envelope.begin(), envelope.begin() + kEnvelopeFixedBytes);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* slot = envelope.data() + kEnvelopeFixedBytes + i * kEnvelopeSlotBytes;
    aad.insert(aad.end(), slot, slot + kAddressBytes);
  }
  return aad;
}

}  // namespace

size_t envelope_plaintext_bytes_max(size_t recipients) {
  const size_t overhead = kEnvelopeFixedBytes + recipients * kEnvelopeSlotBytes + kEnvelopeTagBytes;
  return overhead >= kEnvelopeBytesMax ? 0 : kEnvelopeBytesMax - overhead;
}

std::string_view to_string(EnvelopeReject reason) {
  switch (reason) {
    case EnvelopeReject::kMalformed: return "not an envelope";
    case EnvelopeReject::kNotRecipient: return "not a recipient";
    case EnvelopeReject::kAuthFailed: return "authentication failed";
  }
  return "unknown";
}

std::variant<EnvelopeHeader, EnvelopeRejection> parse_envelope(BytesView envelope) {
  using R = EnvelopeReject;
  if (envelope.size() > kEnvelopeBytesMax)
    return reject(R::kMalformed, "envelope is " + std::to_string(envelope.size()) + " bytes; the limit is " +
                                     std::to_string(kEnvelopeBytesMax));
  if (envelope.size() < kEnvelopeFixedBytes + kEnvelopeSlotBytes + kEnvelopeTagBytes)
    return reject(R::kMalformed, "envelope is " + std::to_string(envelope.size()) + " bytes, shorter than any envelope (" +
                                     std::to_string(kEnvelopeFixedBytes + kEnvelopeSlotBytes + kEnvelopeTagBytes) + ")");
  if (std::memcmp(envelope.data(), kMagic.data(), kMagic.size()) != 0)
    return reject(R::kMalformed, "no CXEN magic at the start");
  EnvelopeHeader h;
  h.version = envelope[kOffVersion];
  if (h.version != kEnvelopeVersion)
    return reject(R::kMalformed, "version " + std::to_string(h.version) + " is not supported (this reader knows " +
                                     std::to_string(kEnvelopeVersion) + ")");
  const size_t count = envelope[kOffCount];
  if (count == 0 || count > kEnvelopeRecipientsMax)
    return reject(R::kMalformed, "recipient count " + std::to_string(count) + " is not 1.." + std::to_string(kEnvelopeRecipientsMax));
  const size_t header_bytes = kEnvelopeFixedBytes + count * kEnvelopeSlotBytes;
  if (envelope.size() < header_bytes + kEnvelopeTagBytes)
    return reject(R::kMalformed, "envelope is " + std::to_string(envelope.size()) + " bytes, too short for " +
                                     std::to_string(count) + " recipients");
  h.ephemeral_key = *FixedBytes<33>::from_view(envelope.subspan(kOffEphemeral, 33));
  if (!parse_public_key(h.ephemeral_key.view())) return reject(R::kMalformed, "the ephemeral key is not a curve point");
  std::set<FixedBytes<20>> seen;
  for (size_t i = 0; i < count; ++i) {
    auto id = *FixedBytes<20>::from_view(envelope.subspan(kEnvelopeFixedBytes + i * kEnvelopeSlotBytes, kAddressBytes));
    if (!seen.insert(id).second) return reject(R::kMalformed, "recipient hx" + id.hex() + " appears twice");
    h.recipients.push_back(id);
  }
  h.payload_bytes = envelope.size() - header_bytes - kEnvelopeTagBytes;
  return h;
}

Result<Bytes> seal_envelope(BytesView plaintext, std::span<const PublicKey> recipients, Random& random) {
  if (recipients.empty()) return Result<Bytes>::error("an envelope needs at least one recipient");
  if (recipients.size() > kEnvelopeRecipientsMax)
    return Result<Bytes>::error(std::to_string(recipients.size()) + " recipients; at most " + std::to_string(kEnvelopeRecipientsMax));
  if (plaintext.size() > envelope_plaintext_bytes_max(recipients.size()))
    return Result<Bytes>::error("payload is " + std::to_string(plaintext.size()) + " bytes; with " +
                                std::to_string(recipients.size()) + " recipients at most " +
                                std::to_string(envelope_plaintext_bytes_max(recipients.size())) + " fit");
  std::set<FixedBytes<20>> seen;
  for (const PublicKey& pub : recipients) {
    if (!verify_key_of(pub) || pub.bytes[0] != 0x04) return Result<Bytes>::error("recipient key " + pub.hex() + " is not a curve point");
    const auto id = Address::of_public_key(pub).id;
    if (!seen.insert(id).second) return Result<Bytes>::error("recipient hx" + id.hex() + " is given twice");
  }
  // Draw order is part of the known-answer test: ephemeral key, content key, payload nonce.
  PrivateKey ephemeral = generate_private_key(random);
  Key content_key;
  random.fill(content_key.bytes);
  Nonce nonce;
  random.fill(nonce.bytes);
  const FixedBytes<33> ephemeral_pub = compress_public_key(*public_key_of(ephemeral));

  Bytes env;
  env.reserve(kEnvelopeFixedBytes + recipients.size() * kEnvelopeSlotBytes + plaintext.size() + kEnvelopeTagBytes);
  env.insert(env.end(), kMagic.begin(), kMagic.end());
  env.push_back(kEnvelopeVersion);
  env.push_back(static_cast<uint8_t>(recipients.size()));
  env.insert(env.end(), ephemeral_pub.bytes.begin(), ephemeral_pub.bytes.end());
  env.insert(env.end(), nonce.bytes.begin(), nonce.bytes.end());
  const Hash32 commitment = key_commitment(content_key);
  env.insert(env.end(), commitment.bytes.begin(), commitment.bytes.end());
  CX_ASSERT(env.size() == kEnvelopeFixedBytes);
  // Addresses first (zeroed key slots), so the wrap AAD over all of them is known before wrapping.
  for (const PublicKey& pub : recipients) {
    const auto id = Address::of_public_key(pub).id;
    env.insert(env.end(), id.bytes.begin(), id.bytes.end());
    env.resize(env.size() + kKeyBytes + kEnvelopeTagBytes);
  }
  const Bytes aad = wrap_aad(env, recipients.size());
  for (size_t i = 0; i < recipients.size(); ++i) {
    const auto shared = ecdh_x(recipients[i], ephemeral);
    CX_ASSERT(shared.has_value());  // both checked above
    const WrapKey wk = derive_wrap_key(*shared, ephemeral_pub, compress_public_key(recipients[i]));
    Bytes wrapped;
    gcm_seal(wk.key, wk.nonce, aad, content_key.view(), wrapped);
    CX_ASSERT(wrapped.size() == kKeyBytes + kEnvelopeTagBytes);
    std::memcpy(env.data() + kEnvelopeFixedBytes + i * kEnvelopeSlotBytes + kAddressBytes, wrapped.data(), wrapped.size());
  }
  const Bytes header(env.begin(), env.end());
  gcm_seal(content_key, nonce, header, plaintext, env);
  OPENSSL_cleanse(ephemeral.data(), ephemeral.size());
  OPENSSL_cleanse(content_key.data(), content_key.size());
  CX_ASSERT(env.size() <= kEnvelopeBytesMax);
  return env;
}

std::variant<Bytes, EnvelopeRejection> open_envelope(BytesView envelope, const PrivateKey& key) {
  using R = EnvelopeReject;
  auto parsed = parse_envelope(envelope);
  if (auto* rej = std::get_if<EnvelopeRejection>(&parsed)) return std::move(*rej);
  const EnvelopeHeader& h = std::get<EnvelopeHeader>(parsed);
  const auto own_pub = public_key_of(key);
  if (!own_pub) return reject(R::kNotRecipient, "the reader's private key is not valid");
  const auto own_id = Address::of_public_key(*own_pub).id;
  size_t slot = h.recipients.size();
  for (size_t i = 0; i < h.recipients.size(); ++i)
    if (h.recipients[i] == own_id) slot = i;
  if (slot == h.recipients.size()) {
    std::string names;
    for (const auto& id : h.recipients) names += (names.empty() ? "hx" : ", hx") + id.hex();
    return reject(R::kNotRecipient, "hx" + own_id.hex() + " is not among the envelope's recipients (" + names + ")");
  }
  const size_t count = h.recipients.size();
  const size_t header_bytes = kEnvelopeFixedBytes + count * kEnvelopeSlotBytes;
  const auto shared = ecdh_x(*parse_public_key(h.ephemeral_key.view()), key);
  if (!shared) return reject(R::kAuthFailed, "ECDH with the ephemeral key failed");
  const WrapKey wk = derive_wrap_key(*shared, h.ephemeral_key, compress_public_key(*own_pub));
  const Bytes aad = wrap_aad(envelope, count);
  auto content = gcm_open(wk.key, wk.nonce, aad,
                          envelope.subspan(kEnvelopeFixedBytes + slot * kEnvelopeSlotBytes + kAddressBytes, kKeyBytes + kEnvelopeTagBytes));
  if (!content) return reject(R::kAuthFailed, "the key slot for hx" + own_id.hex() + " does not authenticate (tampered, or not sealed to this key)");
  Key content_key = *Key::from_view(*content);
  OPENSSL_cleanse(content->data(), content->size());
  const Hash32 commitment = key_commitment(content_key);
  if (CRYPTO_memcmp(commitment.data(), envelope.data() + kOffCommitment, commitment.size()) != 0) {
    OPENSSL_cleanse(content_key.data(), content_key.size());
    return reject(R::kAuthFailed, "the content key does not match the envelope's key commitment");
  }
  const Nonce nonce = *Nonce::from_view(envelope.subspan(kOffNonce, kNonceBytes));
  auto plain = gcm_open(content_key, nonce, envelope.first(header_bytes), envelope.subspan(header_bytes));
  OPENSSL_cleanse(content_key.data(), content_key.size());
  if (!plain) return reject(R::kAuthFailed, "the payload does not authenticate (the envelope was changed)");
  CX_ASSERT(plain->size() == h.payload_bytes);
  return std::move(*plain);
}

}  // namespace cx::crypto
