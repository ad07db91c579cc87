#pragma once
// Tests' single-validator channel: its options (in memory unless given a directory) and plain
// transfers sent and waited for. Included by tests only.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "channel/channel.hpp"
#include "channel/explorer_index.hpp"
#include "core/test_tx.hpp"

namespace cx::channel::testing {

struct SingleValidator {
  crypto::PrivateKey node_key = core::testing::test_key(100);
  crypto::PrivateKey alice = core::testing::test_key(1);
  crypto::PrivateKey bob = core::testing::test_key(2);

  // Alice holds 1000 ICX; with `explorer`, the explorer's indexes are on.
  ChannelOptions options(const std::string& dir, bool explorer) const {
    ChannelOptions o;
    o.data_dir = dir;
    o.node_key = node_key;
    o.params.channel = "test";
    o.params.nid = 3;
    o.params.treasury = *core::Address::parse("hx1000000000000000000000000000000000000000");
    o.params.validators = {core::testing::address_of(node_key)};
    o.params.block_interval_ms = 20;
    o.params.accounts = {{core::testing::address_of(alice), core::testing::icx(1000)}};
    o.mempool.verify_threads = 2;
    if (explorer) o.indexes = explorer_indexes(core::ValidatorSchedule::single(o.params.validator_set()));
    return o;
  }

  // `n` transfers of 1 ICX from alice to bob, nonces from `first_nonce`, each waited for (10 s at most).
  void transfers(ChannelApi& c, uint64_t first_nonce, size_t n) const {
    using namespace std::chrono_literals;
    for (size_t i = 0; i < n; ++i) {
      core::testing::TxSpec s;
      s.to = core::testing::address_of(bob);
      s.value = core::testing::icx(1);
      s.nonce = first_nonce + i;
      s.timestamp_us = system_clock().now_us();
      auto sub = c.submit_tx(core::testing::signed_params(alice, s));
      ASSERT_FALSE(sub.rejection) << sub.rejection->detail;
      auto p = std::make_shared<std::promise<void>>();
      auto f = p->get_future();
      auto id = c.watch_tx(sub.hash, [p](const TxLookup&) { p->set_value(); });
      if (f.wait_for(10s) != std::future_status::ready) {
        c.unwatch_tx(id);
        FAIL() << "tx not committed in 10 s";
      }
    }
  }
};

}  // namespace cx::channel::testing
