#include "node/genesis.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "governance/governance.hpp"

namespace cx::node {
namespace json = boost::json;
using core::Address;

namespace {
struct FieldError {
  std::string message;
};

const json::value& field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) throw FieldError{"genesis: missing field '" + std::string(key) + "'"};
  return it->value();
}

Uint256 hex_field(const json::object& o, std::string_view key, std::optional<Uint256> fallback = std::nullopt) {
  if (!o.contains(key) && fallback) return *fallback;
  const auto& v = field(o, key);
  if (!v.is_string()) throw FieldError{"genesis: '" + std::string(key) + "' must be a 0x-hex string"};
  auto n = Uint256::from_icon_hex(v.get_string());
  if (!n) throw FieldError{"genesis: '" + std::string(key) + "' is not a 0x-hex number: " + std::string(v.get_string())};
  return *n;
}

uint64_t u64_field(const json::object& o, std::string_view key, uint64_t fallback, uint64_t max) {
  if (!o.contains(key)) return fallback;
  const auto& v = o.at(key);
  uint64_t r;
  if (v.is_uint64()) r = v.get_uint64();
  else if (v.is_int64() && v.get_int64() >= 0) r = static_cast<uint64_t>(v.get_int64());
  else throw FieldError{"genesis: '" + std::string(key) + "' must be a non-negative integer"};
  if (r > max) throw FieldError{"genesis: '" + std::string(key) + "' is above " + std::to_string(max)};
  return r;
}

uint64_t small_hex(const json::object& o, std::string_view key, uint64_t fallback) {
  Uint256 v = hex_field(o, key, Uint256(fallback));
  if (!v.fits_u64()) throw FieldError{"genesis: '" + std::string(key) + "' is too large"};
  return v.low_u64();
}

Address address_of(const json::value& v, std::string_view what) {
  if (!v.is_string()) throw FieldError{"genesis: " + std::string(what) + " must be an address string"};
  auto a = Address::parse(v.get_string());
  if (!a) throw FieldError{"genesis: " + std::string(what) + " is not an hx/cx address: " + std::string(v.get_string())};
  return *a;
}
// ICON's flags: "0x1" on, "0x0" (or absent) off.
bool flag_field(const json::object& o, std::string_view key) {
  const uint64_t v = small_hex(o, key, 0);
  if (v > 1) throw FieldError{"genesis: '" + std::string(key) + "' must be \"0x0\" or \"0x1\""};
  return v == 1;
}

std::vector<Address> address_list(const json::object& o, std::string_view key) {
  std::vector<Address> out;
  if (!o.contains(key)) return out;
  const auto& v = o.at(key);
  if (!v.is_array() || v.get_array().size() > 1000)
    throw FieldError{"genesis: '" + std::string(key) + "' must be a list of at most 1000 hx addresses"};
  for (const auto& e : v.get_array()) {
    Address a = address_of(e, std::string(key) + " entry");
    if (a.is_contract) throw FieldError{"genesis: " + std::string(key) + " lists " + a.to_string() + ", not an hx address"};
    if (std::find(out.begin(), out.end(), a) != out.end())
      throw FieldError{"genesis: " + std::string(key) + " lists " + a.to_string() + " twice"};
    out.push_back(a);
  }
  return out;
}
// "members": [{"address": "hx…", "role": "validator"|"follower"}]; absent = the validators only.
std::vector<core::Member> member_list(const json::object& o, const std::vector<Address>& validators) {
  std::vector<core::Member> out;
  if (!o.contains("members")) return out;
  const auto& v = o.at("members");
  if (!v.is_array() || v.get_array().size() > 1000)
    throw FieldError{"genesis: 'members' must be a list of at most 1000 {address, role}"};
  for (const auto& e : v.get_array()) {
    if (!e.is_object()) throw FieldError{"genesis: each member must be {address, role}"};
    const auto& m = e.get_object();
    for (const auto& kv : m)
      if (kv.key() != "address" && kv.key() != "role" && kv.key() != "institution" && kv.key() != "tier" &&
          kv.key() != "votes")
        throw FieldError{"genesis: a member has an unknown field '" + std::string(kv.key()) + "'"};
    core::Member member{address_of(field(m, "address"), "member address")};
    // Governance (docs/governance.md): institution, tier 1..3, votes 1..1000, each optional.
    if (m.contains("institution")) {
      const auto& inst = m.at("institution");
      if (!inst.is_string() || inst.get_string().empty() || inst.get_string().size() > governance::kInstitutionMax)
        throw FieldError{"genesis: member " + member.address.to_string() + ": institution must be a name of 1.." +
                         std::to_string(governance::kInstitutionMax) + " characters"};
      member.institution = std::string(inst.get_string());
    }
    if (m.contains("tier")) {
      member.tier = static_cast<uint32_t>(u64_field(m, "tier", 0, 3));
      if (member.tier == 0) throw FieldError{"genesis: member " + member.address.to_string() + ": tier must be 1, 2 or 3"};
    }
    if (m.contains("votes")) {
      member.votes = static_cast<uint32_t>(u64_field(m, "votes", 0, governance::kMemberVotesMax));
      if (member.votes == 0) throw FieldError{"genesis: member " + member.address.to_string() + ": votes must be at least 1"};
    }
    if (member.address.is_contract) throw FieldError{"genesis: member " + member.address.to_string() + " is not an hx address"};
    const auto& role = field(m, "role");
    const bool is_validator = std::find(validators.begin(), validators.end(), member.address) != validators.end();
    if (role == "validator") {
      member.role = core::MemberRole::kValidator;
      if (!is_validator)
        throw FieldError{"genesis: member " + member.address.to_string() + " has role validator but is not in 'validators'"};
    } else if (role == "follower" || role == "client") {
      member.role = role == "client" ? core::MemberRole::kClient : core::MemberRole::kFollower;
      if (is_validator)
        throw FieldError{"genesis: member " + member.address.to_string() + " is a validator; it cannot be a " +
                         std::string(role.get_string()) + " too"};
    } else {
      throw FieldError{"genesis: member " + member.address.to_string() +
                       ": role must be \"validator\", \"follower\" or \"client\""};
    }
    for (const auto& seen : out)
      if (seen.address == member.address) throw FieldError{"genesis: member " + member.address.to_string() + " is listed twice"};
    out.push_back(member);
  }
  return out;
}

