#include "channel/channel.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include <boost/json.hpp>

#include "base/log.hpp"
#include "base/thread_pool.hpp"
#include "channel/chain_store.hpp"
#include "consensus/engine.hpp"
#include "crypto/hash.hpp"
#include "execution/accounts.hpp"
#include "execution/execute.hpp"
#include "state/world_state.hpp"

namespace cx::channel {

using consensus::BlockPtr;
using core::TxPtr;

namespace {

constexpr const char* kLog = "channel";

// A certified block that is not final yet, with its execution output once executed.
struct InFlight {
  BlockPtr block;
  core::QuorumCertificate qc;
  bool executed = false;
  core::ExecResult result;
  std::shared_ptr<std::vector<core::Receipt>> receipts;
};

class ChannelImpl final : public Channel, private mempool::AdmissionChecks {
 public:
  ChannelImpl(const ChannelOptions& o, Clock& clock, std::unique_ptr<storage::KvStore> kv)
      : m_options(o), m_clock(clock), m_kv(std::move(kv)), m_store(*m_kv),
        m_state(state::make_world_state(*m_kv)) {
    m_self = core::Address::of_public_key(*crypto::public_key_of(o.node_key));
    m_genesis_id = crypto::sha3_256(as_bytes(o.params.to_json()));
  }

  ~ChannelImpl() override { stop(); }

  Status init() {
    auto existing = m_store.genesis_id();
    if (!existing) {
      if (auto s = create_genesis(); !s) return s;
    } else if (*existing != m_genesis_id) {
      return Status::error("data directory " + m_options.data_dir + " holds channel " + existing->hex() +
                           ", not the one this genesis defines (" + m_genesis_id.hex() +
                           "); use another directory or the matching genesis.json");
    }
    auto height = m_store.last_height();
    CX_ASSERT_MSG(height.has_value(), "genesis id present but no committed height");
    auto hash = m_store.hash_at(*height);
    CX_ASSERT(hash.has_value());
    m_head_block = m_store.block(*hash);
    CX_ASSERT(m_head_block);
    auto res = m_store.result_at(*height);
    CX_ASSERT(res.has_value());
    m_head_result = res->result;
    m_head_qc = res->qc;
    m_recent[*height] = m_head_block;
    m_mempool = mempool::make_mempool(m_options.mempool, *this);
    consensus::EngineOptions eo;
    eo.validators = m_options.params.validators;
    eo.key = m_options.node_key;
    eo.block_interval_ms = m_options.params.block_interval_ms;
    if (m_options.params.validators.size() != 1 || m_options.params.validators[0] != m_self)
      return Status::error("this node (" + m_self.to_string() +
                           ") is not the channel's single validator; multi-validator consensus is not enabled yet");
    m_engine = consensus::make_solo_engine(eo);
    CX_INFO(kLog, m_options.params.channel << ": opened at height " << *height << ", state root "
                                           << m_head_result.state_root.hex());
    return Status::ok();
  }

  // ---- lifecycle ----
  void start() override {
    m_thread = std::thread([this] {
      set_thread_name("chan-" + m_options.params.channel);
      loop();
    });
  }

  void stop() override {
    {
      std::lock_guard lock(m_loop_mutex);
      m_stop = true;
    }
    m_loop_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
  }

  // ---- ChannelApi ----
  const core::ChainParams& params() const override { return m_options.params; }

  NetworkInfo network_info() const override {
    NetworkInfo n;
    n.platform = "icon";
    n.channel = m_options.params.channel;
    n.nid = m_options.params.nid;
    n.earliest = 0;
    n.latest = last_height();
    n.step_price = m_options.params.step_price;
    return n;
  }

  SubmitResult submit_tx(const boost::json::object& params) override { return submit_txs({&params})[0]; }

