// Signed requests: each way a request can fail names its reason, and a good one passes once.
#include "rpc/client_auth.hpp"

#include <gtest/gtest.h>

#include "core/test_tx.hpp"

namespace cx::rpc {
namespace {

using core::testing::address_of;
using core::testing::test_key;

constexpr int64_t kNow = 1'800'000'000'000'000;

core::ChainParams channel_params() {
  core::ChainParams p;
  p.channel = "private";
  p.validators = {address_of(test_key(1))};
  p.members = {{address_of(test_key(2)), core::MemberRole::kClient}};
  p.rpc_auth_signed = true;
  return p;
}

const SignedRequest kReq{"POST", "/api/v3/private", R"({"jsonrpc":"2.0","id":1,"method":"icx_getLastBlock"})"};

TEST(ClientAuth, AMembersSignedRequestPassesOnceAndEveryOtherIsRefusedWithItsReason) {
  const auto p = channel_params();
  ClientAuth auth;
  auto refused = [&](const std::string& header, const std::string& why, const SignedRequest& req = kReq) {
    auto r = auth.check(p, header, req, kNow);
    ASSERT_TRUE(r) << header;
    EXPECT_NE(r->find(why), std::string::npos) << *r;
  };
  const std::string good = ClientAuth::sign(test_key(2), kReq, kNow - 1000);
  EXPECT_FALSE(auth.check(p, good, kReq, kNow));
  refused(good, "replayed request");
  // A validator's key works too (any member).
  EXPECT_FALSE(auth.check(p, ClientAuth::sign(test_key(1), kReq, kNow), kReq, kNow));

  refused("", "answers only signed requests");
  refused("garbage", "malformed Cx-Auth header");
  refused("hxnot:1:AA==", "not an hx address");
  const std::string addr = address_of(test_key(2)).to_string();
  refused(addr + ":12x:AA==", "not a decimal number");
  refused(addr + ":" + std::to_string(kNow) + ":AA==", "not 65 bytes of base64");
  refused(ClientAuth::sign(test_key(2), kReq, kNow - 31'000'000), "stale request");
  refused(ClientAuth::sign(test_key(2), kReq, kNow + 31'000'000), "stale request");
  refused(ClientAuth::sign(test_key(9), kReq, kNow), "is not a member of channel private");
  // Forged: another body, another target, or another address than the signer's.
  const std::string other = ClientAuth::sign(test_key(2), kReq, kNow + 1);
  refused(other, "is not " + addr + "'s over this request", SignedRequest{"POST", kReq.target, "{}"});
  refused(other, "is not " + addr + "'s over this request", SignedRequest{"POST", "/api/v3", kReq.body});
  const std::string stolen = address_of(test_key(1)).to_string() + other.substr(other.find(':'));
  refused(stolen, "is not " + address_of(test_key(1)).to_string() + "'s");
  EXPECT_FALSE(auth.check(p, other, kReq, kNow)) << "the forgeries did not use it up";
}

TEST(ClientAuth, RepliesAreRememberedOnlyForTheWindowAndTheMemoryIsBounded) {
  const auto p = channel_params();
  ClientAuth auth({/*window_us=*/1'000'000, /*remembered_max=*/2});
  EXPECT_FALSE(auth.check(p, ClientAuth::sign(test_key(2), kReq, kNow), kReq, kNow));
  EXPECT_FALSE(auth.check(p, ClientAuth::sign(test_key(2), kReq, kNow + 1), kReq, kNow));
  auto full = auth.check(p, ClientAuth::sign(test_key(2), kReq, kNow + 2), kReq, kNow);
  ASSERT_TRUE(full);
  EXPECT_NE(full->find("too many signed requests"), std::string::npos) << *full;
  // Past the window the old ones are forgotten (they are stale by then anyway).
  EXPECT_FALSE(auth.check(p, ClientAuth::sign(test_key(2), kReq, kNow + 1'500'000), kReq, kNow + 1'500'000));
}

}  // namespace
}  // namespace cx::rpc
