// A follower process (docs/membership.md) beside 4 validator processes, under load sent to all five:
// txs sent to the follower are forwarded and committed, and the follower holds the validators' blocks and
// every acknowledged tx's result. (Non-members at p2p: src/channel/cluster_test.cpp.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLocalnet, startLoad, rpc, waitFor, sleep, hex, height } from './lib.mjs';

const HANG_MS = 120000;

test('a follower keeps up with 4 validators under load and forwards its clients\' txs', { timeout: 300000 }, async () => {
  const net = startLocalnet(8, 4, { followers: 1 });
  const urls = net.nodes.map((n) => n.rpc);
  const follower = urls[4];
  let load;
  try {
    assert.equal(net.nodes.length, 5);
    await waitFor(async () => (await height(follower)) >= 3, { timeoutMs: HANG_MS, what: 'the follower at height 3' });
    load = startLoad(net);  // every fifth tx goes to the follower
    await sleep(15000);
    await load.stop();
    const viaFollower = [...load.acked.values()].length;
    assert.ok(viaFollower >= 20, `only ${viaFollower} txs acknowledged`);
    const target = Math.max(...(await Promise.all(urls.slice(0, 4).map(height))));
    await waitFor(async () => (await height(follower)) >= target, { timeoutMs: HANG_MS, what: `the follower at ${target}` });
    for (let h = 1; h <= target; h += Math.max(1, Math.floor(target / 30))) {
      const blocks = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: hex(h) })));
      assert.ok(blocks.every((b) => b.block_hash === blocks[0].block_hash), `the follower differs at height ${h}`);
    }
    for (const [hash, where] of load.acked) {
      const r = await rpc(follower, 'icx_getTransactionResult', { txHash: hash });
      assert.equal(r.blockHash, where.blockHash, `${hash} on the follower`);
    }
    console.log(`follower: ${load.acked.size} acknowledged txs (a fifth of them sent to the follower), ` +
      `all on the follower; height ${target}`);
  } finally {
    load?.stop();
    net.stop();
  }
});
