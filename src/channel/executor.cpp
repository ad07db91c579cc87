#include "channel/executor.hpp"

#include "execution/execute.hpp"

namespace cx::channel {

Execution BlockExecutor::execute(const core::Block& block, const Hash32& parent_state_root) {
  auto reader = m_state.reader_at(parent_state_root);
  execution::BlockContext ctx{&m_params, block.header.height, block.header.timestamp_us};
  auto out = execution::apply_block(*reader, ctx, block.txs);
  Execution e;
  e.result = core::ExecResult{m_state.apply(parent_state_root, out.changes), out.receipts_root, out.logs_bloom};
  e.receipts = std::make_shared<const std::vector<core::Receipt>>(std::move(out.receipts));
  return e;
}

}  // namespace cx::channel
