#include "execution/accounts.hpp"

#include <algorithm>

#include "codec/binary.hpp"

namespace cx::execution {

const Bytes kTotalSupplyKey = {'s', '/', 't', 'o', 't', 'a', 'l', '_', 's', 'u', 'p', 'p', 'l', 'y'};

AccountKey account_key(const Address& a) {
  AccountKey k;
  k[0] = 'a';
  const auto b = a.to_bytes();
  static_assert(b.size() + 1 == k.size());
  std::copy(b.begin(), b.end(), k.begin() + 1);
  return k;
}

Bytes contract_storage_key(const Address& contract, BytesView key) {
  Bytes k;
  k.reserve(22 + key.size());
  k.push_back('c');
  auto b = contract.to_bytes();
  k.insert(k.end(), b.begin(), b.end());
  k.insert(k.end(), key.begin(), key.end());
  return k;
}

Bytes Account::encode() const {
  codec::Writer w(/*reserve_bytes=*/1 + 1 + 32);  // version, then the balance: length and up to 32 bytes
  w.u8(1);  // account format version
  w.uint256(balance);
  return w.take();
}

Account Account::decode(BytesView b) {
  codec::Reader r(b);
  CX_ASSERT_MSG(r.u8() == 1, "unknown account format in state");
  Account a;
  a.balance = r.uint256();
  CX_ASSERT_MSG(r.finish(), "corrupted account in state");
  return a;
}

Account read_account(const state::StateReader& view, const Address& a) {
  auto v = view.get(account_key(a));
  if (!v) return {};
  return Account::decode(*v);
}

Uint256 read_total_supply(const state::StateReader& view) {
  auto v = view.get(kTotalSupplyKey);
  if (!v) return {};
  auto n = Uint256::from_be_bytes(*v);
  CX_ASSERT(n.has_value());
  return *n;
}

state::StateChanges genesis_changes(const core::ChainParams& params) {
  state::StateChanges out;
  Uint256 supply;
  std::map<Address, Uint256> balances;
  for (const auto& acc : params.accounts) {
    auto& b = balances[acc.address];
    auto sum = b.checked_add(acc.balance);
    CX_ASSERT_MSG(sum.has_value(), "genesis balances overflow");
    b = *sum;
    auto s = supply.checked_add(acc.balance);
    CX_ASSERT_MSG(s.has_value(), "genesis supply overflows");
    supply = *s;
  }
  for (const auto& [addr, bal] : balances) {
    const AccountKey key = account_key(addr);
    out.emplace(Bytes(key.begin(), key.end()), Account{bal}.encode());
  }
  out.emplace(kTotalSupplyKey, supply.to_be_bytes_trimmed());
  return out;
}

}  // namespace cx::execution
