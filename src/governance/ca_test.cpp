// The chain CA (docs/ca.md): certificates built by the requester's side are accepted and parsed by
// `openssl x509`; each rule of check_certificate refuses what breaks it; the CA contract run through
// execution issues, refuses, revokes and answers reads at past heights; txPki refuses a sender without
// a good certificate both at admission (validate_tx) and in execution (the receipt).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "execution/test_probe.hpp"
#include "governance/ca_cert.hpp"
#include "governance/ca_contract.hpp"
#include "governance/governance.hpp"

namespace cx::governance::ca {
namespace {

using execution::testing::call_data;
using execution::testing::make_tx;
using execution::testing::TxFields;
namespace json = boost::json;

constexpr int64_t kT0 = 1'767'225'600;  // 2026-01-01, block time of the first blocks
const Expect kCa{"test chain CA", 3};

crypto::PrivateKey key(uint8_t n) { return core::testing::test_key(n); }
core::Address addr(uint8_t n) { return core::testing::address_of(key(n)); }

Hash32 request_id(uint8_t n) {
  Hash32 h;
  h.bytes[0] = n;
  h.bytes[31] = 0x5a;
  return h;
}

Bytes cert(uint8_t holder, std::string subject, uint8_t req, uint32_t days = 365, Expect ca = kCa, int64_t from = kT0 - 60) {
  auto r = make_certificate(Request{key(holder), std::move(subject), from, days, std::move(ca), request_id(req)});
  EXPECT_TRUE(r.is_ok()) << (r ? "" : r.message());
  return r ? *r : Bytes();
}

std::string refusal(BytesView der) {
  auto r = check_certificate(der, kCa);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "accepted";
}

TEST(CaCert, BuiltCertificateChecksAndBindsTheKey) {
  Bytes der = cert(1, "CN=Kim Minsu,O=Bank A", 1);
  auto r = check_certificate(der, kCa);
  ASSERT_TRUE(std::holds_alternative<CertFields>(r)) << std::get<std::string>(r);
  const CertFields& f = std::get<CertFields>(r);
  EXPECT_EQ(f.holder, addr(1));
  EXPECT_EQ(f.serial, serial_of(3, request_id(1)));
  EXPECT_EQ(f.serial.size(), 32u);
  EXPECT_EQ(f.nid, 3u);
  EXPECT_EQ(f.request_id, request_id(1));
  EXPECT_EQ(f.not_before_s, kT0 - 60);
  EXPECT_EQ(f.not_after_s, kT0 - 60 + 365 * 86400);
  EXPECT_EQ(f.subject, "O=Bank A,CN=Kim Minsu");
  EXPECT_NE(serial_of(4, request_id(1)), f.serial) << "a serial names one network";
}

TEST(CaCert, OpensslParsesTheCertificate) {
  Bytes der = cert(1, "CN=Kim Minsu,O=Bank A", 1);
  const std::string path = ::testing::TempDir() + "/ca_test_cert.pem";
  std::ofstream(path) << to_pem(der);
  FILE* p = ::popen(("openssl x509 -in " + path + " -noout -text 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Issuer: CN = test chain CA, O = Complexchain"), std::string::npos) << out;
  EXPECT_NE(out.find("Subject: CN = Kim Minsu, O = Bank A"), std::string::npos) << out;
  EXPECT_NE(out.find("secp256k1"), std::string::npos) << out;
  EXPECT_NE(out.find(kChainExtOid), std::string::npos) << out;
  EXPECT_NE(out.find("CA:FALSE"), std::string::npos) << out;
  auto back = der_of(to_pem(der));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, der);
}

TEST(CaCert, EachRuleRefuses) {
  Bytes der = cert(1, "CN=Kim Minsu,O=Bank A", 1);
  EXPECT_EQ(refusal(Bytes{}), "a certificate is 1..4096 bytes of DER");
  EXPECT_EQ(refusal(Bytes(5000, 0x30)), "a certificate is 1..4096 bytes of DER");
  EXPECT_EQ(refusal(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}), "not a DER X.509 certificate");
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(refusal(trailing), "bytes after the certificate");
  // A flipped bit in the signed part (inside the subject's CN "Kim Minsu"): the self-signature fails.
  Bytes tampered = der;
  auto at = std::search(tampered.begin(), tampered.end(), std::begin("Minsu"), std::end("Minsu") - 1);
  ASSERT_NE(at, tampered.end());
  *at ^= 0x01;
  EXPECT_EQ(refusal(tampered), "the self-signature does not verify with the certified key");
  EXPECT_NE(refusal(cert(1, "CN=Kim,O=Bank A", 2, 365, Expect{"other CA", 3})).find("issuer is 'O=Complexchain,CN=other CA'"),
            std::string::npos);
  EXPECT_EQ(refusal(cert(1, "CN=Kim,O=Bank A", 2, 365, Expect{"test chain CA", 4})),
            "the certificate is for network id 4, this channel's is 3");
  EXPECT_EQ(refusal(cert(1, "O=Bank A", 2)), "the subject has no CN");
  EXPECT_FALSE(make_certificate(Request{key(1), "CN=x", kT0, 1097, kCa, request_id(1)}).is_ok()) << "over 3 years";
  EXPECT_FALSE(make_certificate(Request{key(1), "XX=x", kT0, 10, kCa, request_id(1)}).is_ok());
}

