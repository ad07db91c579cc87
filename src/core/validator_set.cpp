#include "core/validator_set.hpp"

#include <algorithm>
#include <map>

#include "base/assert.hpp"
#include "codec/binary.hpp"
#include "core/block.hpp"
#include "crypto/hash.hpp"

namespace cx::core {
namespace {

bool group_name_ok(const std::string& g) {
  if (g.size() > kGroupNameMax) return false;
  return std::all_of(g.begin(), g.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Status check_entries(const std::vector<Validator>& vs) {
  if (vs.empty() || vs.size() > kValidatorSetMax)
    return Status::error("a validator set has 1.." + std::to_string(kValidatorSetMax) + " validators, not " +
                         std::to_string(vs.size()));
  std::map<Address, size_t> seen;
  std::map<std::string, uint64_t> group_weight;
  for (size_t i = 0; i < vs.size(); ++i) {
    const auto& v = vs[i];
    const std::string who = "validator " + v.address.to_string();
    if (v.address.is_contract) return Status::error(who + " is a contract address, not hx");
    if (!seen.emplace(v.address, i).second) return Status::error(who + " is listed twice");
    if (v.weight == 0 || v.weight > kValidatorWeightMax)
      return Status::error(who + " has weight " + std::to_string(v.weight) + ", outside 1.." + std::to_string(kValidatorWeightMax));
    if (!group_name_ok(v.group))
      return Status::error(who + ": group names use a-z, 0-9, '_' and '-', at most " + std::to_string(kGroupNameMax));
    if (v.group.empty()) continue;
    auto [it, fresh] = group_weight.emplace(v.group, v.weight);
    if (!fresh && it->second != v.weight)
      return Status::error(who + " gives group '" + v.group + "' weight " + std::to_string(v.weight) + ", another member " +
                           std::to_string(it->second));
  }
  return Status::ok();
}

}  // namespace

Result<ValidatorSet> ValidatorSet::make(std::vector<Validator> validators) {
  if (auto s = check_entries(validators); !s) return Result<ValidatorSet>::error(s.message());
  ValidatorSet set;
  set.m_validators = std::move(validators);
  uint64_t total = 0;
  std::map<std::string, bool> groups;
  for (const auto& v : set.m_validators)
    if (v.group.empty() || groups.emplace(v.group, true).second) total += v.weight;
  if (total > kTotalWeightMax)
    return Result<ValidatorSet>::error("the validators' total weight " + std::to_string(total) + " is above " +
                                       std::to_string(kTotalWeightMax));
  set.build();
  return set;
}

ValidatorSet ValidatorSet::unweighted(const std::vector<Address>& addresses) {
  std::vector<Validator> vs;
  vs.reserve(addresses.size());
  for (const auto& a : addresses) vs.push_back(Validator{a, 1, {}});
  auto set = make(std::move(vs));
  CX_ASSERT_MSG(set.is_ok(), set.message().c_str());
  return std::move(*set);
}

// Identities in order of their first member; then the smooth weighted round-robin cycle: each slot
// adds every identity's weight to its credit and picks the largest credit (lowest index on ties), which
// then pays W. After W slots every credit is back to 0 and identity i was picked exactly w_i times.
void ValidatorSet::build() {
  std::map<std::string, size_t> by_group;
  m_identity_of.resize(m_validators.size());
  m_index.clear();
  for (size_t i = 0; i < m_validators.size(); ++i) m_index.emplace(m_validators[i].address, i);
  for (size_t i = 0; i < m_validators.size(); ++i) {
    const auto& v = m_validators[i];
    size_t id = m_identities.size();
    if (!v.group.empty()) {
      auto [it, fresh] = by_group.emplace(v.group, id);
      id = it->second;
      if (fresh) m_identities.push_back(Identity{v.weight, {}});
    } else {
      m_identities.push_back(Identity{v.weight, {}});
    }
    m_identities[id].members.push_back(i);
    m_identity_of[i] = id;
  }
  m_total = 0;
  for (const auto& id : m_identities) m_total += id.weight;
  std::vector<int64_t> credit(m_identities.size(), 0);
  m_schedule.reserve(m_total);
  for (uint64_t slot = 0; slot < m_total; ++slot) {
    size_t best = 0;
    for (size_t i = 0; i < credit.size(); ++i) {
      credit[i] += static_cast<int64_t>(m_identities[i].weight);
      if (credit[i] > credit[best]) best = i;
    }
    credit[best] -= static_cast<int64_t>(m_total);
    m_schedule.push_back(static_cast<uint32_t>(best));
  }
}

std::vector<Address> ValidatorSet::addresses() const {
  std::vector<Address> out;
  out.reserve(m_validators.size());
  for (const auto& v : m_validators) out.push_back(v.address);
  return out;
}

std::optional<size_t> ValidatorSet::index_of(const Address& a) const {
  const auto it = m_index.find(a);
  if (it == m_index.end()) return std::nullopt;
  return it->second;
}

uint64_t ValidatorSet::weight_of(const std::vector<Address>& signers) const {
  std::vector<size_t> count(m_identities.size(), 0);
  for (const auto& a : signers)
    if (auto i = index_of(a)) ++count[m_identity_of[*i]];
  uint64_t w = 0;
  for (size_t id = 0; id < m_identities.size(); ++id)
    if (2 * count[id] > m_identities[id].members.size()) w += m_identities[id].weight;
  return w;
}

uint64_t ValidatorSet::present_weight(const std::vector<Address>& voters) const {
  std::vector<bool> present(m_identities.size(), false);
  for (const auto& a : voters)
    if (auto i = index_of(a)) present[m_identity_of[*i]] = true;
  uint64_t w = 0;
  for (size_t id = 0; id < m_identities.size(); ++id)
    if (present[id]) w += m_identities[id].weight;
  return w;
}

const Address& ValidatorSet::leader(uint32_t round) const {
  CX_ASSERT(!m_schedule.empty());
  const uint64_t cycle = round / m_total;
  const Identity& id = m_identities[m_schedule[round % m_total]];
  return m_validators[id.members[cycle % id.members.size()]].address;
}

Hash32 ValidatorSet::hash() const {
  bool plain = std::all_of(m_validators.begin(), m_validators.end(),
                           [](const Validator& v) { return v.weight == 1 && v.group.empty(); });
  if (plain) return validators_hash(addresses());
  codec::Writer w;
  w.str("complexchain/validators/2");
  w.varint(m_validators.size());
  for (const auto& v : m_validators) {
    w.raw(v.address.to_bytes());
    w.u64(v.weight);
    w.str(v.group);
  }
  return crypto::sha3_256(w.out());
}

Result<ValidatorSchedule> ValidatorSchedule::make(std::vector<ValidatorEpoch> epochs) {
  using R = Result<ValidatorSchedule>;
  if (epochs.empty()) return R::error("a validator schedule needs at least one set");
  if (epochs.front().from_height > 1) return R::error("the first validator set must start at height 0 or 1");
  for (size_t i = 0; i < epochs.size(); ++i) {
    if (epochs[i].set.empty()) return R::error("validator set " + std::to_string(i) + " is empty");
    if (i > 0 && epochs[i].from_height <= epochs[i - 1].from_height)
      return R::error("validator sets must start at strictly increasing heights");
  }
  ValidatorSchedule s;
  s.m_epochs = std::move(epochs);
  for (const auto& e : s.m_epochs) s.m_hashes.push_back(e.set.hash());
  return s;
}

ValidatorSchedule ValidatorSchedule::single(ValidatorSet set) {
  auto s = make({ValidatorEpoch{0, std::move(set)}});
  CX_ASSERT_MSG(s.is_ok(), s.message().c_str());
  return std::move(*s);
}

namespace {
template <typename Epochs>
size_t epoch_index(const Epochs& epochs, uint64_t height) {
  CX_ASSERT(!epochs.empty());
  size_t i = 0;
  while (i + 1 < epochs.size() && epochs[i + 1].from_height <= height) ++i;
  return i;
}
}  // namespace

const ValidatorSet& ValidatorSchedule::at(uint64_t height) const { return m_epochs[epoch_index(m_epochs, height)].set; }

bool ValidatorSchedule::changes_after(uint64_t height) const {
  if (height == UINT64_MAX) return false;
  return m_hashes[epoch_index(m_epochs, height)] != m_hashes[epoch_index(m_epochs, height + 1)];
}

}  // namespace cx::core
