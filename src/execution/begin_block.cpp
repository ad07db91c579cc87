// Begin-block (docs/alpha-engine.md §3 "Timers"): before the txs of a block, the Alpha contract fires its due
// timers, keyed on the header's timestamp, at most alpha::kTimersPerBlockMax per block. It runs as the
// Alpha contract in a writing frame through the same host as a tx, but it is no tx: nobody pays steps
// for it, it has no receipt, and no tx can call it (the method lives on a contract that is not in the
// registry).
#include "alpha/contract_store.hpp"
#include "alpha/system_contract.hpp"
#include "execution/accounts.hpp"
#include "execution/begin_block.hpp"
#include "execution/exec_host.hpp"

namespace cx::execution {
namespace {

contracts::CallResult fire(contracts::Host& host, const boost::json::value& params) {
  auto fired = alpha::fire_due_timers(host, static_cast<uint32_t>(params.at("max").as_uint64()));
  if (!fired) return contracts::CallResult::fail(fired.failure());
  return contracts::CallResult::success(boost::json::value(static_cast<uint64_t>(*fired)));
}

constexpr contracts::NativeMethod kBeginBlock[] = {
    {{"beginBlock", contracts::Access::kWrite, contracts::Payable::kNo, 0, "", "int"}, fire},
};

// Enough for kTimersPerBlockMax timers whatever a template does; a bound, not a price.
constexpr uint64_t kBeginBlockSteps = uint64_t(1) << 50;

}  // namespace

uint32_t begin_block(Journal& journal, const BlockContext& ctx, uint32_t max) {
  const contracts::Registry& registry = registry_of(ctx);
  const core::Address alpha = alpha::alpha_contract_address();
  if (!registry.has_native(alpha)) return 0;
  static const contracts::NativeContract runner("alpha.beginBlock", kBeginBlock);
  ExecHost host(journal, ctx, registry, kBeginBlockSteps);
  host.unbounded_logs();  // payouts' ICXTransfer logs, never kept
  const contracts::Frame frame{alpha, alpha, alpha, Uint256(), 0, contracts::Access::kWrite};
  contracts::CallResult r = host.run(frame, runner, "beginBlock", boost::json::object{{"max", static_cast<uint64_t>(max)}});
  journal.commit();
  return r.ok && r.output.is_uint64() ? static_cast<uint32_t>(r.output.get_uint64()) : 0;
}

std::optional<int64_t> next_begin_block_time(const state::StateReader& state) {
  auto v = state.get(contract_storage_key(alpha::alpha_contract_address(), as_bytes(alpha::store::kQueueKey)));
  return v ? alpha::store::first_deadline(*v) : std::nullopt;
}

}  // namespace cx::execution
