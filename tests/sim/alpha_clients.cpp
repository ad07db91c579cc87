// --alpha in the cluster (alpha_traffic.hpp): clients that read the chain at a node and send the
// Alpha txs the agreements wait for, and the Alpha part of liveness.
#include "alpha/system_contract.hpp"
#include "cluster.hpp"

namespace cx::sim {

// Every 250–650 ms a client reads the durable state of a random up node and sends it what the
// auctions wait for (alpha_client_txs); the node gossips the txs as it does a client's transfers.
void Cluster::plan_alpha_clients() {
  m_alpha = std::make_unique<AlphaAudit>(m_fx.params, m_fx.accounts, m_fx.genesis_supply,
                                         [this](const std::string& reason) { fail(reason); });
  add_control([this] { alpha_tick(); }, 100 * kMs + m_rng.below(200 * kMs));
}

void Cluster::alpha_tick() {
  add_control([this] { alpha_tick(); }, 250 * kMs + m_rng.below(400 * kMs));
  const size_t i = m_rng.below(m_nodes.size());
  if (!m_nodes[i].up) return;
  Event ev;
  ev.kind = EvKind::kClient;
  ev.txs = alpha_client_txs(*m_fx.alpha, alpha_read(i));
  if (m_cfg.alpha_leak) ev.txs.push_back(m_fx.alpha->leak);
  ev.to = i;
  ev.incarnation = m_nodes[i].incarnation;
  if (!ev.txs.empty()) push(ev, 0);
}

// An icx_call to the Alpha contract at node i's durable head, through its chain reader (as RPC).
AlphaRead Cluster::alpha_read(size_t i) const {
  const channel::ChainReads* reads = m_nodes[i].reads.get();
  return [reads](std::string_view method, const boost::json::object& params) -> std::optional<boost::json::value> {
    auto r = reads->call(contracts::CallRequest{core::Address(), alpha::alpha_contract_address(), Uint256(), std::string(method), params},
                         std::nullopt);
    if (!r || !r.value().ok) return std::nullopt;
    return std::move(r.value().output);
  };
}

bool Cluster::alpha_settled_at(size_t i, std::string& why) const {
  const auto& in = m_nodes[i];
  return alpha_settled(*m_fx.alpha, in.reads->head()->block->header.timestamp_us, alpha_read(i), why);
}

}  // namespace cx::sim
