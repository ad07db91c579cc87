// The channel's runtime: the deterministic ChannelCore wired to threads, RocksDB and TCP. Each piece is
// named after what it does (docs/threads.md): the event loop (the core's thread), the commit pipeline,
// the gossip intake, the chain reader (RPC reads), the watchers, the records store.
#include "channel/channel.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "base/log.hpp"
#include "base/mutex.hpp"
#include "channel/chain_reads.hpp"
#include "channel/commit_pipeline.hpp"
#include "channel/core.hpp"
#include "channel/event_loop.hpp"
#include "channel/explorer_index.hpp"
#include "channel/gossip_intake.hpp"
#include "channel/index_rebuild.hpp"
#include "channel/metrics.hpp"
#include "channel/watchers.hpp"
#include "governance/governance.hpp"

namespace cx::channel {
namespace {

constexpr const char* kLog = "channel";

struct Stores {
  std::unique_ptr<storage::KvStore> kv;
  // Consensus records in a store of their own: their small writes, on the round's critical path, never
  // queue behind a block commit's write and fsync.
  std::unique_ptr<storage::KvStore> records;
};

// The columns of a channel's stores, each declared by the module that owns its keys.
storage::Schema chain_schema(const ChannelOptions& o) {
  storage::Schema schema = ledger_schema();
  for (const auto& index : o.indexes) index.add_columns(schema);
  return schema;
}

Result<Stores> open_stores(const ChannelOptions& o) {
  Stores s;
  const storage::Schema schema = chain_schema(o);
  const storage::Schema records = records_schema();
  if (o.data_dir.empty()) {
    s.kv = storage::make_memory_store(schema);
    s.records = storage::make_memory_store(records);
    return s;
  }
  auto kv = storage::open_rocksdb(o.data_dir, schema, o.rocks);
  if (!kv) return kv.status();
  s.kv = std::move(kv.value());
  // A few small keys, rewritten each round: small memtables and cache.
  storage::RocksOptions ro;
  ro.block_cache_bytes = 8u << 20;
  ro.write_buffer_bytes = 8u << 20;
  ro.memtable_bytes_total = 32u << 20;
  auto opened = storage::open_rocksdb(o.data_dir + "/consensus", records, ro);
  if (!opened) return opened.status();
  s.records = std::move(opened.value());
  return s;
}

// The wiring, in dependency order; members are destroyed in reverse, which is the shutdown order.
class ChannelImpl final : public Channel, private p2p::Handler {
 public:
  ChannelImpl(const ChannelOptions& o, Clock& clock, Stores stores)
      : m_options(o), m_clock(clock), m_kv(std::move(stores.kv)), m_records_kv(std::move(stores.records)),
        m_chain(*m_kv), m_records(*m_records_kv), m_state(state::make_world_state(*m_kv)),
        m_executor(m_options.params, *m_state), m_writer(*m_kv, m_chain, *m_state, m_records),
        m_reads(m_options.params, m_chain, *m_state, clock, {o.recent_blocks_cached, o.recent_txs_cached}),
        m_watchers(m_reads) {
    if (m_options.network)
      for (const auto& p : m_options.network->peers) m_configured_peers.emplace(p.id, p);  // the first listed wins
    for (const auto& index : m_options.indexes) {
      m_indexes.push_back(index.make(*m_kv));
      m_writer.add_subscriber(*m_indexes.back());
    }
    m_explorer = has_explorer_columns(*m_kv);
  }

  ~ChannelImpl() override { stop(); }