// "validators": a list of addresses (every weight 1), or of {"address", "weight", "group"} objects
// (weight an integer 1..10000, default 1; group optional). Checked as a set by ValidatorSet::make.
void parse_validators(const json::value& vals, core::ChainParams& p) {
  if (!vals.is_array() || vals.get_array().empty() || vals.get_array().size() > core::kValidatorSetMax)
    throw FieldError{"genesis: validators must be a list of 1..1000 addresses or {address, weight, group} objects"};
  std::vector<core::Validator> set;
  bool weighted = false;
  for (const auto& v : vals.get_array()) {
    core::Validator entry;
    if (v.is_object()) {
      weighted = true;
      const auto& e = v.get_object();
      for (const auto& kv : e)
        if (kv.key() != "address" && kv.key() != "weight" && kv.key() != "group")
          throw FieldError{"genesis: a validator has an unknown field '" + std::string(kv.key()) + "'"};
      entry.address = address_of(field(e, "address"), "validator address");
      entry.weight = u64_field(e, "weight", 1, core::kValidatorWeightMax);
      if (e.contains("group")) {
        if (!e.at("group").is_string()) throw FieldError{"genesis: a validator's group must be a string"};
        entry.group = std::string(e.at("group").get_string());
      }
    } else {
      entry.address = address_of(v, "validator");
    }
    set.push_back(entry);
  }
  auto checked = core::ValidatorSet::make(set);
  if (!checked) throw FieldError{"genesis: " + checked.message()};
  for (const auto& v : set) {
    p.validators.push_back(v.address);
    if (weighted) {
      p.validator_weights.push_back(v.weight);
      p.validator_groups.push_back(v.group);
    }
  }
}
// "ca": {"name": "<CA name>", "ras": ["hx..."], "txPki": false} (docs/ca.md). The name defaults to
// "<channel> chain CA"; it becomes the issuer DN of every certificate the chain records.
std::optional<core::CaParams> parse_ca(const json::object& o, const std::string& channel) {
  if (!o.contains("ca")) return std::nullopt;
  if (!o.at("ca").is_object()) throw FieldError{"genesis: ca must be an object {name, ras, txPki}"};
  const auto& c = o.at("ca").get_object();
  for (const auto& kv : c)
    if (kv.key() != "name" && kv.key() != "ras" && kv.key() != "txPki")
      throw FieldError{"genesis: ca has an unknown field '" + std::string(kv.key()) + "'"};
  core::CaParams ca;
  ca.name = channel + " chain CA";
  if (c.contains("name")) {
    const auto& n = c.at("name");
    if (!n.is_string() || n.get_string().empty() || n.get_string().size() > core::kCaNameMax)
      throw FieldError{"genesis: ca.name must be a string of 1..64 characters"};
    for (char ch : n.get_string())
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == ' ' || ch == '_' || ch == '-' || ch == '.'))
        throw FieldError{"genesis: ca.name may use only letters, digits, spaces, '_', '-' and '.'"};
    ca.name = std::string(n.get_string());
  }
  ca.ras = address_list(c, "ras");
  if (ca.ras.size() > core::kCaRasMax) throw FieldError{"genesis: ca.ras lists more than 256 RAs"};
  if (c.contains("txPki")) {
    if (!c.at("txPki").is_bool()) throw FieldError{"genesis: ca.txPki must be true or false"};
    ca.tx_pki = c.at("txPki").get_bool();
  }
  return ca;
}
}  // namespace

