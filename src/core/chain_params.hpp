#pragma once
// A channel's genesis: identity, validators, economic parameters and initial balances.
// Read from genesis.json by node/ (node/genesis.hpp), validated there; execution reads only these values.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/uint256.hpp"
#include "crypto/address.hpp"
#include "core/validator_set.hpp"

namespace cx::core {

using crypto::Address;

// ICON step schedule (goloop's names). Costs in steps; fee = steps * step_price loop.
struct StepCosts {
  uint64_t default_cost = 100000;     // every tx
  uint64_t input_per_byte = 200;      // per byte of data
  uint64_t contract_call = 25000;     // calls to contracts
  uint64_t event_log = 100;           // per event log... scaled by bytes in goloop; flat here
  uint64_t get = 25;                  // per storage read by contracts
  uint64_t set = 320;                 // per storage write by contracts
  // Deploys (goloop's contractCreate, contractUpdate, contractSet): a flat cost for installing or
  // updating a contract, plus contractSet per byte of the deployed content.
  uint64_t contract_create = 1000000000;
  uint64_t contract_update = 1600000000;
  uint64_t contract_set = 30000;
  bool operator==(const StepCosts&) const = default;
};

struct GenesisAccount {
  Address address;
  Uint256 balance;
  bool operator==(const GenesisAccount&) const = default;
};

// Who belongs to a channel besides its validators (docs/membership.md). Only validators and followers
// reach the channel over p2p; a follower syncs, checks every block's certificate and serves reads, but
// never votes. A client runs no node: it may sign requests to a channel whose RPC requires it.
enum class MemberRole : uint8_t { kValidator, kFollower, kClient };
std::string_view to_string(MemberRole role);

struct Member {
  Address address;
  MemberRole role = MemberRole::kFollower;
  // Governance (docs/governance.md), each optional (empty / 0: not given, and then not written, so a
  // genesis from before keeps its JSON and chain id): the institution, its tier (1 supervision,
  // 2 adjustment, 3 business) and its weight in governance votes (1..1000, default 1).
  std::string institution;
  uint32_t tier = 0;
  uint32_t votes = 0;
  bool operator==(const Member&) const = default;
};

// The chain as certificate authority (docs/ca.md): genesis "ca": {"name", "ras", "txPki"}. Absent from
// a genesis that has none, so older genesis files keep their chain id.
struct CaParams {
  std::string name;          // the CA's name: issuer DN "CN=<name>, O=Complexchain"
  std::vector<Address> ras;  // registration authorities: who may request issuance and revoke
  bool tx_pki = false;       // per-transaction PKI: a tx's sender must hold a live certificate
  bool operator==(const CaParams&) const = default;
};
inline constexpr size_t kCaNameMax = 64;
inline constexpr size_t kCaRasMax = 256;

struct ChainParams {
  std::string channel = "icon_dex";     // the default channel name in ICON's tools
  uint64_t nid = 3;
  Uint256 step_price = Uint256(12500000000ull);  // loop per step (ICON mainnet default)
  uint64_t step_limit_max = 2500000000ull;       // per tx
  StepCosts step_costs;
  Address treasury;                   // receives fees
  int64_t tx_timestamp_window_us = 5ll * 60 * 1000 * 1000;
  uint64_t block_interval_ms = 200;
  uint32_t block_tx_max = 10000;
  std::vector<Address> validators;
  // Parallel to `validators`, or empty: every weight 1, no groups (a genesis from before weights).
  std::vector<uint64_t> validator_weights;
  std::vector<std::string> validator_groups;
  std::vector<GenesisAccount> accounts;
  int64_t genesis_timestamp_us = 0;
  std::string genesis_message;
  // Governance of code (ICON's auditEnabled and deployer white list), both off by default. With
  // audit on, a deploy or update waits ("next", pending) until one of `auditors` accepts or rejects
  // it with the chain contract's acceptScore/rejectScore; a deployer's own deploys still wait.
  bool audit_enabled = false;
  std::vector<Address> auditors;
  // With the allow-list on, only `deployers` may deploy or update contracts.
  bool deployer_allow_list = false;
  std::vector<Address> deployers;
  // Genesis "members": the channel's members other than by being listed in `validators` (a validator
  // is a member whether or not it is listed here; a "validator" entry must be in `validators`).
  std::vector<Member> members;

  // The role of `a` in this channel, or nullopt for a non-member.
  std::optional<MemberRole> role_of(const Address& a) const;
  // The members that run nodes (validators, then followers), each once: the p2p allow-list.
  std::vector<Address> node_addresses() const;
  // "rpcAuth": "signed" — the channel's JSON-RPC serves only requests signed by a member (rpc/client_auth.hpp).
  bool rpc_auth_signed = false;
  // "rpcAuth": "tls" — only TLS clients with a certificate from the channel's CA (rpc/tls_client_check.hpp).
  bool rpc_auth_tls = false;
  // The genesis "governance" object (rules and parameters overriding the defaults of the governance
  // contract, governance/governance.hpp) as canonical JSON text; empty: the defaults (and absent from
  // the genesis JSON). node/ checks it with governance::parse_genesis.
  std::string governance_json;
  std::optional<CaParams> ca;

  // The genesis validator set (weights and groups applied). Asserts the lists are consistent, which
  // node/genesis.cpp checked (ValidatorSet::make).
  ValidatorSet validator_set() const;

  // Canonical JSON (stable key order); its SHA3 identifies the chain. Parsed by node/genesis.hpp.
  std::string to_json() const;
  bool operator==(const ChainParams&) const = default;
};

}  // namespace cx::core
