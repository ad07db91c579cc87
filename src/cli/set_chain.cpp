#include "cli/set_chain.hpp"

#include "base/uint256.hpp"
#include "consensus/engine.hpp"
#include "core/block.hpp"
#include "governance/model.hpp"
#include "cli/rpc_client.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

// A header is a few hundred bytes; a QC at most one vote (~150 bytes) per validator.
constexpr size_t kHeaderHexMax = 4096;
constexpr size_t kQcHexMax = 2 * 200 * core::kValidatorSetMax;

std::optional<Bytes> hex_field(const json::object& o, std::string_view k, size_t max) {
  const json::value* v = o.if_contains(k);
  if (!v || !v->is_string() || v->get_string().size() > max) return std::nullopt;
  return from_hex(v->get_string());
}

std::optional<uint64_t> height_field(const json::object& o, std::string_view k) {
  return governance::model::u64_of(o.if_contains(k));
}

// A validator list that hashes as a header names it; bounded before it is built.
Result<core::ValidatorSet> set_from_json(const json::value* v) {
  if (!v || !v->is_array() || v->get_array().empty() || v->get_array().size() > core::kValidatorSetMax)
    return Status::error("validators must be a list of 1.." + std::to_string(core::kValidatorSetMax) + " entries");
  auto epoch = governance::model::epoch_from(json::object{{"from", 0}, {"validators", *v}});
  if (!epoch) return Status::error("validators: an entry is not {address, weight, group?} or the set is invalid");
  return std::move(epoch->set);
}

}  // namespace

Result<TrustedSet> apply_set_change(const TrustedSet& current, const json::value& change) {
  using R = Result<TrustedSet>;
  const json::object* o = change.if_object();
  if (!o) return R::error("a change is not an object");
  auto height = height_field(*o, "height");
  if (!height) return R::error("a change has no height");
  const std::string at = "change at height " + std::to_string(*height) + ": ";
  if (*height <= current.from_height || *height < 2)
    return R::error(at + "not after the set in force from height " + std::to_string(current.from_height));
  auto header_bytes = hex_field(*o, "header", kHeaderHexMax);
  auto qc_bytes = hex_field(*o, "qc", kQcHexMax);
  auto header = header_bytes ? core::Header::decode(*header_bytes) : std::nullopt;
  auto qc = qc_bytes ? core::QuorumCertificate::decode(*qc_bytes) : std::nullopt;
  if (!header || !qc) return R::error(at + "header or qc is missing, too large or does not decode");
  const uint64_t last = *height - 1;
  if (header->height != last) return R::error(at + "the header is not block " + std::to_string(last) + "'s");
  const Hash32 current_hash = current.set.hash();
  if (header->validators_hash != current_hash)
    return R::error(at + "block " + std::to_string(last) + " names a validator set other than the one in force");
  if (header->next_validators() == current_hash)
    return R::error(at + "block " + std::to_string(last) + " names no change of the validator set");
  if (qc->height != last || qc->block_hash != header->hash())
    return R::error(at + "the QC is not for block " + std::to_string(last));
  if (!consensus::verify_qc(*qc, current.set))
    return R::error(at + "the QC of block " + std::to_string(last) + " is not signed by a quorum of the set in force");
  auto set = set_from_json(o->if_contains("validators"));
  if (!set) return R::error(at + set.message());
  if (set->hash() != header->next_validators())
    return R::error(at + "the new validators do not hash to the set block " + std::to_string(last) + " names");
  return TrustedSet{*height, std::move(*set)};
}

Result<TrustedSet> follow_set_changes(TrustedSet start, const json::array& changes, uint64_t up_to_height,
                                      size_t changes_max, size_t& applied) {
  for (const auto& c : changes) {
    const json::object* o = c.if_object();
    auto height = o ? height_field(*o, "height") : std::nullopt;
    if (height && *height > up_to_height) break;  // oldest first: the rest are later still
    if (applied >= changes_max)
      return Result<TrustedSet>::error("more than " + std::to_string(changes_max) +
                                       " validator-set changes to follow (--max-changes, or start from a --checkpoint)");
    auto next = apply_set_change(start, c);
    if (!next) return next;
    start = std::move(*next);
    ++applied;
  }
  return start;
}