// A chain in memory: each block is apply_block over the state so far; every height's state is kept.
struct CaChain {
  core::ChainParams params;
  std::vector<std::map<Bytes, Bytes>> states;  // index = height

  explicit CaChain(bool tx_pki = false) {
    params.treasury = addr(0xfe);
    params.ca = core::CaParams{"test chain CA", {addr(10), addr(11)}, tx_pki};
    for (uint8_t u : {1, 2, 3, 10, 11}) params.accounts.push_back({addr(u), core::testing::icx(1000)});
    std::map<Bytes, Bytes> genesis;
    for (const auto& [k, v] : execution::genesis_changes(params))
      if (v) genesis[k] = *v;
    states.push_back(std::move(genesis));
  }

  std::vector<core::Receipt> block(int64_t time_s, const std::vector<TxFields>& fields) {
    std::vector<core::TxPtr> txs;
    for (const auto& f : fields) txs.push_back(std::make_shared<const core::Transaction>(make_tx(f)));
    state::MapReader base(states.back());
    execution::BlockContext ctx{&params, states.size(), time_s * 1'000'000, nullptr};
    execution::BlockOutput out = execution::apply_block(base, ctx, txs);
    std::map<Bytes, Bytes> next = states.back();
    for (const auto& [k, v] : out.changes) {
      if (v) next[k] = *v;
      else next.erase(k);
    }
    states.push_back(std::move(next));
    return out.receipts;
  }
  core::Receipt one(int64_t time_s, const TxFields& f) { return block(time_s, {f}).at(0); }

  contracts::CallResult query(std::string_view method, json::value p, std::optional<size_t> height = std::nullopt, int64_t time_s = kT0) {
    state::MapReader view(states.at(height.value_or(states.size() - 1)));
    execution::BlockContext ctx{&params, height.value_or(states.size() - 1), time_s * 1'000'000, nullptr};
    contracts::CallRequest req{addr(1), ca_contract_address(), Uint256(), std::string(method), std::move(p)};
    return execution::query(view, ctx, req);
  }
  std::string status(const std::string& serial, std::optional<size_t> height = std::nullopt, int64_t time_s = kT0) {
    auto r = query("getStatus", json::object{{"serial", serial}}, height, time_s);
    EXPECT_TRUE(r.ok) << r.message;
    return r.ok ? std::string(r.output.at("status").as_string()) : "";
  }
};

TxFields ca_call(uint8_t from, std::string_view method, json::object p) {
  TxFields f;
  f.from = addr(from);
  f.to = ca_contract_address();
  f.step_limit = 100'000'000;
  f.data = call_data(method, std::move(p));
  return f;
}

