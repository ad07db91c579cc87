// The trace digest (a replay of one seed must give the same digest) and the --trace event log.
#include <cinttypes>
#include <cstdio>

#include "cluster.hpp"

namespace cx::sim {

namespace {
std::string short_hash(const Hash32& h) { return h.hex().substr(0, 8); }
const char* kKindNames[] = {"deliver", "timer", "written", "durable", "client", "peer", "control"};
const char* kMessageNames[] = {"?", "proposal", "vote", "txs", "block-request", "block-page", "status"};
}  // namespace

void Cluster::mix(uint64_t x) {
  for (int k = 0; k < 8; ++k) {
    m_digest ^= (x >> (8 * k)) & 0xff;
    m_digest *= 1099511628211ull;
  }
}

void Cluster::digest_event(const Event& ev) {
  mix(ev.at_us);
  mix(static_cast<uint64_t>(ev.kind) | (ev.to << 8) | (ev.from << 24));
  if (ev.message) {
    mix(static_cast<uint64_t>(ev.message->type));
    for (uint8_t b : ev.message->payload) {
      m_digest ^= b;
      m_digest *= 1099511628211ull;
    }
  }
  if (ev.kind == EvKind::kTimer) mix(ev.timer.engine.round | (static_cast<uint64_t>(ev.timer.kind) << 40));
  if (!m_cfg.trace) return;
  std::printf("%10.3f ms %-8s to=%zu", static_cast<double>(ev.at_us) / 1000.0, kKindNames[static_cast<int>(ev.kind)], ev.to);
  if (ev.kind == EvKind::kDeliver) {
    const auto t = static_cast<size_t>(ev.message->type);
    std::printf(" from=%zu %s (%zu bytes)", ev.from, t < 7 ? kMessageNames[t] : "?", ev.message->payload.size());
    if (ev.message->type == p2p::MessageType::kVote)
      if (auto v = core::Vote::decode(ev.message->payload))
        std::printf(" %" PRIu64 "/%u by %s %s", v->height, v->round, v->voter.to_string().substr(0, 8).c_str(),
                    v->kind == core::VoteKind::kNone ? "none" : short_hash(v->block_hash).c_str());
  }
  if (ev.kind == EvKind::kTimer) {
    if (ev.timer.kind == channel::CoreTimerKind::kEngine)
      std::printf(" %s %" PRIu64 "/%u", ev.timer.engine.kind == consensus::TimerKind::kRound ? "round" : "propose",
                  ev.timer.engine.height, ev.timer.engine.round);
    else
      std::printf(" %s", ev.timer.kind == channel::CoreTimerKind::kGossip ? "gossip" : "status");
  }
  if (ev.kind == EvKind::kDurable) std::printf(" height %" PRIu64, ev.height);
  std::printf("\n");
}

void Cluster::trace(const char* what, uint64_t a, uint64_t b, uint64_t c, const Hash32& h) {
  mix(a ^ (b << 20) ^ (c << 40));
  if (!m_cfg.trace) return;
  std::printf("%10.3f ms   * %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n", static_cast<double>(m_now_us) / 1000.0, what, a, b, c,
              h.is_zero() ? "" : short_hash(h).c_str());
}

}  // namespace cx::sim