  Status init() {
    const auto& p = m_options.params;
    const auto self = core::Address::of_public_key(*crypto::public_key_of(m_options.node_key));
    const auto& vals = p.validators;
    const auto role = p.role_of(self);
    if (!role && vals.size() < 2)
      return Status::error("this node (" + self.to_string() + ") is not a member of channel " + p.channel +
                           ": it is neither a validator nor in the genesis 'members' (docs/membership.md)");
    if (!role)
      CX_WARN(kLog, p.channel << ": this node (" << self.to_string() << ") is not a member at genesis: its peers admit it "
                              << "once governance does (addMember, grantAudit); until then it receives nothing "
                              << "(docs/membership.md)");
    if (role == core::MemberRole::kClient)
      return Status::error("this node's key (" + self.to_string() + ") is a client member of channel " + p.channel +
                           ", which runs no node; a node needs a validator's or a follower's key");
    m_self = self;
    m_follower = role != core::MemberRole::kValidator;
    m_transacting = role.has_value();
    if (m_follower && vals.size() < 2)
      return Status::error("this node is a follower of channel " + p.channel +
                           ", which has a single validator; followers need a channel of at least 2 validators");
    if ((vals.size() > 1 || m_follower) && !m_options.network)
      return Status::error("channel " + p.channel + " has " + std::to_string(vals.size()) +
                           " validators: the node needs p2p settings (listen address and peers)");
    auto head = open_chain(p, m_options.data_dir.empty() ? "(memory)" : m_options.data_dir, *m_kv, m_chain, *m_state, m_records);
    if (!head) return head.status();
    m_head = std::move(head.value());
    m_head_schedule = schedule_at_head();
    if (auto s = catch_up_indexes(); !s) return s;
    auto records = m_records.load(*m_head.block);
    if (!records) return records.status();
    m_restored = std::move(records.value());
    if (auto s = consensus::check_records(m_restored.votes, self); !s)
      return Status::error("the vote record in " + m_options.data_dir + "/consensus cannot be used: " + s.message() +
                           ". Without it this validator could sign twice in one round; restore it, or re-create the "
                           "data directory from genesis");
    m_pool = mempool::make_mempool(m_options.mempool, m_reads);
    CoreOptions co;
    co.params = p;
    co.key = m_options.node_key;
    co.round_timeout_ms = m_options.round_timeout_ms;
    co.gossip_interval_ms = m_options.gossip_interval_ms;
    co.status_interval_ms = m_options.status_interval_ms;
    co.block_bytes_max = m_options.block_bytes_max;
    m_core = std::make_unique<ChannelCore>(std::move(co), CoreDeps{m_chain, m_executor, *m_pool},
                                           [this](ViewPtr v) {
                                             note_voters(*v);
                                             note_members(*v);
                                             m_reads.publish_view(std::move(v));
                                           });
    const core::ValidatorSet head_set =
        m_head_schedule ? m_head_schedule->at(m_head.block->header.height) : p.validator_set();
    m_metrics = std::make_unique<ChannelMetrics>(p, *m_pool, *m_head.block, head_set, m_chain.txs_total());
    m_reads.attach(*m_pool, m_head, nullptr);
    m_reads.publish_view(empty_view());
    m_commits = std::make_unique<CommitPipeline>(
        p.channel, m_writer, [this](const CommitJob& job, const CommitWriter::Stats& st) { on_durable(job, st); },
        [this](const std::string& why) { fatal(why); });
    m_loop = std::make_unique<EventLoop>(p.channel, EventLoop::Deps{*m_core, m_records, *m_commits, m_clock, m_metrics.get()},
                                         [this](const std::string& why) { fatal(why); });
    // A follower's engine never signs, and its core relays no votes or proposals (validators would drop
    // them) while it is no validator now or later: governance may promote it (docs/governance.md).
    note_voters_of(m_options.params.validator_set().addresses());
    CX_INFO(kLog, p.channel << ": opened at height " << m_head.block->header.height << ", state root "
                            << m_head.result.state_root.hex());
    return Status::ok();
  }

  void start() override {
    if (m_options.network) {
      auto net = p2p::Network::start(member_network(), *this);
      // A validator that cannot listen cannot take part; fail loudly rather than run alone.
      if (!net) fatal("p2p: " + net.message());
      m_network = std::move(net.value());
      m_gossip = std::make_unique<GossipIntake>(m_options.params.channel, *m_pool);
      m_gossip->start();
      CX_INFO(kLog, m_options.params.channel << ": p2p listening on " << m_options.network->listen_host << ":"
                                             << m_network->port());
    }
    m_commits->start();
    m_loop->start(m_head, std::move(m_restored), m_network.get());
  }

  void stop() override {
    // The core's thread first: every commit it decided is then queued, and the pipeline writes all of
    // them before it stops.
    if (m_loop) m_loop->stop();
    if (m_gossip) m_gossip->stop();
    if (m_commits) m_commits->stop();
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
    if (!m_transacting.load(std::memory_order_acquire)) {
      // An auditor reads and does not transact; a node not (yet) a member reaches no validator.
      const std::string why = "this node (" + m_self.to_string() + ") takes no txs for channel " + m_options.params.channel +
                              ": it is " + (m_auditor.load() ? "an auditor (it reads, it does not transact)" : "not a member now") +
                              "; send the tx to a validator's or a follower's node";
      for (auto& r : out) {
        r.rejection = core::TxRejection{core::TxReject::kNotTransacting, why};
        m_metrics->on_rejected(core::TxReject::kNotTransacting);  // counted like every other refusal
      }
      return out;
    }
    std::vector<core::TxPtr> parsed;
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
    auto verdicts = m_pool->admit(parsed);
    std::vector<core::TxPtr> admitted;
    for (size_t k = 0; k < parsed.size(); ++k) {
      if (!verdicts[k]) admitted.push_back(parsed[k]);
      out[slot[k]].rejection = std::move(verdicts[k]);
    }
    for (const auto& r : out)
      if (r.rejection) m_metrics->on_rejected(r.rejection->reason);
    if (m_network) m_loop->post_txs(std::move(admitted));
    return out;
  }

