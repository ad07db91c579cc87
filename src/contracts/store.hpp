#pragma once
// The ACORE Store (docs/acore-store.md): a native system contract where publishers list contract
// templates by name and semantic version, with the package itself (the deploy content), its code
// hash, a description and a price in the native coin. Anyone reads it with icx_call; `complexchain
// contract deploy-from-store` fetches a version, checks its code hash and deploys it.
//
// Rules, each refusal naming its cause and changing nothing:
//  - a name is 1..64 bytes of [a-z0-9_-], starting with a letter and not ending with '-' or '_';
//  - a version is a semantic version MAJOR.MINOR.PATCH[-PRERELEASE] (semver.org 2.0.0), at most 64
//    bytes, numbers without leading zeros and below 10^9; build metadata (+...) is refused, since two
//    versions differing only in it would rank equal;
//  - the first publisher of a name owns it: only it publishes later versions of that name;
//  - a version is published once and never changes; at most kStoreVersionsMax versions per name;
//  - the content is ACORE deploy content (application/zip or application/x-lua), 1..256 KiB; the
//    store keeps it and records its code hash, SHA3-256 over the content bytes, computed here;
//  - the price (loop) is paid to the publisher by buy(name, version), which records a licence for the
//    buyer; the chain cannot stop anyone deploying code they can read, so the price buys a licence on
//    record (hasLicense) rather than the bytes, and deploy-from-store buys before it deploys.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "contracts/contract.hpp"

namespace cx::contracts {

inline constexpr size_t kStoreNameBytesMax = 64;
inline constexpr size_t kStoreVersionBytesMax = 64;
inline constexpr size_t kStoreDescriptionBytesMax = 1024;
// The same bound as ACORE's deploy content (acore::kContentBytesMax), which this module cannot see.
inline constexpr size_t kStoreContentBytesMax = 256 * 1024;
inline constexpr uint32_t kStoreVersionsMax = 256;
inline constexpr uint32_t kStoreListLimitMax = 100;

// cx0000000000000000000000000000000000000002.
Address store_contract_address();
std::shared_ptr<const Contract> make_store_contract();

// Validation of outside input: nullopt if usable, else what is wrong (for the user).
std::optional<std::string> store_name_problem(std::string_view name);
std::optional<std::string> store_version_problem(std::string_view version);
// Semantic-version precedence (semver.org §11) of two versions store_version_problem accepts:
// negative, zero or positive as a <, = or > b.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace cx::contracts
