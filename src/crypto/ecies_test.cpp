#include "crypto/ecies.hpp"

#include <gtest/gtest.h>

#include "crypto/address.hpp"

namespace cx::crypto {
namespace {

struct Party {
  PrivateKey key;
  PublicKey pub;
};

std::vector<Party> parties(size_t n, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<Party> out;
  for (size_t i = 0; i < n; ++i) {
    PrivateKey k = generate_private_key(random);
    out.push_back({k, *public_key_of(k)});
  }
  return out;
}

std::vector<PublicKey> pubs(const std::vector<Party>& ps) {
  std::vector<PublicKey> out;
  for (const auto& p : ps) out.push_back(p.pub);
  return out;
}

EnvelopeReject reason_of(const std::variant<Bytes, EnvelopeRejection>& r) {
  EXPECT_TRUE(std::holds_alternative<EnvelopeRejection>(r));
  return std::get<EnvelopeRejection>(r).reason;
}

const Bytes kText = [] { std::string_view s = "pay 100 to the supplier on delivery"; return Bytes(s.begin(), s.end()); }();

TEST(Ecies, OneRecipientRoundTrip) {
  auto ps = parties(2, 1);
  SeededRandom random(7);
  auto env = seal_envelope(kText, std::vector<PublicKey>{ps[0].pub}, random);
  ASSERT_TRUE(env) << env.message();
  EXPECT_EQ(env->size(), kEnvelopeFixedBytes + kEnvelopeSlotBytes + kText.size() + kEnvelopeTagBytes);
  auto opened = open_envelope(*env, ps[0].key);
  ASSERT_TRUE(std::holds_alternative<Bytes>(opened)) << std::get<EnvelopeRejection>(opened).detail;
  EXPECT_EQ(std::get<Bytes>(opened), kText);
  EXPECT_EQ(reason_of(open_envelope(*env, ps[1].key)), EnvelopeReject::kNotRecipient);
  // The plaintext does not appear in the envelope.
  EXPECT_EQ(std::search(env->begin(), env->end(), kText.begin(), kText.end()), env->end());
}

TEST(Ecies, ThirtyTwoRecipientsEachReadsOthersCannot) {
  auto ps = parties(33, 2);
  std::vector<Party> to(ps.begin(), ps.begin() + 32);
  SeededRandom random(8);
  auto env = seal_envelope(kText, pubs(to), random);
  ASSERT_TRUE(env) << env.message();
  auto header = parse_envelope(*env);
  ASSERT_TRUE(std::holds_alternative<EnvelopeHeader>(header));
  const auto& h = std::get<EnvelopeHeader>(header);
  ASSERT_EQ(h.recipients.size(), 32u);
  EXPECT_EQ(h.payload_bytes, kText.size());
  for (size_t i = 0; i < to.size(); ++i) {
    EXPECT_EQ(h.recipients[i], Address::of_public_key(to[i].pub).id);
    auto opened = open_envelope(*env, to[i].key);
    ASSERT_TRUE(std::holds_alternative<Bytes>(opened)) << i << ": " << std::get<EnvelopeRejection>(opened).detail;
    EXPECT_EQ(std::get<Bytes>(opened), kText);
  }
  auto outsider = open_envelope(*env, ps[32].key);
  EXPECT_EQ(reason_of(outsider), EnvelopeReject::kNotRecipient);
  EXPECT_NE(std::get<EnvelopeRejection>(outsider).detail.find(Address::of_public_key(ps[32].pub).to_string()), std::string::npos);
}

TEST(Ecies, EverySingleByteTamperIsRefused) {
  auto ps = parties(3, 3);
  SeededRandom random(9);
  auto env = seal_envelope(kText, pubs(ps), random);
  ASSERT_TRUE(env);
  for (size_t i = 0; i < env->size(); ++i) {
    for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}}) {
      Bytes t = *env;
      t[i] ^= flip;
      for (const Party& p : ps) {
        auto r = open_envelope(t, p.key);
        ASSERT_TRUE(std::holds_alternative<EnvelopeRejection>(r)) << "byte " << i << " flip " << int(flip) << " was accepted";
      }
    }
  }
  // And the untouched envelope still opens for everyone.
  for (const Party& p : ps) EXPECT_TRUE(std::holds_alternative<Bytes>(open_envelope(*env, p.key)));
}

