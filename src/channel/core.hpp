#pragma once
// ChannelCore: one ledger's logic as a single-threaded, deterministic object — events in, actions out,
// as the consensus engine it drives (STYLE.md "Shape"). It builds blocks, judges peers' proposals
// against its own execution of the parent, keeps the certified chain and the proposal records, adopts
// what block sync brings, and decides the order of commits. It owns no thread, socket, clock or
// database: time comes with each event, storage is reached through the KvStore seam (ChainStore reads)
// and the actions it returns, and execution is a deterministic call (BlockExecutor). The channel's
// runtime (channel.cpp) carries its actions out with threads, RocksDB and TCP; the simulator
// (tests/sim) carries them out in simulated time, so the seeds test this very code.
//
// Events: start, peer up/down, peer message, timer fired, txs admitted, commit made durable.
// Actions (out::Action): send, broadcast, persist (consensus records; durable before the next action),
// commit (to the commit pipeline, in height order), set timer. A block sync request is a send of a
// kBlockRequest; its pages come back as peer messages.
//
// The chain it keeps: the durable head (what the commit pipeline has written), then the in-flight
// blocks, each certified and executed — first those decided final but not yet durable, then the
// certified chain that is not final yet. It publishes a ChainView (view.hpp) whenever they change, before
// it touches the tx pool, so a reader always finds a tx in the pool, in flight or in the store.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "channel/chain_store.hpp"
#include "channel/commit_writer.hpp"
#include "channel/executor.hpp"
#include "channel/genesis.hpp"
#include "channel/records.hpp"
#include "channel/rejections.hpp"
#include "channel/view.hpp"
#include "channel/wire.hpp"
#include "consensus/engine.hpp"
#include "mempool/mempool.hpp"
#include "p2p/network.hpp"

namespace cx::channel {

enum class CoreTimerKind : uint8_t {
  kEngine,  // a consensus timer
  kGossip,  // send the txs admitted since the last one to peers
  kStatus,  // tell peers where this node is, so laggards notice
};

struct CoreTimer {
  CoreTimerKind kind = CoreTimerKind::kEngine;
  consensus::Timer engine{consensus::TimerKind::kRound, 0, 0};  // for kEngine
  bool operator==(const CoreTimer&) const = default;
};

namespace out {
struct Send { core::Address peer; p2p::Message message; };
struct Broadcast { p2p::Message message; };
// Durable before the next action runs (RecordsUpdate says which writes are fsync'd).
struct Persist { RecordsUpdate update; };
// A final block for the commit pipeline, in height order; report with on_commit_durable().
struct Commit { CommitJob job; };
// `delay_ms` from now, or, when `from_block_time_us` is set, from that block time: the runtime takes off
// what its clock says has passed since when it sets the timer (remaining_ms()), so the time spent on the
// event that asked for the timer (executing a block) is not added to the block interval.
struct SetTimer {
  CoreTimer timer;
  uint64_t delay_ms;
  int64_t from_block_time_us = 0;
  uint64_t remaining_ms(int64_t now_us) const;
};
using Action = std::variant<Send, Broadcast, Persist, Commit, SetTimer>;
using Actions = std::vector<Action>;
}  // namespace out

struct CoreOptions {
  core::ChainParams params;
  // The validator sets by height (core::ValidatorSchedule), fixed. Empty: governed — the sets the
  // governance contract scheduled in final state (docs/governance.md), or params.validator_set()
  // throughout for a single validator or a chain created before governance.
  core::ValidatorSchedule validator_schedule;
  crypto::PrivateKey key;               // this node's validator key
  uint64_t round_timeout_ms = 2000;     // LFT round timeout before backoff
  uint64_t gossip_interval_ms = 20;     // admitted txs go to peers in batches this often
  uint64_t status_interval_ms = 1000;   // heights announced to peers
  uint64_t sync_retry_ms = 500;         // one sync request in flight; another peer is asked after this
  size_t block_bytes_max = 16u << 20;   // txs' JSON per block
  size_t gossip_queue_max = 200000;     // txs waiting for the next gossip batch (beyond: peers get them in blocks)
};

// What the core reads and calls synchronously. All must outlive it.
struct CoreDeps {
  const ChainStore& chain;
  BlockExecutor& executor;
  mempool::Mempool& pool;
};

// For the simulator's checker and for metrics: what the node learned, as it learned it.
class CoreObserver {
 public:
  virtual ~CoreObserver() = default;
  // The node learned that `block` is certified: it joined the certified chain (from votes or a
  // proposal's QC, or from a sync page), or a sync page proved it (the child that makes the page's
  // first blocks final, even when it is not adopted). Possibly more than once for one block.
  virtual void on_certified(const BlockPtr& block, const core::QuorumCertificate& qc) = 0;
};

class ChannelCore {
 public:
  using Publish = std::function<void(ViewPtr)>;

