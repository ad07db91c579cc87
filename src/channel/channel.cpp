#include "channel/channel.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include <boost/json.hpp>

#include "base/log.hpp"
#include "base/thread_pool.hpp"
#include "channel/chain_store.hpp"
#include "channel/records.hpp"
#include "channel/wire.hpp"
#include "codec/binary.hpp"
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

class ChannelImpl final : public Channel, private mempool::AdmissionChecks, private p2p::Handler {
 public:
  ChannelImpl(const ChannelOptions& o, Clock& clock, std::unique_ptr<storage::KvStore> kv,
              std::unique_ptr<storage::KvStore> records)
      : m_options(o), m_clock(clock), m_kv(std::move(kv)), m_records(std::move(records)), m_store(*m_kv),
        m_state(state::make_world_state(*m_kv)) {
    m_self = core::Address::of_public_key(*crypto::public_key_of(o.node_key));
    m_genesis_id = crypto::sha3_256(as_bytes(o.params.to_json()));
  }

  ~ChannelImpl() override { stop(); }

  Status init() {
    auto existing = m_store.genesis_id();
    if (existing && m_store.format() != kStorageFormat) {
      const auto f = m_store.format();
      return Status::error("data directory " + m_options.data_dir + " was written in storage format " +
                           (f ? std::to_string(*f) : std::string("1")) + "; this build reads format " +
                           std::to_string(kStorageFormat) +
                           " only. Re-create it from genesis (for a local network: complexchain localnet reset)");
    }
    if (!existing) {
      // The records store is marked before the chain exists, so a chain never exists without it.
      storage::WriteBatch mark;
      mark.put(kRecordsColumn, as_bytes("genesis"), m_genesis_id.view());
      if (auto s = m_records->write(mark, storage::Durability::kSync); !s) return Status::error("marking the consensus records: " + s.message());
      if (auto s = create_genesis(); !s) return s;
    } else if (*existing != m_genesis_id) {
      return Status::error("data directory " + m_options.data_dir + " holds channel " + existing->hex() +
                           ", not the one this genesis defines (" + m_genesis_id.hex() +
                           "); use another directory or the matching genesis.json");
    } else {
      // Without its vote record a validator could sign twice in one round: refuse to run on a chain
      // whose consensus records are gone or belong to another channel.
      auto mark = m_records->get(kRecordsColumn, as_bytes("genesis"));
      if (!mark) return Status::error("reading the consensus records: " + mark.message());
      const auto& m = mark.value();
      if (!m || m->size() != m_genesis_id.view().size() || !std::equal(m->begin(), m->end(), m_genesis_id.view().begin()))
        return Status::error("the consensus records of " + m_options.data_dir + " (" + m_options.data_dir +
                             "/consensus) are missing or belong to another channel; without them this validator "
                             "could sign twice in one round. Restore them, or re-create the data directory from genesis");
    }
    auto height = m_store.last_height();
    CX_ASSERT_MSG(height.has_value(), "genesis id present but no committed height");
    auto hash = m_store.hash_at(*height);
    CX_ASSERT(hash.has_value());
    m_head_block = m_store.block(*hash);
    m_handed_height = *height;
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
    eo.round_timeout_ms = m_options.round_timeout_ms;
    const auto& vals = m_options.params.validators;
    if (std::find(vals.begin(), vals.end(), m_self) == vals.end())
      return Status::error("this node (" + m_self.to_string() + ") is not a validator of channel " +
                           m_options.params.channel + "; non-validator nodes are not supported yet");
    if (vals.size() == 1) {
      m_engine = consensus::make_solo_engine(eo);
    } else {
      if (!m_options.network)
        return Status::error("channel " + m_options.params.channel + " has " + std::to_string(vals.size()) +
                             " validators: the node needs p2p settings (listen address and peers)");
      m_engine = consensus::make_lft_engine(eo);
    }
    CX_INFO(kLog, m_options.params.channel << ": opened at height " << *height << ", state root "
                                           << m_head_result.state_root.hex());
    return Status::ok();
  }

  // ---- lifecycle ----
  void start() override {
    if (m_options.network) {
      auto net = p2p::Network::start(*m_options.network, *this);
      // A validator that cannot listen cannot take part; fail loudly rather than run alone.
      if (!net) fatal("p2p: " + net.message());
      m_network = std::move(net.value());
      CX_INFO(kLog, m_options.params.channel << ": p2p listening on " << m_options.network->listen_host << ":"
                                             << m_network->port());
    }
    m_commit_thread = std::thread([this] {
      set_thread_name("commit-" + m_options.params.channel);
      commit_loop();
    });
    m_thread = std::thread([this] {
      set_thread_name("chan-" + m_options.params.channel);
      loop();
    });
    if (m_network)
      m_admit_thread = std::thread([this] {
        set_thread_name("gossip-" + m_options.params.channel);
        admit_loop();
      });
  }