  std::vector<SubmitResult> submit_txs(const std::vector<const boost::json::object*>& txs) override {
    std::vector<SubmitResult> out(txs.size());
    std::vector<TxPtr> parsed;
    std::vector<size_t> slot;
    parsed.reserve(txs.size());
    for (size_t i = 0; i < txs.size(); ++i) {
      auto r = core::parse_transaction(*txs[i]);
      if (auto* rej = std::get_if<core::TxRejection>(&r)) {
        out[i].rejection = std::move(*rej);
        continue;
      }
      auto tx = std::make_shared<const core::Transaction>(std::get<core::Transaction>(std::move(r)));
      out[i].hash = tx->hash;
      parsed.push_back(std::move(tx));
      slot.push_back(i);
    }
    auto verdicts = m_mempool->admit(parsed);
    for (size_t k = 0; k < parsed.size(); ++k) out[slot[k]].rejection = std::move(verdicts[k]);
    return out;
  }

  uint64_t last_height() const override {
    std::shared_lock lock(m_head_mutex);
    return m_head_block->header.height;
  }

  BlockPtr block_by_height(uint64_t height) const override {
    {
      std::shared_lock lock(m_head_mutex);
      if (height > m_head_block->header.height) return nullptr;
      if (auto it = m_recent.find(height); it != m_recent.end()) return it->second;
    }
    auto hash = m_store.hash_at(height);
    return hash ? m_store.block(*hash) : nullptr;
  }

  BlockPtr block_by_hash(const Hash32& hash) const override {
    auto b = m_store.block(hash);
    // Only committed blocks are visible; a stored block is always committed.
    return b;
  }

  std::shared_ptr<const std::vector<core::Receipt>> receipts_of(uint64_t height) const override {
    auto b = block_by_height(height);
    if (!b) return nullptr;
    auto out = std::make_shared<std::vector<core::Receipt>>();
    out->reserve(b->txs.size());
    for (const auto& tx : b->txs) {
      auto r = m_store.receipt(tx->hash);
      CX_ASSERT_MSG(r.has_value(), "committed tx without receipt");
      out->push_back(std::move(*r));
    }
    return out;
  }

  Result<Uint256> balance(const core::Address& account, std::optional<uint64_t> height) const override {
    auto root = root_at(height);
    if (!root) return root.status();
    auto reader = m_state->reader_at(*root);
    return execution::read_account(*reader, account).balance;
  }

  Result<Uint256> total_supply(std::optional<uint64_t> height) const override {
    auto root = root_at(height);
    if (!root) return root.status();
    auto reader = m_state->reader_at(*root);
    return execution::read_total_supply(*reader);
  }

  TxLookup lookup_tx(const Hash32& hash) const override {
    TxLookup out;
    {
      // Holding the head lock across both checks: a tx moves from the pool to a block under the
      // exclusive lock, so it is always seen in one of the two.
      std::shared_lock lock(m_head_mutex);
      if (auto tx = m_mempool->find(hash)) {
        out.status = TxStatus::kPending;
        out.tx = tx;
        return out;
      }
      if (auto it = m_inflight_txs.find(hash); it != m_inflight_txs.end()) {
        out.status = TxStatus::kExecuting;
        out.tx = it->second.first->txs[it->second.second];
        out.height = it->second.first->header.height;
        out.block_hash = it->second.first->hash();
        out.index = it->second.second;
        return out;
      }
    }
    return committed_lookup(hash);
  }

  SubscriptionId watch_tx(const Hash32& hash, std::function<void(const TxLookup&)> fn) override {
    TxLookup found;
    SubscriptionId id;
    {
      // Registration and the committed check happen under the lock that commit notification takes,
      // after the block is on disk: a watcher is either registered before and notified, or sees it here.
      std::lock_guard lock(m_watch_mutex);
      id = ++m_next_id;
      found = committed_lookup(hash);
      if (found.status != TxStatus::kCommitted) {
        m_watchers[hash].emplace_back(id, std::move(fn));
        m_watch_ids[id] = hash;
        return id;
      }
    }
    fn(found);  // outside the lock: the callback may call unwatch_tx
    return id;
  }

  void unwatch_tx(SubscriptionId id) override {
    std::lock_guard lock(m_watch_mutex);
    auto it = m_watch_ids.find(id);
    if (it == m_watch_ids.end()) return;
    auto wit = m_watchers.find(it->second);
    if (wit != m_watchers.end()) {
      std::erase_if(wit->second, [&](const auto& p) { return p.first == id; });
      if (wit->second.empty()) m_watchers.erase(wit);
    }
    m_watch_ids.erase(it);
  }

