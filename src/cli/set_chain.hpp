#pragma once
// Following the validator set from a trusted point across governance's changes (docs/ca.md "Across
// validator-set changes"), for verifiers that trust no node: `ca verify`, `message send --to-cert`.
//
// A change that takes effect at height H is recorded in block H-1's header (next_validators_hash names
// the new set) and that block is certified by the set before (its QC travels in block H). So from a set
// S in force from height F, a change at H > F is accepted only if: the header is block H-1's, names S
// as its own set and another set as the next; the QC is for that header's hash and height and is
// signed by a quorum (by weight) of S; and the new set's validators hash to exactly what the header
// names. The node only supplies data; nothing is taken from it unchecked.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "base/result.hpp"
#include "core/validator_set.hpp"

namespace cx::cli {

class RpcClient;

// A validator set the verifier holds, in force from `from_height` (genesis: 0) up to the next change.
struct TrustedSet {
  uint64_t from_height = 0;
  core::ValidatorSet set;
};

inline constexpr size_t kSetChangesMaxDefault = 1000;
inline constexpr size_t kSetChangesMaxLimit = 100000;

// One change from cx_getValidatorChanges ({height, header, qc, validators}) applied to `current`; the
// error names the check that failed.
Result<TrustedSet> apply_set_change(const TrustedSet& current, const boost::json::value& change);

// Applies the changes (oldest first) that take effect at or below `up_to_height`, refusing more than
// `changes_max` of them; later ones are ignored. `applied` counts what was applied so far (across pages).
Result<TrustedSet> follow_set_changes(TrustedSet start, const boost::json::array& changes, uint64_t up_to_height,
                                      size_t changes_max, size_t& applied);

// One page of cx_getValidatorChanges from a height: {changes, next?}.
using ChangesPage = std::function<Result<boost::json::value>(uint64_t from_height)>;
// Reads the changes above `start` page by page and follows them up to `up_to_height`; every page must
// move forward. `changes` (if given) receives the number applied.
Result<TrustedSet> walk_set_pages(const ChangesPage& page, TrustedSet start, uint64_t up_to_height, size_t changes_max,
                                  size_t* changes = nullptr);
// walk_set_pages over the node's cx_getValidatorChanges.
Result<TrustedSet> fetch_set_at(RpcClient& client, TrustedSet start, uint64_t up_to_height, size_t changes_max,
                                size_t* changes = nullptr);

// A trust anchor: the user trusts block `height` by its hash (from an explorer, a peer, a record). From
// cx_getHeader's answer {header, nextValidators}: the header must be block `height`'s with that hash,
// and the validators must hash to the set it names as the next one, which is then in force from
// height + 1.
Result<TrustedSet> anchor_from_header(const boost::json::value& reply, uint64_t height, const Hash32& trusted_hash);
Result<TrustedSet> fetch_anchor(RpcClient& client, uint64_t height, const Hash32& trusted_hash);

// A checkpoint: a set learned by an earlier verification, saved so that a long chain need not be walked
// from genesis again: {"from": F, "validators": [{address, weight, group?}], "hash": "0x…"}. Reading
// checks the hash against the validators (a damaged file is refused).
std::string checkpoint_json(const TrustedSet& t);
Result<TrustedSet> parse_checkpoint(std::string_view text);

}  // namespace cx::cli
