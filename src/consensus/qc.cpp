#include <algorithm>

#include "consensus/engine.hpp"

namespace cx::consensus {

bool verify_qc(const core::QuorumCertificate& qc, const std::vector<core::Address>& validators) {
  if (qc.votes.size() < quorum(validators.size()) || qc.votes.size() > validators.size()) return false;
  for (size_t i = 0; i < qc.votes.size(); ++i) {
    const auto& v = qc.votes[i];
    // Strictly increasing voters: distinct, and one encoding per certificate.
    if (i > 0 && !(qc.votes[i - 1].voter < v.voter)) return false;
    if (v.height != qc.height || v.round != qc.round || v.kind != core::VoteKind::kBlock || v.block_hash != qc.block_hash)
      return false;
    if (std::find(validators.begin(), validators.end(), v.voter) == validators.end()) return false;
    auto pub = crypto::recover(v.signing_hash(), v.signature);
    if (!pub || core::Address::of_public_key(*pub) != v.voter) return false;
  }
  return true;
}

}  // namespace cx::consensus