  SubscriptionId subscribe_blocks(std::function<void(const BlockEvent&)> fn) override {
    std::lock_guard lock(m_sub_mutex);
    SubscriptionId id = ++m_next_sub;
    m_subscribers.emplace(id, std::move(fn));
    return id;
  }

  void unsubscribe_blocks(SubscriptionId id) override {
    std::lock_guard lock(m_sub_mutex);
    m_subscribers.erase(id);
  }

  Result<contracts::CallResult> call(const contracts::CallRequest& req, std::optional<uint64_t> height) const override {
    auto root = root_at(height);
    if (!root) return root.status();
    auto blk = block_by_height(height ? *height : last_height());
    auto reader = m_state->reader_at(*root);
    execution::BlockContext ctx{&m_options.params, blk->header.height, blk->header.timestamp_us};
    return execution::query(*reader, ctx, req);
  }

  Result<Uint256> estimate_step(const boost::json::object& tx_params) const override {
    boost::json::object p = tx_params;
    // Estimation needs no signature and no stepLimit: fill both so the tx parses.
    p["stepLimit"] = Uint256(m_options.params.step_limit_max).to_icon_hex();
    p["signature"] = std::string(87, 'A') + "=";  // base64 of 65 zero bytes
    p.erase("txHash");
    auto r = core::parse_transaction(p);
    if (auto* rej = std::get_if<core::TxRejection>(&r)) return Result<Uint256>::error(rej->detail);
    const auto& tx = std::get<core::Transaction>(r);
    if (tx.nid != m_options.params.nid)
      return Result<Uint256>::error("nid " + Uint256(tx.nid).to_icon_hex() + " is not this channel's nid");
    Hash32 root = head_root();
    auto reader = m_state->reader_at(root);
    execution::Journal journal(*reader);
    BlockPtr head = head_block();
    execution::BlockContext ctx{&m_options.params, head->header.height + 1, head->header.timestamp_us};
    Uint256 cumulative;
    auto rc = execution::apply_tx(journal, ctx, tx, 0, cumulative);
    return rc.step_used;
  }

 private:
  // ---- AdmissionChecks ----
  bool is_known_on_chain(const Hash32& tx_hash) const override {
    {
      std::shared_lock lock(m_head_mutex);
      if (m_inflight_txs.count(tx_hash)) return true;
    }
    return m_store.tx_position(tx_hash).has_value();
  }

  std::optional<core::TxRejection> check(const core::Transaction& tx) const override {
    auto reader = m_state->reader_at(head_root());
    return execution::validate_tx(*reader, m_options.params, m_clock.now_us(), tx);
  }

  // ---- reads ----
  Hash32 head_root() const {
    std::shared_lock lock(m_head_mutex);
    return m_head_result.state_root;
  }
  BlockPtr head_block() const {
    std::shared_lock lock(m_head_mutex);
    return m_head_block;
  }

  Result<Hash32> root_at(std::optional<uint64_t> height) const {
    if (!height) return head_root();
    uint64_t last = last_height();
    if (*height > last)
      return Result<Hash32>::error("height " + std::to_string(*height) + " is not committed yet (latest is " +
                                   std::to_string(last) + ")");
    auto r = m_store.result_at(*height);
    CX_ASSERT_MSG(r.has_value(), "committed height without result");
    return r->result.state_root;
  }

  TxLookup committed_lookup(const Hash32& hash) const {
    TxLookup out;
    auto pos = m_store.tx_position(hash);
    if (!pos) return out;
    auto blk = block_by_height(pos->height);
    CX_ASSERT(blk && pos->index < blk->txs.size());
    out.status = TxStatus::kCommitted;
    out.tx = blk->txs[pos->index];
    out.height = pos->height;
    out.block_hash = blk->hash();
    out.index = pos->index;
    out.receipt = m_store.receipt(hash);
    CX_ASSERT(out.receipt.has_value());
    return out;
  }

