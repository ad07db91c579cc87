#pragma once
// The Alpha system contract (docs/alpha-engine.md §1): a native contract at the
// fixed address cx0000000000000000000000000000000000000a01, reachable with ordinary ICON call txs
// and icx_call. It stores templates (by hash, after the checker accepts them), instances and the
// chain-wide timer queue in its own contract storage, so every instance is readable at any past
// height; the escrow of every instance is held in the contract's native-coin balance, or in its
// balance of the instance's IRC2 tokens (tracked per token contract, docs/alpha-engine.md §4).
//
// Methods (all params ICON-style; ids as "0x.." hex or decimal, JSON values as objects or as JSON
// text): registerTemplate(template, prose?) · propose(template, params, parties, signBy?) · sign(id, hash) ·
// fund(id) [payable] · reserve(id) [payable] · tokenFallback(_from, _value, _data) [IRC2 fund/reserve] ·
// claim(token) · getTokens(token, account?) [readonly] · attest(id, event, nonce, result?, fields?) · decide(id, decision, choice) ·
// delegate(id, decision, to) · revoke(id, decision) · dispute(id) [payable: the bond] · appeal(id) [payable] ·
// rule(id, outcome) · setCalendar(name, weekend?, holidays?, utcOffset?) [governors] · getCalendar(name, version?) [readonly] ·
// getTemplate(hash) [readonly] ·
// getInstance(id) [readonly] · getTimers() [readonly].
#include <cstdint>
#include <memory>

#include "contracts/contract.hpp"

namespace cx::alpha {

// Due timers fired at the start of one block at most; the rest carry over to the next block.
constexpr uint32_t kTimersPerBlockMax = 256;
// A proposal simulates every path of the instance (its digest is signed): at most this many paths,
// each charged kSimStepsPerPath steps on top of propose's own cost.
constexpr size_t kProposeSimPathsMax = 1'024;
constexpr uint64_t kSimStepsPerPath = 10'000;

core::Address alpha_contract_address();
std::shared_ptr<const contracts::Contract> make_alpha_contract();

// Begin-block: fires every timer with deadline <= the block time (in seconds), in the order
// (deadline, instance id, timer id), at most `max`. Must run in a writing frame of the Alpha
// contract. Returns how many fired.
contracts::HostResult<uint32_t> fire_due_timers(contracts::Host& host, uint32_t max);

}  // namespace cx::alpha