TxFields issue(uint8_t ra, const Bytes& der) { return ca_call(ra, "requestIssue", {{"cert", crypto::base64_encode(der)}}); }

std::string failure_of(const core::Receipt& r) { return r.success ? "success" : r.failure->message; }

TEST(CaContract, IssuesRefusesRevokesAndReadsAtHeights) {
  CaChain chain;
  Bytes der = cert(1, "CN=Kim Minsu,O=Bank A", 1);
  const std::string serial = serial_of(3, request_id(1));
  EXPECT_EQ(failure_of(chain.one(kT0, issue(2, der))), addr(2).to_string() + " is not a registration authority of this channel");
  EXPECT_EQ(failure_of(chain.one(kT0, issue(10, der))), "success");
  const size_t issued_at = chain.states.size() - 1;
  EXPECT_EQ(chain.status(serial), "good");
  EXPECT_EQ(chain.status(serial, issued_at - 1), "unknown") << "not yet issued at the height before";
  EXPECT_EQ(failure_of(chain.one(kT0, issue(11, der))), "serial " + serial + " is already used (request id reused)");
  EXPECT_EQ(failure_of(chain.one(kT0, issue(10, cert(2, "CN=Kim Minsu,O=Bank A", 7)))),
            "subject 'O=Bank A,CN=Kim Minsu' already holds live certificate " + serial);
  EXPECT_EQ(failure_of(chain.one(kT0, issue(10, cert(2, "CN=Lee,O=Bank A", 8, 365, kCa, kT0 - 400 * 86400)))),
            "certificate refused: it expired at " + std::to_string(kT0 - 35 * 86400) + " (block time " + std::to_string(kT0) + ")");
  Bytes junk = der;
  junk[junk.size() - 3] ^= 1;  // inside the signature
  EXPECT_EQ(failure_of(chain.one(kT0, issue(10, junk))).substr(0, 21), "certificate refused: ");
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(10, "requestIssue", {{"cert", "%%%"}}))), "cert: not base64");

  auto got = chain.query("getCertificate", json::object{{"serial", serial}});
  ASSERT_TRUE(got.ok) << got.message;
  EXPECT_EQ(*crypto::base64_decode(got.output.at("cert").as_string()), der);
  EXPECT_EQ(got.output.at("holder").as_string(), addr(1).to_string());
  EXPECT_EQ(got.output.at("issuedHeight").as_uint64(), issued_at);
  auto list = chain.query("certificatesOf", json::object{{"address", addr(1).to_string()}});
  ASSERT_TRUE(list.ok);
  ASSERT_EQ(list.output.as_array().size(), 1u);
  EXPECT_EQ(chain.status(serial, std::nullopt, kT0 + 400 * 86400), "expired") << "status follows the read's block time";

  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(11, "revoke", {{"serial", serial}, {"reason", "keyCompromise"}}))),
            "only the issuing RA " + addr(10).to_string() + " may revoke " + serial);
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(10, "revoke", {{"serial", serial}, {"reason", "keyCompromise"}}))), "success");
  const size_t revoked_at = chain.states.size() - 1;
  EXPECT_EQ(chain.status(serial), "revoked");
  EXPECT_EQ(chain.status(serial, revoked_at - 1), "good") << "the height before the revocation still shows it issued";
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(10, "revoke", {{"serial", serial}, {"reason", "again"}}))),
            serial + " was revoked at height " + std::to_string(revoked_at));
  // The subject is free again once its certificate is revoked.
  EXPECT_EQ(failure_of(chain.one(kT0, issue(10, cert(1, "CN=Kim Minsu,O=Bank A", 9)))), "success");
}

