#include "channel/commit_writer.hpp"

namespace cx::channel {

Result<CommitWriter::Stats> CommitWriter::write(const CommitJob& job) {
  const ExecutedBlock& e = *job.block;
  storage::WriteBatch batch;
  m_chain.stage_block(*e.block, *e.receipts, CommittedResult{e.result, job.qc}, batch);
  m_state.stage_commit(e.result.state_root, batch);
  for (auto* s : m_subscribers) s->stage(e, job.qc, batch);
  Stats stats{batch.size(), batch.byte_size()};
  if (auto s = m_kv.write(batch, storage::Durability::kSync); !s) return Status::error("block commit write failed: " + s.message());
  // A crash between the two writes leaves the records behind; the next start deletes them (they are
  // at or below the committed head).
  if (auto s = m_records.drop_committed(e.block->header.height, job.stale_proposals); !s)
    return Status::error("consensus record cleanup failed: " + s.message());
  m_state.on_persisted(e.result.state_root);
  return stats;
}

}  // namespace cx::channel