  // Not a validator of a multi-validator channel, or a single-validator channel not its own: refused
  // by the caller before this (Channel::open).
  ChannelCore(CoreOptions options, CoreDeps deps, Publish publish = {});
  ~ChannelCore();
  ChannelCore(const ChannelCore&) = delete;
  ChannelCore& operator=(const ChannelCore&) = delete;

  void set_observer(CoreObserver* observer) { m_observer = observer; }

  // Runs the certified chain recorded before a crash again, starts the engine with the vote record,
  // and hands it the recorded proposals. The records were checked (consensus::check_records).
  out::Actions start(int64_t now_us, const DurableHead& head, RestoredRecords records);
  out::Actions on_peer_up(int64_t now_us, const core::Address& peer);
  out::Actions on_peer_down(int64_t now_us, const core::Address& peer);
  // Any message but kTxs (the runtime admits gossiped txs off this thread).
  out::Actions on_message(int64_t now_us, const core::Address& from, const p2p::Message& message);
  out::Actions on_timer(int64_t now_us, const CoreTimer& timer);
  // Txs a client (or a peer's gossip) got admitted to the pool: they go to peers with the next gossip.
  out::Actions on_txs_admitted(int64_t now_us, std::vector<core::TxPtr> txs);
  // The commit of `height` (handed over with out::Commit) is on disk.
  out::Actions on_commit_durable(int64_t now_us, uint64_t height);

  // Reads, for the owning thread.
  ViewPtr view() const { return m_view; }
  const RejectionsByPeer& rejections() const { return m_rejections; }
  consensus::EngineStatus engine_status() const { return m_engine->status(); }
  uint64_t final_height() const { return final_top().block->header.height; }  // decided final
  uint64_t durable_height() const { return m_durable.block->header.height; }
  bool networked() const { return m_networked; }
  // The highest committed height a peer announced (status messages): how far there is to sync.
  uint64_t best_peer_height() const { return m_best_peer_height; }
  const core::ValidatorSchedule& schedule() const { return m_schedule; }
  // The sets of heights up to this are known from final state (UINT64_MAX: a fixed schedule).
  uint64_t schedule_known_through() const { return m_known_through; }

 private:
  struct InFlight {
    ExecutedPtr exec;
    bool final = false;                 // handed to the commit pipeline, not yet durable
    core::QuorumCertificate final_qc;   // the QC it was committed with (when final)
  };
  struct Buffered {
    BlockPtr block;
    std::optional<core::Address> from;
  };
  struct Top {
    BlockPtr block;
    core::ExecResult result;
  };

  // ---- core.cpp: events, engine actions, the chain, commits ----
  void run(consensus::Actions actions, out::Actions& out);
  void announce_seals(const consensus::Actions& actions);
  void run_one(consensus::Action& a, consensus::Actions& more, out::Actions& out);
  void on_engine_execute(const consensus::ActExecute& e, consensus::Actions& more, out::Actions& out);
  void set_engine_timer(const consensus::ActSetTimer& t, out::Actions& out);
  ExecutedPtr execute_block(const BlockPtr& block, const core::QuorumCertificate& qc);
  void make_certified(const BlockPtr& block, const core::QuorumCertificate& qc, out::Actions& out);
  void commit(const BlockPtr& block, const core::QuorumCertificate& qc, out::Actions& out);
  void drop_inflight_from(uint64_t height);
  std::optional<Top> executed(const Hash32& hash) const;
  Top final_top() const;
  core::QuorumCertificate final_qc() const;
  std::vector<consensus::CertifiedBlock> certified_chain() const;
  uint32_t chain_top_round() const;
  uint64_t candidate_height() const;
  bool candidate_has_txs() const;
  // Begin-block has due work in the final state (an Alpha timer): an idle single validator makes a block.
  bool begin_block_due() const;
  bool committed_or_certified(const Hash32& tx_hash) const;
  void publish_view();
  void flush_gossip(out::Actions& out);
  wire::Status my_status() const;
  void on_status(const core::Address& from, const Bytes& payload, out::Actions& out);
  void on_vote(const core::Address& from, const Bytes& payload, out::Actions& out);
  // Governed: reads the schedule in the state after final block `height` (docs/governance.md). The
  // engine learns it with tell_engine_schedule().
  void learn_schedule(uint64_t height, const Hash32& state_root);
  consensus::Actions tell_engine_schedule();
  // The members in the state after final block `height`, when it has governance (core_members.cpp).
  void learn_members(uint64_t height, const Hash32& state_root);
  void learn_members_of(const ExecutedBlock& final_block);
  // Whether this node votes at or after the final height (if not, it relays no votes or proposals).
  bool votes_ahead() const;