Result<TrustedSet> walk_set_pages(const ChangesPage& page, TrustedSet start, uint64_t up_to_height, size_t changes_max,
                                  size_t* changes) {
  using R = Result<TrustedSet>;
  if (start.from_height > up_to_height)
    return R::error("the trusted set starts at height " + std::to_string(start.from_height) + ", above height " +
                    std::to_string(up_to_height) + " (verify it from an earlier checkpoint or from genesis)");
  size_t applied = 0;
  uint64_t ask = start.from_height + 1;
  // Each page applies at least one change or ends the walk, so this is bounded by changes_max pages.
  for (size_t pages = 0; pages <= changes_max; ++pages) {
    auto reply = page(ask);
    if (!reply) return R::error("cx_getValidatorChanges: " + reply.message());
    const json::object* o = reply->if_object();
    const json::value* list = o ? o->if_contains("changes") : nullptr;
    if (!list || !list->is_array()) return R::error("cx_getValidatorChanges: no list of changes");
    const uint64_t before = start.from_height;
    auto next = follow_set_changes(std::move(start), list->get_array(), up_to_height, changes_max, applied);
    if (!next) return next;
    start = std::move(*next);
    auto more = height_field(*o, "next");
    if (!more || *more > up_to_height) break;
    if (*more <= ask || start.from_height == before)
      return R::error("cx_getValidatorChanges: a page that does not move forward (next " + std::to_string(*more) + ")");
    ask = *more;
  }
  if (changes) *changes = applied;
  return start;
}

Result<TrustedSet> fetch_set_at(RpcClient& client, TrustedSet start, uint64_t up_to_height, size_t changes_max,
                                size_t* changes) {
  auto page = [&client](uint64_t from) -> Result<json::value> {
    RpcReply r = client.call("cx_getValidatorChanges", json::object{{"height", Uint256(from).to_icon_hex()}});
    if (!r.ok()) return Result<json::value>::error(r.error->describe());
    return std::move(r.result);
  };
  return walk_set_pages(page, std::move(start), up_to_height, changes_max, changes);
}

Result<TrustedSet> anchor_from_header(const json::value& reply, uint64_t height, const Hash32& trusted_hash) {
  using R = Result<TrustedSet>;
  const json::object* o = reply.if_object();
  auto bytes = o ? hex_field(*o, "header", kHeaderHexMax) : std::nullopt;
  auto header = bytes ? core::Header::decode(*bytes) : std::nullopt;
  if (!header) return R::error("trust anchor: the header is missing or does not decode");
  if (header->height != height || header->hash() != trusted_hash)
    return R::error("trust anchor: the node's block " + std::to_string(height) + " is not the trusted " + trusted_hash.hex());
  auto set = set_from_json(o->if_contains("nextValidators"));
  if (!set) return R::error("trust anchor: " + set.message());
  if (set->hash() != header->next_validators())
    return R::error("trust anchor: the validators do not hash to the next set block " + std::to_string(height) + " names");
  return TrustedSet{height + 1, std::move(*set)};
}

Result<TrustedSet> fetch_anchor(RpcClient& client, uint64_t height, const Hash32& trusted_hash) {
  RpcReply r = client.call("cx_getHeader", json::object{{"height", Uint256(height).to_icon_hex()}});
  if (!r.ok()) return Result<TrustedSet>::error("cx_getHeader: " + r.error->describe());
  return anchor_from_header(r.result, height, trusted_hash);
}

std::string checkpoint_json(const TrustedSet& t) {
  json::object o{{"from", t.from_height},
                 {"validators", governance::model::validators_json(t.set)},
                 {"hash", "0x" + t.set.hash().hex()}};
  return json::serialize(o) + "\n";
}

Result<TrustedSet> parse_checkpoint(std::string_view text) {
  using R = Result<TrustedSet>;
  if (text.size() > (1u << 20)) return R::error("checkpoint: over 1 MiB");
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o) return R::error("checkpoint: not a JSON object");
  auto from = height_field(*o, "from");
  if (!from) return R::error("checkpoint: no \"from\" height");
  auto set = set_from_json(o->if_contains("validators"));
  if (!set) return R::error("checkpoint: " + set.message());
  const json::value* hash = o->if_contains("hash");
  if (!hash || !hash->is_string() || hash->get_string() != "0x" + set->hash().hex())
    return R::error("checkpoint: \"hash\" is not the hash of its validators");
  return TrustedSet{*from, std::move(*set)};
}

}  // namespace cx::cli