// An RA named by governance (an active member with the role "ra") issues like a genesis RA; suspended,
// it no longer may.
TEST(CaContract, AGovernanceMemberWithTheRaRoleIssues) {
  CaChain chain;
  chain.params.validators = {addr(20)};
  chain.params.members = {{addr(20), core::MemberRole::kValidator, "Regulator", 1, 0},
                          {addr(2), core::MemberRole::kClient, "Bank B", 3, 0}};
  chain.params.accounts.push_back({addr(20), core::testing::icx(1000)});
  chain.states.clear();
  std::map<Bytes, Bytes> genesis;
  for (const auto& [k, v] : execution::genesis_changes(chain.params))
    if (v) genesis[k] = *v;
  chain.states.push_back(std::move(genesis));
  auto gov = [&](std::string_view action, json::object args) {
    TxFields f;
    f.from = addr(20);
    f.to = governance_contract_address();
    f.step_limit = 100'000'000;
    f.data = call_data("propose", json::object{{"action", action}, {"args", std::move(args)}});
    return failure_of(chain.one(kT0, f));
  };
  const Bytes der = cert(1, "CN=Park,O=Bank B", 1);
  EXPECT_EQ(failure_of(chain.one(kT0, issue(2, der))), addr(2).to_string() + " is not a registration authority of this channel");
  ASSERT_EQ(gov("setRoles", {{"address", addr(2).to_string()}, {"roles", json::array{"ra"}}}), "success");
  EXPECT_EQ(failure_of(chain.one(kT0, issue(2, der))), "success");
  ASSERT_EQ(gov("suspendMember", {{"address", addr(2).to_string()}}), "success");
  EXPECT_EQ(failure_of(chain.one(kT0, issue(2, cert(3, "CN=Yoon,O=Bank B", 2)))),
            addr(2).to_string() + " is not a registration authority of this channel");
}

TEST(CaContract, FiveLiveCertificatesPerHolder) {
  CaChain chain;
  for (uint8_t i = 0; i < kLivePerHolderMax; ++i)
    EXPECT_EQ(failure_of(chain.one(kT0, issue(10, cert(1, "CN=device " + std::to_string(i), 20 + i)))), "success");
  EXPECT_EQ(failure_of(chain.one(kT0, issue(10, cert(1, "CN=device 9", 40)))),
            addr(1).to_string() + " already holds 5 live certificates");
}

TxFields payment(uint8_t from, uint8_t to) {
  TxFields pay;
  pay.from = addr(from);
  pay.to = addr(to);
  pay.value = 1;
  pay.data_type = "";
  pay.step_limit = 1'000'000;
  return pay;
}

TEST(CaTxPki, RefusesUncertifiedSendersAtAdmissionAndInExecution) {
  CaChain chain(/*tx_pki=*/true);
  const TxFields pay = payment(1, 3);
  auto admit = [&](const TxFields& f, int64_t t) {
    state::MapReader view(chain.states.back());
    auto r = execution::validate_tx(view, chain.params, t * 1'000'000, make_tx(f));
    return r ? std::string(core::to_string(r->reason)) + ": " + r->detail : std::string("admitted");
  };
  // The tx's timestamp is fixed by make_tx; admission's clock must be near it.
  const int64_t tx_time = 1'700'000'000;
  EXPECT_EQ(admit(pay, tx_time), "no certificate: txPki: sender " + addr(1).to_string() + " holds no good certificate from the chain CA");
  core::Receipt r = chain.one(kT0, pay);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.failure->code, core::FailureCode::kAccessDenied);
  // Bootstrapping: an RA needs no certificate to reach the CA contract.
  Bytes der = cert(1, "CN=Kim Minsu,O=Bank A", 1, 365, kCa, tx_time - 60);
  EXPECT_EQ(admit(issue(10, der), tx_time), "admitted");
  EXPECT_EQ(failure_of(chain.one(tx_time, issue(10, der))), "success");
  EXPECT_EQ(admit(pay, tx_time), "admitted");
  EXPECT_EQ(failure_of(chain.one(tx_time, pay)), "success");
  EXPECT_EQ(failure_of(chain.one(tx_time + 366 * 86400, pay)),
            "txPki: sender " + addr(1).to_string() + " holds no good certificate from the chain CA (" + serial_of(3, request_id(1)) +
                " expired)") << "expired at that block time";
  EXPECT_EQ(failure_of(chain.one(tx_time, ca_call(10, "revoke", {{"serial", serial_of(3, request_id(1))}, {"reason", "left"}}))), "success");
  EXPECT_NE(admit(pay, tx_time).find("revoked"), std::string::npos) << admit(pay, tx_time);
  EXPECT_FALSE(chain.one(tx_time, pay).success);
  // A non-RA cannot use the bootstrap door.
  EXPECT_NE(admit(issue(2, der), tx_time), "admitted");
}

