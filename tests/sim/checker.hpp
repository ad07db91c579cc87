#pragma once
// The simulator's checks (README.md here): safety of every decided commit (a child of the node's last
// one, certified, justified by the 2-chain rule from what the node itself learned, the same block and
// state root as every other honest node at that height), no honest key signing two votes in one round,
// no honest node refusing an honest peer for a reason an honest peer never gives, and convergence.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "channel/commit_writer.hpp"
#include "channel/rejections.hpp"
#include "consensus/engine.hpp"
#include "sim.hpp"

namespace cx::sim {

class Checker {
 public:
  using Fail = std::function<void(const std::string& reason, bool fork)>;
  Checker(const Fixture& fx, const Config& cfg, size_t instances, const core::ValidatorSchedule& schedule, Fail fail);

  void set_genesis(const consensus::BlockPtr& genesis);
  // What each faulty key does wrong (by key index): its refusals must carry the reason aimed at.
  void set_fault(size_t key, Fault fault);
  // A node (re)booted from its disk with this durable head: what it decides next must follow it.
  void on_boot(size_t node, const consensus::BlockPtr& head);
  // The node learned that `block` is certified (channel::CoreObserver).
  void on_certified(size_t node, const consensus::BlockPtr& block, const core::QuorumCertificate& qc);
  // The node decided `job` is final (it handed it to its commit pipeline).
  void on_commit(size_t node, bool honest, const channel::CommitJob& job);
  // A vote seen on the network, or inside a write-ahead record.
  void on_vote(const core::Vote& v, const char* where);
  void on_vote_record(const Bytes& record);
  // Refusals by an honest node: those of honest (or twin) peers must be ones honest peers can earn.
  void on_rejections(size_t node, const channel::RejectionsByPeer& rejections);

  const std::map<uint64_t, std::tuple<Hash32, Hash32, size_t>>& commits() const { return m_commits; }

 private:
  bool votes_verify(const core::QuorumCertificate& qc);
  bool certifies(const core::QuorumCertificate& qc, const core::Block& b);
  bool proves_parent_final(const core::Block& child, const core::QuorumCertificate& qc, const core::Block& parent);
  bool under_final_bound(size_t node, const core::Block& b) const;
  bool key_is_faulty(const core::Address& a) const;
  void check_faulty_peer(size_t node, const core::Address& peer, const channel::PeerRejections& r);

  const Fixture& m_fx;
  const Config& m_cfg;
  const core::ValidatorSchedule& m_schedule;
  Fail m_fail;
  std::map<Hash32, consensus::BlockPtr> m_blocks;           // every block any node certified or committed
  std::vector<consensus::BlockPtr> m_final_bound;           // per node: highest block it holds a finality proof for
  std::vector<std::pair<uint64_t, Hash32>> m_decided;       // per node: last decided (height, hash)
  std::map<uint64_t, std::tuple<Hash32, Hash32, size_t>> m_commits;  // height -> (block, state root, first node)
  std::map<std::pair<size_t, uint32_t>, core::Vote> m_signed;       // (key, round) -> vote
  std::set<Hash32> m_verified_qcs;                                   // QCs (by hash) whose votes verified
  std::map<Bytes, core::Address> m_verified_votes;                   // vote signature -> its voter, once verified
  std::map<core::Address, Fault> m_faults;
};

}  // namespace cx::sim