  uint64_t last_height() const override { return m_reads.last_height(); }
  BlockPtr block_by_height(uint64_t height) const override { return m_reads.block_by_height(height); }
  BlockPtr block_by_hash(const Hash32& hash) const override { return m_reads.block_by_hash(hash); }
  ReceiptsPtr receipts_of(uint64_t height) const override { return m_reads.receipts_of(height); }
  Result<Uint256> balance(const core::Address& a, std::optional<uint64_t> h) const override { return m_reads.balance(a, h); }
  Result<Uint256> total_supply(std::optional<uint64_t> h) const override { return m_reads.total_supply(h); }
  TxLookup lookup_tx(const Hash32& hash) const override { return m_reads.lookup_tx(hash); }
  SubscriptionId watch_tx(const Hash32& hash, std::function<void(const TxLookup&)> fn) override {
    return m_watchers.watch_tx(hash, std::move(fn));
  }
  void unwatch_tx(SubscriptionId id) override { m_watchers.unwatch_tx(id); }
  SubscriptionId subscribe_blocks(std::function<void(const BlockEvent&)> fn) override {
    return m_watchers.subscribe_blocks(std::move(fn));
  }
  void unsubscribe_blocks(SubscriptionId id) override { m_watchers.unsubscribe_blocks(id); }
  Result<contracts::CallResult> call(const contracts::CallRequest& req, std::optional<uint64_t> h) const override {
    return m_reads.call(req, h);
  }
  Result<Uint256> estimate_step(const boost::json::object& tx) const override { return m_reads.estimate_step(tx); }
  Result<std::optional<std::vector<acore::AbiEntry>>> score_api(const core::Address& a,
                                                                std::optional<uint64_t> h) const override {
    return m_reads.score_api(a, h);
  }
  Result<StateProof> state_proof(BytesView key, uint64_t height) const override { return m_reads.state_proof(key, height); }
  Result<std::optional<acore::ContractInfo>> score_status(const core::Address& a, std::optional<uint64_t> h) const override {
    return m_reads.score_status(a, h);
  }
  bool explorer_indexes() const override { return m_explorer; }
  Result<AddressTxsPage> address_txs(const core::Address& a, size_t limit, std::optional<PagePosition> from) const override {
    if (!m_explorer) return ChannelApi::address_txs(a, limit, from);
    return read_address_txs(*m_kv, a, limit, from, last_height());
  }
  Result<TokenTransfersPage> token_transfers(TransfersOf of, const core::Address& a, size_t limit,
                                             std::optional<PagePosition> from) const override {
    if (!m_explorer) return ChannelApi::token_transfers(of, a, limit, from);
    return read_token_transfers(*m_kv, of, a, limit, from, last_height());
  }
  Result<std::vector<TokenHolding>> tokens_of(const core::Address& a) const override {
    if (!m_explorer) return ChannelApi::tokens_of(a);
    return read_tokens(*m_kv, a);
  }
  Result<ValidatorsAt> validators_at(std::optional<uint64_t> height) const override;
  std::vector<const ChannelApi*> served_channels() const override {
    if (!m_options.served_channels) return {this};
    return *m_options.served_channels;
  }
  std::optional<std::string> member_refusal(const core::Address& a) const override {
    const ViewPtr view = m_reads.view();
    if (!view || !view->members) return ChannelApi::member_refusal(a);
    const auto* m = view->members->find(a);
    if (!m) return a.to_string() + " is not a member of channel " + m_options.params.channel;
    if (m->roles == 0 && m->audit_until != 0 && view->members->height >= m->audit_until)
      return a.to_string() + "'s audit of channel " + m_options.params.channel + " ended at height " +
             std::to_string(m->audit_until);
    if (m->suspended)
      return a.to_string() + " is suspended from channel " + m_options.params.channel + " (since final block " +
             std::to_string(view->members->height) + " or before)";
    return std::nullopt;
  }

