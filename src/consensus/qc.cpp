#include "consensus/engine.hpp"

namespace cx::consensus {

bool verify_qc(const core::QuorumCertificate& qc, const core::ValidatorSet& validators) {
  if (qc.votes.empty() || qc.votes.size() > validators.size()) return false;
  const core::VoteKind kind = qc.votes.front().kind;
  if (kind != core::VoteKind::kBlock && kind != core::VoteKind::kSeal) return false;
  std::vector<core::Address> voters;
  voters.reserve(qc.votes.size());
  for (size_t i = 0; i < qc.votes.size(); ++i) {
    const auto& v = qc.votes[i];
    // Strictly increasing voters: distinct, and one encoding per certificate.
    if (i > 0 && !(qc.votes[i - 1].voter < v.voter)) return false;
    if (v.height != qc.height || v.round != qc.round || v.kind != kind || v.block_hash != qc.block_hash) return false;
    if (!validators.contains(v.voter)) return false;
    voters.push_back(v.voter);
  }
  // Weight before signatures: a QC short of a quorum costs no signature recovery.
  if (validators.weight_of(voters) < validators.quorum()) return false;
  for (const auto& v : qc.votes) {
    auto pub = crypto::recover(v.signing_hash(), v.signature);
    if (!pub || core::Address::of_public_key(*pub) != v.voter) return false;
  }
  return true;
}

bool verify_qc(const core::QuorumCertificate& qc, const core::ValidatorSchedule& schedule) {
  return verify_qc(qc, schedule.at(qc.height));
}

bool verify_qc(const core::QuorumCertificate& qc, const std::vector<core::Address>& validators) {
  if (validators.empty() || validators.size() > core::kValidatorSetMax) return false;
  auto set = core::ValidatorSet::make([&] {
    std::vector<core::Validator> vs;
    for (const auto& a : validators) vs.push_back(core::Validator{a, 1, {}});
    return vs;
  }());
  return set && verify_qc(qc, *set);
}

core::ValidatorSchedule schedule_of(const EngineOptions& options) {
  if (!options.schedule.epochs().empty()) return options.schedule;
  return core::ValidatorSchedule::single(core::ValidatorSet::unweighted(options.validators));
}

}  // namespace cx::consensus
