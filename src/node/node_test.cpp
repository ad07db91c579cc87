#include "node/node.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/test_tx.hpp"
#include "node/config.hpp"
#include "node/genesis.hpp"

using namespace cx;
using namespace cx::core::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A fresh directory, deleted with the object.
struct TempDir {
  explicit TempDir(const std::string& tag)
      : path(fs::temp_directory_path() / ("cx-node-" + tag + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

void write(const fs::path& p, const std::string& text) {
  auto s = node::write_file_atomic(p.string(), text);
  ASSERT_TRUE(s) << s.message();
}

Result<node::NodeConfig> load(const fs::path& dir, const std::string& config_json) {
  EXPECT_TRUE(node::write_file_atomic((dir / "config.json").string(), config_json));
  return node::load_config(dir.string());
}

const char* kPeer = "hx1000000000000000000000000000000000000001";

// Waits until `done()` holds. The limit only guards against a hang: progress is what the test checks,
// not speed (a loaded 2-core machine may run the simulator beside it).
bool wait_until(const std::function<bool()>& done, std::chrono::seconds hang_limit = 120s) {
  const auto end = std::chrono::steady_clock::now() + hang_limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace

TEST(NodeConfig, EachChannelHasItsOwnP2pAndTheOldTopLevelFormIsTheFirstChannels) {
  TempDir d("config");
  auto c = load(d.path, std::string(R"({"channels":[
      {"name":"a","genesis":"a.json","p2p":{"port":7001,"peers":[{"address":")") + kPeer + R"(","port":7101}]}},
      {"name":"b","genesis":"b.json","p2p":{"host":"0.0.0.0","port":7002}},
      {"name":"c","genesis":"c.json"}]})");
  ASSERT_TRUE(c) << c.message();
  ASSERT_EQ(c->channels.size(), 3u);
  ASSERT_TRUE(c->channels[0].p2p);
  EXPECT_EQ(c->channels[0].p2p->port, 7001);
  ASSERT_EQ(c->channels[0].p2p->peers.size(), 1u);
  EXPECT_EQ(c->channels[0].p2p->peers[0].port, 7101);
  ASSERT_TRUE(c->channels[1].p2p);
  EXPECT_EQ(c->channels[1].p2p->host, "0.0.0.0");
  EXPECT_FALSE(c->channels[2].p2p);

  // What config_to_json writes reads back the same.
  auto again = load(d.path, node::config_to_json(*c));
  ASSERT_TRUE(again) << again.message();
  ASSERT_TRUE(again->channels[0].p2p && again->channels[1].p2p);
  EXPECT_EQ(again->channels[0].p2p->peers[0].id.to_string(), kPeer);
  EXPECT_EQ(again->channels[1].p2p->port, 7002);
  EXPECT_FALSE(again->channels[2].p2p);

  // Config files written before channels had their own p2p still load: the top level is channel one's.
  auto old = load(d.path, R"({"p2p":{"port":7005},"channels":[{"name":"a","genesis":"a.json"}]})");
  ASSERT_TRUE(old) << old.message();
  ASSERT_TRUE(old->channels[0].p2p);
  EXPECT_EQ(old->channels[0].p2p->port, 7005);
}

// Every setting config.json can hold survives config_to_json: the tuning ones too (written only when
// they differ from the defaults, so a fresh config stays short).
TEST(NodeConfig, TuningSettingsAreWrittenBackAndDefaultsAreLeftOut) {
  auto c = node::parse_config(R"({"keyFile":"k.key","logLevel":"debug","blockCacheMB":16,"roundTimeoutMs":700,
      "rpc":{"host":"0.0.0.0","port":9100,"ioThreads":3,"bodyBytesMax":65536,"batchMax":10,"connectionsMax":5,
             "connectionsPerAddressMax":2,"idleTimeoutMs":30000,"idleTimeoutBusyMs":1000},
      "mempool":{"countMax":100,"bytesMax":4096,"perSenderMax":7,"verifyThreads":1},
      "channels":[{"name":"a","genesis":"a.json"}]})", "/tmp/cx-config-text");
  ASSERT_TRUE(c) << c.message();
  auto again = node::parse_config(node::config_to_json(*c), "/tmp/cx-config-text");
  ASSERT_TRUE(again) << again.message();
  EXPECT_EQ(again->key_path, "k.key");
  EXPECT_EQ(again->log_level, "debug");
  EXPECT_EQ(again->block_cache_mb, 16u);
  EXPECT_EQ(again->round_timeout_ms, 700u);
  EXPECT_EQ(again->rpc.host, "0.0.0.0");
  EXPECT_EQ(again->rpc.port, 9100);
  EXPECT_EQ(again->rpc.io_threads, 3u);
  EXPECT_EQ(again->rpc.body_bytes_max, 65536u);
  EXPECT_EQ(again->rpc.batch_max, 10u);
  EXPECT_EQ(again->rpc.connections_max, 5u);
  EXPECT_EQ(again->rpc.connections_per_address_max, 2u);
  EXPECT_EQ(again->rpc.idle_timeout_ms, 30000);
  EXPECT_EQ(again->rpc.idle_timeout_busy_ms, 1000);
  EXPECT_EQ(again->mempool.count_max, 100u);
  EXPECT_EQ(again->mempool.bytes_max, 4096u);
  EXPECT_EQ(again->mempool.per_sender_max, 7u);
  EXPECT_EQ(again->mempool.verify_threads, 1u);

  node::NodeConfig defaults;
  defaults.channels.push_back({"a", "a.json", std::nullopt});
  std::string text = node::config_to_json(defaults);
  EXPECT_EQ(text.find("mempool"), std::string::npos) << text;
  EXPECT_EQ(text.find("blockCacheMB"), std::string::npos) << text;
  EXPECT_EQ(text.find("batchMax"), std::string::npos) << text;

  auto bad = node::parse_config("[]", "/tmp/cx-config-text");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("/tmp/cx-config-text/config.json: not a JSON object"), std::string::npos) << bad.message();
}