 private:
  // The p2p allow-list is the channel's members (genesis): the configured peers that are members (the
  // ones this node dials), then every other member, waited for (port 0). A configured peer that is not a
  // member is left out: it could not take part, and must not receive the channel's blocks and txs.
  p2p::NetworkOptions member_network() const {
    p2p::NetworkOptions net = *m_options.network;
    const auto& p = m_options.params;
    net.peers.clear();
    for (const auto& peer : m_options.network->peers) {
      const auto role = p.role_of(peer.id);
      if (role && role != core::MemberRole::kClient) net.peers.push_back(peer);
      else CX_WARN(kLog, p.channel << ": configured peer " << peer.id.to_string() << " is not a member that runs a node; not connecting to it (until governance admits it)");
    }
    for (const auto& a : p.node_addresses()) {
      const bool listed = std::any_of(net.peers.begin(), net.peers.end(), [&](const p2p::PeerAddress& x) { return x.id == a; });
      if (!listed) net.peers.push_back({a, "", 0});
    }
    return net;
  }

  // ---- p2p::Handler (the p2p thread: only queue) ----
  void on_message(const core::Address& from, p2p::Message message) override {
    if (message.type == p2p::MessageType::kTxs) {
      m_gossip->post(from, std::move(message.payload));
      return;
    }
    // Votes and proposals count only from validators (their signatures are checked again by the
    // engine); a follower's are dropped here, so a follower cannot load the consensus thread with them.
    const bool consensus = message.type == p2p::MessageType::kProposal || message.type == p2p::MessageType::kVote;
    if (consensus && !is_voter(from)) {
      if (m_follower_consensus_dropped.fetch_add(1, std::memory_order_relaxed) == 0)
        CX_WARN(kLog, m_options.params.channel << ": dropping votes and proposals from follower " << from.to_string());
      return;
    }
    if (message.type == p2p::MessageType::kBlockRequest && !sync_budget(from)) return;
    m_loop->post_message(from, std::move(message));
  }

  // A follower's block requests are served on the consensus thread (up to 8 MiB a page): at most
  // kFollowerSyncPagesPerSec of them, so a follower cannot slow its validators down (catching up at 32
  // blocks a page still goes far faster than the chain grows). Validators' requests are not limited.
  bool sync_budget(const core::Address& from) {
    if (is_voter(from)) return true;
    const int64_t now = m_clock.monotonic_us();
    auto& [tokens, at_us] = m_sync_buckets[from];
    tokens = std::min<int64_t>(kFollowerSyncPagesPerSec * 1'000'000,
                               tokens + (now - at_us) * kFollowerSyncPagesPerSec);  // in millionths of a request
    at_us = now;
    if (tokens < 1'000'000) {
      if (m_follower_sync_refused.fetch_add(1, std::memory_order_relaxed) % 1000 == 0)
        CX_WARN(kLog, m_options.params.channel << ": follower " << from.to_string() << " asks for blocks faster than "
                                               << kFollowerSyncPagesPerSec << " pages/s; not served");
      return false;
    }
    tokens -= 1'000'000;
    return true;
  }

  // Validators now or later, by the schedule known from final state (the core's thread publishes it with
  // each view; the p2p thread asks).
  void note_voters(const ChainView& v) {
    if (!v.schedule || v.schedule == m_voters_schedule) return;
    m_voters_schedule = v.schedule;
    std::vector<core::Address> voters;
    const auto& epochs = v.schedule->epochs();
    for (size_t i = 0; i < epochs.size(); ++i) {
      if (i + 1 < epochs.size() && epochs[i + 1].from_height <= v.height()) continue;  // a term that ended
      for (const auto& a : epochs[i].set.addresses()) voters.push_back(a);
    }
    note_voters_of(voters);
  }
  void note_voters_of(const std::vector<core::Address>& voters) EXCLUDES(m_voters_mutex) {
    MutexLock lock(m_voters_mutex);
    m_voters = std::set<core::Address>(voters.begin(), voters.end());
  }
  bool is_voter(const core::Address& a) const EXCLUDES(m_voters_mutex) {
    MutexLock lock(m_voters_mutex);
    return m_voters.contains(a);
  }
  std::vector<core::Address> voters() const EXCLUDES(m_voters_mutex) {
    MutexLock lock(m_voters_mutex);
    return {m_voters.begin(), m_voters.end()};
  }

