#include "acore/code_store.hpp"

#include <map>

#include <gtest/gtest.h>

#include "acore/package.hpp"

namespace cx::acore {
namespace {

class MapState final : public state::StateReader {
 public:
  std::optional<Bytes> get(BytesView key) const override {
    auto it = m.find(Bytes(key.begin(), key.end()));
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
  std::map<Bytes, Bytes> m;
};

Address addr(std::string_view s) { return *Address::parse(s); }
Hash32 hash_of(uint8_t b) {
  Hash32 h;
  h.bytes.fill(b);
  return h;
}

TEST(CodeStore, AddressFollowsGoloopsRule) {
  // Vectors computed independently (Python hashlib.sha3_256 over from-id ‖ 24 zero bytes ‖ the
  // timestamp as 8 big-endian bytes ‖ the nonce as 32 big-endian bytes when not zero), for the
  // sender and timestamp of goloop's doc/jsonrpc_v3.md examples.
  const Address from = addr("hxbe258ceb872e08851f1f59694dac2558708ece11");
  const int64_t ts = 0x563a6cf330136;
  EXPECT_EQ(contract_address(from, ts, std::nullopt).to_string(), "cx1cd409e3c02983e8a7bf915f713044509db28b74");
  EXPECT_EQ(contract_address(from, ts, Uint256(0)).to_string(), "cx1cd409e3c02983e8a7bf915f713044509db28b74");
  EXPECT_EQ(contract_address(from, ts, Uint256(1)).to_string(), "cxe6ebd5972b46551c15af9c6d26d4562424003431");
  EXPECT_EQ(contract_address(from, ts, Uint256(0x80)).to_string(), "cxf83e815e885e249882e0d210bc572fbb36074ff0");
  EXPECT_TRUE(contract_address(from, ts, std::nullopt).is_contract);
  EXPECT_NE(contract_address(from, ts + 1, std::nullopt), contract_address(from, ts, std::nullopt));
}

TEST(CodeStore, InfoAndVersionsRoundTrip) {
  ContractInfo info;
  info.owner = addr("hxbe258ceb872e08851f1f59694dac2558708ece11");
  info.current = CodeVersion{hash_of(1), hash_of(2), hash_of(2), VersionStatus::kActive, ""};
  info.next = CodeVersion{hash_of(3), hash_of(4), Hash32{}, VersionStatus::kPending, "{\"a\":\"0x1\"}"};
  info.earlier_versions = 7;
  info.disabled = true;
  auto back = ContractInfo::decode(info.encode());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, info);
  info.next.reset();
  EXPECT_EQ(*ContractInfo::decode(info.encode()), info);
  Bytes bad = info.encode();
  bad.push_back(0);
  EXPECT_FALSE(ContractInfo::decode(bad).has_value());
  EXPECT_EQ(*decode_version(encode_version(*info.current)), *info.current);
  EXPECT_STREQ(to_string(VersionStatus::kRejected), "rejected");
}

TEST(CodeStore, KeysHaveTheirOwnPrefixesAndReadsFindWhatWasWritten) {
  const Address c = contract_address(addr("hxbe258ceb872e08851f1f59694dac2558708ece11"), 1, std::nullopt);
  EXPECT_EQ(contract_info_key(c).size(), 22u);
  EXPECT_EQ(contract_info_key(c)[0], 'i');
  EXPECT_EQ(earlier_version_key(c, 0x01020304).size(), 26u);
  EXPECT_EQ(earlier_version_key(c, 0x01020304).back(), 4);
  EXPECT_EQ(code_key(hash_of(9))[0], 'h');
  EXPECT_EQ(deploy_tx_key(hash_of(9))[0], 't');

  MapState s;
  ContractInfo info;
  info.owner = addr("hxbe258ceb872e08851f1f59694dac2558708ece11");
  s.m[contract_info_key(c)] = info.encode();
  Package p;
  p.files = {{"main.lua", "x"}};
  s.m[code_key(package_hash(p))] = encode_package(p);
  const auto b = c.to_bytes();
  s.m[deploy_tx_key(hash_of(5))] = Bytes(b.begin(), b.end());
  s.m[earlier_version_key(c, 0)] = encode_version(CodeVersion{hash_of(1), hash_of(2), hash_of(2), VersionStatus::kInactive, ""});

  EXPECT_EQ(read_contract_info(s, c)->owner, info.owner);
  EXPECT_FALSE(read_contract_info(s, contract_address(info.owner, 2, std::nullopt)).has_value());
  EXPECT_FALSE(read_contract_info(s, info.owner).has_value());  // an hx address is never a contract
  EXPECT_EQ(read_code(s, package_hash(p))->files[0].text, "x");
  EXPECT_FALSE(read_code(s, hash_of(0)).has_value());
  EXPECT_EQ(*read_deploy_tx(s, hash_of(5)), c);
  EXPECT_EQ(read_earlier_version(s, c, 0)->status, VersionStatus::kInactive);
  EXPECT_FALSE(read_earlier_version(s, c, 1).has_value());
}

}  // namespace
}  // namespace cx::acore