  // ---- genesis ----
  Status create_genesis() {
    const auto& p = m_options.params;
    auto block = std::make_shared<core::Block>();
    block->header.height = 0;
    // The genesis block's prev_hash commits to the genesis parameters, so block 0's hash does too.
    block->header.prev_hash = m_genesis_id;
    block->header.timestamp_us = p.genesis_timestamp_us;
    block->header.validators_hash = core::validators_hash(p.validators);
    block->header.prev_qc_hash = block->prev_qc.hash();
    Hash32 root = m_state->apply(state::empty_root(), execution::genesis_changes(p));
    CommittedResult res;
    res.result.state_root = root;
    storage::WriteBatch batch;
    m_store.stage_genesis_id(m_genesis_id, batch);
    m_store.stage_block(*block, {}, res, batch);
    m_state->stage_commit(root, batch);
    if (auto s = m_kv->write(batch, storage::Durability::kSync); !s) return Status::error("writing genesis: " + s.message());
    m_state->on_persisted(root);
    CX_INFO(kLog, p.channel << ": created genesis " << block->hash().hex());
    return Status::ok();
  }

  // ---- the channel thread ----
  void loop() {
    consensus::ChainTip tip;
    tip.committed = m_head_block;
    tip.committed_qc = m_head_qc;
    run(m_engine->start(tip, {}));
    std::unique_lock lock(m_loop_mutex);
    while (!m_stop) {
      int64_t now = m_clock.monotonic_us();
      if (!m_timers.empty() && m_timers.begin()->first <= now) {
        consensus::Timer t = m_timers.begin()->second;
        m_timers.erase(m_timers.begin());
        lock.unlock();
        on_timer(t);
        lock.lock();
        continue;
      }
      if (m_timers.empty()) m_loop_cv.wait(lock);
      else m_loop_cv.wait_for(lock, std::chrono::microseconds(m_timers.begin()->first - now));
    }
  }

  void on_timer(const consensus::Timer& t) {
    // Single-validator policy: no empty blocks while idle. A candidate with txs still gets a
    // successor, because that is what makes it final.
    if (t.kind == consensus::TimerKind::kPropose && m_mempool->size() == 0 && !candidate_has_txs()) {
      set_timer(t, m_options.params.block_interval_ms);
      return;
    }
    run(m_engine->on_timeout(t));
  }

  bool candidate_has_txs() const {
    std::shared_lock lock(m_head_mutex);
    for (const auto& [hash, f] : m_inflight)
      if (!f.block->txs.empty()) return true;
    return false;
  }

  void set_timer(const consensus::Timer& t, uint64_t delay_ms) {
    std::lock_guard lock(m_loop_mutex);
    m_timers.emplace(m_clock.monotonic_us() + static_cast<int64_t>(delay_ms) * 1000, t);
  }

  void run(consensus::Actions actions) {
    // Actions may produce more actions (e.g. a built proposal is fed back to the engine).
    for (size_t i = 0; i < actions.size(); ++i) {
      consensus::Action a = std::move(actions[i]);
      consensus::Actions more;
      if (auto* t = std::get_if<consensus::ActSetTimer>(&a)) {
        set_timer(t->timer, t->delay_ms);
      } else if (auto* b = std::get_if<consensus::ActBuildProposal>(&a)) {
        more = m_engine->on_proposal(build_proposal(*b), /*contents_valid=*/true);
      } else if (auto* e = std::get_if<consensus::ActExecute>(&a)) {
        execute(e->block, e->qc);
        more = m_engine->on_block_executed(e->block->hash());
      } else if (auto* c = std::get_if<consensus::ActCommit>(&a)) {
        commit(c->block, c->qc);
      } else if (auto* p = std::get_if<consensus::ActPersist>(&a)) {
        storage::WriteBatch batch;
        batch.put(storage::Column::kConsensus, as_bytes("wal"), p->record);
        if (auto s = m_kv->write(batch, storage::Durability::kSync); !s) fatal("consensus log write failed: " + s.message());
      }
      // Broadcasts need peers; with a single validator there is nobody to send to.
      for (auto& m : more) actions.push_back(std::move(m));
    }
  }

  [[noreturn]] void fatal(const std::string& why) {
    CX_ERROR(kLog, m_options.params.channel << ": " << why << "; stopping to keep the chain consistent");
    std::abort();
  }

