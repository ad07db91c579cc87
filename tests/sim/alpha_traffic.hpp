#pragma once
// --alpha: Alpha contract traffic in the simulator (README.md here, "Alpha traffic"). Clients drive
// four auctions (examples/alpha/auction.json) through the Alpha system contract with ordinary signed
// call txs: register the template, propose, sign, bid (fund), award (decide); their deadlines fall
// inside the run, so begin-block fires the timers in the blocks the cluster agrees on. The audit reads
// each committed height's state (as icx_call does) and checks timers and money.
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "alpha/instance.hpp"
#include "core/block.hpp"
#include "core/chain_params.hpp"
#include "core/transaction.hpp"
#include "state/world_state.hpp"

namespace cx::sim {

// Proposal j of the fixture, and the path its clients take it along:
//   0: signed, two bids, awarded by the owner -> sold
//   1: signed, two bids, never awarded        -> not_awarded (the award deadline fires, bids refunded)
//   2: signed, no bid                         -> no_bids (the bidding deadline fires)
//   3: never signed                           -> expired (the signing deadline fires)
constexpr size_t kAlphaProposals = 4;
constexpr size_t kAlphaBidders = 2;
constexpr size_t kAlphaOutcomes = 4;  // sold, not_awarded, no_bids, expired
const char* alpha_outcome_name(size_t k);

// Signed once per process: every tx a client may send. Instance ids follow the order the proposals
// are committed in, so sign/fund/award txs exist for every (id, proposal) pair and a client picks the
// one that matches what it reads from the chain.
struct AlphaFixture {
  crypto::PrivateKey owner;
  std::array<crypto::PrivateKey, kAlphaBidders> bidders;
  core::Address referee;
  Hash32 template_hash;
  core::TxPtr register_tx;
  std::array<core::TxPtr, kAlphaProposals> propose;
  uint32_t nid = 0;
  // The owner's signature is made when a client reads the instance (its hash covers the simulation at
  // the proposal's block time); each (id, proposal) has its own tx serial, so a resent one is the same tx.
  std::array<std::array<uint64_t, kAlphaProposals>, kAlphaProposals> sign_serial{};  // [id-1][proposal]
  std::array<std::array<core::TxPtr, kAlphaBidders>, kAlphaProposals> fund;    // [id-1][bidder]
  std::array<core::TxPtr, kAlphaProposals> award;                              // [id-1]
  core::TxPtr leak;  // --alpha-leak (checker self-test): coins to an account the money audit does not know
  int64_t last_deadline_s = 0;  // no timer of any instance is due later than this block time

  // Funds the parties in `params` (adding to `supply`) and signs every tx.
  AlphaFixture(core::ChainParams& params, Uint256& supply);
};

struct AlphaStats {
  uint64_t instances = 0;
  std::array<uint64_t, kAlphaOutcomes> outcomes{};
  uint64_t timers_fired = 0;
  uint64_t timers_cancelled = 0;  // armed, then removed without firing (their stage was left)
  uint64_t alpha_txs = 0;         // committed txs to the Alpha contract
};

// The audit of the committed chain, once per height (every honest node's state root at a height is
// checked equal by the Checker, so one reading stands for all):
//  - timers: the due entries of the previous height's queue (deadline <= the block time, in queue
//    order, at most alpha::kTimersPerBlockMax) fired in this block: they left the queue, their
//    instance no longer holds them and moved on (seq advanced); no timer fires twice or comes back;
//  - money: the sum of every balance on the chain stays the genesis supply, the Alpha contract's
//    balance equals the escrow plus reservations of its instances, each instance's stakes sum to
//    its escrow, and a closed or expired instance holds nothing.
class AlphaAudit {
 public:
  using Fail = std::function<void(const std::string&)>;
  AlphaAudit(const core::ChainParams& params, std::vector<core::Address> accounts, Uint256 supply, Fail fail);

  void on_commit(const core::Block& block, const state::StateReader& view);
  // The end of the run: what every instance ended as, armed timers that neither fired nor were cancelled.
  void finish(AlphaStats& stats) const;

 private:
  struct Snapshot {
    std::set<std::tuple<int64_t, uint64_t, uint32_t>> queue;  // (deadline, instance, timer)
    std::map<uint64_t, alpha::Instance> instances;
  };
  std::optional<Snapshot> read(const state::StateReader& view, uint64_t height);
  void check_timers(uint64_t height, int64_t now_s, const Snapshot& before, const Snapshot& after);
  void check_money(uint64_t height, const state::StateReader& view, const Snapshot& s);

  const core::ChainParams& m_params;
  std::vector<core::Address> m_accounts;
  Uint256 m_supply;
  Fail m_fail;
  std::map<uint64_t, Snapshot> m_heights;
  std::set<std::pair<uint64_t, uint32_t>> m_armed, m_fired;
  uint64_t m_alpha_txs = 0;
};

// What a client reads from one node's durable state, and the txs it sends for it.
// An icx_call to the Alpha contract at one node's durable state: the output, or none if it failed.
using AlphaRead = std::function<std::optional<boost::json::value>(std::string_view method, const boost::json::object& params)>;
std::vector<core::TxPtr> alpha_client_txs(const AlphaFixture& fx, const AlphaRead& read);

// Is the Alpha traffic over at this state: the last deadline passed, no timer queued, every instance
// closed or expired? `why` says what is left otherwise.
bool alpha_settled(const AlphaFixture& fx, int64_t time_us, const AlphaRead& read, std::string& why);

}  // namespace cx::sim
