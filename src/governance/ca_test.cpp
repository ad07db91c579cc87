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

TEST(CaTxPki, RefusesUncertifiedSendersAtAdmissionAndInExecution) {
  CaChain chain(/*tx_pki=*/true);
  TxFields pay;
  pay.from = addr(1);
  pay.to = addr(3);
  pay.value = 1;
  pay.data_type = "";
  pay.step_limit = 1'000'000;
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

TEST(CaStatus, RecordRoundTripsAndRefusesOtherEncodings) {
  StatusRecord r{crypto::sha3_256(as_bytes("c")), addr(1), addr(10), 7, 100, 200, crypto::sha3_256(as_bytes("s")), 9, "gone"};
  std::string text = encode_status(r);
  auto back = decode_status(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(encode_status(*back), text);
  EXPECT_EQ(status_at(*back, 150), CertStatus::kRevoked);
  EXPECT_FALSE(decode_status(text + " ").has_value());
  EXPECT_FALSE(decode_status("{}").has_value());
}

}  // namespace
}  // namespace cx::governance::ca