Result<core::ChainParams> parse_genesis(std::string_view text) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec) return Result<core::ChainParams>::error("genesis: invalid JSON: " + ec.message());
  if (!doc.is_object()) return Result<core::ChainParams>::error("genesis: top level must be an object");
  const auto& o = doc.get_object();
  core::ChainParams p;
  try {
    const auto& ch = field(o, "channel");
    if (!ch.is_string() || ch.get_string().empty() || ch.get_string().size() > 64)
      throw FieldError{"genesis: channel must be a name of 1..64 characters"};
    for (char c : ch.get_string())
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
        throw FieldError{"genesis: channel name may use only letters, digits, '_' and '-'"};
    p.channel = std::string(ch.get_string());
    p.nid = small_hex(o, "nid", 0);
    if (p.nid == 0) throw FieldError{"genesis: nid must be non-zero"};
    p.step_price = hex_field(o, "stepPrice", p.step_price);
    p.step_limit_max = small_hex(o, "stepLimitMax", p.step_limit_max);
    if (o.contains("stepCosts")) {
      if (!o.at("stepCosts").is_object()) throw FieldError{"genesis: stepCosts must be an object"};
      const auto& c = o.at("stepCosts").get_object();
      p.step_costs.default_cost = small_hex(c, "default", p.step_costs.default_cost);
      p.step_costs.input_per_byte = small_hex(c, "input", p.step_costs.input_per_byte);
      p.step_costs.contract_call = small_hex(c, "contractCall", p.step_costs.contract_call);
      p.step_costs.event_log = small_hex(c, "eventLog", p.step_costs.event_log);
      p.step_costs.get = small_hex(c, "get", p.step_costs.get);
      p.step_costs.set = small_hex(c, "set", p.step_costs.set);
      p.step_costs.contract_create = small_hex(c, "contractCreate", p.step_costs.contract_create);
      p.step_costs.contract_update = small_hex(c, "contractUpdate", p.step_costs.contract_update);
      p.step_costs.contract_set = small_hex(c, "contractSet", p.step_costs.contract_set);
    }
    p.treasury = address_of(field(o, "treasury"), "treasury");
    p.tx_timestamp_window_us = static_cast<int64_t>(
        u64_field(o, "txTimestampWindowUs", static_cast<uint64_t>(p.tx_timestamp_window_us), 24ull * 3600 * 1000000));
    p.block_interval_ms = u64_field(o, "blockIntervalMs", p.block_interval_ms, 60000);
    p.block_tx_max = static_cast<uint32_t>(u64_field(o, "blockTxMax", p.block_tx_max, 20000));
    if (p.block_tx_max == 0) throw FieldError{"genesis: blockTxMax must be at least 1"};
    parse_validators(field(o, "validators"), p);
    if (o.contains("accounts")) {
      if (!o.at("accounts").is_array()) throw FieldError{"genesis: accounts must be a list"};
      for (const auto& a : o.at("accounts").get_array()) {
        if (!a.is_object()) throw FieldError{"genesis: each account must be {address, balance}"};
        core::GenesisAccount acc{address_of(field(a.get_object(), "address"), "account address"),
                           hex_field(a.get_object(), "balance")};
        p.accounts.push_back(acc);
      }
    }
    p.audit_enabled = flag_field(o, "auditEnabled");
    p.auditors = address_list(o, "auditors");
    p.deployer_allow_list = flag_field(o, "deployerWhiteListEnabled");
    p.deployers = address_list(o, "deployers");
    p.members = member_list(o, p.validators);
    if (o.contains("rpcAuth")) {
      const auto& a = o.at("rpcAuth");
      if (!a.is_string() || (a.get_string() != "signed" && a.get_string() != "tls" && a.get_string() != "none"))
        throw FieldError{"genesis: rpcAuth must be \"signed\", \"tls\" or \"none\""};
      p.rpc_auth_signed = a.get_string() == "signed";
      p.rpc_auth_tls = a.get_string() == "tls";
    }
    if (o.contains("governance")) {
      if (!o.at("governance").is_object()) throw FieldError{"genesis: governance must be an object {rules?, params?}"};
      p.governance_json = json::serialize(o.at("governance"));
    }
    if (auto g = governance::parse_genesis(p); !g) throw FieldError{"genesis: " + g.message()};
    p.ca = parse_ca(o, p.channel);
    if (p.rpc_auth_tls && !p.ca)
      throw FieldError{"genesis: rpcAuth \"tls\" needs the chain CA (\"ca\"): client certificates come from it"};
    p.genesis_timestamp_us = static_cast<int64_t>(small_hex(o, "timestamp", 0));
    if (o.contains("message") && o.at("message").is_string()) p.genesis_message = std::string(o.at("message").get_string());
  } catch (const FieldError& e) {
    return Result<core::ChainParams>::error(e.message);
  }
  return p;
}

}  // namespace cx::node