TEST(NodeConfig, TheExplorerIndexesAreOnUnlessTurnedOff) {
  const std::string chans = R"("channels":[{"name":"a","genesis":"a.json"}])";
  auto on = node::parse_config("{" + chans + "}", "/tmp/cx-config-text");
  ASSERT_TRUE(on) << on.message();
  EXPECT_TRUE(on->explorer_indexes);
  EXPECT_EQ(node::config_to_json(*on).find("indexes"), std::string::npos);
  auto off = node::parse_config(R"({"indexes":false,)" + chans + "}", "/tmp/cx-config-text");
  ASSERT_TRUE(off) << off.message();
  EXPECT_FALSE(off->explorer_indexes);
  auto again = node::parse_config(node::config_to_json(*off), "/tmp/cx-config-text");
  ASSERT_TRUE(again) << again.message();
  EXPECT_FALSE(again->explorer_indexes);
  auto bad = node::parse_config(R"({"indexes":"no",)" + chans + "}", "/tmp/cx-config-text");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("indexes must be true or false"), std::string::npos) << bad.message();
}

TEST(NodeConfig, ConflictingOrUnknownP2pSettingsAreRefusedWithTheirPlace) {
  TempDir d("config-bad");
  auto both = load(d.path, R"({"p2p":{"port":7005},"channels":[{"name":"a","genesis":"a.json","p2p":{"port":7006}}]})");
  ASSERT_FALSE(both);
  EXPECT_NE(both.message().find("both at the top level and in channel a"), std::string::npos) << both.message();

  auto same_port = load(d.path, R"({"channels":[{"name":"a","genesis":"a.json","p2p":{"port":7007}},
                                                {"name":"b","genesis":"b.json","p2p":{"port":7007}}]})");
  ASSERT_FALSE(same_port);
  EXPECT_NE(same_port.message().find("channels a and b both listen for p2p on port 7007"), std::string::npos)
      << same_port.message();

  // The same port on two different hosts is two addresses.
  auto two_hosts = load(d.path, R"({"channels":[{"name":"a","genesis":"a.json","p2p":{"host":"10.0.0.1","port":7007}},
                                                {"name":"b","genesis":"b.json","p2p":{"host":"10.0.0.2","port":7007}}]})");
  EXPECT_TRUE(two_hosts) << two_hosts.message();
  auto wildcard = load(d.path, R"({"channels":[{"name":"a","genesis":"a.json","p2p":{"host":"0.0.0.0","port":7007}},
                                               {"name":"b","genesis":"b.json","p2p":{"host":"10.0.0.2","port":7007}}]})");
  EXPECT_FALSE(wildcard);

  auto typo = load(d.path, R"({"channels":[{"name":"a","genesis":"a.json","p2p":{"prot":7007}}]})");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.message().find("channel a p2p: unknown field 'prot'"), std::string::npos) << typo.message();

  auto bad_peer = load(d.path, R"({"channels":[{"name":"a","genesis":"a.json","p2p":{"peers":[{"address":"cx00"}]}}]})");
  ASSERT_FALSE(bad_peer);
  EXPECT_NE(bad_peer.message().find("a peer's address must be an hx address"), std::string::npos) << bad_peer.message();
}

