#pragma once
// The governance contract's stored forms (JSON text under fixed keys of its storage) and their
// encoders and strict decoders, shared by the contract, genesis and the channel's reads.
//   params              {"proposalLifetime", "epochLength", "changeMargin", "perTxPki"}
//   rules               {action: {"tiers": [..], "num", "den"}}
//   members             ["hx..", ...]  (in order of admission; paged by getMembers)
//   member/<hx>         {"address", "institution", "tier", "roles": [..], "votes", "status"}
//   epochs              the number of validator sets scheduled (decimal)
//   epoch/<i>           {"from": height, "validators": [{"address", "weight", "group"?}]}
//   proposals           the next proposal id (decimal; ids start at 1)
//   proposal/<id>       the proposal (proposal_json in contract.cpp)
//   open                [ids of open proposals]
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "governance/governance.hpp"

namespace cx::governance::model {

namespace json = boost::json;

boost::json::object params_json(const Params& p);
std::optional<Params> params_from(const json::value& v);

boost::json::object rule_json(const Rule& r);
// Checks: tiers a non-empty list of 1..3, each once; 1 ≤ num ≤ den ≤ 1000. The error names the field.
Result<Rule> rule_from(const json::value& v);
boost::json::object rules_json(const std::map<std::string, Rule>& rules);

boost::json::object member_json(const Member& m);
std::optional<Member> member_from(const json::value& v);

boost::json::object epoch_json(const core::ValidatorEpoch& e);
std::optional<core::ValidatorEpoch> epoch_from(const json::value& v);
boost::json::array validators_json(const core::ValidatorSet& set);

std::string member_key(const core::Address& a);
std::string epoch_key(uint64_t index);
std::string proposal_key(uint64_t id);

// A JSON value parsed from stored text, or nullopt.
std::optional<json::value> parse(const std::optional<Bytes>& stored);
std::optional<uint64_t> u64_of(const json::value* v);

}  // namespace cx::governance::model