// CHAIN ID's policy (docs/ca.md §5).
Hash32 bid(uint8_t n) { return crypto::sha3_256(Bytes{n, 0xb1}); }
TxFields issue_for(uint8_t ra, const Bytes& der, const Hash32& person, std::string verified_by = "") {
  json::object p{{"cert", crypto::base64_encode(der)}, {"bid", person.hex()}};
  if (!verified_by.empty()) p["verifiedBy"] = verified_by;
  return ca_call(ra, "requestIssue", std::move(p));
}

TEST(CaPolicy, FiveConsecutivePinFailuresSuspendAndAnRaResets) {
  CaChain chain;
  const std::string serial = serial_of(3, request_id(1));
  ASSERT_EQ(failure_of(chain.one(kT0, issue_for(10, cert(1, "CN=Kim,O=Bank A", 1), bid(1)))), "success");
  auto pin = [&](uint8_t from, json::object extra = {}) {
    extra["serial"] = serial;
    return failure_of(chain.one(kT0, ca_call(from, "reportPinFailure", std::move(extra))));
  };
  EXPECT_EQ(pin(2), "only the holder " + addr(1).to_string() + " or the issuing RA may report a PIN failure of " + serial);
  EXPECT_EQ(pin(11), "only the holder " + addr(1).to_string() + " or the issuing RA may report a PIN failure of " + serial);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pin(1), "success");
  EXPECT_EQ(pin(10), "success") << "the issuing RA may report too";
  EXPECT_EQ(pin(1, {{"attempt", "0x3"}}), "attempt 3 does not follow the 4 reported");
  EXPECT_EQ(pin(1, {{"attempt", "0x9"}}), "attempt: expected 1..5");
  // A correct PIN in between is the app's matter: its next failure starts a new run at 1.
  EXPECT_EQ(pin(1, {{"attempt", "0x1"}}), "success");
  EXPECT_EQ(chain.query("getStatus", json::object{{"serial", serial}}).output.at("pinFailures").as_uint64(), 1u);
  for (int i = 2; i <= 4; ++i) EXPECT_EQ(pin(1, {{"attempt", "0x" + std::to_string(i)}}), "success");
  EXPECT_EQ(chain.status(serial), "good") << "4 consecutive failures do not suspend";
  core::Receipt fifth = chain.one(kT0, ca_call(1, "reportPinFailure", {{"serial", serial}}));
  ASSERT_TRUE(fifth.success) << failure_of(fifth);
  ASSERT_EQ(fifth.logs.size(), 1u);
  EXPECT_EQ(fifth.logs[0].indexed.at(0), "CertificateSuspended(str,Address)");
  const size_t suspended_at = chain.states.size() - 1;
  EXPECT_EQ(chain.status(serial), "suspended");
  EXPECT_EQ(chain.status(serial, suspended_at - 1), "good") << "good before the suspension's height";
  EXPECT_EQ(pin(1), serial + " is suspended since height " + std::to_string(suspended_at));
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(10, "suspend", {{"serial", serial}, {"reason", "lost"}}))),
            serial + " is suspended since height " + std::to_string(suspended_at));
  EXPECT_EQ(failure_of(chain.one(kT0, issue_for(10, cert(4, "CN=Kim,O=tablet", 6), bid(1), serial))),
            "verifiedBy: " + serial + " is not a good certificate of this person") << "a suspended one does not verify anyone";
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(1, "reset", {{"serial", serial}, {"reason", "self"}}))),
            addr(1).to_string() + " is not a registration authority of this channel");
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(11, "reset", {{"serial", serial}}))), "reason: expected text of 1..64 characters");
  // Any RA may reset (the person may go to another member institution for the stronger check).
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(11, "reset", {{"serial", serial}, {"reason", "branchVisit"}}))), "success");
  const size_t reset_at = chain.states.size() - 1;
  EXPECT_EQ(chain.status(serial), "good");
  for (size_t h = suspended_at; h < reset_at; ++h) EXPECT_EQ(chain.status(serial, h), "suspended") << h;
  auto now = chain.query("getStatus", json::object{{"serial", serial}});
  EXPECT_EQ(now.output.at("pinFailures").as_uint64(), 0u);
  EXPECT_EQ(json::serialize(now.output.at("suspensions")),
            "[[" + std::to_string(suspended_at) + "," + std::to_string(reset_at) + "]]") << "the ended range stays in the record";
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(11, "reset", {{"serial", serial}, {"reason", "again"}}))),
            serial + " is neither suspended nor has PIN failures to reset");
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(2, "suspend", {{"serial", serial}, {"reason", "lost"}}))),
            addr(2).to_string() + " is not a registration authority of this channel");
  // The history keeps the last kSuspensionHistoryMax ranges.
  for (size_t i = 0; i < kSuspensionHistoryMax + 2; ++i) {
    ASSERT_EQ(failure_of(chain.one(kT0, ca_call(10, "suspend", {{"serial", serial}, {"reason", "deviceLost"}}))), "success");
    ASSERT_EQ(failure_of(chain.one(kT0, ca_call(10, "reset", {{"serial", serial}, {"reason", "found"}}))), "success");
  }
  auto last = chain.query("getStatus", json::object{{"serial", serial}});
  EXPECT_EQ(last.output.at("suspensions").as_array().size(), kSuspensionHistoryMax);
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(10, "revoke", {{"serial", serial}, {"reason", "left"}}))), "success");
  EXPECT_EQ(pin(1), serial + " is revoked");
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(10, "suspend", {{"serial", serial}, {"reason", "x"}}))), serial + " is revoked");
}