// Two nodes, each a validator of two channels, each channel with a p2p listener and peers of its own:
// every channel runs its own consensus over its own connections.
// "members" (docs/membership.md): additive; a genesis without it keeps its JSON and chain id.
TEST(Genesis, MembersAreReadCheckedAndLeaveOldGenesisFilesAsTheyWere) {
  const std::string v1 = address_of(test_key(1)).to_string(), v2 = address_of(test_key(2)).to_string();
  const std::string f = address_of(test_key(3)).to_string();
  const std::string head = R"({"channel":"m","nid":"0x3","treasury":")" + v1 + R"(","validators":[")" + v1 + R"(",")" + v2 + R"("])";
  auto old = node::parse_genesis(head + "}");
  ASSERT_TRUE(old) << old.message();
  EXPECT_TRUE(old->members.empty());
  EXPECT_EQ(old->to_json().find("members"), std::string::npos);
  EXPECT_EQ(old->role_of(address_of(test_key(2))), core::MemberRole::kValidator);
  EXPECT_FALSE(old->role_of(address_of(test_key(3))));

  auto g = node::parse_genesis(head + R"(,"members":[{"address":")" + f + R"(","role":"follower"},
      {"address":")" + v2 + R"(","role":"validator"}]})");
  ASSERT_TRUE(g) << g.message();
  EXPECT_EQ(g->role_of(address_of(test_key(3))), core::MemberRole::kFollower);
  EXPECT_EQ(g->node_addresses().size(), 3u);
  auto again = node::parse_genesis(g->to_json());
  ASSERT_TRUE(again) << again.message();
  EXPECT_EQ(*again, *g);

  auto refused = [&](const std::string& members, const std::string& why) {
    auto r = node::parse_genesis(head + R"(,"members":)" + members + "}");
    ASSERT_FALSE(r) << members;
    EXPECT_NE(r.message().find(why), std::string::npos) << r.message();
  };
  refused(R"([{"address":")" + f + R"(","role":"validator"}])", "is not in 'validators'");
  refused(R"([{"address":")" + v1 + R"(","role":"follower"}])", "cannot be a follower too");
  refused(R"([{"address":")" + f + R"(","role":"boss"}])", "role must be");
  refused(R"([{"address":")" + f + R"(","role":"follower"},{"address":")" + f + R"(","role":"follower"}])", "listed twice");
  refused(R"([{"address":")" + f + R"(","role":"follower","rank":1}])", "unknown field 'rank'");
  // Governance fields (docs/governance.md): optional, checked, written back only when given.
  refused(R"([{"address":")" + f + R"(","role":"follower","tier":4}])", "'tier' is above 3");
  refused(R"([{"address":")" + f + R"(","role":"follower","votes":0}])", "votes must be at least 1");
  auto tiered = node::parse_genesis(head + R"(,"members":[{"address":")" + f +
                                    R"(","role":"follower","institution":"Bank","tier":3,"votes":2}]})");
  ASSERT_TRUE(tiered) << tiered.message();
  EXPECT_EQ(tiered->members[0].tier, 3u);
  auto tiered_again = node::parse_genesis(tiered->to_json());
  ASSERT_TRUE(tiered_again) << tiered_again.message();
  EXPECT_EQ(*tiered_again, *tiered);
  EXPECT_EQ(g->to_json().find("tier"), std::string::npos);
  refused(R"({})", "must be a list");
}

