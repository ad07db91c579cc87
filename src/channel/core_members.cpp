// The channel's members as final state holds them (docs/membership.md "Membership follows final
// state"): the core reads them from the governance contract at start and again after each final block
// in which the contract emitted an event (every member change is a decided proposal, which emits
// one), and publishes them with the view. The runtime turns them into the p2p allow-list and the
// signed-RPC check; the core itself admits nobody.
#include <algorithm>

#include "base/log.hpp"
#include "channel/core.hpp"

namespace cx::channel {
namespace {
constexpr const char* kLog = "channel";
}  // namespace

void ChannelCore::learn_members(uint64_t height, const Hash32& state_root) {
  auto list = m_executor.governed_members(state_root);
  m_has_members = !list.empty();
  if (!m_has_members) return;  // no governance: the genesis members hold
  auto set = std::make_shared<MemberSet>();
  set->height = height;
  m_audit_end_next = 0;
  for (auto& m : list) {
    // An auditor whose grant ran out (`until` reached by final state) has the role no more; the next
    // end still ahead makes learn_members_of read the members again at that height.
    if (governance::audit_ended(m, height)) m.roles &= ~governance::kRoleAuditor;
    else if ((m.roles & governance::kRoleAuditor) && m.audit_until != 0)
      m_audit_end_next = m_audit_end_next == 0 ? m.audit_until : std::min(m_audit_end_next, m.audit_until);
    set->members.emplace(m.address, std::move(m));
  }
  if (m_members && m_members->members.size() == set->members.size()) {
    bool same = true;
    for (const auto& [a, m] : set->members) {
      const auto* old = m_members->find(a);
      same = same && old && old->roles == m.roles && old->suspended == m.suspended;
    }
    if (same) return;
  }
  if (m_members) {
    size_t active = 0;
    for (const auto& [a, m] : set->members) active += m.suspended ? 0 : 1;
    CX_INFO(kLog, m_options.params.channel << ": members changed by final block " << height << ": " << set->members.size()
                                           << " members, " << active << " active");
  }
  m_members = std::move(set);
}

void ChannelCore::learn_members_of(const ExecutedBlock& final_block) {
  if (!m_has_members) return;
  const uint64_t height = final_block.block->header.height;
  if (m_audit_end_next != 0 && height >= m_audit_end_next) return learn_members(height, final_block.result.state_root);
  const auto gov = governance::governance_contract_address();
  for (const auto& r : *final_block.receipts)
    for (const auto& log : r.logs)
      if (log.score == gov) return learn_members(final_block.block->header.height, final_block.result.state_root);
}

}  // namespace cx::channel
