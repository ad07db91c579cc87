#pragma once
// The code store: what the chain knows about each deployed Lua contract, kept in the state trie
// under prefixes of its own (docs/acore.md, "State layout"), so every height's answer stays readable:
//
//   'i' ‖ address (21 bytes)               -> ContractInfo: owner, current and next version, flags
//   'i' ‖ address ‖ n (u32 big-endian)     -> CodeVersion: the n-th earlier version (0 = the first)
//   'h' ‖ code hash (32 bytes)             -> the package's canonical encoding (acore/package.hpp)
//   't' ‖ deploy tx hash (32 bytes)        -> address (21 bytes): which contract a deploy made or updated
//
// The contract's own storage stays where execution keeps every contract's ('c' ‖ address ‖ key), so
// an update that changes the code keeps the state. This file only encodes and reads; execution
// writes the records through its journal.
#include <optional>
#include <string>

#include "acore/acore.hpp"
#include "core/chain_params.hpp"
#include "state/world_state.hpp"

namespace cx::acore {

using core::Address;

// ICON's contract states (goloop service/state: inactive, active, pending, rejected).
enum class VersionStatus : uint8_t { kInactive = 0, kActive = 1, kPending = 2, kRejected = 3 };
const char* to_string(VersionStatus s);

inline constexpr size_t kDeployParamsBytesMax = 64 * 1024;

struct CodeVersion {
  Hash32 code_hash;
  Hash32 deploy_tx_hash;
  Hash32 audit_tx_hash;  // zero until audited; the deploy tx's own hash when no audit is needed (as goloop)
  VersionStatus status = VersionStatus::kPending;
  // The deploy's params (compact JSON, "" for none), kept so that on_install/on_update can run
  // with them when an auditor accepts the version later.
  std::string params_json;

  bool operator==(const CodeVersion&) const = default;
};

struct ContractInfo {
  Address owner;
  std::optional<CodeVersion> current;
  std::optional<CodeVersion> next;  // the version waiting for audit, or the last one rejected
  uint32_t earlier_versions = 0;    // versions on record before `current` (under earlier_version_key)
  bool blocked = false;
  bool disabled = false;

  Bytes encode() const;
  static std::optional<ContractInfo> decode(BytesView b);
  bool operator==(const ContractInfo&) const = default;
};

Bytes contract_info_key(const Address& contract);
Bytes earlier_version_key(const Address& contract, uint32_t n);
Bytes code_key(const Hash32& code_hash);
Bytes deploy_tx_key(const Hash32& deploy_tx_hash);

Bytes encode_version(const CodeVersion& v);
std::optional<CodeVersion> decode_version(BytesView b);

// Reads. Records the code store wrote that cannot be decoded mean a corrupted state: they assert.
std::optional<ContractInfo> read_contract_info(const state::StateReader& state, const Address& contract);
std::optional<CodeVersion> read_earlier_version(const state::StateReader& state, const Address& contract, uint32_t n);
std::optional<Package> read_code(const state::StateReader& state, const Hash32& code_hash);
std::optional<Address> read_deploy_tx(const state::StateReader& state, const Hash32& deploy_tx_hash);

// goloop's contract address rule (service/contract/deployhandler.go, genContractAddr): the last
// 20 bytes of SHA3-256 over from's 20-byte id ‖ the timestamp as a big-endian int64 left-padded
// with 24 zero bytes ‖ (only if the nonce is not zero) the nonce's minimal two's-complement bytes
// left-padded to 32 bytes (the first 32 when longer).
Address contract_address(const Address& from, int64_t timestamp_us, const std::optional<Uint256>& nonce);

}  // namespace cx::acore
