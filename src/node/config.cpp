#include "node/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

namespace cx::node {
namespace json = boost::json;

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Result<std::string>::error("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) return Result<std::string>::error(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  return s;
}

Status write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Status::error("cannot create " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      ::close(fd);
      return Status::error("cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Status::error("cannot sync " + tmp + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::error("cannot rename " + tmp + ": " + std::strerror(errno));
  return Status::ok();
}

Result<crypto::PrivateKey> load_node_key(const std::string& path) {
  auto text = read_file(path, 4096);
  if (!text) return text.status();
  std::string s = *text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  auto key = crypto::PrivateKey::from_hex_string(s);
  if (!key || !crypto::is_valid_private_key(*key))
    return Result<crypto::PrivateKey>::error(path + " does not hold a secp256k1 private key (64 hex digits)");
  return *key;
}

Status write_node_key(const std::string& path, const crypto::PrivateKey& key) {
  return write_file_atomic(path, key.hex() + "\n", 0600);
}

namespace {
struct ConfigError {
  std::string message;
};

uint64_t get_u64(const json::object& o, std::string_view key, uint64_t fallback, uint64_t max, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  const auto& v = it->value();
  int64_t x;
  if (v.is_int64()) x = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) x = static_cast<int64_t>(v.get_uint64());
  else throw ConfigError{where + ": '" + std::string(key) + "' must be an integer"};
  if (x < 0 || static_cast<uint64_t>(x) > max)
    throw ConfigError{where + ": '" + std::string(key) + "' must be between 0 and " + std::to_string(max)};
  return static_cast<uint64_t>(x);
}

std::string get_str(const json::object& o, std::string_view key, std::string fallback, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  if (!it->value().is_string()) throw ConfigError{where + ": '" + std::string(key) + "' must be a string"};
  return std::string(it->value().get_string());
}

// "rpc": {"tls": {"certFile", "keyFile"}}: PEM files, relative to the node directory (node.cpp resolves them).
std::optional<rpc::TlsOptions> parse_tls(const json::object& r, const std::string& where) {
  auto it = r.find("tls");
  if (it == r.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_object()) throw ConfigError{where + ": tls must be an object {certFile, keyFile}"};
  const auto& t = it->value().get_object();
  for (const auto& kv : t)
    if (kv.key() != "certFile" && kv.key() != "keyFile")
      throw ConfigError{where + " tls: unknown field '" + std::string(kv.key()) + "'"};
  rpc::TlsOptions tls{get_str(t, "certFile", "", where + " tls"), get_str(t, "keyFile", "", where + " tls")};
  if (tls.cert_file.empty() || tls.key_file.empty()) throw ConfigError{where + ": tls needs certFile and keyFile (PEM files)"};
  return tls;
}

// A "p2p" object: {host, port, peers: [{address, host, port}]}.
P2pConfig parse_p2p(const json::value& v, const std::string& where) {
  if (!v.is_object()) throw ConfigError{where + " must be an object"};
  const auto& po = v.get_object();
  for (const auto& kv : po)
    if (kv.key() != "host" && kv.key() != "port" && kv.key() != "peers")
      throw ConfigError{where + ": unknown field '" + std::string(kv.key()) + "'"};
  P2pConfig pc;
  pc.host = get_str(po, "host", pc.host, where);
  pc.port = static_cast<uint16_t>(get_u64(po, "port", 0, 65535, where));
  if (auto peers = po.find("peers"); peers != po.end()) {
    if (!peers->value().is_array() || peers->value().get_array().size() > 1000)
      throw ConfigError{where + ": peers must be a list of at most 1000 {address, host, port}"};
    for (const auto& pv : peers->value().get_array()) {
      if (!pv.is_object()) throw ConfigError{where + ": each peer must be {address, host, port}"};
      const auto& peer = pv.get_object();
      auto addr = core::Address::parse(get_str(peer, "address", "", where + " peer"));
      if (!addr || addr->is_contract) throw ConfigError{where + ": a peer's address must be an hx address"};
      p2p::PeerAddress pa{*addr, get_str(peer, "host", "127.0.0.1", where + " peer"),
                          static_cast<uint16_t>(get_u64(peer, "port", 0, 65535, where + " peer"))};
      pc.peers.push_back(std::move(pa));
    }
  }
  return pc;
}

json::object p2p_to_json(const P2pConfig& pc) {
  json::array peers;
  for (const auto& p : pc.peers)
    peers.push_back(json::object{{"address", p.id.to_string()}, {"host", p.host}, {"port", p.port}});
  return json::object{{"host", pc.host}, {"port", pc.port}, {"peers", std::move(peers)}};
}
}  // namespace

Result<NodeConfig> load_config(const std::string& dir) {
  std::string path = dir + "/config.json";
  auto text = read_file(path, kConfigBytesMax);
  if (!text) return Result<NodeConfig>::error(text.message() + " (run 'complexchain init --dir " + dir + "' first)");
  return parse_config(*text, dir);
}

Result<NodeConfig> parse_config(std::string_view text, const std::string& dir) {
  std::string path = dir + "/config.json";
  if (text.size() > kConfigBytesMax)
    return Result<NodeConfig>::error(path + ": larger than " + std::to_string(kConfigBytesMax) + " bytes");
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Result<NodeConfig>::error(path + ": not a JSON object: " + ec.message());
  NodeConfig c;
#ifdef CX_WEB_ROOT
  c.rpc.web_root = CX_WEB_ROOT;  // the source tree's web/ (the explorer and the GAPP)
#endif
  c.dir = dir;
  try {
    const auto& o = doc.get_object();
    static constexpr std::string_view kKnown[] = {"keyFile", "logLevel", "rpc",           "channels",
                                                  "mempool", "blockCacheMB", "p2p", "roundTimeoutMs",
                                                  "executor", "indexes"};
    for (const auto& kv : o) {
      bool known = false;
      for (auto k : kKnown) known |= kv.key() == k;
      if (!known) throw ConfigError{path + ": unknown field '" + std::string(kv.key()) + "'"};
    }
    c.key_path = get_str(o, "keyFile", c.key_path, path);
    c.log_level = get_str(o, "logLevel", c.log_level, path);
    if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error")
      throw ConfigError{path + ": logLevel must be debug, info, warn or error"};
    c.block_cache_mb = get_u64(o, "blockCacheMB", c.block_cache_mb, 65536, path);
    if (auto it = o.find("rpc"); it != o.end()) {
      if (!it->value().is_object()) throw ConfigError{path + ": rpc must be an object"};
      const auto& r = it->value().get_object();
      std::string where = path + " rpc";
      c.rpc.host = get_str(r, "host", c.rpc.host, where);
      c.rpc.port = static_cast<uint16_t>(get_u64(r, "port", c.rpc.port, 65535, where));
      c.rpc.io_threads = static_cast<unsigned>(get_u64(r, "ioThreads", c.rpc.io_threads, 64, where));
      if (c.rpc.io_threads == 0) throw ConfigError{where + ": ioThreads must be at least 1"};
      c.rpc.body_bytes_max = get_u64(r, "bodyBytesMax", c.rpc.body_bytes_max, 256u << 20, where);
      c.rpc.batch_max = get_u64(r, "batchMax", c.rpc.batch_max, 100000, where);
      c.rpc.connections_max = get_u64(r, "connectionsMax", c.rpc.connections_max, 100000, where);
      c.rpc.connections_per_address_max =
          get_u64(r, "connectionsPerAddressMax", c.rpc.connections_per_address_max, 100000, where);
      if (c.rpc.connections_max == 0 || c.rpc.connections_per_address_max == 0)
        throw ConfigError{where + ": connectionsMax and connectionsPerAddressMax must be at least 1"};
      c.rpc.idle_timeout_ms = static_cast<int64_t>(get_u64(r, "idleTimeoutMs", static_cast<uint64_t>(c.rpc.idle_timeout_ms), 3'600'000, where));
      c.rpc.idle_timeout_busy_ms =
          static_cast<int64_t>(get_u64(r, "idleTimeoutBusyMs", static_cast<uint64_t>(c.rpc.idle_timeout_busy_ms), 3'600'000, where));
      if (c.rpc.idle_timeout_ms < 100 || c.rpc.idle_timeout_busy_ms < 100)
        throw ConfigError{where + ": idleTimeoutMs and idleTimeoutBusyMs must be at least 100"};
      c.rpc.web_root = get_str(r, "webRoot", c.rpc.web_root, where);  // "" = serve no pages
      c.rpc.tls = parse_tls(r, where);
    }
    if (auto it = o.find("mempool"); it != o.end()) {
      if (!it->value().is_object()) throw ConfigError{path + ": mempool must be an object"};
      const auto& m = it->value().get_object();
      std::string where = path + " mempool";
      c.mempool.count_max = get_u64(m, "countMax", c.mempool.count_max, 10'000'000, where);
      c.mempool.bytes_max = get_u64(m, "bytesMax", c.mempool.bytes_max, 16ull << 30, where);
      c.mempool.per_sender_max = get_u64(m, "perSenderMax", c.mempool.per_sender_max, 10'000'000, where);
      c.mempool.verify_threads = static_cast<unsigned>(get_u64(m, "verifyThreads", c.mempool.verify_threads, 64, where));
    }
    c.round_timeout_ms = get_u64(o, "roundTimeoutMs", c.round_timeout_ms, 600000, path);
    if (auto it = o.find("indexes"); it != o.end()) {
      if (!it->value().is_bool()) throw ConfigError{path + ": indexes must be true or false (the explorer's indexes, docs/explorer-api.md)"};
      c.explorer_indexes = it->value().get_bool();
    }
    if (auto it = o.find("executor"); it != o.end()) {
      if (!it->value().is_object()) throw ConfigError{path + ": executor must be an object"};
      const auto& e = it->value().get_object();
      const std::string where = path + " executor";
      c.executor_processes = get_u64(e, "processes", c.executor_processes, 64, where);
      c.executor_hang_timeout_ms = get_u64(e, "hangTimeoutMs", c.executor_hang_timeout_ms, 3'600'000, where);
      if (c.executor_hang_timeout_ms < 100) throw ConfigError{where + ": hangTimeoutMs must be at least 100"};
    }
    if (c.round_timeout_ms < 50) throw ConfigError{path + ": roundTimeoutMs must be at least 50"};
    auto it = o.find("channels");
    if (it == o.end() || !it->value().is_array() || it->value().get_array().empty())
      throw ConfigError{path + ": channels must be a non-empty list of {name, genesis}"};
    for (const auto& ch : it->value().get_array()) {
      if (!ch.is_object()) throw ConfigError{path + ": each channel must be {name, genesis}"};
      ChannelConfig cc;
      cc.name = get_str(ch.get_object(), "name", "", path + " channel");
      cc.genesis_path = get_str(ch.get_object(), "genesis", "", path + " channel");
      if (cc.name.empty() || cc.genesis_path.empty()) throw ConfigError{path + ": a channel needs name and genesis"};
      for (const auto& seen : c.channels)
        if (seen.name == cc.name) throw ConfigError{path + ": channel " + cc.name + " is listed twice"};
      for (const auto& kv : ch.get_object())
        if (kv.key() != "name" && kv.key() != "genesis" && kv.key() != "p2p")
          throw ConfigError{path + ": channel " + cc.name + ": unknown field '" + std::string(kv.key()) + "'"};
      if (auto pit = ch.get_object().find("p2p"); pit != ch.get_object().end())
        cc.p2p = parse_p2p(pit->value(), path + " channel " + cc.name + " p2p");
      c.channels.push_back(cc);
    }
    if (auto pit = o.find("p2p"); pit != o.end()) {
      if (c.channels.front().p2p)
        throw ConfigError{path + ": p2p is given both at the top level and in channel " + c.channels.front().name +
                          "; keep the channel's"};
      c.channels.front().p2p = parse_p2p(pit->value(), path + " p2p");
    }
    // Every channel listens on an address of its own (port 0 = any free port; a wildcard host
    // overlaps every host).
    auto wildcard = [](const std::string& h) { return h == "0.0.0.0" || h == "::"; };
    for (size_t i = 0; i < c.channels.size(); ++i)
      for (size_t j = 0; j < i; ++j) {
        const auto &a = c.channels[i].p2p, &b = c.channels[j].p2p;
        if (a && b && a->port != 0 && a->port == b->port && (a->host == b->host || wildcard(a->host) || wildcard(b->host)))
          throw ConfigError{path + ": channels " + c.channels[j].name + " and " + c.channels[i].name +
                            " both listen for p2p on port " + std::to_string(a->port) +
                            "; each channel needs a port of its own"};
      }
  } catch (const ConfigError& e) {
    return Result<NodeConfig>::error(e.message);
  }
  c.rpc.default_channel = c.channels.front().name;
  return c;
}

std::string config_to_json(const NodeConfig& c) {
  json::object o;
  o["keyFile"] = c.key_path;
  o["logLevel"] = c.log_level;
  json::object r;
  r["host"] = c.rpc.host;
  r["port"] = c.rpc.port;
  r["ioThreads"] = c.rpc.io_threads;
  o["rpc"] = std::move(r);
  json::array chans;
  for (const auto& ch : c.channels) {
    json::object e{{"name", ch.name}, {"genesis", ch.genesis_path}};
    if (ch.p2p) e["p2p"] = p2p_to_json(*ch.p2p);
    chans.push_back(std::move(e));
  }
  o["channels"] = std::move(chans);
  // Tuning settings are written only where they differ from the defaults, so a config written by
  // init stays short; every field load_config reads is written back (config_to_json then
  // parse_config gives the same NodeConfig).
  const NodeConfig d;
  if (c.round_timeout_ms != d.round_timeout_ms) o["roundTimeoutMs"] = c.round_timeout_ms;
  if (c.block_cache_mb != d.block_cache_mb) o["blockCacheMB"] = c.block_cache_mb;
  if (c.explorer_indexes != d.explorer_indexes) o["indexes"] = c.explorer_indexes;
  auto& rpc = o["rpc"].as_object();
  if (c.rpc.body_bytes_max != d.rpc.body_bytes_max) rpc["bodyBytesMax"] = c.rpc.body_bytes_max;
  if (c.rpc.batch_max != d.rpc.batch_max) rpc["batchMax"] = c.rpc.batch_max;
  if (c.rpc.connections_max != d.rpc.connections_max) rpc["connectionsMax"] = c.rpc.connections_max;
  if (c.rpc.connections_per_address_max != d.rpc.connections_per_address_max)
    rpc["connectionsPerAddressMax"] = c.rpc.connections_per_address_max;
  if (c.rpc.idle_timeout_ms != d.rpc.idle_timeout_ms) rpc["idleTimeoutMs"] = c.rpc.idle_timeout_ms;
  if (c.rpc.idle_timeout_busy_ms != d.rpc.idle_timeout_busy_ms) rpc["idleTimeoutBusyMs"] = c.rpc.idle_timeout_busy_ms;
  if (c.rpc.tls) rpc["tls"] = json::object{{"certFile", c.rpc.tls->cert_file}, {"keyFile", c.rpc.tls->key_file}};
  json::object m;
  if (c.mempool.count_max != d.mempool.count_max) m["countMax"] = c.mempool.count_max;
  if (c.mempool.bytes_max != d.mempool.bytes_max) m["bytesMax"] = c.mempool.bytes_max;
  if (c.mempool.per_sender_max != d.mempool.per_sender_max) m["perSenderMax"] = c.mempool.per_sender_max;
  if (c.mempool.verify_threads != d.mempool.verify_threads) m["verifyThreads"] = c.mempool.verify_threads;
  if (!m.empty()) o["mempool"] = std::move(m);
  json::object e;
  if (c.executor_processes != d.executor_processes) e["processes"] = c.executor_processes;
  if (c.executor_hang_timeout_ms != d.executor_hang_timeout_ms) e["hangTimeoutMs"] = c.executor_hang_timeout_ms;
  if (!e.empty()) o["executor"] = std::move(e);
  return json::serialize(o) + "\n";
}

}  // namespace cx::node
