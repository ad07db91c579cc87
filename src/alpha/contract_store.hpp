#pragma once
// Internal to the Alpha system contract: its storage layout and the commit of an engine transition.
//   "template/<hash hex>"  canonical template JSON
//   "instance/<id>"        instance JSON (instance.hpp to_json)
//   "next_instance"        decimal counter
//   "timers"               the timer queue: 20-byte entries (deadline u64 BE, instance u64 BE,
//                          timer u32 BE), sorted, so the bytes order is the firing order
//   "held/<cx token>"      decimal: the IRC2 tokens the contract holds for instances and payees
//                          (escrow + reservations + owed), per token contract
//   "owed/<cx token>/<address>"  decimal: token payouts that failed, claimable by the payee
//   "lock"                 present only while the contract calls a token (no write may reenter)
#include <set>
#include <string>

#include "alpha/instance.hpp"
#include "contracts/host.hpp"

namespace cx::alpha::store {

using contracts::CallResult;
using contracts::Host;

struct QueueEntry {
  int64_t deadline = 0;
  uint64_t instance = 0;
  uint32_t timer = 0;
  auto operator<=>(const QueueEntry&) const = default;
};
using Queue = std::set<QueueEntry>;

// The storage key of the timer queue, and the earliest deadline in its raw bytes (none when empty
// or corrupt): what begin-block's scheduling reads without running the contract.
inline constexpr std::string_view kQueueKey = "timers";
std::optional<int64_t> first_deadline(BytesView raw_queue);

// Each returns the host's failure as a CallResult in *fail when a host operation failed.
std::optional<std::string> get(Host& h, const std::string& key, CallResult* fail);
bool put(Host& h, const std::string& key, const std::string& value, CallResult* fail);
bool erase(Host& h, const std::string& key, CallResult* fail);
std::optional<Queue> load_queue(Host& h, CallResult* fail);
bool save_queue(Host& h, const Queue& q, CallResult* fail);

// The template and instance an instance call works on; *fail says why not.
struct Loaded {
  Template t;
  Instance inst;
};
std::optional<Loaded> load(Host& h, uint64_t id, CallResult* fail);
std::optional<Instance> load_instance(Host& h, uint64_t id, CallResult* fail);
std::optional<Template> load_template(Host& h, const Hash32& hash, CallResult* fail);

// ---- IRC2 tokens (contract_tokens.cpp) ----

// Steps a token transfer made by a transition may use (its payee's tokenFallback included); beyond
// it the call fails and the payout is owed instead (docs/alpha-engine.md §4). A whole attestation
// paying out in the example IRC2 takes 198,467 (alpha_e2e_test); the bound keeps what begin-block (which nobody pays for) can be
// made to spend on one payout small.
inline constexpr uint64_t kTokenCallSteps = 1'000'000;

// The token contract of IRC2 asset `a` for this instance (an address param's value or a literal), or
// nullopt if it is not a contract address.
std::optional<core::Address> token_of(const Asset& a, const Instance& inst);
// The id of the instance's IRC2 asset whose token is `token`, or nullopt.
std::optional<std::string> asset_of_token(const Template& t, const Instance& inst, const core::Address& token);
// Counts `amount` of `token` as held by the contract (a payment in).
bool add_held(Host& h, const core::Address& token, const Uint256& amount, CallResult* fail);
// The refusal to give a write method while the contract is calling a token, or nullopt.
std::optional<CallResult> reentered(Host& h);
// Transfers `amount` of `token` to `to` through the token's transfer(). If the token call fails, the
// amount is owed to `to` (claimable with claim) and a PayoutDeferred log says why; false only when
// a host operation of the contract itself failed.
bool pay_token(Host& h, const core::Address& token, const core::Address& to, const Uint256& amount, CallResult* fail);
// claim(token): the caller's owed tokens, transferred now; the call fails if the token fails again.
CallResult claim_owed(Host& h, const core::Address& token);
std::optional<Uint256> read_amount(Host& h, const std::string& key, CallResult* fail);

// Stores `tr.next`, moves its timers in `q` (those of `before` out, its own in), pays its payouts
// from the contract's balance and emits one AlphaTransition log (unless `log` is false: begin-block
// has no receipt to put it in, and a receipt's log cap must not bound how many timers fire).
// `before` is null for a new instance.
// Native payouts move the contract's coin; IRC2 payouts call their token (pay_token), last, under
// the lock. A closed or expired instance must leave no escrow and no reservation.
bool commit(Host& h, Queue& q, const Template& t, const Instance* before, const Transition& tr, CallResult* fail,
            bool log = true);

}  // namespace cx::alpha::store