  void stop() override {
    {
      std::lock_guard lock(m_loop_mutex);
      m_stop = true;
    }
    m_loop_cv.notify_all();
    {
      std::lock_guard lock(m_admit_mutex);
      m_admit_stop = true;
    }
    m_admit_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
    if (m_admit_thread.joinable()) m_admit_thread.join();
    // After the channel thread: every commit it decided is written before we return.
    {
      std::lock_guard lock(m_commit_mutex);
      m_commit_stop = true;
    }
    m_commit_cv.notify_all();
    if (m_commit_thread.joinable()) m_commit_thread.join();
    if (m_network) m_network->stop();
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
    std::vector<TxPtr> admitted;
    for (size_t k = 0; k < parsed.size(); ++k) {
      if (!verdicts[k]) admitted.push_back(parsed[k]);
      out[slot[k]].rejection = std::move(verdicts[k]);
    }
    queue_gossip(std::move(admitted));
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

  // Network callbacks run on the p2p thread: they only queue the message for the channel thread.
  void on_message(const core::Address& from, p2p::Message message) override {
    if (message.type == p2p::MessageType::kTxs) {
      enqueue_gossip(from, std::move(message.payload));
      return;
    }
    enqueue(NetEvent{from, std::move(message), false});
  }

  // Gossiped txs are parsed and their signatures checked on their own thread (with the verify
  // pool), so that a burst of them never delays votes and proposals on the channel thread: under
  // load, 4 validators on 2 cores spend ~55 µs per tx per node on signatures alone.
  void enqueue_gossip(const core::Address& from, Bytes payload) {
    {
      std::lock_guard lock(m_admit_mutex);
      // Bounded: what is dropped here still reaches this node inside the block that carries it.
      if (m_admit_bytes + payload.size() > kAdmitQueueBytesMax) {
        ++m_gossip_dropped;
        return;
      }
      m_admit_bytes += payload.size();
      m_admit_queue.emplace_back(from, std::move(payload));
    }
    m_admit_cv.notify_one();
  }

  void admit_loop() {
    std::unique_lock lock(m_admit_mutex);
    while (true) {
      m_admit_cv.wait(lock, [&] { return m_admit_stop || !m_admit_queue.empty(); });
      if (m_admit_stop) return;
      auto [from, payload] = std::move(m_admit_queue.front());
      m_admit_queue.pop_front();
      m_admit_bytes -= payload.size();
      lock.unlock();
      on_gossiped_txs(from, payload);
      lock.lock();
    }
  }
  void on_peer_up(const core::Address& peer) override { enqueue(NetEvent{peer, {}, true}); }
  void on_peer_down(const core::Address&) override {}

  struct NetEvent {
    core::Address from;
    p2p::Message message;
    bool peer_up = false;
  };

  void enqueue(NetEvent ev) {
    {
      std::lock_guard lock(m_loop_mutex);
      // Bounded: a flood from peers cannot grow memory; consensus recovers lost messages by timeouts
      // and sync.
      if (m_events.size() >= kEventsMax) {
        ++m_events_dropped;
        return;
      }
      m_events.push_back(std::move(ev));
    }
    m_loop_cv.notify_one();
  }

  std::vector<Bytes> persisted_records() const {
    auto r = m_records->get(kRecordsColumn, as_bytes("wal"));
    if (!r) fatal("reading the consensus log: " + r.message());
    if (!r.value()) return {};
    return {std::move(*r.value())};
  }

  // Key of the certified-chain record for `height` in the consensus column.
  static Bytes chain_key(uint64_t height) {
    codec::Writer w;
    w.raw(as_bytes("chain/"));
    w.u64(height);
    return w.take();
  }

  // The certified (not final) block recorded at `height` before a crash, if any.
  std::optional<consensus::CertifiedBlock> persisted_certified(uint64_t height) const {
    auto r = m_records->get(kRecordsColumn, chain_key(height));
    if (!r) fatal("reading the certified-chain record: " + r.message());
    if (!r.value()) return std::nullopt;
    codec::Reader rd(*r.value());
    Bytes block_bytes = rd.bytes(core::kBlockBytesMax);
    Bytes qc_bytes = rd.bytes(core::kValidatorsMax * 256);
    if (!rd.finish()) return std::nullopt;
    auto b = core::Block::decode(block_bytes);
    auto qc = core::QuorumCertificate::decode(qc_bytes);
    if (!b || !qc || qc->block_hash != b->hash()) return std::nullopt;
    return consensus::CertifiedBlock{std::make_shared<const core::Block>(std::move(b).value()), std::move(*qc)};
  }

  // Records of blocks that are committed now (a crash came between a commit and the deletion of its
  // record) are never read again: delete them.
  void drop_chain_records_upto(uint64_t height) {
    storage::WriteBatch stale;
    BytesView prefix = as_bytes("chain/");
    auto st = m_records->scan(kRecordsColumn, prefix, [&](BytesView key, BytesView) {
      if (key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), key.begin())) return false;
      codec::Reader rd(key.subspan(prefix.size()));
      uint64_t h = rd.u64();
      if (rd.finish() && h <= height) stale.del(kRecordsColumn, key);
      return true;
    });
    if (!st) fatal("reading the certified-chain records: " + st.message());
    if (auto w = m_records->write(stale, storage::Durability::kNoSync); !w) fatal("certified-chain record cleanup failed: " + w.message());
  }

  void loop() {
    consensus::ChainTip tip;
    tip.committed = m_head_block;
    tip.committed_qc = m_head_qc;
    // A certified block is never lost to a crash: it was recorded when it joined the certified chain
    // and is executed again here (execution is deterministic), so its txs stay on their way to
    // finality. The records link up from the committed head; anything else is stale.
    drop_chain_records_upto(m_head_block->header.height);
    Hash32 parent = m_head_block->hash();
    for (uint64_t h = m_head_block->header.height + 1;; ++h) {
      auto c = persisted_certified(h);
      if (!c || c->block->header.prev_hash != parent) break;
      execute(c->block, c->qc);
      parent = c->block->hash();
      m_recorded_top = h;
      tip.chain.push_back(std::move(*c));
      CX_INFO(kLog, "restored certified block " << h << " " << parent.hex());
    }
    run(m_engine->start(tip, persisted_records()));
    // Proposals judged valid before a crash (this node may have voted for them): the engine gets them
    // again, so a block certified with our vote can still be served by us.
    for (const auto& b : persisted_proposals())
      if (!executed_block(b->hash())) on_peer_proposal(std::nullopt, b);  // (not one already in the chain)
    int64_t next_gossip = m_clock.monotonic_us();
    int64_t next_status = next_gossip;
    std::unique_lock lock(m_loop_mutex);
    while (!m_stop) {
      int64_t now = m_clock.monotonic_us();
      if (!m_events.empty()) {
        NetEvent ev = std::move(m_events.front());
        m_events.pop_front();
        lock.unlock();
        handle(ev);
        lock.lock();
        continue;
      }
      if (!m_timers.empty() && m_timers.begin()->first <= now) {
        consensus::Timer t = m_timers.begin()->second;
        m_timers.erase(m_timers.begin());
        lock.unlock();
        on_timer(t);
        lock.lock();
        continue;
      }
      if (m_network && now >= next_gossip) {
        next_gossip = now + static_cast<int64_t>(m_options.gossip_interval_ms) * 1000;
        lock.unlock();
        flush_gossip();
        lock.lock();
        continue;
      }
      if (m_network && now >= next_status) {
        next_status = now + static_cast<int64_t>(m_options.status_interval_ms) * 1000;
        lock.unlock();
        m_network->broadcast({p2p::MessageType::kStatus, wire::encode(my_status())});
        lock.lock();
        continue;
      }
      int64_t wake = m_timers.empty() ? now + 1'000'000 : m_timers.begin()->first;
      if (m_network) wake = std::min({wake, next_gossip, next_status});
      m_loop_cv.wait_for(lock, std::chrono::microseconds(std::max<int64_t>(wake - now, 0)));
    }
  }

  void on_timer(const consensus::Timer& t) {
    // Single-validator policy: no empty blocks while idle. A candidate with txs still gets a
    // successor, because that is what makes it final. (With peers, LFT keeps a steady pace.)
    if (!m_network && t.kind == consensus::TimerKind::kPropose && m_mempool->size() == 0 && !candidate_has_txs()) {
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

  // A timer that counts from a block time has run for as long as the clock says has passed since.
  // Block times come from proposers' clocks: one in the future leaves the whole delay.
  uint64_t timer_delay_ms(const consensus::ActSetTimer& t) const {
    if (t.from_block_time_us <= 0) return t.delay_ms;
    const int64_t passed_ms = (m_clock.now_us() - t.from_block_time_us) / 1000;
    if (passed_ms <= 0) return t.delay_ms;
    return static_cast<uint64_t>(passed_ms) >= t.delay_ms ? 0 : t.delay_ms - static_cast<uint64_t>(passed_ms);
  }

  void set_timer(const consensus::Timer& t, uint64_t delay_ms) {
    std::lock_guard lock(m_loop_mutex);
    m_timers.emplace(m_clock.monotonic_us() + static_cast<int64_t>(delay_ms) * 1000, t);
  }

  void run(consensus::Actions actions) {
    // Actions run in order; an ActPersist is on disk before the actions after it (votes, proposals)
    // leave the node. Actions may produce more actions (a built proposal is fed back to the engine).
    for (size_t i = 0; i < actions.size(); ++i) {
      consensus::Action a = std::move(actions[i]);
      consensus::Actions more;
      int64_t t0 = m_clock.monotonic_us();
      auto ms = [&] { return static_cast<double>(m_clock.monotonic_us() - t0) / 1000.0; };
      if (auto* t = std::get_if<consensus::ActSetTimer>(&a)) {
        set_timer(t->timer, timer_delay_ms(*t));
      } else if (auto* b = std::get_if<consensus::ActBuildProposal>(&a)) {
        auto block = build_proposal(*b);
        // Encoded once, for the record and for the broadcast that follows the vote.
        m_built_encoding = {block->hash(), block->encode()};
        record_proposal(*block, m_built_encoding.second);
        CX_DEBUG(kLog, "built " << b->height << "/" << b->round << " with " << block->txs.size() << " txs in " << ms() << " ms");
        more = m_engine->on_proposal(block, /*contents_valid=*/true);
      } else if (auto* e = std::get_if<consensus::ActExecute>(&a)) {
        drop_inflight_from(e->block->header.height);  // a lower branch, if the engine switched
        record_certified(*e->block, e->qc);
        double recorded = ms();
        execute(e->block, e->qc);
        CX_DEBUG(kLog, "certified " << e->block->header.height << "/" << e->block->header.round << " ("
                                    << e->block->txs.size() << " txs): recorded in " << recorded << " ms, executed in "
                                    << ms() - recorded << " ms");
        more = m_engine->on_block_executed(e->block->hash());
        deliver_buffered_proposals(e->block->hash(), more);
      } else if (auto* c = std::get_if<consensus::ActCommit>(&a)) {
        commit(c->block, c->qc);
        CX_DEBUG(kLog, "commit of " << c->block->header.height << " handed over in " << ms() << " ms");
      } else if (auto* p = std::get_if<consensus::ActPersist>(&a)) {
        storage::WriteBatch batch;
        batch.put(kRecordsColumn, as_bytes("wal"), p->record);
        if (auto s = m_records->write(batch, storage::Durability::kSync); !s) fatal("consensus log write failed: " + s.message());
        CX_DEBUG(kLog, "vote record fsync'd in " << ms() << " ms");
      } else if (auto* bp = std::get_if<consensus::ActBroadcastProposal>(&a)) {
        if (m_network) {
          bool built = m_built_encoding.first == bp->block->hash();
          Bytes encoded = built ? std::move(m_built_encoding.second) : bp->block->encode();
          m_built_encoding = {};
          m_network->broadcast({p2p::MessageType::kProposal, wire::encode_proposal(*bp->block, encoded)});
        }
      } else if (auto* bv = std::get_if<consensus::ActBroadcastVote>(&a)) {
        if (m_network) m_network->broadcast({p2p::MessageType::kVote, bv->vote.encode()});
      } else if (auto* sy = std::get_if<consensus::ActSync>(&a)) {
        request_sync(std::nullopt, sy->height);
      }
      for (auto& m : more) actions.push_back(std::move(m));
    }
  }

  // Recorded before the block is used as a parent, so a process crash (SIGKILL, OOM, abort) never takes a
  // certified block away from every honest node. One record per height ("chain/<height>"); records
  // above it belong to a branch the engine left and go in the same write. Not fsync'd: that cost ~15%
  // of single-validator throughput (measured with `complexchain bench`), and it only adds cover for
  // every holder losing power at once. Safety does not depend on it (votes are fsync'd in the WAL;
  // committed blocks in their batch, which also deletes the block's record).
  void record_certified(const core::Block& block, const core::QuorumCertificate& qc) {
    codec::Writer w;
    w.bytes(block.encode());
    w.bytes(qc.encode());
    storage::WriteBatch batch;
    uint64_t h = block.header.height;
    batch.put(kRecordsColumn, chain_key(h), w.out());
    for (uint64_t above = h + 1; above <= m_recorded_top; ++above) batch.del(kRecordsColumn, chain_key(above));
    m_recorded_top = h;
    if (auto s = m_records->write(batch, storage::Durability::kNoSync); !s) fatal("certified-chain record write failed: " + s.message());
  }

  // ---- messages from peers ----

  void handle(const NetEvent& ev) {
    if (ev.peer_up) {
      m_network->send(ev.from, {p2p::MessageType::kStatus, wire::encode(my_status())});
      return;
    }
    const Bytes& payload = ev.message.payload;
    switch (ev.message.type) {
      case p2p::MessageType::kProposal: {
        int64_t t0 = m_clock.monotonic_us();
        auto p = wire::decode_proposal(payload);
        if (!p) {
          CX_WARN(kLog, "bad proposal message from " << ev.from.to_string());
          return;
        }
        auto b = core::Block::decode(p->block, [&](size_t i, std::string_view) -> TxPtr {
          return i < p->tx_hashes.size() ? m_mempool->find(p->tx_hashes[i]) : nullptr;
        });
        CX_DEBUG(kLog, "proposal of " << payload.size() << " bytes decoded in " << (m_clock.monotonic_us() - t0) / 1000.0 << " ms");
        if (!b) {
          CX_WARN(kLog, "bad proposal from " << ev.from.to_string() << ": " << b.message());
          return;
        }
        on_peer_proposal(ev.from, std::make_shared<const core::Block>(std::move(b).value()), p->block);
        return;
      }
      case p2p::MessageType::kVote: {
        auto v = core::Vote::decode(payload);
        if (!v) {
          CX_WARN(kLog, "bad vote from " << ev.from.to_string());
          return;
        }
        run(m_engine->on_vote(*v));
        return;
      }
      case p2p::MessageType::kTxs:  // handled on the gossip thread (enqueue_gossip)
        return;
      case p2p::MessageType::kBlockRequest:
        serve_blocks(ev.from, payload);
        return;
      case p2p::MessageType::kBlockResponse:
        apply_synced_blocks(ev.from, payload);
        return;
      case p2p::MessageType::kStatus: {
        auto st = wire::decode_status(payload);
        if (!st) return;
        if (st->committed_height > last_height() + 1 || st->candidate_height > next_height() ) {
          request_sync(ev.from, st->candidate_height);
        }
        return;
      }
    }
  }

  wire::Status my_status() const {
    std::shared_lock lock(m_head_mutex);
    wire::Status s;
    s.committed_height = m_head_block->header.height;
    s.candidate_height = s.committed_height;
    for (const auto& [hash, f] : m_inflight) s.candidate_height = std::max(s.candidate_height, f.block->header.height);
    return s;
  }

  // Height of the next block to agree on: one above the candidate (or the committed head).
  uint64_t next_height() const { return my_status().candidate_height + 1; }

  // The block a proposal must extend if it is to be judged now: our candidate or committed head.
  std::optional<std::pair<BlockPtr, core::ExecResult>> executed_block(const Hash32& hash) const {
    std::shared_lock lock(m_head_mutex);
    if (auto it = m_inflight.find(hash); it != m_inflight.end() && it->second.executed)
      return std::make_pair(it->second.block, it->second.result);
    if (m_head_block->hash() == hash) return std::make_pair(m_head_block, m_head_result);
    return std::nullopt;
  }

  // `encoded`: the block's bytes if at hand (Block::encode() form), so recording it costs no encode.
  void on_peer_proposal(std::optional<core::Address> from, const BlockPtr& block, BytesView encoded = {}) {
    uint64_t h = block->header.height;
    if (h <= last_height()) return;  // old news
    if (!executed_block(block->header.prev_hash)) {
      // Its parent is not certified here yet (its votes may still be on the way): keep it a little,
      // and let the engine see the QC it carries, which may certify the parent right now.
      if (h > next_height() + 1) request_sync(from, h - 1);
      if (m_buffered_proposals.size() >= kBufferedProposalsMax) m_buffered_proposals.erase(m_buffered_proposals.begin());
      m_buffered_proposals.emplace(block->header.prev_hash, block);
      run(m_engine->on_proposal(block, std::nullopt));
      return;
    }
    int64_t t0 = m_clock.monotonic_us();
    bool valid = judge_proposal(*block, encoded);
    CX_DEBUG(kLog, "proposal " << h << "/" << block->header.round << " (" << block->txs.size() << " txs) checked in "
                               << (m_clock.monotonic_us() - t0) / 1000.0 << " ms: " << (valid ? "valid" : "invalid"));
    run(m_engine->on_proposal(block, valid));
  }

  // check_proposal(), and a valid proposal is recorded before the engine can vote for it.
  bool judge_proposal(const core::Block& b, BytesView encoded = {}) {
    bool valid = check_proposal(b);
    if (valid) record_proposal(b, encoded);
    return valid;
  }

  static Bytes proposal_key(uint32_t round, const Hash32& hash) {
    codec::Writer w;
    w.raw(as_bytes("proposal/"));
    w.u32(round);
    w.fixed(hash);
    return w.take();
  }

  // The body of a proposal this node may vote for, kept until a block of its round or a later one is
  // committed. Written before the engine sees the verdict, so before any vote for it is signed; the
  // vote's write-ahead record is fsync'd after it, which makes this write durable too. Without it, a
  // block certified while every honest holder of its body crashed could never be fetched by anyone
  // (found by cx_sim, seeds 1181 and 2795). Only the round's leader's proposals are recorded (the
  // engine ignores anyone else's), at most kProposalRecordsPerRound per round (a leader equivocating)
  // and kProposalRecordRoundsMax rounds; when full, the farthest round gives way to a nearer one, so
  // proposals for far-future rounds cannot crowd out the ones this node votes on.
  void record_proposal(const core::Block& b, BytesView encoded = {}) {
    const auto& validators = m_options.params.validators;
    uint32_t round = b.header.round;
    if (validators.empty() || b.header.proposer != validators[round % validators.size()]) return;
    Hash32 hash = b.hash();
    storage::WriteBatch batch;
    auto it = m_recorded_proposals.find(round);
    if (it == m_recorded_proposals.end()) {
      if (m_recorded_proposals.size() >= kProposalRecordRoundsMax) {
        auto farthest = std::prev(m_recorded_proposals.end());
        if (farthest->first < round) return;
        for (const auto& h : farthest->second) batch.del(kRecordsColumn, proposal_key(farthest->first, h));
        m_recorded_proposals.erase(farthest);
      }
      it = m_recorded_proposals.emplace(round, std::set<Hash32>{}).first;
    }
    if (it->second.contains(hash) || it->second.size() >= kProposalRecordsPerRound) return;
    batch.put(kRecordsColumn, proposal_key(round, hash), encoded.empty() ? b.encode() : Bytes(encoded.begin(), encoded.end()));
    if (auto st = m_records->write(batch, storage::Durability::kNoSync); !st) fatal("proposal record write failed: " + st.message());
    it->second.insert(hash);
  }

  // Proposal records left by an earlier run above the committed head's round; older ones are deleted.
  std::vector<BlockPtr> persisted_proposals() {
    std::vector<BlockPtr> out;
    storage::WriteBatch stale;
    uint32_t committed_round = head_block()->header.round;
    BytesView prefix = as_bytes("proposal/");
    auto st = m_records->scan(kRecordsColumn, prefix, [&](BytesView key, BytesView value) {
      if (key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), key.begin())) return false;
      auto b = core::Block::decode(value);
      if (!b || b->header.round <= committed_round) {
        stale.del(kRecordsColumn, key);
        return true;
      }
      m_recorded_proposals[b->header.round].insert(b->hash());
      out.push_back(std::make_shared<const core::Block>(std::move(b).value()));
      return true;
    });
    if (!st) fatal("reading the proposal records: " + st.message());
    if (auto w = m_records->write(stale, storage::Durability::kNoSync); !w) fatal("proposal record cleanup failed: " + w.message());
    if (!out.empty()) CX_INFO(kLog, "restored " << out.size() << " recorded proposal(s)");
    return out;
  }

  void deliver_buffered_proposals(const Hash32& parent, consensus::Actions& out) {
    auto range = m_buffered_proposals.equal_range(parent);
    std::vector<BlockPtr> ready;
    for (auto it = range.first; it != range.second; ++it) ready.push_back(it->second);
    m_buffered_proposals.erase(range.first, range.second);
    for (const auto& b : ready) {
      bool valid = judge_proposal(*b);
      for (auto& a : m_engine->on_proposal(b, valid)) out.push_back(std::move(a));
    }
  }

  // Contents of a peer's proposal, checked before the engine votes on it. The engine checks the
  // consensus fields (height, round, leader, parent QC).
  bool check_proposal(const core::Block& b) {
    const auto& p = m_options.params;
    const auto& h = b.header;
    auto why = [&](const std::string& reason) {
      CX_WARN(kLog, "proposal " << h.height << "/" << h.round << " by " << h.proposer.to_string() << " is invalid: " << reason);
      return false;
    };
    auto parent = executed_block(h.prev_hash);
    if (!parent) return why("its parent is unknown");
    auto signer = crypto::recover(h.hash(), b.proposer_signature);
    if (!signer || core::Address::of_public_key(*signer) != h.proposer) return why("proposer signature does not match");
    if (h.prev_result != parent->second) return why("prev_result differs from this node's execution of the parent");
    if (h.validators_hash != core::validators_hash(p.validators)) return why("validators_hash does not match the channel");
    if (h.timestamp_us <= parent->first->header.timestamp_us) return why("timestamp does not advance");
    if (h.timestamp_us > m_clock.now_us() + p.tx_timestamp_window_us) return why("timestamp is too far in the future");
    if (b.txs.size() > p.block_tx_max) return why("too many txs");
    std::set<Hash32> seen;
    for (const auto& tx : b.txs) {
      if (tx->nid != p.nid) return why("tx 0x" + tx->hash.hex() + " has another nid");
      int64_t diff = tx->timestamp_us - h.timestamp_us;
      if (diff > p.tx_timestamp_window_us || -diff > p.tx_timestamp_window_us)
        return why("tx 0x" + tx->hash.hex() + " is outside the time window of the block");
      if (!seen.insert(tx->hash).second) return why("tx 0x" + tx->hash.hex() + " appears twice");
      if (committed_or_certified(tx->hash)) return why("tx 0x" + tx->hash.hex() + " is already on the chain");
    }
    auto verdicts = m_mempool->verify(b.txs);
    for (size_t i = 0; i < verdicts.size(); ++i)
      if (verdicts[i]) return why("tx 0x" + b.txs[i]->hash.hex() + ": " + verdicts[i]->detail);
    return true;
  }

  // On the chain, or in a certified in-flight block (not in a mere proposal).
  bool committed_or_certified(const Hash32& tx_hash) const {
    {
      std::shared_lock lock(m_head_mutex);
      auto it = m_inflight_txs.find(tx_hash);
      if (it != m_inflight_txs.end() && it->second.first && m_inflight.count(it->second.first->hash())) return true;
    }
    return m_store.tx_position(tx_hash).has_value();
  }

  // ---- tx gossip ----

  void queue_gossip(std::vector<core::TxPtr> txs) {
    if (!m_network || txs.empty()) return;
    std::lock_guard lock(m_gossip_mutex);
    for (auto& t : txs) {
      if (m_gossip.size() >= kGossipQueueMax) break;  // peers still get them from the block
      m_gossip.push_back(std::move(t));
    }
  }

  void flush_gossip() {
    std::vector<core::TxPtr> out;
    {
      std::lock_guard lock(m_gossip_mutex);
      out.swap(m_gossip);
    }
    for (size_t i = 0; i < out.size(); i += wire::kGossipTxsMax) {
      std::vector<core::TxPtr> chunk(out.begin() + static_cast<long>(i),
                                     out.begin() + static_cast<long>(std::min(out.size(), i + wire::kGossipTxsMax)));
      m_network->broadcast({p2p::MessageType::kTxs, wire::encode_txs(chunk)});
    }
  }

  void on_gossiped_txs(const core::Address& from, const Bytes& payload) {
    auto jsons = wire::decode_txs(payload);
    if (!jsons) {
      CX_WARN(kLog, "bad tx gossip from " << from.to_string());
      return;
    }
    std::vector<core::TxPtr> txs;
    txs.reserve(jsons->size());
    for (const auto& j : *jsons) {
      auto r = core::parse_transaction_json(j);
      if (auto* tx = std::get_if<core::Transaction>(&r)) txs.push_back(std::make_shared<const core::Transaction>(std::move(*tx)));
    }
    // Rejections (duplicates, mostly) are expected: every validator forwards what its clients sent.
    (void)m_mempool->admit(txs);
  }

  // ---- block sync ----

  void request_sync(std::optional<core::Address> peer, uint64_t target) {
    if (!m_network) return;
    int64_t now = m_clock.monotonic_us();
    if (now < m_sync_quiet_until_us) return;  // one request in flight at a time
    m_sync_quiet_until_us = now + 500'000;
    if (!peer) {
      auto peers = m_network->connected();
      if (peers.empty()) return;
      peer = peers[m_sync_rr++ % peers.size()];
    }
    wire::BlockRequest q{last_height() + 1, static_cast<uint32_t>(wire::kSyncBlocksMax)};
    CX_INFO(kLog, "behind: asking " << peer->to_string() << " for blocks from " << q.from_height << " (target " << target << ")");
    m_network->send(*peer, {p2p::MessageType::kBlockRequest, wire::encode(q)});
  }

  void serve_blocks(const core::Address& from, const Bytes& payload) {
    auto q = wire::decode_block_request(payload);
    if (!q) return;
    std::vector<wire::CertifiedBlock> out;
    uint64_t last = last_height();
    size_t bytes = 0;
    for (uint64_t h = q->from_height; h <= last && out.size() < q->count && bytes < (8u << 20); ++h) {
      auto b = block_by_height(h);
      auto r = m_store.result_at(h);
      if (!b || !r) break;
      wire::CertifiedBlock c{b->encode(), r->qc.encode()};
      bytes += c.block.size();
      out.push_back(std::move(c));
    }
    // The certified chain above it too (certified, so safe to adopt; the requester works out from
    // the rounds which of it is final), in height order.
    if (q->from_height <= last + 1) {
      for (const auto& c : certified_chain()) {
        if (out.size() >= q->count) break;
        out.push_back({c.block->encode(), c.qc.encode()});
      }
    }
    if (!out.empty()) m_network->send(from, {p2p::MessageType::kBlockResponse, wire::encode(out)});
  }

  // A QC certifies `block` if it is a valid QC (consensus::verify_qc) for exactly this block and height.
  bool certifies(const core::QuorumCertificate& qc, const core::Block& block) const {
    return qc.block_hash == block.hash() && qc.height == block.header.height &&
           consensus::verify_qc(qc, m_options.params.validators);
  }

  void apply_synced_blocks(const core::Address& from, const Bytes& payload) {
    auto blocks = wire::decode_block_response(payload);
    if (!blocks) {
      CX_WARN(kLog, "bad block response from " << from.to_string());
      return;
    }
    m_sync_quiet_until_us = 0;
    // The committed head must be current: a block already handed to the commit thread but not yet
    // written would otherwise count as above the head and be committed a second time.
    wait_commits();
    // Each block is checked (QC, parent link, execution result of its parent) before it is used.
    std::vector<consensus::CertifiedBlock> certified;
    for (const auto& c : *blocks) {
      auto b = core::Block::decode(c.block);
      auto qc = core::QuorumCertificate::decode(c.qc);
      if (!b || !qc || !certifies(*qc, *b)) {
        CX_WARN(kLog, "block response from " << from.to_string() << " holds an uncertified block; ignored");
        return;
      }
      certified.push_back({std::make_shared<const core::Block>(std::move(b).value()), std::move(*qc)});
    }
    // Keep the run that continues our committed head.
    size_t first = 0;
    while (first < certified.size() && certified[first].block->header.height <= last_height()) ++first;
    std::vector<consensus::CertifiedBlock> run_blocks;
    Hash32 parent = head_block()->hash();
    for (size_t i = first; i < certified.size(); ++i) {
      if (certified[i].block->header.prev_hash != parent) break;
      parent = certified[i].block->hash();
      run_blocks.push_back(std::move(certified[i]));
    }
    if (run_blocks.empty()) return;
    // What is final, by the commit rule (engine.hpp): everything below the last block whose parent
    // was certified in the round right before it. The rest is certified but not final; it is
    // adopted only if the response was complete (else more of it follows) and it ends in a higher
    // round than our own certified chain.
    size_t final_count = 0;
    for (size_t i = 1; i < run_blocks.size(); ++i)
      if (consensus::certifying_finalises_parent(*run_blocks[i].block)) final_count = i;
    bool complete = blocks->size() < wire::kSyncBlocksMax;
    bool adopt_rest = complete && run_blocks.back().qc.round > chain_top_round();
    size_t use = adopt_rest ? run_blocks.size() : final_count;
    if (use == 0) return;
    for (size_t i = 0; i < use; ++i) {
      const auto& [block, qc] = run_blocks[i];
      uint64_t h = block->header.height;
      if (!executed_block(block->hash())) {
        auto parent_exec = executed_block(block->header.prev_hash);
        if (!parent_exec || block->header.prev_result != parent_exec->second) {
          CX_ERROR(kLog, "synced block " << h << " disagrees with this node's execution of its parent; not applied");
          break;
        }
        drop_inflight_from(h);
        record_certified(*block, qc);
        execute(block, qc);
      }
      if (i < final_count) commit(block, qc);
    }
    wait_commits();  // the tip below is read from the head
    consensus::ChainTip tip;
    {
      std::shared_lock lock(m_head_mutex);
      tip.committed = m_head_block;
      tip.committed_qc = m_head_qc;
    }
    tip.chain = certified_chain();
    CX_INFO(kLog, "synced to height " << tip.committed->header.height << " (+ " << tip.chain.size() << " certified)");
    run(m_engine->on_synced(tip));
    if (!complete) request_sync(from, 0);
  }

  // The certified, not final blocks above the committed head, in height order.
  std::vector<consensus::CertifiedBlock> certified_chain() const {
    std::shared_lock lock(m_head_mutex);
    std::vector<consensus::CertifiedBlock> chain;
    for (const auto& [hash, f] : m_inflight)
      if (f.executed) chain.push_back({f.block, f.qc});
    std::sort(chain.begin(), chain.end(),
              [](const auto& a, const auto& b) { return a.block->header.height < b.block->header.height; });
    return chain;
  }

  // The round of the top of our certified chain (or of the committed head).
  uint32_t chain_top_round() const {
    auto chain = certified_chain();
    return chain.empty() ? head_block()->header.round : chain.back().qc.round;
  }

  // Forgets in-flight blocks at `height` and above (a branch the network left); their txs go back
  // to the pool unless they are also in the block replacing them.
  void drop_inflight_from(uint64_t height) {
    std::vector<TxPtr> abandoned;
    {
      std::unique_lock lock(m_head_mutex);
      for (auto it = m_inflight.begin(); it != m_inflight.end();) {
        if (it->second.block->header.height >= height) {
          for (const auto& tx : it->second.block->txs) {
            m_inflight_txs.erase(tx->hash);
            abandoned.push_back(tx);
          }
          it = m_inflight.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (!abandoned.empty()) m_mempool->restore(abandoned);
  }

  [[noreturn]] void fatal(const std::string& why) const {
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
      // So is one already in flight or on the chain (the pool guards against that too; a block
      // holding such a tx would be refused by every peer, so it is checked again here).
      if (diff > p.tx_timestamp_window_us || -diff > p.tx_timestamp_window_us || m_inflight_txs.count(tx->hash) ||
          m_store.tx_position(tx->hash)) {
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
    m_own_proposals.emplace(out->header.height, out);
    if (dropped) CX_WARN(kLog, "dropped " << dropped << " txs whose timestamp left the window or that are on the chain already");
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
    std::vector<TxPtr> abandoned;
    {
      std::unique_lock lock(m_head_mutex);
      for (uint32_t i = 0; i < block->txs.size(); ++i) m_inflight_txs[block->txs[i]->hash] = {block, i};
      m_inflight[block->hash()] = std::move(f);
      // Our own proposals at this height or below that lost: their txs go back to the pool.
      for (auto it = m_own_proposals.begin(); it != m_own_proposals.end() && it->first <= block->header.height;) {
        const BlockPtr& mine = it->second;
        if (mine->hash() != block->hash()) {
          for (const auto& tx : mine->txs) {
            auto t = m_inflight_txs.find(tx->hash);
            if (t != m_inflight_txs.end() && t->second.first == mine) {
              m_inflight_txs.erase(t);
              abandoned.push_back(tx);
            }
          }
        }
        it = m_own_proposals.erase(it);
      }
    }
    if (!abandoned.empty()) m_mempool->restore(abandoned);
    // Txs of a peer's block leave our pool: they are in flight now.
    std::vector<Hash32> included;
    included.reserve(block->txs.size());
    for (const auto& tx : block->txs) included.push_back(tx->hash);
    m_mempool->remove(included);
  }

  // ---- commit ----
  //
  // A final block is written by its own thread: the write (thousands of keys and an fsync) took as
  // long as executing the block, and on the channel thread it delayed every round by that much.
  // Until its write is done the block stays in m_inflight (executed, with its result), so the
  // channel thread sees no gap; the commit thread then moves the head and drops it from m_inflight
  // in one step under m_head_mutex. Commits are written in the order the engine decided them.

  struct CommitJob {
    BlockPtr block;
    core::QuorumCertificate qc;
    std::vector<Bytes> stale_records;  // proposal records the commit makes obsolete
  };

  // Channel thread: hands the commit over (waits while kCommitQueueMax are queued: back-pressure).
  void commit(const BlockPtr& block, const core::QuorumCertificate& qc) {
    CX_ASSERT_MSG(block->header.height == m_handed_height + 1, "commits are handed over once each, in height order");
    m_handed_height = block->header.height;
    CommitJob job{block, qc, {}};
    auto last_kept = m_recorded_proposals.upper_bound(block->header.round);
    for (auto it = m_recorded_proposals.begin(); it != last_kept; ++it)
      for (const auto& hash : it->second) job.stale_records.push_back(proposal_key(it->first, hash));
    m_recorded_proposals.erase(m_recorded_proposals.begin(), last_kept);
    std::unique_lock lock(m_commit_mutex);
    m_commit_done_cv.wait(lock, [&] { return m_commit_queue.size() < kCommitQueueMax; });
    m_commit_queue.push_back(std::move(job));
    m_commit_cv.notify_one();
  }

  // Until every commit handed over so far is written (sync, which must see the head move).
  void wait_commits() {
    std::unique_lock lock(m_commit_mutex);
    m_commit_done_cv.wait(lock, [&] { return m_commit_queue.empty() && !m_commit_busy; });
  }

  void commit_loop() {
    std::unique_lock lock(m_commit_mutex);
    while (true) {
      m_commit_cv.wait(lock, [&] { return m_commit_stop || !m_commit_queue.empty(); });
      if (m_commit_queue.empty()) return;  // stopping, and nothing is left to write
      CommitJob job = std::move(m_commit_queue.front());
      m_commit_queue.pop_front();
      m_commit_busy = true;
      lock.unlock();
      persist_commit(job);
      lock.lock();
      m_commit_busy = false;
      m_commit_done_cv.notify_all();
    }
  }

  // Commit thread.
  void persist_commit(const CommitJob& job) {
    int64_t t0 = m_clock.monotonic_us();
    const BlockPtr& block = job.block;
    InFlight f;
    {
      std::shared_lock lock(m_head_mutex);
      auto it = m_inflight.find(block->hash());
      CX_ASSERT_MSG(it != m_inflight.end() && it->second.executed, "commit of a block that was not executed");
      CX_ASSERT(block->header.prev_hash == m_head_block->hash());
      f = it->second;
    }
    storage::WriteBatch batch;
    m_store.stage_block(*block, *f.receipts, CommittedResult{f.result, job.qc}, batch);
    m_state->stage_commit(f.result.state_root, batch);
    int64_t tw = m_clock.monotonic_us();
    if (auto s = m_kv->write(batch, storage::Durability::kSync); !s) fatal("block commit write failed: " + s.message());
    // The records the block made obsolete go once it is on disk; a crash in between leaves them
    // behind, and start() deletes them (they are below the committed head).
    storage::WriteBatch obsolete;
    obsolete.del(kRecordsColumn, chain_key(block->header.height));
    for (const auto& key : job.stale_records) obsolete.del(kRecordsColumn, key);
    if (auto s = m_records->write(obsolete, storage::Durability::kNoSync); !s) fatal("consensus record cleanup failed: " + s.message());
    int64_t tp = m_clock.monotonic_us();
    m_state->on_persisted(f.result.state_root);
    {
      std::unique_lock lock(m_head_mutex);
      m_head_block = block;
      m_head_result = f.result;
      m_head_qc = job.qc;
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
    notify(block, f.receipts);
    auto ms = [](int64_t a, int64_t b) { return static_cast<double>(b - a) / 1000.0; };
    CX_DEBUG(kLog, "committed " << block->header.height << " (" << block->txs.size() << " txs, " << batch.size()
                                << " keys, " << batch.byte_size() << " bytes): staged in " << ms(t0, tw)
                                << " ms, written in " << ms(tw, tp) << " ms, published in " << ms(tp, m_clock.monotonic_us())
                                << " ms");
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
  // Consensus records (vote record, certified chain, proposals) in a store of their own: their small
  // writes, on the round's critical path, never queue behind a block commit's write and fsync there.
  std::unique_ptr<storage::KvStore> m_records;
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

  static constexpr size_t kEventsMax = 100000;
  static constexpr size_t kBufferedProposalsMax = 64;
  static constexpr size_t kGossipQueueMax = 200000;

  std::unique_ptr<p2p::Network> m_network;
  std::multimap<Hash32, BlockPtr> m_buffered_proposals;  // waiting for their parent; channel thread only
  std::multimap<uint64_t, BlockPtr> m_own_proposals;     // proposed here, not yet certified (m_head_mutex)
  int64_t m_sync_quiet_until_us = 0;                     // channel thread only
  uint64_t m_handed_height = 0;  // highest height handed to the commit thread; channel thread
  uint64_t m_recorded_top = 0;  // highest "chain/<height>" record written; channel thread
  std::pair<Hash32, Bytes> m_built_encoding;  // Block::encode() of the proposal built last; channel thread
  static constexpr size_t kProposalRecordsPerRound = 4;
  static constexpr size_t kProposalRecordRoundsMax = 64;
  std::map<uint32_t, std::set<Hash32>> m_recorded_proposals;  // "proposal/<round><hash>" records; channel thread
  size_t m_sync_rr = 0;

  std::mutex m_gossip_mutex;
  std::vector<core::TxPtr> m_gossip;

  static constexpr size_t kAdmitQueueBytesMax = 64u << 20;
  std::mutex m_admit_mutex;
  std::condition_variable m_admit_cv;
  std::deque<std::pair<core::Address, Bytes>> m_admit_queue;  // tx gossip waiting for admission
  size_t m_admit_bytes = 0;
  uint64_t m_gossip_dropped = 0;
  bool m_admit_stop = false;
  std::thread m_admit_thread;

  static constexpr size_t kCommitQueueMax = 4;
  std::mutex m_commit_mutex;
  std::condition_variable m_commit_cv;       // work for the commit thread
  std::condition_variable m_commit_done_cv;  // a commit finished (room in the queue, or drained)
  std::deque<CommitJob> m_commit_queue;
  bool m_commit_busy = false;
  bool m_commit_stop = false;
  std::thread m_commit_thread;

  std::mutex m_loop_mutex;
  std::deque<NetEvent> m_events;
  uint64_t m_events_dropped = 0;
  std::condition_variable m_loop_cv;
  std::multimap<int64_t, consensus::Timer> m_timers;
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace

Result<std::unique_ptr<Channel>> Channel::open(const ChannelOptions& options, Clock& clock) {
  std::unique_ptr<storage::KvStore> kv, records;
  storage::Schema schema;
  ChainStore::add_columns(schema);
  schema.add(state::kTrieNodesColumn);
  const storage::Schema records_schema{kRecordsColumn};
  if (options.data_dir.empty()) {
    kv = storage::make_memory_store(schema);
    records = storage::make_memory_store(records_schema);
  } else {
    auto r = storage::open_rocksdb(options.data_dir, schema, options.rocks);
    if (!r) return r.status();
    kv = std::move(r.value());
    // A few small keys, rewritten each round: small memtables and cache.
    storage::RocksOptions ro;
    ro.block_cache_bytes = 8u << 20;
    ro.write_buffer_bytes = 8u << 20;
    ro.memtable_bytes_total = 32u << 20;
    auto rr = storage::open_rocksdb(options.data_dir + "/consensus", records_schema, ro);
    if (!rr) return rr.status();
    records = std::move(rr.value());
  }
  auto ch = std::make_unique<ChannelImpl>(options, clock, std::move(kv), std::move(records));
  if (auto s = ch->init(); !s) return s;
  return std::unique_ptr<Channel>(std::move(ch));
}

}  // namespace cx::channel
