#include "node/node.hpp"

#include <signal.h>

#include <filesystem>
#include <map>

#include "acore/acore.hpp"
#include "base/clock.hpp"
#include "base/log.hpp"
#include "channel/explorer_index.hpp"
#include "base/metrics.hpp"
#include "executor/pool.hpp"
#include "node/genesis.hpp"

namespace cx::node {
namespace {

// The wiring: components in dependency order. Destruction runs in reverse, so RPC stops taking
// requests before the channels close their databases.
struct NodeContext {
  // Installed as ACORE's invoke backend before the channels open, removed after they stop.
  std::unique_ptr<executor::ExecutorPool> executors;
  std::vector<std::unique_ptr<channel::Channel>> channels;
  std::unique_ptr<rpc::Server> rpc;
};

class NodeImpl final : public Node {
 public:
  explicit NodeImpl(NodeContext ctx) : m_ctx(std::move(ctx)) {}
  ~NodeImpl() override { shutdown(); }

  uint16_t rpc_port() const override { return m_ctx.rpc->port(); }

  channel::ChannelApi* channel(const std::string& name) const override {
    for (const auto& ch : m_ctx.channels)
      if (ch->params().channel == name) return ch.get();
    return nullptr;
  }

  void run_until_signal() override {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    CX_INFO("node", "signal " << sig << " received, shutting down");
    shutdown();
  }

 private:
  void shutdown() {
    if (m_ctx.rpc) m_ctx.rpc->stop();
    m_ctx.rpc.reset();
    for (auto& ch : m_ctx.channels) ch->stop();
    m_ctx.channels.clear();
    acore::set_invoke_backend(nullptr);
    m_ctx.executors.reset();
  }
  NodeContext m_ctx;
};

log::Level level_of(const std::string& s) {
  if (s == "debug") return log::Level::kDebug;
  if (s == "warn") return log::Level::kWarn;
  if (s == "error") return log::Level::kError;
  return log::Level::kInfo;
}

}  // namespace

Result<std::unique_ptr<Node>> start_node(const NodeConfig& config) {
  log::set_level(level_of(config.log_level));
  // Signals are taken synchronously by run_until_signal(); block them in every thread we start.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Prometheus's process_start_time_seconds (uptime panels and restart alerts read it).
  metrics::global().gauge("process_start_time_seconds", "Start time of the process since the unix epoch in seconds.")
      .set(system_clock().now_us() / 1'000'000);
  auto key = load_node_key(config.dir + "/" + config.key_path);
  if (!key) return key.status();

  NodeContext ctx;
  if (config.executor_processes > 0) {
    executor::PoolOptions eo;
    eo.processes = config.executor_processes;
    eo.hang_timeout_ms = static_cast<int>(config.executor_hang_timeout_ms);
    ctx.executors = std::make_unique<executor::ExecutorPool>(std::move(eo));
    acore::set_invoke_backend(ctx.executors.get());
    CX_INFO("node", "Lua contracts run in up to " << config.executor_processes << " executor processes");
  }
  // Until the node object owns the context, a failed start removes the backend again.
  struct BackendGuard {
    bool armed = true;
    ~BackendGuard() { if (armed) acore::set_invoke_backend(nullptr); }
  } guard;
  std::map<std::string, channel::ChannelApi*> apis;
  auto served = std::make_shared<std::vector<const channel::ChannelApi*>>();
  for (const auto& cc : config.channels) {
    std::string gpath = config.dir + "/" + cc.genesis_path;
    auto text = read_file(gpath);
    if (!text) return text.status();
    auto params = parse_genesis(*text);
    if (!params) return Status::error(gpath + ": " + params.message());
    if (params->channel != cc.name)
      return Status::error(gpath + " defines channel '" + params->channel + "' but config.json names it '" + cc.name + "'");
    channel::ChannelOptions co;
    co.data_dir = config.dir + "/data/" + cc.name;
    std::error_code ec;
    std::filesystem::create_directories(co.data_dir, ec);
    if (ec) return Status::error("cannot create " + co.data_dir + ": " + ec.message());
    co.params = std::move(params.value());
    co.node_key = *key;
    co.mempool = config.mempool;
    co.rocks.block_cache_bytes = config.block_cache_mb << 20;
    co.round_timeout_ms = config.round_timeout_ms;
    if (cc.p2p) {  // each channel has a listener of its own, for that channel's validators only
      p2p::NetworkOptions no;
      no.channel = cc.name;
      no.listen_host = cc.p2p->host;
      no.listen_port = cc.p2p->port;
      no.node_key = *key;
      no.peers = cc.p2p->peers;
      co.network = std::move(no);
    }
    if (config.explorer_indexes) co.indexes = channel::explorer_indexes(core::ValidatorSchedule::single(co.params.validator_set()));
    co.served_channels = served;
    auto ch = channel::Channel::open(co, system_clock());
    if (!ch) return Status::error("channel " + cc.name + ": " + ch.message());
    apis[cc.name] = ch.value().get();
    ctx.channels.push_back(std::move(ch.value()));
  }
  for (auto& ch : ctx.channels) served->push_back(ch.get());
  for (auto& ch : ctx.channels) ch->start();
  rpc::ServerOptions rpc_options = config.rpc;
  if (rpc_options.tls) {
    auto resolve = [&](std::string& f) { if (!f.empty() && f[0] != '/') f = config.dir + "/" + f; };
    resolve(rpc_options.tls->cert_file);
    resolve(rpc_options.tls->key_file);
  }
  auto server = rpc::Server::start(rpc_options, apis);
  if (!server) {
    for (auto& ch : ctx.channels) ch->stop();
    return Status::error("rpc: " + server.message());
  }
  ctx.rpc = std::move(server.value());
  CX_INFO("node", "JSON-RPC listening on " << (config.rpc.tls ? "https://" : "http://") << config.rpc.host << ":" << ctx.rpc->port() << "/api/v3");
  guard.armed = false;
  return std::unique_ptr<Node>(std::make_unique<NodeImpl>(std::move(ctx)));
}

}  // namespace cx::node