TEST(CaPolicy, ASuspendedCertificateFailsTxPki) {
  CaChain chain(/*tx_pki=*/true);
  const int64_t tx_time = 1'700'000'000;  // make_tx's timestamp: admission's clock must be near it
  const std::string serial = serial_of(3, request_id(1));
  ASSERT_EQ(failure_of(chain.one(tx_time, issue(10, cert(1, "CN=Kim,O=Bank A", 1, 365, kCa, tx_time - 60)))), "success");
  const TxFields pay = payment(1, 3);
  auto admit = [&] {
    state::MapReader view(chain.states.back());
    auto r = execution::validate_tx(view, chain.params, tx_time * 1'000'000, make_tx(pay));
    return r ? r->detail : std::string("admitted");
  };
  EXPECT_EQ(failure_of(chain.one(tx_time, pay)), "success");
  ASSERT_EQ(failure_of(chain.one(tx_time, ca_call(10, "suspend", {{"serial", serial}, {"reason", "deviceLost"}}))), "success");
  const std::string refused = "txPki: sender " + addr(1).to_string() + " holds no good certificate from the chain CA (" + serial + " suspended)";
  EXPECT_EQ(admit(), refused);
  EXPECT_EQ(failure_of(chain.one(tx_time, pay)), refused);
  ASSERT_EQ(failure_of(chain.one(tx_time, ca_call(10, "reset", {{"serial", serial}, {"reason", "found"}}))), "success");
  EXPECT_EQ(admit(), "admitted");
  EXPECT_EQ(failure_of(chain.one(tx_time, pay)), "success");
}

