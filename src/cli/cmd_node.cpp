// complexchain init | start | localnet
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "base/clock.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "crypto/keystore.hpp"
#include "node/config.hpp"
#include "node/node.hpp"

namespace cx::cli {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kTreasury = "hx1000000000000000000000000000000000000000";  // ICON's treasury address
constexpr const char* kLocalnetPassword = "localnet";

struct DevAccount {
  crypto::PrivateKey key;
  core::Address address;
};

struct InitSpec {
  std::string dir;
  std::string channel = "localnet";
  uint64_t nid = 3;
  uint16_t port = 9000;
  std::string host = "127.0.0.1";
  uint64_t block_interval_ms = 200;
  std::vector<DevAccount> funded;
  Uint256 fund_each;
};

Uint256 icx(uint64_t n) { return *Uint256(n).checked_mul(*Uint256::from_dec("1000000000000000000")); }

// Writes node.key, genesis.json and config.json. Refuses to overwrite an existing node.
Status init_node_dir(const InitSpec& spec, core::Address& validator_out) {
  if (fs::exists(spec.dir + "/config.json"))
    return Status::error(spec.dir + " already holds a node (config.json exists); use another --dir or remove it");
  std::error_code ec;
  fs::create_directories(spec.dir, ec);
  if (ec) return Status::error("cannot create " + spec.dir + ": " + ec.message());
  auto key = crypto::generate_private_key(os_random());
  if (auto s = node::write_node_key(spec.dir + "/node.key", key); !s) return s;
  core::Address validator = core::Address::of_public_key(*crypto::public_key_of(key));
  validator_out = validator;

  core::ChainParams p;
  p.channel = spec.channel;
  p.nid = spec.nid;
  p.treasury = *core::Address::parse(kTreasury);
  p.validators = {validator};
  p.block_interval_ms = spec.block_interval_ms;
  p.genesis_timestamp_us = system_clock().now_us();
  p.genesis_message = "complexchain genesis for " + spec.channel;
  for (const auto& a : spec.funded) p.accounts.push_back({a.address, spec.fund_each});
  if (auto s = node::write_file_atomic(spec.dir + "/genesis.json", p.to_json() + "\n"); !s) return s;

  node::NodeConfig c;
  c.rpc.host = spec.host;
  c.rpc.port = spec.port;
  c.channels.push_back({spec.channel, "genesis.json", std::nullopt});
  return node::write_file_atomic(spec.dir + "/config.json", node::config_to_json(c));
}

bool port_accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A process that exited but was not reaped yet (a zombie: its parent, or init in some containers,
// reaps it later) counts as gone; kill(pid, 0) alone would still call it alive.
bool pid_alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;  // no /proc: trust kill()
  // "pid (comm) S ...": the state follows the last ')', since comm may hold spaces or parentheses.
  auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

pid_t read_pid(const std::string& path) {
  auto t = node::read_file(path, 64);
  if (!t) return 0;
  try {
    return static_cast<pid_t>(std::stol(*t));
  } catch (...) {
    return 0;
  }
}

std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "complexchain" : p.string();
}

// Starts `complexchain start --dir D` detached, logging to D/node.log; returns its pid.
pid_t spawn_node(const std::string& dir) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setsid();
  int log = ::open((dir + "/node.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int null = ::open("/dev/null", O_RDONLY);
  if (log >= 0) {
    ::dup2(log, 1);
    ::dup2(log, 2);
  }
  if (null >= 0) ::dup2(null, 0);
  std::string exe = self_exe();
  ::execl(exe.c_str(), exe.c_str(), "start", "--dir", dir.c_str(), static_cast<char*>(nullptr));
  std::perror("exec complexchain start");
  ::_exit(127);
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 1;
}

// Node directories of a localnet: DIR/node0, DIR/node1, ... as far as they exist.
std::vector<std::string> localnet_nodes(const std::string& dir) {
  std::vector<std::string> out;
  for (int i = 0; fs::exists(dir + "/node" + std::to_string(i) + "/config.json"); ++i) out.push_back(dir + "/node" + std::to_string(i));
  return out;
}

// Creates DIR with `validators` validators and then `followers` followers (genesis members that sync and
// serve reads, docs/membership.md) sharing one genesis; each node's config names the validators as peers.
struct LocalnetExtras {
  size_t spares = 0;
  bool rpc_auth_signed = false;
  bool ca = false;                      // a chain CA whose RA is the first funded account (docs/ca.md)
  std::optional<uint16_t> p2p_base_port;  // default: the RPC port + 100
};

// Spares come last: nodes whose keys are not members (docs/membership.md "Membership follows final
// state"); they run and wait until governance admits them.
Status create_localnet(const std::string& dir, size_t validators, size_t followers, uint16_t base_port,
                       uint64_t block_interval_ms, size_t accounts, const LocalnetExtras& extras) {
  const size_t members = validators + followers;
  const size_t n = members + extras.spares;
  std::vector<crypto::PrivateKey> keys;
  std::vector<core::Address> ids;
  for (size_t i = 0; i < n; ++i) {
    keys.push_back(crypto::generate_private_key(os_random()));
    ids.push_back(core::Address::of_public_key(*crypto::public_key_of(keys.back())));
  }
  std::vector<uint16_t> rpc_ports, p2p_ports;
  for (size_t i = 0; i < n; ++i) {
    rpc_ports.push_back(base_port == 0 ? p2p::free_loopback_port() : static_cast<uint16_t>(base_port + i));
    const uint16_t p2p_base = extras.p2p_base_port.value_or(static_cast<uint16_t>(base_port + 100));
    p2p_ports.push_back(base_port == 0 ? p2p::free_loopback_port() : static_cast<uint16_t>(p2p_base + i));
  }
  for (size_t i = 0; i < n; ++i) {
    if (port_accepts(rpc_ports[i])) return Status::error("port " + std::to_string(rpc_ports[i]) + " is in use; pass --port 0 for free ones");
    if (n > 1 && port_accepts(p2p_ports[i])) return Status::error("port " + std::to_string(p2p_ports[i]) + " is in use; pass --port 0 for free ones");
  }
  std::vector<DevAccount> funded;
  for (size_t i = 0; i < accounts; ++i) {
    auto k = crypto::generate_private_key(os_random());
    funded.push_back({k, core::Address::of_public_key(*crypto::public_key_of(k))});
  }
  core::ChainParams p;
  p.channel = "localnet";
  p.nid = 3;
  p.treasury = *core::Address::parse(kTreasury);
  p.validators.assign(ids.begin(), ids.begin() + static_cast<long>(validators));
  for (size_t i = validators; i < members; ++i) p.members.push_back({ids[i], core::MemberRole::kFollower});
  p.rpc_auth_signed = extras.rpc_auth_signed;
  p.block_interval_ms = block_interval_ms;
  p.genesis_timestamp_us = system_clock().now_us();
  p.genesis_message = "complexchain localnet";
  Uint256 fund_each = icx(1'000'000);
  for (const auto& a : funded) p.accounts.push_back({a.address, fund_each});
  if (extras.ca) p.ca = core::CaParams{"localnet chain CA", {funded.front().address}, /*tx_pki=*/false};
  std::string genesis = p.to_json() + "\n";

  for (size_t i = 0; i < n; ++i) {
    std::string nd = dir + "/node" + std::to_string(i);
    std::error_code ec;
    fs::create_directories(nd, ec);
    if (ec) return Status::error("cannot create " + nd + ": " + ec.message());
    if (auto s = node::write_node_key(nd + "/node.key", keys[i]); !s) return s;
    if (auto s = node::write_file_atomic(nd + "/genesis.json", genesis); !s) return s;
    node::NodeConfig c;
    c.rpc.port = rpc_ports[i];
    c.channels.push_back({p.channel, "genesis.json", std::nullopt});
    if (n > 1) {
      node::P2pConfig pc;
      pc.port = p2p_ports[i];
      for (size_t j = 0; j < validators; ++j)
        if (j != i) pc.peers.push_back({ids[j], "127.0.0.1", p2p_ports[j]});
      c.channels.front().p2p = std::move(pc);
      c.round_timeout_ms = 1000;
    }
    if (auto s = node::write_file_atomic(nd + "/config.json", node::config_to_json(c)); !s) return s;
  }

  std::error_code ec;
  fs::create_directories(dir + "/keystores", ec);
  json::array accs;
  crypto::KeystoreOptions ko;
  for (const auto& a : funded) {
    std::string ks_path = dir + "/keystores/" + a.address.to_string() + ".json";
    if (auto s = node::write_file_atomic(ks_path, crypto::keystore_encrypt(a.key, kLocalnetPassword, os_random(), ko), 0600); !s)
      return s;
    accs.push_back(json::object{{"address", a.address.to_string()}, {"private_key", a.key.hex()}, {"keystore", ks_path},
                                {"balance", fund_each.to_icon_hex()}});
  }
  json::array nodes;
  for (size_t i = 0; i < n; ++i)
    nodes.push_back(json::object{{"rpc", "http://127.0.0.1:" + std::to_string(rpc_ports[i]) + "/api/v3"},
                                 {i < validators ? "validator" : i < members ? "follower" : "spare", ids[i].to_string()},
                                 {"dir", dir + "/node" + std::to_string(i)}});
  json::object doc{{"rpc", "http://127.0.0.1:" + std::to_string(rpc_ports[0]) + "/api/v3"},
                   {"nid", Uint256(p.nid).to_icon_hex()},
                   {"channel", p.channel},
                   {"keystore_password", kLocalnetPassword},
                   {"nodes", nodes},
                   {"accounts", accs}};
  return node::write_file_atomic(dir + "/accounts.json", json::serialize(doc) + "\n", 0600);
}

// Stops one node: SIGTERM, then SIGKILL after 10 s.
void stop_node(const std::string& node_dir) {
  std::string pid_path = node_dir + "/node.pid";
  pid_t pid = read_pid(pid_path);
  if (pid_alive(pid)) {
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && pid_alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (pid_alive(pid)) ::kill(pid, SIGKILL);
    std::printf("stopped %s (pid %d)\n", fs::path(node_dir).filename().c_str(), pid);
  }
  std::error_code ec;
  fs::remove(pid_path, ec);
}

// Prints the endpoints and funded accounts of a running localnet.
int print_localnet(const std::string& dir, const std::vector<std::string>& nodes, bool as_json, bool already) {
  auto accounts_text = node::read_file(dir + "/accounts.json");
  json::object doc;
  if (accounts_text) doc = json::parse(*accounts_text).as_object();
  std::vector<node::NodeConfig> configs;
  for (const auto& nd : nodes) configs.push_back(node::load_config(nd).value());
  std::string url = "http://127.0.0.1:" + std::to_string(configs[0].rpc.port) + "/api/v3";
  if (as_json) {
    json::array ns;
    for (size_t i = 0; i < nodes.size(); ++i)
      ns.push_back(json::object{{"rpc", "http://127.0.0.1:" + std::to_string(configs[i].rpc.port) + "/api/v3"},
                                {"pid", read_pid(nodes[i] + "/node.pid")},
                                {"log", nodes[i] + "/node.log"}});
    json::object out{{"rpc", url}, {"nodes", ns}, {"pid", read_pid(nodes[0] + "/node.pid")}};
    if (doc.contains("accounts")) out["accounts"] = doc["accounts"];
    std::printf("%s\n", json::serialize(out).c_str());
    return 0;
  }
  // accounts.json names each node's role ("validator" or "follower").
  auto role = [&](size_t i) -> const char* {
    if (!doc.contains("nodes") || i >= doc["nodes"].as_array().size()) return "validator";
    const auto& node = doc["nodes"].as_array()[i].as_object();
    return node.contains("follower") ? "follower" : node.contains("spare") ? "spare" : "validator";
  };
  size_t followers = 0, spares = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    followers += std::string_view(role(i)) == "follower" ? 1 : 0;
    spares += std::string_view(role(i)) == "spare" ? 1 : 0;
  }
  const size_t validators = nodes.size() - followers - spares;
  std::printf("localnet %s: %zu validator%s", already ? "was already running" : "is running", validators,
              validators == 1 ? "" : "s");
  if (followers > 0) std::printf(", %zu follower%s", followers, followers == 1 ? "" : "s");
  if (spares > 0) std::printf(", %zu spare%s (not members: waiting for governance to admit them)", spares, spares == 1 ? "" : "s");
  std::printf("\n\n");
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::printf("  node%zu  %-9s  JSON-RPC http://127.0.0.1:%u/api/v3", i, role(i), configs[i].rpc.port);
    if (const auto& p = configs[i].channels.front().p2p) std::printf("  p2p 127.0.0.1:%u", p->port);
    std::printf("  pid %d  log %s/node.log\n", read_pid(nodes[i] + "/node.pid"), nodes[i].c_str());
  }
  std::printf("\n  JSON-RPC   %s   (channel: %s/api/v3/%s)\n", url.c_str(),
              ("http://127.0.0.1:" + std::to_string(configs[0].rpc.port)).c_str(), configs[0].channels[0].name.c_str());
  std::printf("  debug      http://127.0.0.1:%u/api/v3d\n", configs[0].rpc.port);
  std::printf("  websocket  ws://127.0.0.1:%u/api/v3/%s/block\n\n", configs[0].rpc.port, configs[0].channels[0].name.c_str());
  if (doc.contains("accounts")) {
    std::printf("Funded development accounts (1,000,000 each; keys in %s/accounts.json, keystore password '%s'):\n",
                dir.c_str(), kLocalnetPassword);
    for (const auto& a : doc["accounts"].as_array())
      std::printf("  %s  %s\n", std::string(a.as_object().at("address").as_string()).c_str(),
                  std::string(a.as_object().at("private_key").as_string()).c_str());
  }
  std::printf("\nThese keys are public: never use them outside this local network.\n"
              "Stop with: complexchain localnet stop --dir %s\n", dir.c_str());
  return 0;
}

}  // namespace