  // The core's thread: the members by final state changed (or the validators now or later). The p2p
  // allow-list becomes the active members that run a node (validator, follower, auditor roles) and every
  // validator now or later (consensus needs them; the contract cannot suspend one); without governance
  // state, the genesis members. Configured peers are dialled, the others waited for.
  void note_members(const ChainView& v) {
    if (v.members == m_members_seen && v.schedule == m_members_schedule) return;
    m_members_seen = v.members;
    m_members_schedule = v.schedule;
    std::set<core::Address> nodes;
    for (const auto& a : voters()) nodes.insert(a);
    if (!v.members) {
      for (const auto& a : m_options.params.node_addresses()) nodes.insert(a);
    } else {
      for (const auto& [a, m] : v.members->members)
        if (!m.suspended && (m.roles & governance::kNodeRoles)) nodes.insert(a);
      const auto* me = v.members->find(m_self);
      const bool active = me && !me->suspended;
      m_auditor.store(active && governance::auditor_only(*me));
      m_transacting.store(nodes.contains(m_self) && active && !governance::auditor_only(*me), std::memory_order_release);
    }
    if (!m_network) return;
    std::vector<p2p::PeerAddress> list;
    list.reserve(nodes.size());
    for (const auto& a : nodes) {
      auto it = m_configured_peers.find(a);
      list.push_back(it != m_configured_peers.end() ? it->second : p2p::PeerAddress{a, "", 0});
    }
    m_network->set_peers(std::move(list));
  }

  void on_peer_up(const core::Address& peer) override {
    m_metrics->on_peer(/*up=*/true);
    m_loop->post_peer(peer, /*up=*/true);
  }
  void on_peer_down(const core::Address& peer) override {
    m_metrics->on_peer(/*up=*/false);
    m_loop->post_peer(peer, /*up=*/false);
  }

  // The validator sets by height that the state at open holds: governance keeps every set it ever
  // scheduled. Null for a chain without governance state (its genesis set holds throughout).
  std::shared_ptr<const core::ValidatorSchedule> schedule_at_head() const {
    auto epochs = m_executor.governed_epochs(m_head.result.state_root);
    if (epochs.empty()) return nullptr;
    auto made = core::ValidatorSchedule::make(std::move(epochs));
    CX_ASSERT_MSG(made.is_ok(), made.message().c_str());
    return std::make_shared<const core::ValidatorSchedule>(std::move(made.value()));
  }

  // Indexes behind the chain (added to an existing directory) stage the missing blocks before the
  // channel runs, so every index is at the chain's head when the commit pipeline starts.
  Status catch_up_indexes() {
    std::vector<CommitSubscriber*> subs;
    for (auto& i : m_indexes) subs.push_back(i.get());
    const uint64_t last = m_head.block->header.height;
    const auto& name = m_options.params.channel;
    return rebuild_indexes(m_chain, *m_kv, subs, last, m_head_schedule, [&](const RebuildProgress& p) {
      CX_INFO(kLog, name << ": indexing the chain: " << p.done << " of " << p.total << " blocks");
    });
  }

  // The commit pipeline's thread: the block is on disk.
  void on_durable(const CommitJob& job, const CommitWriter::Stats& st) {
    const ExecutedBlock& e = *job.block;
    m_reads.publish_durable(DurableHead{e.block, e.result, job.qc});
    m_loop->post_durable(e.block->header.height);
    m_watchers.notify(e.block, e.receipts);
    m_metrics->on_durable(e);
    CX_DEBUG(kLog, "committed " << e.block->header.height << " (" << e.block->txs.size() << " txs, " << st.keys << " keys, "
                                << st.bytes << " bytes)");
  }

  ViewPtr empty_view() const {
    auto v = std::make_shared<ChainView>();
    v->head = m_head.block;
    v->head_result = m_head.result;
    v->head_qc = m_head.qc;
    return v;
  }

  [[noreturn]] void fatal(const std::string& why) const {
    CX_ERROR(kLog, m_options.params.channel << ": " << why << "; stopping to keep the chain consistent");
    std::abort();
  }