TEST(CaPolicy, AnExpiredCertificateFreesItsSubjectAndItsDeviceSlot) {
  CaChain chain;
  // Five one-day certificates on one device, the first also holding the subject.
  for (uint8_t i = 0; i < kLivePerHolderMax; ++i)
    ASSERT_EQ(failure_of(chain.one(kT0, issue(10, cert(1, "CN=Kim " + std::to_string(i), 20 + i, 1)))), "success");
  const Bytes again = cert(1, "CN=Kim 0", 30, 365, kCa, kT0 + 2 * 86400 - 60);
  EXPECT_EQ(failure_of(chain.one(kT0 + 3600, issue(10, cert(1, "CN=Kim 9", 29, 1)))), addr(1).to_string() + " already holds 5 live certificates");
  EXPECT_EQ(failure_of(chain.one(kT0 + 3600, issue(10, cert(2, "CN=Kim 0", 28)))),
            "subject 'CN=Kim 0' already holds live certificate " + serial_of(3, request_id(20)));
  // Two days on (the block time moves), all five have expired: the same subject on the same device again.
  EXPECT_EQ(failure_of(chain.one(kT0 + 2 * 86400, issue(10, again))), "success");
  EXPECT_EQ(chain.status(serial_of(3, request_id(20)), std::nullopt, kT0 + 2 * 86400), "expired");
  EXPECT_EQ(chain.status(serial_of(3, request_id(30)), std::nullopt, kT0 + 2 * 86400), "good");
}

TEST(CaPolicy, APersonHasFiveDevicesAndADeviceOnePerson) {
  CaChain chain;
  const std::string first = serial_of(3, request_id(1));
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(10, "requestIssue", {{"cert", crypto::base64_encode(cert(1, "CN=A", 1))}, {"bid", "12"}}))),
            "bid: expected 64 hex digits (the person's de-identified id)");
  ASSERT_EQ(failure_of(chain.one(kT0, issue_for(10, cert(1, "CN=Kim,O=Bank A", 1), bid(1)))), "success");
  // One person per device: the device of person 1 takes no certificate of person 2, nor one without a BID.
  EXPECT_EQ(failure_of(chain.one(kT0, issue_for(10, cert(1, "CN=Lee,O=Bank A", 2), bid(2)))),
            "one person per device: " + addr(1).to_string() + " holds live certificate " + first + " of another person");
  EXPECT_EQ(failure_of(chain.one(kT0, issue(10, cert(1, "CN=Lee,O=Bank A", 3)))),
            "one person per device: " + addr(1).to_string() + " holds live certificate " + first + " of another person");
  // Registration at another member (RA 11), verified by the person's live certificate from RA 10.
  EXPECT_EQ(failure_of(chain.one(kT0, issue_for(11, cert(2, "CN=Kim,O=Bank B", 4), bid(1), serial_of(3, request_id(9))))),
            "verifiedBy: " + serial_of(3, request_id(9)) + " is not a good certificate of this person");
  ASSERT_EQ(failure_of(chain.one(kT0, issue_for(10, cert(3, "CN=Lee,O=Bank A", 5), bid(2)))), "success");
  EXPECT_EQ(failure_of(chain.one(kT0, issue_for(11, cert(2, "CN=Kim,O=Bank B", 4), bid(1), serial_of(3, request_id(5))))),
            "verifiedBy: " + serial_of(3, request_id(5)) + " is not a good certificate of this person") << "another person's";
  EXPECT_EQ(failure_of(chain.one(kT0, ca_call(11, "requestIssue", {{"cert", crypto::base64_encode(cert(2, "CN=Kim,O=Bank B", 4))}, {"verifiedBy", first}}))),
            "verifiedBy: expected the serial (32 hex digits) of a live certificate, with bid");
  ASSERT_EQ(failure_of(chain.one(kT0, issue_for(11, cert(2, "CN=Kim,O=Bank B", 4), bid(1), first))), "success");
  auto second = chain.query("getStatus", json::object{{"serial", serial_of(3, request_id(4))}});
  EXPECT_EQ(second.output.at("verifiedBy").as_string(), first);
  EXPECT_EQ(second.output.at("bid").as_string(), bid(1).hex());
  // Five devices per person, counted per BID across holders and RAs.
  for (uint8_t d = 4; d <= 6; ++d)
    ASSERT_EQ(failure_of(chain.one(kT0, issue_for(10, cert(d, "CN=Kim,O=device " + std::to_string(d), 10 + d), bid(1)))), "success");
  EXPECT_EQ(failure_of(chain.one(kT0, issue_for(10, cert(7, "CN=Kim,O=device 7", 17), bid(1)))),
            "person " + bid(1).hex() + " already holds 5 live certificates");
  auto person = chain.query("personOf", json::object{{"address", addr(2).to_string()}});
  ASSERT_TRUE(person.ok) << person.message;
  EXPECT_EQ(person.output.at("bid").as_string(), bid(1).hex());
  EXPECT_TRUE(chain.query("personOf", json::object{{"address", addr(7).to_string()}}).output.at("bid").is_null());
  auto all = chain.query("certificatesOfPerson", json::object{{"bid", bid(1).hex()}});
  ASSERT_TRUE(all.ok) << all.message;
  EXPECT_EQ(all.output.as_array().size(), 5u);
  // A revoked certificate frees its place: the person may add a device again.
  ASSERT_EQ(failure_of(chain.one(kT0, ca_call(10, "revoke", {{"serial", first}, {"reason", "deviceLost"}}))), "success");
  EXPECT_EQ(failure_of(chain.one(kT0, issue_for(10, cert(7, "CN=Kim,O=device 7", 17), bid(1)))), "success");
}

