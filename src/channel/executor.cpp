#include "channel/executor.hpp"

#include "execution/begin_block.hpp"
#include "execution/accounts.hpp"
#include "execution/execute.hpp"
#include "governance/governance.hpp"

namespace cx::channel {

Execution BlockExecutor::execute(const core::Block& block, const Hash32& parent_state_root) {
  auto reader = m_state.reader_at(parent_state_root);
  execution::BlockContext ctx{&m_params, block.header.height, block.header.timestamp_us};
  auto out = execution::apply_block(*reader, ctx, block.txs);
  Execution e;
  e.result = core::ExecResult{m_state.apply(parent_state_root, out.changes), out.receipts_root, out.logs_bloom};
  e.receipts = std::make_shared<const std::vector<core::Receipt>>(std::move(out.receipts));
  e.timers_fired = out.timers_fired;
  return e;
}

bool BlockExecutor::begin_block_due(const Hash32& state_root, int64_t now_us) const {
  auto reader = m_state.reader_at(state_root);
  auto deadline = execution::next_begin_block_time(*reader);
  return deadline && *deadline <= now_us / 1'000'000;
}

namespace {
governance::StorageGetter governance_reader(const state::StateReader& reader) {
  return [&reader](std::string_view key) {
    return reader.get(execution::contract_storage_key(governance::governance_contract_address(), as_bytes(key)));
  };
}
}  // namespace

std::vector<core::ValidatorEpoch> BlockExecutor::governed_epochs(const Hash32& state_root) const {
  auto reader = m_state.reader_at(state_root);
  return governance::read_epochs(governance_reader(*reader));
}

std::optional<uint64_t> BlockExecutor::change_margin(const Hash32& state_root) const {
  auto reader = m_state.reader_at(state_root);
  auto p = governance::read_params(governance_reader(*reader));
  if (!p) return std::nullopt;
  return p->change_margin;
}

std::vector<governance::Member> BlockExecutor::governed_members(const Hash32& state_root) const {
  auto reader = m_state.reader_at(state_root);
  return governance::read_members(governance_reader(*reader));
}

std::vector<std::optional<governance::Member>> BlockExecutor::governed_members_of(
    const Hash32& state_root, const std::vector<core::Address>& addresses) const {
  auto reader = m_state.reader_at(state_root);
  const auto get = governance_reader(*reader);
  std::vector<std::optional<governance::Member>> out;
  out.reserve(addresses.size());
  for (const auto& a : addresses) out.push_back(governance::read_member(get, a));
  return out;
}

uint64_t BlockExecutor::governed_epoch_count(const Hash32& state_root) const {
  auto reader = m_state.reader_at(state_root);
  auto v = governance_reader(*reader)("epochs");
  if (!v) return 0;
  uint64_t n = 0;
  for (uint8_t c : *v) {
    if (c < '0' || c > '9' || n > governance::kEpochsMax) return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace cx::channel