  // ---- core_proposals.cpp ----
  BlockPtr build_proposal(const consensus::ActBuildProposal& a);
  void on_proposal_message(const core::Address& from, const Bytes& payload, out::Actions& out);
  void on_peer_proposal(std::optional<core::Address> from, const BlockPtr& block, BytesView encoded, out::Actions& out);
  std::optional<ProposalRejection> check_proposal(const core::Block& b) const;
  bool judge_proposal(std::optional<core::Address> from, const core::Block& b, BytesView encoded, out::Actions& out);
  void record_proposal(const core::Block& b, BytesView encoded, out::Actions& out);
  void buffer_proposal(std::optional<core::Address> from, const BlockPtr& b);
  void deliver_buffered(const Hash32& parent, consensus::Actions& more, out::Actions& out);
  void restore_abandoned_proposals(uint64_t height, const Hash32& kept);

  // ---- core_sync.cpp ----
  void request_sync(std::optional<core::Address> peer, uint64_t target, out::Actions& out);
  void serve_blocks(const core::Address& from, const Bytes& payload, out::Actions& out);
  void on_block_page(const core::Address& from, const Bytes& payload, out::Actions& out);
  std::optional<std::vector<consensus::CertifiedBlock>> check_page(const core::Address& from, const Bytes& payload);
  bool adopt_page_part(const core::Address& from, const std::vector<consensus::CertifiedBlock>& blocks, bool complete,
                       out::Actions& out);
  void adopt(const core::Address& from, const std::vector<consensus::CertifiedBlock>& run_blocks, size_t use,
             size_t final_count, out::Actions& out);
  bool certifies(const core::QuorumCertificate& qc, const core::Block& block) const;
  void reject(const core::Address& peer, const ProposalRejection& r, const core::Block* b);
  void reject(const core::Address& peer, const SyncRejection& r);

  CoreOptions m_options;
  const ChainStore& m_chain;
  BlockExecutor& m_executor;
  mempool::Mempool& m_pool;
  Publish m_publish;
  CoreObserver* m_observer = nullptr;
  core::Address m_self;
  core::ValidatorSchedule m_schedule;
  std::shared_ptr<const core::ValidatorSchedule> m_schedule_shared;  // published with the view
  bool m_networked = false;
  bool m_governed = false;                 // the schedule comes from the governance contract
  uint64_t m_change_margin = 0;            // its changeMargin (fixed at genesis)
  uint64_t m_epoch_count = 0;              // sets it had scheduled at the last final block
  uint64_t m_known_through = UINT64_MAX;   // final height + changeMargin when governed
  bool m_has_members = false;              // the state holds governance members (read after changes)
  MemberSetPtr m_members;                  // published with the view
  uint64_t m_audit_end_next = 0;           // the lowest grantAudit `until` still ahead (0: none)
  std::unique_ptr<consensus::Engine> m_engine;
  int64_t m_now_us = 0;  // time of the event being handled

  DurableHead m_durable;
  std::map<Hash32, InFlight> m_inflight;
  ViewPtr m_view;

  std::multimap<uint64_t, BlockPtr> m_own_proposals;  // built here, not yet certified (their txs are taken from the pool)
  std::multimap<Hash32, Buffered> m_buffered;         // peers' proposals waiting for their parent, by prev_hash
  std::pair<Hash32, Bytes> m_built_encoding;          // Block::encode() of the proposal built last
  uint64_t m_recorded_top = 0;                        // highest "chain/<height>" record written
  std::map<uint32_t, std::set<Hash32>> m_recorded_proposals;  // "proposal/<round><hash>" records

  std::set<core::Address> m_peers;  // connected
  int64_t m_sync_quiet_until_us = 0;
  size_t m_sync_rr = 0;
  std::vector<core::TxPtr> m_gossip;
  bool m_gossip_armed = false;
  RejectionsByPeer m_rejections;
  uint64_t m_best_peer_height = 0;
};

}  // namespace cx::channel