  const core::ExecResult& result_of(const BlockPtr& b) const {
    if (auto it = m_inflight.find(b->hash()); it != m_inflight.end()) {
      CX_ASSERT(it->second.executed);
      return it->second.result;
    }
    CX_ASSERT(b->hash() == m_head_block->hash());
    return m_head_result;
  }

  BlockPtr build_proposal(const consensus::ActBuildProposal& a) {
    const auto& p = m_options.params;
    auto block = std::make_shared<core::Block>();
    auto& h = block->header;
    h.height = a.height;
    h.round = a.round;
    h.prev_hash = a.parent->hash();
    h.timestamp_us = std::max(m_clock.now_us(), a.parent->header.timestamp_us + 1);
    h.proposer = m_self;
    h.validators_hash = core::validators_hash(p.validators);
    block->prev_qc = a.parent_qc;
    h.prev_qc_hash = block->prev_qc.hash();
    std::unique_lock lock(m_head_mutex);
    h.prev_result = result_of(a.parent);
    auto txs = m_mempool->take(p.block_tx_max, m_options.block_bytes_max);
    block->txs.reserve(txs.size());
    size_t dropped = 0;
    for (auto& tx : txs) {
      int64_t diff = tx->timestamp_us - h.timestamp_us;
      // The time window is checked against block time: a tx that aged out in the pool is dropped.
      if (diff > p.tx_timestamp_window_us || -diff > p.tx_timestamp_window_us || m_inflight_txs.count(tx->hash)) {
        ++dropped;
        continue;
      }
      m_inflight_txs.emplace(tx->hash, std::make_pair(std::shared_ptr<const core::Block>(), 0u));
      block->txs.push_back(std::move(tx));
    }
    h.tx_root = core::tx_root(block->txs);
    block->proposer_signature = crypto::sign(h.hash(), m_options.node_key);
    BlockPtr out = block;
    for (uint32_t i = 0; i < out->txs.size(); ++i) m_inflight_txs[out->txs[i]->hash] = {out, i};
    if (dropped) CX_WARN(kLog, "dropped " << dropped << " txs whose timestamp left the window");
    return out;
  }

  void execute(const BlockPtr& block, const core::QuorumCertificate& qc) {
    Hash32 base_root;
    BlockPtr parent;
    {
      std::shared_lock lock(m_head_mutex);
      auto pit = m_inflight.find(block->header.prev_hash);
      if (pit != m_inflight.end()) {
        CX_ASSERT(pit->second.executed);
        base_root = pit->second.result.state_root;
      } else {
        CX_ASSERT(block->header.prev_hash == m_head_block->hash());
        base_root = m_head_result.state_root;
      }
    }
    auto reader = m_state->reader_at(base_root);
    execution::BlockContext ctx{&m_options.params, block->header.height, block->header.timestamp_us};
    auto out = execution::apply_block(*reader, ctx, block->txs);
    Hash32 root = m_state->apply(base_root, out.changes);
    InFlight f;
    f.block = block;
    f.qc = qc;
    f.executed = true;
    f.result = core::ExecResult{root, out.receipts_root, out.logs_bloom};
    f.receipts = std::make_shared<std::vector<core::Receipt>>(std::move(out.receipts));
    std::unique_lock lock(m_head_mutex);
    for (uint32_t i = 0; i < block->txs.size(); ++i) m_inflight_txs[block->txs[i]->hash] = {block, i};
    m_inflight[block->hash()] = std::move(f);
  }

  void commit(const BlockPtr& block, const core::QuorumCertificate& qc) {
    InFlight f;
    {
      std::shared_lock lock(m_head_mutex);
      auto it = m_inflight.find(block->hash());
      CX_ASSERT_MSG(it != m_inflight.end() && it->second.executed, "commit of a block that was not executed");
      CX_ASSERT(block->header.prev_hash == m_head_block->hash());
      f = it->second;
    }
    storage::WriteBatch batch;
    m_store.stage_block(*block, *f.receipts, CommittedResult{f.result, qc}, batch);
    m_state->stage_commit(f.result.state_root, batch);
    if (auto s = m_kv->write(batch, storage::Durability::kSync); !s) fatal("block commit write failed: " + s.message());
    m_state->on_persisted(f.result.state_root);
    {
      std::unique_lock lock(m_head_mutex);
      m_head_block = block;
      m_head_result = f.result;
      m_head_qc = qc;
      m_recent[block->header.height] = block;
      m_recent_txs += block->txs.size();
      while (m_recent.size() > 1 &&
             (m_recent.size() > m_options.recent_blocks_cached || m_recent_txs > m_options.recent_txs_cached)) {
        m_recent_txs -= m_recent.begin()->second->txs.size();
        m_recent.erase(m_recent.begin());
      }
      for (const auto& tx : block->txs) m_inflight_txs.erase(tx->hash);
      m_inflight.erase(block->hash());
    }
    CX_DEBUG(kLog, "committed " << block->header.height << " with " << block->txs.size() << " txs");
    notify(block, f.receipts);
  }