TEST(Ecies, TamperedPayloadAndSlotSayAuthenticationFailed) {
  auto ps = parties(2, 4);
  SeededRandom random(10);
  auto env = seal_envelope(kText, pubs(ps), random);
  ASSERT_TRUE(env);
  Bytes t = *env;
  t.back() ^= 1;
  EXPECT_EQ(reason_of(open_envelope(t, ps[0].key)), EnvelopeReject::kAuthFailed);
  t = *env;
  t[kEnvelopeFixedBytes + 20] ^= 1;  // slot 0's wrapped key
  EXPECT_EQ(reason_of(open_envelope(t, ps[0].key)), EnvelopeReject::kAuthFailed);
  EXPECT_EQ(reason_of(open_envelope(t, ps[1].key)), EnvelopeReject::kAuthFailed);  // payload AAD covers slot 0
}

TEST(Ecies, MalformedEnvelopesAreRefusedWithAReason) {
  auto ps = parties(2, 5);
  SeededRandom random(11);
  auto env = seal_envelope(kText, pubs(ps), random);
  ASSERT_TRUE(env);
  auto malformed = [&](const Bytes& b, std::string_view needle) {
    auto r = parse_envelope(b);
    ASSERT_TRUE(std::holds_alternative<EnvelopeRejection>(r)) << needle;
    const auto& rej = std::get<EnvelopeRejection>(r);
    EXPECT_EQ(rej.reason, EnvelopeReject::kMalformed);
    EXPECT_NE(rej.detail.find(needle), std::string::npos) << rej.detail;
    EXPECT_EQ(reason_of(open_envelope(b, ps[0].key)), EnvelopeReject::kMalformed);
  };
  malformed({}, "shorter than any envelope");
  malformed(Bytes(env->begin(), env->begin() + 100), "shorter than any envelope");
  Bytes t = *env;
  t[0] = 'X';
  malformed(t, "magic");
  t = *env;
  t[4] = 2;
  malformed(t, "version 2");
  t = *env;
  t[5] = 0;
  malformed(t, "recipient count 0");
  t[5] = 33;
  malformed(t, "recipient count 33");
  t = *env;
  t[5] = 3;  // claims a third slot that eats into the payload: then too short or the payload fails
  auto r = open_envelope(t, ps[0].key);
  EXPECT_TRUE(std::holds_alternative<EnvelopeRejection>(r));
  t = *env;
  t.resize(kEnvelopeFixedBytes + 2 * kEnvelopeSlotBytes + kEnvelopeTagBytes - 1);
  malformed(t, "too short for 2 recipients");
  t = *env;
  t[6] = 0x05;  // ephemeral key prefix
  malformed(t, "ephemeral key");
  t = *env;
  std::copy(t.begin() + kEnvelopeFixedBytes, t.begin() + kEnvelopeFixedBytes + 20, t.begin() + kEnvelopeFixedBytes + kEnvelopeSlotBytes);
  malformed(t, "appears twice");
  t = *env;
  t.resize(kEnvelopeBytesMax + 1);
  malformed(t, "the limit is");
}