TEST(Node, HostsSeveralChannelsEachWithItsOwnValidatorsAndP2p) {
  TempDir d("multi");
  const std::vector<crypto::PrivateKey> keys = {test_key(70), test_key(71)};
  const std::vector<std::string> names = {"alpha", "beta"};
  std::vector<std::vector<uint16_t>> ports(2, std::vector<uint16_t>(names.size()));  // [node][channel]
  for (auto& row : ports)
    for (auto& p : row) p = p2p::free_loopback_port();
  for (size_t i = 0; i < keys.size(); ++i) fs::create_directories(d.path / ("node" + std::to_string(i)));

  for (size_t c = 0; c < names.size(); ++c) {
    core::ChainParams p;
    p.channel = names[c];
    p.nid = 3 + c;
    p.treasury = *core::Address::parse("hx1000000000000000000000000000000000000000");
    for (const auto& k : keys) p.validators.push_back(address_of(k));
    p.block_interval_ms = 50;
    p.genesis_message = "node test " + names[c];
    for (size_t i = 0; i < keys.size(); ++i) write(d.path / ("node" + std::to_string(i)) / (names[c] + ".json"), p.to_json());
  }
  std::vector<std::unique_ptr<node::Node>> nodes;
  for (size_t i = 0; i < keys.size(); ++i) {
    fs::path nd = d.path / ("node" + std::to_string(i));
    ASSERT_TRUE(node::write_node_key((nd / "node.key").string(), keys[i]));
    node::NodeConfig cfg;
    cfg.dir = nd.string();
    cfg.rpc.port = 0;
    cfg.round_timeout_ms = 500;
    for (size_t c = 0; c < names.size(); ++c) {
      node::P2pConfig pc;
      pc.port = ports[i][c];
      for (size_t j = 0; j < keys.size(); ++j)
        if (j != i) pc.peers.push_back({address_of(keys[j]), "127.0.0.1", ports[j][c]});
      cfg.channels.push_back({names[c], names[c] + ".json", pc});
    }
    write(nd / "config.json", node::config_to_json(cfg));
    auto loaded = node::load_config(nd.string());
    ASSERT_TRUE(loaded) << loaded.message();
    auto n = node::start_node(*loaded);
    ASSERT_TRUE(n) << n.message();
    nodes.push_back(std::move(n.value()));
  }

  // Both channels make progress (with 2 validators, a block needs both votes), each its own chain.
  for (const auto& name : names) {
    auto* a = nodes[0]->channel(name);
    auto* b = nodes[1]->channel(name);
    ASSERT_TRUE(a && b) << name;
    ASSERT_TRUE(wait_until([&] { return std::min(a->last_height(), b->last_height()) >= 3; }))
        << "channel " << name << " did not reach height 3 on both nodes (at " << a->last_height() << " and "
        << b->last_height() << ")";
    for (uint64_t h = 1; h <= 3; ++h) EXPECT_EQ(a->block_by_height(h)->hash(), b->block_by_height(h)->hash()) << name;
  }
  EXPECT_NE(nodes[0]->channel("alpha")->block_by_height(1)->hash(), nodes[0]->channel("beta")->block_by_height(1)->hash());
  EXPECT_EQ(nodes[0]->channel("gamma"), nullptr);
  nodes.clear();
}