  void notify(const BlockPtr& block, const std::shared_ptr<std::vector<core::Receipt>>& receipts) {
    std::vector<std::pair<std::function<void(const TxLookup&)>, TxLookup>> due;
    {
      std::lock_guard lock(m_watch_mutex);
      if (!m_watchers.empty()) {
        for (uint32_t i = 0; i < block->txs.size(); ++i) {
          auto it = m_watchers.find(block->txs[i]->hash);
          if (it == m_watchers.end()) continue;
          TxLookup l;
          l.status = TxStatus::kCommitted;
          l.tx = block->txs[i];
          l.height = block->header.height;
          l.block_hash = block->hash();
          l.index = i;
          l.receipt = (*receipts)[i];
          for (auto& [id, fn] : it->second) {
            due.emplace_back(std::move(fn), l);
            m_watch_ids.erase(id);
          }
          m_watchers.erase(it);
        }
      }
    }
    for (auto& [fn, l] : due) fn(l);
    BlockEvent ev{block, receipts};
    std::lock_guard lock(m_sub_mutex);
    for (auto& [id, fn] : m_subscribers) fn(ev);
  }

  ChannelOptions m_options;
  Clock& m_clock;
  core::Address m_self;
  Hash32 m_genesis_id;

  std::unique_ptr<storage::KvStore> m_kv;
  ChainStore m_store;
  std::unique_ptr<state::WorldState> m_state;
  std::unique_ptr<mempool::Mempool> m_mempool;
  std::unique_ptr<consensus::Engine> m_engine;

  // Head and in-flight blocks; written by the channel thread, read by RPC threads.
  mutable std::shared_mutex m_head_mutex;
  BlockPtr m_head_block;
  core::ExecResult m_head_result;
  core::QuorumCertificate m_head_qc;
  std::map<uint64_t, BlockPtr> m_recent;
  size_t m_recent_txs = 0;  // txs in m_recent
  std::map<Hash32, InFlight> m_inflight;
  std::unordered_map<Hash32, std::pair<BlockPtr, uint32_t>, FixedBytesHasher> m_inflight_txs;

  mutable std::mutex m_watch_mutex;
  SubscriptionId m_next_id = 0;
  std::unordered_map<Hash32, std::vector<std::pair<SubscriptionId, std::function<void(const TxLookup&)>>>, FixedBytesHasher>
      m_watchers;
  std::unordered_map<SubscriptionId, Hash32> m_watch_ids;

  std::mutex m_sub_mutex;
  SubscriptionId m_next_sub = 0;
  std::map<SubscriptionId, std::function<void(const BlockEvent&)>> m_subscribers;

  std::mutex m_loop_mutex;
  std::condition_variable m_loop_cv;
  std::multimap<int64_t, consensus::Timer> m_timers;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace

Result<std::unique_ptr<Channel>> Channel::open(const ChannelOptions& options, Clock& clock) {
  std::unique_ptr<storage::KvStore> kv;
  if (options.data_dir.empty()) {
    kv = storage::make_memory_store();
  } else {
    auto r = storage::open_rocksdb(options.data_dir, options.rocks);
    if (!r) return r.status();
    kv = std::move(r.value());
  }
  auto ch = std::make_unique<ChannelImpl>(options, clock, std::move(kv));
  if (auto s = ch->init(); !s) return s;
  return std::unique_ptr<Channel>(std::move(ch));
}

}  // namespace cx::channel
