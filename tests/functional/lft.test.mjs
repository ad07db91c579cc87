// LFT end to end: 4 validator processes on loopback under load, with SIGKILL/restart of each node in
// turn and SIGSTOP/SIGCONT of one, and (separately) with one node cut off from the others by TCP proxies
// and healed. All nodes must reach the same height with identical block hashes after the last
// disturbance, and no acknowledged tx may be lost. Waits are for progress, not speed: each has a
// limit (HANG_MS) that only keeps a hung cluster from hanging the suite, and names what it awaited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLocalnet, startLoad, proxyLocalnetNode, rpc, cx, waitFor, sleep, hex, height } from './lib.mjs';

const HANG_MS = 120000;

// Convergence: every node reaches the height the most advanced one had and holds the same block there,
// no sampled height has two blocks, and every acknowledged tx is in the same block on every node.
// Returns the height agreed on.
async function assertAgreement(urls, acked) {
  const target = Math.max(...(await Promise.all(urls.map(height))));
  await waitFor(async () => {
    const blocks = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: hex(target) })));
    return blocks.every((b) => b.block_hash === blocks[0].block_hash);
  }, { timeoutMs: HANG_MS, intervalMs: 250, what: `all 4 nodes holding one block at height ${target}` });
  for (let h = 1; h <= target; h += Math.max(1, Math.floor(target / 40))) {
    const hashes = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: hex(h) })));
    assert.ok(hashes.every((b) => b.block_hash === hashes[0].block_hash), `fork at height ${h}`);
  }
  // No acknowledged tx is lost, on any node.
  assert.ok(acked.size >= 20, `only ${acked.size} txs acknowledged; the load did not run`);
  for (const [hash, where] of acked) {
    for (const u of urls) {
      const r = await rpc(u, 'icx_getTransactionResult', { txHash: hash });
      assert.equal(r.status, '0x1', `${hash} failed on ${u}`);
      assert.equal(r.blockHash, where.blockHash, `${hash} on ${u}`);
    }
  }
  return target;
}

test('4 validators stay in agreement through kills, restarts and a pause', { timeout: 300000 }, async () => {
  const net = startLocalnet(8, 4);
  const urls = net.nodes.map((n) => n.rpc);
  const pids = () => JSON.parse(cx(['localnet', 'start', '--dir', net.dir, '--json'])).nodes.map((n) => n.pid);
  let load;
  try {
    await waitFor(async () => (await height(urls[0])) >= 3, { timeoutMs: HANG_MS, what: 'node 0 at height 3' });
    load = startLoad(net);

    for (let i = 0; i < 4; i++) {
      const pid = pids()[i];
      process.kill(pid, 'SIGKILL');
      await sleep(2500);
      cx(['localnet', 'start', '--dir', net.dir]);  // restarts the node that is down
      await sleep(2500);
    }
    const paused = pids()[2];
    process.kill(paused, 'SIGSTOP');
    await sleep(4000);
    process.kill(paused, 'SIGCONT');
    await sleep(2000);
    await load.stop();

    const target = await assertAgreement(urls, load.acked);
    console.log(`lft: 4 kills + 1 pause, ${load.acked.size} acknowledged txs present on all 4 nodes, height ${target}`);
  } finally {
    load?.stop();
    net.stop();
  }
});

test('4 validators agree again after one is cut off and healed', { timeout: 300000 }, async () => {
  const net = startLocalnet(8, 4);
  const urls = net.nodes.map((n) => n.rpc);
  let proxies;
  let load;
  try {
    // Every p2p connection between node 3 and the others goes through proxies in this process, whichever
    // side dials. The proxies bind while the nodes still hold their ports (so none can take a node's port);
    // the rewritten configs take effect at the restart.
    proxies = await proxyLocalnetNode(net.dir, 3);
    cx(['localnet', 'stop', '--dir', net.dir]);
    cx(['localnet', 'start', '--dir', net.dir]);
    const start = await height(urls[0]);
    await waitFor(async () => (await height(urls[3])) >= start + 3,
      { timeoutMs: HANG_MS, what: `node 3 following through the proxies to height ${start + 3}` });
    assert.ok(proxies.accepted() > 0, 'no p2p connection went through the proxies');
    load = startLoad(net);
    await sleep(2000);

    // Cut node 3 off while the load goes on: the other three are a quorum (3 of 4) and keep committing;
    // node 3 must stand still (otherwise the proxies are not what connects it). Its height is read
    // once the others have committed 2 blocks without it (what it had in flight has landed by then),
    // and must not change while they commit 2 more.
    proxies.cut();
    const cutAt = await height(urls[0]);
    const others = async (n) => (await Promise.all(urls.slice(0, 3).map(height))).every((h) => h >= n);
    await waitFor(() => others(cutAt + 2), { timeoutMs: HANG_MS, intervalMs: 100,
      what: `nodes 0-2 (a quorum) committing up to height ${cutAt + 2} with node 3 cut off` });
    const [a0, a3] = await Promise.all([height(urls[0]), height(urls[3])]);
    await waitFor(() => others(a0 + 2), { timeoutMs: HANG_MS, intervalMs: 100,
      what: `nodes 0-2 (a quorum) committing up to height ${a0 + 2} with node 3 cut off` });
    const [b0, b3] = await Promise.all([height(urls[0]), height(urls[3])]);
    assert.equal(b3, a3, `node 3 went from height ${a3} to ${b3} while cut off: the proxies do not isolate it`);

    proxies.heal();
    await sleep(2000);
    await load.stop();

    const target = await assertAgreement(urls, load.acked);
    console.log(`lft: node 3 cut off (others ${cutAt}->${b0}, node 3 stuck at ${a3}), healed; ` +
                `${load.acked.size} acknowledged txs present on all 4 nodes, height ${target}`);
  } finally {
    load?.stop();
    net.stop();
    proxies?.close();
  }
});
