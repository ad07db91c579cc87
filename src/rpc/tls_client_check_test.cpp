// TLS client certificates from the chain CA: a recorded, good certificate of a live member passes;
// every other case is refused with its own reason (docs/membership.md "TLS client certificates").
#include "rpc/tls_client_check.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/test_tx.hpp"
#include "crypto/hash.hpp"
#include "governance/ca_cert.hpp"
#include "governance/ca_contract.hpp"

namespace cx::rpc {
namespace {

namespace ca = governance::ca;
using core::testing::address_of;
using core::testing::test_key;

constexpr int64_t kT0 = 1'800'000'000;  // seconds
constexpr uint64_t kHead = 40;

core::ChainParams channel_params() {
  core::ChainParams p;
  p.channel = "private";
  p.nid = 3;
  p.validators = {address_of(test_key(1))};
  p.members = {{address_of(test_key(2)), core::MemberRole::kClient}};
  p.ca = core::CaParams{"Test chain CA", {address_of(test_key(1))}, false};
  return p;
}

Hash32 request_id(uint8_t n) {
  Hash32 h;
  h.bytes.fill(n);
  return h;
}

Bytes make_cert(uint8_t holder, uint8_t req, std::string ca_name = "Test chain CA", uint32_t days = 30) {
  auto r = ca::make_certificate(
      ca::Request{test_key(holder), "CN=holder " + std::to_string(holder) + ",O=Bank A", kT0, days, {ca_name, 3}, request_id(req)});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  return *r;
}

// The CA contract's state, judged by the contract's own rule (status_at) at the head's block time.
struct FakeChainCa {
  std::map<std::string, ca::StatusRecord> records;
  int64_t head_time_s = kT0 + 60;

  void issue(BytesView der) {
    auto f = std::get<ca::CertFields>(ca::check_certificate(der, {"Test chain CA", 3}));
    ca::StatusRecord r;
    r.cert_hash = f.cert_hash;
    r.holder = f.holder;
    r.ra = address_of(test_key(1));
    r.issued_height = 2;
    r.not_before_s = f.not_before_s;
    r.not_after_s = f.not_after_s;
    r.subject_hash = f.subject_hash;
    records[f.serial] = r;
  }
  CaLookup lookup() const {
    return [this](const std::string& serial) -> Result<std::optional<RecordedCert>> {
      auto it = records.find(serial);
      if (it == records.end()) return std::optional<RecordedCert>();
      return std::optional<RecordedCert>(RecordedCert{
          std::string(ca::to_string(ca::status_at(it->second, head_time_s, kHead))), it->second.cert_hash, kHead});
    };
  }
};

class TlsClientCheck : public ::testing::Test {
 protected:
  core::ChainParams params = channel_params();
  FakeChainCa chain;
  ClientAuth::MemberCheck member = [this](const core::Address& a) -> std::optional<std::string> {
    if (params.role_of(a)) return std::nullopt;
    return a.to_string() + " is not a member of channel " + params.channel;
  };

  std::optional<std::string> check(BytesView der, int64_t now_s = kT0 + 60) {
    return tls_client_refusal(params, der, chain.lookup(), member, now_s);
  }
  void expect_refused(BytesView der, const std::string& why, int64_t now_s = kT0 + 60) {
    auto r = check(der, now_s);
    ASSERT_TRUE(r) << "accepted, expected: " << why;
    EXPECT_NE(r->find(why), std::string::npos) << *r;
    EXPECT_EQ(r->rfind("unauthorized: ", 0), 0u) << *r;
  }
};

TEST_F(TlsClientCheck, ARecordedGoodCertificateOfAMemberPasses) {
  const Bytes der = make_cert(2, 1);
  chain.issue(der);
  EXPECT_EQ(check(der), std::nullopt);
}

TEST_F(TlsClientCheck, NoCertificateIsRefused) { expect_refused({}, "none was presented"); }

TEST_F(TlsClientCheck, AnotherCasCertificateIsRefusedByTheProfile) {
  expect_refused(make_cert(2, 1, "Other CA"), "is not one of channel private's CA");
  Bytes garbage = {0x30, 0x03, 0x02, 0x01, 0x01};
  expect_refused(garbage, "is not one of channel private's CA");
}

TEST_F(TlsClientCheck, AStrangersSelfMadeCertificateWithTheSameIssuerIsUnknown) {
  chain.issue(make_cert(2, 1));
  expect_refused(make_cert(3, 7), "is not recorded by the chain CA of channel private (unknown");
}

TEST_F(TlsClientCheck, ACertificateUnderARecordedSerialButNotTheRecordedOneIsForged) {
  chain.issue(make_cert(2, 1));
  // Same request id = same serial, other key: the profile holds, the recorded hash does not match.
  expect_refused(make_cert(3, 1), "not the one the chain CA recorded under that serial (forged)");
}

TEST_F(TlsClientCheck, SuspendedRevokedAndExpiredAreRefused) {
  const Bytes der = make_cert(2, 1);
  chain.issue(der);
  auto& rec = chain.records.begin()->second;
  rec.suspended_height = 30;
  expect_refused(der, "is suspended at height 40");
  rec.suspended_height.reset();
  rec.revoked_height = 35;
  rec.reason = "keyCompromise";
  expect_refused(der, "is revoked at height 40");
  rec.revoked_height.reset();
  chain.head_time_s = kT0 + 31 * 86400;
  expect_refused(der, "is expired at height 40");
  // The chain's head lags behind: the server's clock still ends the validity.
  chain.head_time_s = kT0 + 60;
  expect_refused(der, "is expired", kT0 + 31 * 86400);
  expect_refused(der, "is not yet valid", kT0 - 10);
}

TEST_F(TlsClientCheck, AHolderThatIsNotAMemberIsRefused) {
  const Bytes der = make_cert(4, 2);
  chain.issue(der);
  expect_refused(der, "the certificate's holder: " + address_of(test_key(4)).to_string() + " is not a member");
}

TEST_F(TlsClientCheck, AChannelWithoutACaRefusesEveryCertificate) {
  params.ca.reset();
  expect_refused(make_cert(2, 1), "has no chain CA");
}

TEST_F(TlsClientCheck, AFailedReadIsAnInternalErrorNotAnAcceptance) {
  const Bytes der = make_cert(2, 1);
  auto failing = [](const std::string&) -> Result<std::optional<RecordedCert>> { return Status::error("disk"); };
  auto r = tls_client_refusal(params, der, failing, member, kT0 + 60);
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("internal error"), std::string::npos);
}

TEST(TlsSignedRequests, OnlyTheCasRasAndTheValidatorsMaySignInsteadOfACertificate) {
  core::ChainParams p = channel_params();
  p.ca->ras = {address_of(test_key(5))};
  EXPECT_EQ(tls_signed_refusal(p, address_of(test_key(5))), std::nullopt) << "an RA";
  EXPECT_EQ(tls_signed_refusal(p, address_of(test_key(1))), std::nullopt) << "a validator";
  auto client = tls_signed_refusal(p, address_of(test_key(2)));
  ASSERT_TRUE(client) << "a client member needs a certificate";
  EXPECT_NE(client->find("may not sign requests on channel private"), std::string::npos) << *client;
}

}  // namespace
}  // namespace cx::rpc
