#include "node.hpp"

#include "consensus/engine.hpp"

namespace cx::sim {

std::optional<std::string> SimNode::boot(const Fixture& fx, const uint64_t& now_us, channel::CoreObserver* observer,
                                         channel::DurableHead& head, channel::RestoredRecords& restored) {
  if (!kv) kv = storage::make_memory_store(channel::ledger_schema());
  if (!records_kv) records_kv = storage::make_memory_store(channel::records_schema());
  clock = std::make_unique<SimClock>(now_us, skew_us);
  chain = std::make_unique<channel::ChainStore>(*kv);
  records = std::make_unique<channel::RecordsStore>(*records_kv);
  state = state::make_world_state(*kv);
  executor = std::make_unique<channel::BlockExecutor>(fx.params, *state);
  writer = std::make_unique<channel::CommitWriter>(*kv, *chain, *state, *records);
  auto opened = channel::open_chain(fx.params, "node " + std::to_string(index), *kv, *chain, *state, *records);
  if (!opened) return opened.message();
  head = std::move(opened.value());
  auto loaded = records->load(*head.block);
  if (!loaded) return loaded.message();
  restored = std::move(loaded.value());
  // As Channel::open: a vote record that cannot be used stops the node.
  if (auto s = consensus::check_records(restored.votes, addr); !s) return "its vote record: " + s.message();
  reads = std::make_unique<channel::ChainReads>(fx.params, *chain, *state, *clock, channel::ChainReadsOptions{});
  mempool::MempoolOptions mo;
  mo.verify_threads = 0;  // verification on the calling thread: deterministic
  mo.verified_cache_entries = 1024;
  mo.signer_key_cache_entries = 64;
  pool = mempool::make_mempool(mo, *reads);
  channel::CoreOptions co;
  co.params = fx.params;
  co.key = fx.keys[key_index];
  if (schedule) co.validator_schedule = *schedule;
  co.round_timeout_ms = kRoundTimeoutMs;
  co.gossip_interval_ms = kGossipIntervalMs;
  co.status_interval_ms = kStatusIntervalMs;
  core = std::make_unique<channel::ChannelCore>(std::move(co), channel::CoreDeps{*chain, *executor, *pool},
                                                [this](channel::ViewPtr v) { reads->publish_view(std::move(v)); });
  core->set_observer(observer);
  reads->attach(*pool, head, nullptr);
  return std::nullopt;
}

void SimNode::lose_memory() {
  up = false;
  core.reset();
  pool.reset();
  reads.reset();
  writer.reset();
  executor.reset();
  state.reset();
  records.reset();
  chain.reset();
  clock.reset();
  pipeline.clear();
  pending.clear();
  backlog.clear();
  stalled = false;
}

}  // namespace cx::sim
