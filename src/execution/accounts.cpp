#include "execution/accounts.hpp"

#include <algorithm>

#include "codec/binary.hpp"
#include "contracts/native.hpp"
#include "governance/governance.hpp"

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

void put_balance(Journal& j, const Address& a, const Uint256& balance) {
  j.set(account_key(a), Account{balance}.encode());
}

void move_value(Journal& j, const Address& from, const Uint256& from_balance, const Address& to, const Uint256& value) {
  if (value.is_zero()) return;
  auto left = from_balance.checked_sub(value);
  CX_ASSERT(left.has_value());
  put_balance(j, from, *left);
  // Read after the debit, so that a payment to oneself leaves the balance unchanged.
  Account dst = read_account(j, to);
  auto sum = dst.balance.checked_add(value);
  // Balances are bounded by the total supply, which fits in 256 bits.
  CX_ASSERT(sum.has_value());
  put_balance(j, to, *sum);
}

core::EventLog transfer_event(const Address& from, const Address& to, const Uint256& value) {
  core::EventLog log;
  log.score = contracts::chain_contract_address();
  // Appended one by one: an initializer list would copy every string.
  log.indexed.reserve(4);
  log.indexed.emplace_back(core::kIcxTransferSignature);
  log.indexed.push_back(from.to_string());
  log.indexed.push_back(to.to_string());
  log.indexed.push_back(value.to_icon_hex());
  return log;
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
  // The governance contract's members, validator set, parameters and rules (docs/governance.md).
  const Address gov = governance::governance_contract_address();
  for (const auto& [key, value] : governance::genesis_storage(params))
    out.emplace(contract_storage_key(gov, as_bytes(key)), Bytes(value.begin(), value.end()));
  return out;
}

}  // namespace cx::execution
