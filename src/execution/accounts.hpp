#pragma once
// State layout of accounts (docs/state.md): key "a" + 21-byte address -> account encoding;
// key "s/total_supply" -> supply. Contract storage: "c" + 21-byte address + key.
#include <array>

#include "base/uint256.hpp"
#include "core/chain_params.hpp"
#include "core/receipt.hpp"
#include "execution/journal.hpp"
#include "state/world_state.hpp"

namespace cx::execution {

using core::Address;

// Fixed size, so looking an account up allocates nothing.
using AccountKey = std::array<uint8_t, 1 + 21>;
AccountKey account_key(const Address& a);
Bytes contract_storage_key(const Address& contract, BytesView key);
extern const Bytes kTotalSupplyKey;

struct Account {
  Uint256 balance;
  Bytes encode() const;
  // Undecodable account bytes mean a corrupted state: that is a bug, so it asserts.
  static Account decode(BytesView b);
};

Account read_account(const state::StateReader& view, const Address& a);
Uint256 read_total_supply(const state::StateReader& view);

void put_balance(Journal& j, const Address& a, const Uint256& balance);

// Moves `value` from `from` to `to`. The caller has just read `from`'s balance as `from_balance` and
// checked that it covers `value`, so `from` is not read twice. A zero value writes nothing.
void move_value(Journal& j, const Address& from, const Uint256& from_balance, const Address& to, const Uint256& value);

// ICON's ICXTransfer(Address,Address,int) event, emitted by the system address for every value move.
core::EventLog transfer_event(const Address& from, const Address& to, const Uint256& value);

// Initial state of a channel from its genesis: balances and total supply.
state::StateChanges genesis_changes(const core::ChainParams& params);

}  // namespace cx::execution
