#pragma once
// What the parts of complexchain bench share (cmd_bench.cpp runs it; cmd_bench_support.cpp has the
// node sampling, the accounts file, the funding of the senders and the receipt check).
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/mutex.hpp"
#include "cli/args.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"

namespace cx::cli::bench {

inline constexpr const char* kDefaultAccountsFile = "localnet/accounts.json";
inline constexpr uint64_t kBenchValueLoop = 1;             // each transfer moves 1 loop: balances barely matter
inline constexpr uint64_t kBenchStepLimit = kStepDefault;  // a plain transfer needs exactly the default cost
inline constexpr size_t kReceiptSampleMax = 100;

inline int64_t mono_us() { return system_clock().monotonic_us(); }
inline double seconds(int64_t us) { return static_cast<double>(us) / 1e6; }

// ---- node process sampling (Linux /proc) ----

struct ProcSample {
  bool ok = false;
  uint64_t cpu_ticks = 0;  // utime + stime
  uint64_t rss_kib = 0;
  uint64_t hwm_kib = 0;    // peak RSS over the process's life
};

ProcSample sample_proc(pid_t pid);

// ---- configuration ----

struct BenchConfig {
  Url url;                 // funding, following and checking go here
  std::vector<Url> submit_urls;  // submission connections are spread over these (url first)
  size_t rate = 0;         // offered load in tx/s (0: as fast as the node accepts)
  uint64_t nid = 0;
  Signer funder;
  size_t txs = 0;
  size_t senders = 0;
  size_t concurrency = 0;
  size_t batch = 0;
  std::optional<pid_t> node_pid;
  std::chrono::milliseconds commit_timeout{0};
  std::chrono::milliseconds poll_interval{0};
  bool json = false;
  // --workload irc2: IRC2 transfer calls to `token` (set up after funding) instead of plain transfers.
  bool irc2 = false;
  std::string contract_dir;
  crypto::Address token;
  uint64_t step_limit = kBenchStepLimit;  // of each measured tx; the senders are funded for it
};

struct AccountsFile {
  std::string rpc;
  std::optional<uint64_t> nid;
  std::optional<Signer> first;
};

Result<AccountsFile> read_accounts_file(const std::string& path);

// ---- results ----

// Added to by the submit workers, read once they are done.
class Failures {
 public:
  std::atomic<size_t> count{0};

  void add(const RpcError& e, size_t n = 1) EXCLUDES(m_mutex) {
    // Details carry balances and addresses; group by code and the message's leading words so the
    // report shows kinds of failure, not thousands of distinct lines.
    std::string head = e.message.substr(0, e.message.find_first_of(":0123456789"));
    while (!head.empty() && (head.back() == ' ' || head.back() == '(')) head.pop_back();
    std::string key = e.is_transport() ? "transport: " + e.message.substr(0, 80)
                                       : std::to_string(e.code) + " " + (head.empty() ? e.message.substr(0, 60) : head);
    MutexLock lock(m_mutex);
    m_by_reason[key] += n;
    count += n;
  }

  std::map<std::string, size_t> by_reason() const EXCLUDES(m_mutex) {
    MutexLock lock(m_mutex);
    return m_by_reason;
  }

 private:
  mutable Mutex m_mutex;
  std::map<std::string, size_t> m_by_reason GUARDED_BY(m_mutex);
};

struct TxSlot {
  std::string request;  // the JSON-RPC request object, id = index
  Hash32 hash;
  std::atomic<int64_t> submit_us{0};
  std::atomic<int64_t> commit_us{0};
  std::atomic<bool> accepted{false};
};

struct Funding {
  std::vector<Signer> senders;
  double seconds = 0;
};

Result<Funding> fund_senders(const BenchConfig& cfg, RpcClient& client, const Uint256& step_price);

// ---- report ----

struct ReceiptCheck {
  size_t sampled = 0;
  size_t success = 0;
  uint64_t step_used_max = 0;  // over the sampled receipts
  std::vector<std::string> problems;
};

// A sample of the committed txs' receipts, spread over the run.
ReceiptCheck check_receipts(const BenchConfig& cfg, const std::vector<TxSlot>& slots);
double percentile_ms(std::vector<int64_t>& sorted_us, double p);

// ---- --workload alpha (cmd_bench_alpha.cpp) ----

// The step limit of each Alpha call; a transition of the cash-with-order term uses far less.
inline constexpr uint64_t kAlphaBenchStepLimit = 10'000'000;
// --alpha-instances instances run to their close, then --alpha-timers signing deadlines due at once;
// prints the report and returns the exit status.
int run_alpha(BenchConfig& cfg, RpcClient& control, const Uint256& step_price, const Args& args);

}  // namespace cx::cli::bench