StatusRecord a_record() {
  StatusRecord r;
  r.cert_hash = crypto::sha3_256(as_bytes("c"));
  r.holder = addr(1);
  r.ra = addr(10);
  r.issued_height = 7;
  r.not_before_s = 100;
  r.not_after_s = 200;
  r.subject_hash = crypto::sha3_256(as_bytes("s"));
  return r;
}

TEST(CaStatus, RecordRoundTripsAndRefusesOtherEncodings) {
  StatusRecord r = a_record();
  r.revoked_height = 9;
  r.reason = "gone";
  std::string text = encode_status(r);
  auto back = decode_status(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(encode_status(*back), text);
  EXPECT_EQ(status_at(*back, 150), CertStatus::kRevoked);
  EXPECT_FALSE(decode_status(text + " ").has_value());
  EXPECT_FALSE(decode_status("{}").has_value());
}

TEST(CaStatus, PolicyFieldsRoundTripAndGiveTheStatusAtEachHeight) {
  StatusRecord r = a_record();
  const std::string plain = encode_status(r);
  EXPECT_EQ(plain.find("bid"), std::string::npos) << "a record without policy fields encodes as before";
  r.bid = crypto::sha3_256(as_bytes("person"));
  r.verified_by = serial_of(3, request_id(1));
  r.pin_failures = 5;
  r.suspended_height = 30;
  r.suspend_reason = "pinFailures";
  r.suspensions = {{10, 12}, {20, 25}};
  const std::string text = encode_status(r);
  auto back = decode_status(text);
  ASSERT_TRUE(back.has_value()) << text;
  EXPECT_EQ(encode_status(*back), text);
  EXPECT_EQ(back->suspensions.size(), 2u);
  // Good before 10, suspended in [10, 12), good until 20, suspended [20, 25), good, suspended from 30.
  const std::pair<uint64_t, CertStatus> at[] = {{9, CertStatus::kGood},      {10, CertStatus::kSuspended}, {11, CertStatus::kSuspended},
                                                {12, CertStatus::kGood},     {24, CertStatus::kSuspended}, {25, CertStatus::kGood},
                                                {29, CertStatus::kGood},     {30, CertStatus::kSuspended}, {kLatest, CertStatus::kSuspended}};
  for (const auto& [height, want] : at) EXPECT_EQ(status_at(*back, 150, height), want) << "height " << height;
  EXPECT_EQ(status_at(*back, 250, 11), CertStatus::kExpired) << "expiry is judged first";
  std::string zero = text;
  zero.replace(zero.find("\"pinFailures\":5"), 15, "\"pinFailures\":0");
  EXPECT_FALSE(decode_status(zero).has_value()) << "a zero count is not written";
  std::string reversed = text;
  reversed.replace(reversed.find("[20,25]"), 7, "[25,20]");
  EXPECT_FALSE(decode_status(reversed).has_value()) << "a range ends after it starts";
}

}  // namespace
}  // namespace cx::governance::ca