  ChannelOptions m_options;
  core::Address m_self;
  std::atomic<bool> m_transacting{true};  // takes txs (not an auditor, a member now); set by the core's thread
  std::atomic<bool> m_auditor{false};
  MemberSetPtr m_members_seen;                                          // the core's thread
  std::shared_ptr<const core::ValidatorSchedule> m_members_schedule;    // the core's thread
  std::map<core::Address, p2p::PeerAddress> m_configured_peers;  // the configured peers by address (up to kPeersMax)
  bool m_follower = false;  // a member that is not a validator at genesis: syncs and serves; votes once governance promotes it
  std::shared_ptr<const core::ValidatorSchedule> m_voters_schedule;  // the core's thread
  mutable Mutex m_voters_mutex;
  std::set<core::Address> m_voters GUARDED_BY(m_voters_mutex);
  std::atomic<uint64_t> m_follower_consensus_dropped{0};
  static constexpr int64_t kFollowerSyncPagesPerSec = 20;
  std::map<core::Address, std::pair<int64_t, int64_t>> m_sync_buckets;  // follower -> (tokens, at); the p2p thread
  std::atomic<uint64_t> m_follower_sync_refused{0};
  Clock& m_clock;
  std::unique_ptr<storage::KvStore> m_kv;
  std::unique_ptr<storage::KvStore> m_records_kv;
  ChainStore m_chain;
  RecordsStore m_records;
  std::unique_ptr<state::WorldState> m_state;
  BlockExecutor m_executor;
  CommitWriter m_writer;
  ChainReads m_reads;
  Watchers m_watchers;
  std::vector<std::unique_ptr<CommitSubscriber>> m_indexes;  // written by the commit pipeline
  bool m_explorer = false;      // the explorer's indexes are among them (their columns are in m_kv)
  DurableHead m_head;           // at open
  std::shared_ptr<const core::ValidatorSchedule> m_head_schedule;  // at open (schedule_at_head)
  RestoredRecords m_restored;   // at open, handed to the core at start
  std::unique_ptr<mempool::Mempool> m_pool;
  std::unique_ptr<ChannelMetrics> m_metrics;  // reads the pool at scrapes; goes before it
  std::unique_ptr<ChannelCore> m_core;
  std::unique_ptr<CommitPipeline> m_commits;
  std::unique_ptr<EventLoop> m_loop;
  std::unique_ptr<GossipIntake> m_gossip;
  std::unique_ptr<p2p::Network> m_network;
};

// Every validator of the set in force at `height` (the schedule the core learned from final state, as
// the latest view carries it; the genesis set before the first view) with its signing record.
Result<ValidatorsAt> ChannelImpl::validators_at(std::optional<uint64_t> height) const {
  if (!m_explorer) return ChannelApi::validators_at(height);
  const uint64_t last = last_height();
  const uint64_t h = height.value_or(last);
  if (h > last)
    return Status::error("height " + std::to_string(h) + " is not committed yet (latest is " + std::to_string(last) + ")");
  const ViewPtr view = m_reads.view();
  const core::ValidatorSet set = view && view->schedule ? view->schedule->at(h) : m_options.params.validator_set();
  // The genesis rule for a chain whose state holds no member records (docs/governance.md).
  const bool tiers_named =
      std::any_of(m_options.params.members.begin(), m_options.params.members.end(), [](const auto& m) { return m.tier != 0; });
  ValidatorsAt out;
  out.height = h;
  out.total_weight = set.total_weight();
  out.set_hash = set.hash();
  // Their member records (tier, institution) as getMember answers after block `h`, read from the
  // governance store directly: one state reader for the whole set, no contract call per validator.
  auto root = m_reads.state_root_at(h);
  if (!root) return root.status();
  std::vector<core::Address> addresses;
  for (const auto& v : set.validators()) addresses.push_back(v.address);
  const auto members = m_executor.governed_members_of(*root, addresses);
  for (size_t i = 0; i < set.validators().size(); ++i) {
    const auto& v = set.validators()[i];
    auto rec = read_validator_activity(*m_kv, v.address);
    if (!rec) return rec.status();
    ValidatorActivity a{v.address, v.weight, v.group, rec->last_signed_height, rec->signed_blocks,
                        rec->missed_blocks, std::nullopt, {}};
    if (const auto& m = members[i]) {
      a.tier = m->tier;
      a.institution = m->institution;
    } else if (!tiers_named) {
      a.tier = 1;
    }
    out.validators.push_back(std::move(a));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Channel>> Channel::open(const ChannelOptions& options, Clock& clock) {
  auto stores = open_stores(options);
  if (!stores) return stores.status();
  auto ch = std::make_unique<ChannelImpl>(options, clock, std::move(stores.value()));
  if (auto s = ch->init(); !s) return s;
  return std::unique_ptr<Channel>(std::move(ch));
}

}  // namespace cx::channel