TEST(Ecies, SealRefusesBadRecipientsAndOversizedPayloads) {
  auto ps = parties(33, 6);
  SeededRandom random(12);
  EXPECT_FALSE(seal_envelope(kText, std::vector<PublicKey>{}, random));
  EXPECT_FALSE(seal_envelope(kText, pubs(ps), random));  // 33
  EXPECT_FALSE(seal_envelope(kText, std::vector<PublicKey>{ps[0].pub, ps[0].pub}, random));
  PublicKey bad = ps[0].pub;
  bad.bytes[64] ^= 1;  // off the curve
  EXPECT_FALSE(seal_envelope(kText, std::vector<PublicKey>{bad}, random));
  const size_t max1 = envelope_plaintext_bytes_max(1);
  EXPECT_EQ(max1, kEnvelopeBytesMax - kEnvelopeFixedBytes - kEnvelopeSlotBytes - kEnvelopeTagBytes);
  auto big = seal_envelope(Bytes(max1 + 1, 'x'), std::vector<PublicKey>{ps[0].pub}, random);
  ASSERT_FALSE(big);
  EXPECT_NE(big.message().find("at most"), std::string::npos);
  auto fits = seal_envelope(Bytes(max1, 'x'), std::vector<PublicKey>{ps[0].pub}, random);
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->size(), kEnvelopeBytesMax);
  EXPECT_TRUE(std::holds_alternative<Bytes>(open_envelope(*fits, ps[0].key)));
  auto empty = seal_envelope({}, std::vector<PublicKey>{ps[0].pub}, random);
  ASSERT_TRUE(empty);
  auto opened = open_envelope(*empty, ps[0].key);
  ASSERT_TRUE(std::holds_alternative<Bytes>(opened));
  EXPECT_TRUE(std::get<Bytes>(opened).empty());
}

TEST(Ecies, CompressedAndUncompressedKeysParseToTheSamePoint) {
  auto ps = parties(1, 13);
  const auto c = compress_public_key(ps[0].pub);
  EXPECT_TRUE(c.bytes[0] == 0x02 || c.bytes[0] == 0x03);
  EXPECT_EQ(parse_public_key(c.view()), ps[0].pub);
  EXPECT_EQ(parse_public_key(ps[0].pub.view()), ps[0].pub);
  Bytes hybrid(ps[0].pub.bytes.begin(), ps[0].pub.bytes.end());
  hybrid[0] = 0x06 | (hybrid[64] & 1);
  EXPECT_FALSE(parse_public_key(hybrid));
  EXPECT_FALSE(parse_public_key(Bytes(64, 1)));
}

// ECDH is symmetric: a*(bG) == b*(aG).
TEST(Ecies, EcdhAgrees) {
  auto ps = parties(2, 14);
  EXPECT_EQ(ecdh_x(ps[1].pub, ps[0].key), ecdh_x(ps[0].pub, ps[1].key));
  EXPECT_NE(ecdh_x(ps[1].pub, ps[0].key), ecdh_x(ps[0].pub, ps[0].key));
}

// Known answer: the format (layout, labels, KDF, draw order) cannot change without this failing.
// Recipient key 0x01..01 (32 bytes of 0x01), randomness SeededRandom(2026), plaintext "hello, bob".
constexpr const char* kKatEnvelopeHex =
    "4358454e010102ca03112ccf950c088d54a044fe15fcdf6ed69e26d9bf59ecd1016620a597ee487ba05bccea526bdcd5"
    "8e3ea9dfb293ba4696ee59e9630b3476bdf5a1d7f991ff1eadc68f8181d9556d5f50cbd6f6c0b6fd9c730b2f73fa15c9"
    "9abc9322d132b166fd91d718828fc7d3e8632677eea5196f27faa0321eb03e19f84876bf32249ff482260767d6e2308e"
    "ac5008ccf58595b3dfef5bd73167b7e7be9763af88079846abecad6ab6c722b2eb";

TEST(Ecies, KnownAnswer) {
  PrivateKey key;
  key.bytes.fill(0x01);
  const PublicKey pub = *public_key_of(key);
  SeededRandom random(2026);
  const std::string_view text = "hello, bob";
  auto env = seal_envelope(as_bytes(text), std::vector<PublicKey>{pub}, random);
  ASSERT_TRUE(env);
  EXPECT_EQ(to_hex(*env), kKatEnvelopeHex);
  // The stored vector opens with the key, whatever this build's sealing does.
  auto stored = from_hex(kKatEnvelopeHex);
  ASSERT_TRUE(stored);
  auto opened = open_envelope(*stored, key);
  ASSERT_TRUE(std::holds_alternative<Bytes>(opened));
  EXPECT_EQ(as_string_view(std::get<Bytes>(opened)), text);
}

}  // namespace
}  // namespace cx::crypto
