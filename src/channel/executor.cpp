#include "channel/executor.hpp"

#include "execution/begin_block.hpp"
#include "execution/execute.hpp"

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

}  // namespace cx::channel