int cmd_init(const Argv& argv) {
  Args args("complexchain init --dir DIR [options]",
            "Creates a node directory: a node key (node.key), a genesis for a new single-validator channel with this\n"
            "node as validator (genesis.json) and config.json. Funded development accounts are optional.",
            {{"dir", "DIR", "node directory to create", ""},
             {"channel", "NAME", "channel name", "localnet"},
             {"nid", "HEX", "network id", "0x3"},
             {"port", "PORT", "JSON-RPC port", "9000"},
             {"host", "ADDR", "JSON-RPC listen address", "127.0.0.1"},
             {"block-interval-ms", "MS", "time between blocks", "200"},
             {"dev-accounts", "N", "create N funded development accounts (keys in DIR/accounts.json)", "0"},
             {"json", "", "print the result as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  auto dir = args.get("dir");
  if (!dir) return fail("--dir is required");
  InitSpec spec;
  spec.dir = *dir;
  spec.channel = *args.get("channel");
  auto nid = Uint256::from_icon_hex(*args.get("nid"));
  if (!nid || nid->is_zero() || !nid->fits_u64()) return fail("--nid must be a non-zero 0x-hex number");
  spec.nid = nid->low_u64();
  spec.host = *args.get("host");
  try {
    unsigned long port = std::stoul(*args.get("port"));
    if (port > 65535) throw std::out_of_range("port");
    spec.port = static_cast<uint16_t>(port);
    spec.block_interval_ms = std::stoull(*args.get("block-interval-ms"));
    unsigned long n = std::stoul(*args.get("dev-accounts"));
    if (n > 1000) return fail("--dev-accounts is limited to 1000");
    for (unsigned long i = 0; i < n; ++i) {
      auto k = crypto::generate_private_key(os_random());
      spec.funded.push_back({k, core::Address::of_public_key(*crypto::public_key_of(k))});
    }
  } catch (const std::exception&) {
    return fail("--port, --block-interval-ms and --dev-accounts must be numbers");
  }
  spec.fund_each = icx(1'000'000);
  core::Address validator;
  if (auto s = init_node_dir(spec, validator); !s) return fail(s.message());
  json::array accs;
  for (const auto& a : spec.funded)
    accs.push_back(json::object{{"address", a.address.to_string()}, {"private_key", a.key.hex()}});
  if (!spec.funded.empty()) {
    json::object doc{{"nid", Uint256(spec.nid).to_icon_hex()}, {"channel", spec.channel}, {"accounts", accs}};
    if (auto s = node::write_file_atomic(spec.dir + "/accounts.json", json::serialize(doc) + "\n", 0600); !s)
      return fail(s.message());
  }
  if (args.flag("json")) {
    std::printf("%s\n", json::serialize(json::object{{"dir", spec.dir}, {"validator", validator.to_string()},
                                                     {"channel", spec.channel}, {"accounts", accs}}).c_str());
  } else {
    std::printf("initialised %s\n  validator  %s\n  channel    %s (nid %s)\n  start with complexchain start --dir %s\n",
                spec.dir.c_str(), validator.to_string().c_str(), spec.channel.c_str(), Uint256(spec.nid).to_icon_hex().c_str(),
                spec.dir.c_str());
  }
  return 0;
}

int cmd_start(const Argv& argv) {
  Args args("complexchain start --dir DIR", "Runs the node in DIR (created by 'complexchain init') until SIGINT/SIGTERM.",
            {{"dir", "DIR", "node directory", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  auto dir = args.get("dir");
  if (!dir) return fail("--dir is required");
  auto config = node::load_config(*dir);
  if (!config) return fail(config.message());
  auto n = node::start_node(*config);
  if (!n) return fail(n.message());
  n.value()->run_until_signal();
  return 0;
}

int cmd_localnet(const Argv& argv) {
  Args args("complexchain localnet [start|stop|status|reset] [options]",
            "Runs a local network on 127.0.0.1 with funded development accounts. 'start' (the default) creates it\n"
            "on first use, starts the validator processes in the background and prints the endpoints; keys of the\n"
            "funded accounts are written to DIR/accounts.json (keystores, password 'localnet', in DIR/keystores/).",
            {{"dir", "DIR", "where the network lives", "localnet"},
             {"port", "PORT", "JSON-RPC port of node0; node i uses PORT+i and p2p PORT+100+i (0 = free ports)", "9000"},
             {"accounts", "N", "funded development accounts", "10"},
             {"validators", "N", "validator nodes (when the network is created)", "1"},
             {"followers", "N", "follower nodes after the validators: sync, serve reads, forward txs (needs 2+ validators)", "0"},
             {"spares", "N", "nodes after those whose keys are not members: they wait until governance admits them (addMember, grantAudit)", "0"},
             {"p2p-port", "PORT", "p2p port of node0; node i uses PORT+i (default: the JSON-RPC port + 100)", ""},
             {"ca", "", "the channel has a chain CA (docs/ca.md) whose RA is the first funded account", ""},
             {"rpc-auth", "MODE", "'signed': the channel's JSON-RPC answers only requests signed by a member (docs/membership.md)", ""},
             {"block-interval-ms", "MS", "time between blocks", "300"},
             {"foreground", "", "run node0 in this process instead of in the background (1 validator only)", ""},
             {"json", "", "print endpoints and accounts as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  std::string action = args.positionals().empty() ? "start" : args.positionals()[0];
  std::string dir = *args.get("dir");

  if (action == "stop" || action == "reset") {
    auto nodes = localnet_nodes(dir);
    if (nodes.empty()) std::printf("no localnet in %s\n", dir.c_str());
    for (const auto& nd : nodes) stop_node(nd);
    if (action == "reset") {
      std::error_code ec;
      fs::remove_all(dir, ec);
      if (ec) return fail("cannot remove " + dir + ": " + ec.message());
      std::printf("removed %s\n", dir.c_str());
    }
    return 0;
  }
  if (action == "status") {
    auto nodes = localnet_nodes(dir);
    if (nodes.empty()) return fail("no localnet in " + dir);
    bool all_up = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
      auto config = node::load_config(nodes[i]);
      if (!config) return fail(config.message());
      pid_t pid = read_pid(nodes[i] + "/node.pid");
      bool up = pid_alive(pid) && port_accepts(config->rpc.port);
      all_up &= up;
      std::printf("node%zu  %s  pid %d  http://127.0.0.1:%u/api/v3\n", i, up ? "running" : "stopped", pid, config->rpc.port);
    }
    return all_up ? 0 : 3;
  }
  if (action != "start") return fail("unknown localnet action '" + action + "' (start, stop, status, reset)");

  auto nodes = localnet_nodes(dir);
  if (nodes.empty()) {
    unsigned long validators = 0, followers = 0, accounts = 0, port = 0;
    LocalnetExtras extras;
    uint64_t interval = 0;
    try {
      validators = std::stoul(*args.get("validators"));
      followers = std::stoul(*args.get("followers"));
      extras.spares = std::stoul(*args.get("spares"));
      accounts = std::stoul(*args.get("accounts"));
      port = std::stoul(*args.get("port"));
      interval = std::stoull(*args.get("block-interval-ms"));
      if (auto p2p = args.get("p2p-port"); p2p && !p2p->empty()) {
        const unsigned long v = std::stoul(*p2p);
        if (v == 0 || v > 65000) return fail("--p2p-port must be between 1 and 65000");
        extras.p2p_base_port = static_cast<uint16_t>(v);
      }
    } catch (const std::exception&) {
      return fail("--validators, --followers, --accounts, --port and --block-interval-ms must be numbers");
    }
    if (validators == 0 || validators > 32) return fail("--validators must be between 1 and 32");
    if (followers > 32) return fail("--followers must be between 0 and 32");
    if (extras.spares > 8) return fail("--spares must be between 0 and 8");
    if (extras.spares > 0 && validators < 2) return fail("spares need at least 2 validators (--validators 2 or more)");
    const std::string auth = args.get("rpc-auth").value_or("");
    if (!auth.empty() && auth != "signed") return fail("--rpc-auth must be 'signed' (or absent)");
    extras.rpc_auth_signed = auth == "signed";
    extras.ca = args.flag("ca");
    if (followers > 0 && validators < 2) return fail("followers need at least 2 validators (--validators 2 or more)");
    if (accounts == 0 || accounts > 1000) return fail("--accounts must be between 1 and 1000");
    if (port > 65535 - 100 - validators - followers - extras.spares) return fail("--port is too high for " + std::to_string(validators + followers) + " nodes");
    if (auto s = create_localnet(dir, validators, followers, static_cast<uint16_t>(port), interval, accounts, extras); !s)
      return fail(s.message());
    nodes = localnet_nodes(dir);
  }

  bool all_running = true;
  for (const auto& nd : nodes) all_running &= pid_alive(read_pid(nd + "/node.pid"));
  if (all_running) return print_localnet(dir, nodes, args.flag("json"), /*already=*/true);

  if (args.flag("foreground")) {
    if (nodes.size() != 1) return fail("--foreground runs a single-validator localnet only");
    auto config = node::load_config(nodes[0]);
    if (!config) return fail(config.message());
    auto n = node::start_node(*config);
    if (!n) return fail(n.message());
    std::printf("localnet running in the foreground: http://127.0.0.1:%u/api/v3 (Ctrl-C stops)\n", n.value()->rpc_port());
    std::fflush(stdout);
    n.value()->run_until_signal();
    return 0;
  }

  std::vector<std::pair<pid_t, uint16_t>> started;
  for (const auto& nd : nodes) {
    if (pid_alive(read_pid(nd + "/node.pid"))) continue;  // a partly running network: start the rest
    auto config = node::load_config(nd);
    if (!config) return fail(config.message());
    if (port_accepts(config->rpc.port))
      return fail("port " + std::to_string(config->rpc.port) + " of " + nd + " is already in use by another program");
    pid_t pid = spawn_node(nd);
    if (pid < 0) return fail("cannot start the node process for " + nd);
    if (auto s = node::write_file_atomic(nd + "/node.pid", std::to_string(pid) + "\n"); !s) return fail(s.message());
    started.emplace_back(pid, config->rpc.port);
  }
  for (size_t k = 0; k < started.size(); ++k) {
    auto [pid, port] = started[k];
    bool up = false;
    for (int i = 0; i < 300 && !up; ++i) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) return fail("a node exited at start; see its node.log in " + dir);
      up = port_accepts(port);
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!up) return fail("a node did not open port " + std::to_string(port) + " within 30 s; see the node.log files in " + dir);
  }
  return print_localnet(dir, nodes, args.flag("json"), /*already=*/false);
}

}  // namespace cx::cli
