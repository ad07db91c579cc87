#include "channel/chain_reads.hpp"

#include <boost/json.hpp>

#include "acore/score_api.hpp"
#include "execution/accounts.hpp"
#include "execution/execute.hpp"

namespace cx::channel {

ChainReads::ChainReads(const core::ChainParams& params, const ChainStore& chain, const state::WorldState& state, Clock& clock,
                       ChainReadsOptions options)
    : m_params(params), m_chain(chain), m_state(state), m_clock(clock), m_options(options) {}

void ChainReads::attach(const mempool::Mempool& pool, const DurableHead& head, ViewPtr view) {
  m_pool = &pool;
  MutexLock lock(m_mutex);
  m_head = std::make_shared<const DurableHead>(head);
  m_view = std::move(view);
  m_recent[head.block->header.height] = head.block;
  m_recent_txs = head.block->txs.size();
}

void ChainReads::publish_view(ViewPtr view) {
  MutexLock lock(m_mutex);
  m_view = std::move(view);
}

void ChainReads::publish_durable(const DurableHead& head) {
  auto next = std::make_shared<const DurableHead>(head);
  MutexLock lock(m_mutex);
  m_head = std::move(next);
  m_recent[head.block->header.height] = head.block;
  m_recent_txs += head.block->txs.size();
  while (m_recent.size() > 1 && (m_recent.size() > m_options.recent_blocks || m_recent_txs > m_options.recent_txs)) {
    m_recent_txs -= m_recent.begin()->second->txs.size();
    m_recent.erase(m_recent.begin());
  }
}

ChainReads::HeadPtr ChainReads::head() const {
  MutexLock lock(m_mutex);
  return m_head;
}

ViewPtr ChainReads::view() const {
  MutexLock lock(m_mutex);
  return m_view;
}

BlockPtr ChainReads::block_by_height(uint64_t height) const {
  {
    MutexLock lock(m_mutex);
    if (height > m_head->block->header.height) return nullptr;
    if (auto it = m_recent.find(height); it != m_recent.end()) return it->second;
  }
  auto hash = m_chain.hash_at(height);
  return hash ? m_chain.block(*hash) : nullptr;
}

// Only committed blocks are visible; a stored block is always committed.
BlockPtr ChainReads::block_by_hash(const Hash32& hash) const { return m_chain.block(hash); }

ReceiptsPtr ChainReads::receipts_of(uint64_t height) const {
  auto b = block_by_height(height);
  if (!b) return nullptr;
  auto out = std::make_shared<std::vector<core::Receipt>>();
  out->reserve(b->txs.size());
  for (const auto& tx : b->txs) {
    auto r = m_chain.receipt(tx->hash);
    CX_ASSERT_MSG(r.has_value(), "committed tx without receipt");
    out->push_back(std::move(*r));
  }
  return out;
}

Result<Hash32> ChainReads::state_root_at(uint64_t height) const {
  auto a = at(height);
  if (!a) return a.status();
  return a->state_root;
}

Result<ChainReads::At> ChainReads::at(std::optional<uint64_t> height) const {
  HeadPtr h = head();
  if (!height) return At{h->block, h->result.state_root};
  const uint64_t last = h->block->header.height;
  if (*height > last)
    return Status::error("height " + std::to_string(*height) + " is not committed yet (latest is " + std::to_string(last) + ")");
  if (*height == last) return At{h->block, h->result.state_root};
  auto r = m_chain.result_at(*height);
  CX_ASSERT_MSG(r.has_value(), "committed height without result");
  auto b = block_by_height(*height);
  CX_ASSERT(b);
  return At{b, r->result.state_root};
}

Result<Uint256> ChainReads::balance(const core::Address& account, std::optional<uint64_t> height) const {
  auto a = at(height);
  if (!a) return a.status();
  auto reader = m_state.reader_at(a->state_root);
  return execution::read_account(*reader, account).balance;
}

Result<Uint256> ChainReads::total_supply(std::optional<uint64_t> height) const {
  auto a = at(height);
  if (!a) return a.status();
  auto reader = m_state.reader_at(a->state_root);
  return execution::read_total_supply(*reader);
}

TxLookup ChainReads::lookup_tx(const Hash32& hash) const {
  // Pool, then in flight, then the store: a tx leaves the pool only after the view holding its block
  // is published, and leaves the view only after its block is durable, so it is always seen once.
  TxLookup out;
  if (auto tx = m_pool->find(hash)) {
    out.status = TxStatus::kPending;
    out.tx = tx;
    return out;
  }
  if (auto hit = view()->find_tx(hash)) {
    // Durable already (the core has not dropped it from its view yet): answer as committed.
    if (hit->block->block->header.height <= last_height()) return committed_lookup(hash);
    out.status = TxStatus::kExecuting;
    out.tx = hit->block->block->txs[hit->index];
    out.height = hit->block->block->header.height;
    out.block_hash = hit->block->block->hash();
    out.index = hit->index;
    return out;
  }
  return committed_lookup(hash);
}

TxLookup ChainReads::committed_lookup(const Hash32& hash) const {
  TxLookup out;
  auto pos = m_chain.tx_position(hash);
  if (!pos) return out;
  BlockPtr blk;
  {
    MutexLock lock(m_mutex);
    if (auto it = m_recent.find(pos->height); it != m_recent.end()) blk = it->second;
  }
  if (!blk) {
    auto h = m_chain.hash_at(pos->height);
    blk = h ? m_chain.block(*h) : nullptr;
  }
  CX_ASSERT(blk && pos->index < blk->txs.size());
  out.status = TxStatus::kCommitted;
  out.tx = blk->txs[pos->index];
  out.height = pos->height;
  out.block_hash = blk->hash();
  out.index = pos->index;
  out.receipt = m_chain.receipt(hash);
  CX_ASSERT(out.receipt.has_value());
  return out;
}

Result<StateProof> ChainReads::state_proof(BytesView key, uint64_t height) const {
  auto a = at(height);
  if (!a) return a.status();
  return StateProof{height, a->state_root, m_state.get(a->state_root, key), m_state.prove(a->state_root, key)};
}

Result<contracts::CallResult> ChainReads::call(const contracts::CallRequest& req, std::optional<uint64_t> height) const {
  auto a = at(height);
  if (!a) return a.status();
  auto reader = m_state.reader_at(a->state_root);
  execution::BlockContext ctx{&m_params, a->block->header.height, a->block->header.timestamp_us};
  return execution::query(*reader, ctx, req);
}

Result<Uint256> ChainReads::estimate_step(const boost::json::object& tx_params) const {
  boost::json::object p = tx_params;
  // Estimation needs no signature and no stepLimit: fill both so the tx parses.
  p["stepLimit"] = Uint256(m_params.step_limit_max).to_icon_hex();
  p["signature"] = std::string(87, 'A') + "=";  // base64 of 65 zero bytes
  p.erase("txHash");
  auto r = core::parse_transaction(p);
  if (auto* rej = std::get_if<core::TxRejection>(&r)) return Result<Uint256>::error(rej->detail);
  const auto& tx = std::get<core::Transaction>(r);
  if (tx.nid != m_params.nid)
    return Result<Uint256>::error("nid " + Uint256(tx.nid).to_icon_hex() + " is not this channel's nid");
  HeadPtr h = head();
  auto reader = m_state.reader_at(h->result.state_root);
  execution::Journal journal(*reader);
  execution::BlockContext ctx{&m_params, h->block->header.height + 1, h->block->header.timestamp_us};
  Uint256 cumulative;
  try {
    auto rc = execution::apply_tx(journal, ctx, tx, 0, cumulative);
    return rc.step_used;
  } catch (const contracts::RuntimeLost& e) {
    return Result<Uint256>::error(std::string("the contract runtime was lost (") + e.what() + "); try again");
  }
}

Result<std::optional<std::vector<acore::AbiEntry>>> ChainReads::score_api(const core::Address& address,
                                                                          std::optional<uint64_t> height) const {
  auto a = at(height);
  if (!a) return a.status();
  auto reader = m_state.reader_at(a->state_root);
  return acore::score_api(*reader, execution::default_registry(), address);
}

Result<std::optional<acore::ContractInfo>> ChainReads::score_status(const core::Address& address,
                                                                    std::optional<uint64_t> height) const {
  auto a = at(height);
  if (!a) return a.status();
  auto reader = m_state.reader_at(a->state_root);
  return acore::read_contract_info(*reader, address);
}

bool ChainReads::is_known_on_chain(const Hash32& tx_hash) const {
  if (view()->find_tx(tx_hash)) return true;
  return m_chain.tx_position(tx_hash).has_value();
}

std::optional<core::TxRejection> ChainReads::check(const core::Transaction& tx) const {
  auto reader = m_state.reader_at(head()->result.state_root);
  return execution::validate_tx(*reader, m_params, m_clock.now_us(), tx);
}

}  // namespace cx::channel
