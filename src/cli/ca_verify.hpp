#pragma once
// `complexchain ca verify` without trusting the node (docs/ca.md "Verifying from the chain alone"):
// a certificate and the cx_getProof answer for its status entry are checked against a validator set
// the verifier already trusts (the genesis's, or one it pinned).
#include <string>

#include <boost/json/object.hpp>

#include "base/result.hpp"
#include "cli/set_chain.hpp"
#include "core/validator_set.hpp"
#include "governance/ca_cert.hpp"
#include "governance/ca_contract.hpp"

namespace cx::cli {

struct VerifiedStatus {
  governance::ca::CertFields cert;
  governance::ca::StatusRecord record;
  governance::ca::CertStatus status = governance::ca::CertStatus::kGood;
  uint64_t height = 0;        // the state the status was read from (after this block)
  Hash32 certified_block;     // block height+1, whose header carries that state's root
  int64_t block_time_s = 0;   // block `height`'s time: what expiry is judged against
};

// Checks, in order: the certificate itself (ca_cert.hpp, the self-signature included); that the proof
// is for this certificate's status key in the CA contract; that the header of block height+1 follows
// the header of block height and carries the state root; that the QC certifies block height+1 and is
// signed by a quorum of `validators`, whose hash that header names; that the Merkle proof shows the
// status record under that root; that the record is for exactly these certificate bytes. The error
// names the first check that failed.
Result<VerifiedStatus> verify_certificate(BytesView der, const boost::json::object& proof,
                                          const governance::ca::Expect& expect, const core::ValidatorSet& validators);

class RpcClient;

// Where the verifier's trust starts and how far it may walk (docs/ca.md "Across validator-set changes").
struct TrustStart {
  TrustedSet set;           // the genesis set from height 0, or a checkpoint
  size_t changes_max = kSetChangesMaxDefault;
};

struct VerifiedAcross {
  VerifiedStatus status;
  TrustedSet set;           // the set that certified the proof's block
  size_t changes = 0;       // set changes followed from the start
};

// The same checks, with the set in force at the proof's certified block (height+1) learned by following
// the set changes from `start`: from the proof's own "validatorChanges" list when it carries one (a saved
// proof), else from `client` (cx_getValidatorChanges; may be null when no change is needed).
Result<VerifiedAcross> verify_certificate_across(BytesView der, const boost::json::object& proof,
                                                 const governance::ca::Expect& expect, const TrustStart& start,
                                                 RpcClient* client);

}  // namespace cx::cli
