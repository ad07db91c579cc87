// LFT end to end: 4 validator processes on loopback under load, with SIGKILL/restart of each node in
// turn and SIGSTOP/SIGCONT of one, and (separately) with one node cut off from the others by TCP proxies
// and healed. All nodes must reach the same height with identical block hashes within 60 s of the last
// disturbance, and no acknowledged tx may be lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import IconService from 'icon-sdk-js';
import { startLocalnet, proxyLocalnetNode, rpc, cx, waitFor, signedTransfer } from './lib.mjs';

const { IconWallet } = IconService.default || IconService;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const transfer = (from, to, nonce) => signedTransfer(from, to, { value: 1 + nonce, nonce }).getProperties();
const hex = (n) => `0x${n.toString(16)}`;
const height = async (url) => (await rpc(url, 'icx_getLastBlock')).height;

// Load: each funded account submits transfers to a rotating node and waits for the result there.
// `acked` maps every tx that came back with status 0x1 to its block hash; stop() ends the load.
function startLoad(net) {
  const urls = net.nodes.map((n) => n.rpc);
  const sink = IconWallet.create().getAddress();
  const acked = new Map();
  let running = true;
  let nonce = 0;
  const workers = net.accounts.map(async (a, i) => {
    const w = IconWallet.loadPrivateKey(a.private_key);
    let k = i;
    while (running) {
      const url = urls[k++ % urls.length];
      const hash = await rpc(url, 'icx_sendTransaction', transfer(w, sink, nonce++)).catch(() => null);
      if (!hash) {
        await sleep(100);
        continue;
      }
      const deadline = Date.now() + 20000;
      while (running && Date.now() < deadline) {
        const r = await rpc(url, 'icx_getTransactionResult', { txHash: hash }).catch((e) => e);
        if (!(r instanceof Error)) {
          if (r.status === '0x1') acked.set(hash, r.blockHash);
          break;
        }
        if (r.code !== -31002 && r.code !== -31003) break;
        await sleep(50);
      }
    }
  });
  return {
    acked,
    stop: () => {
      running = false;
      return Promise.all(workers);
    },
  };
}

// Convergence: every node reaches the same height with the same hash within 60 s of `disturbed`, no
// sampled height has two blocks, and every acknowledged tx is in the same block on every node.
// Returns the height agreed on.
async function assertAgreement(urls, acked, disturbed) {
  const target = Math.max(...(await Promise.all(urls.map(height))));
  await waitFor(async () => {
    const blocks = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: hex(target) })));
    return blocks.every((b) => b.block_hash === blocks[0].block_hash);
  }, { timeoutMs: 60000 - (Date.now() - disturbed), intervalMs: 250, what: `all nodes at height ${target}` });
  for (let h = 1; h <= target; h += Math.max(1, Math.floor(target / 40))) {
    const hashes = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: hex(h) })));
    assert.ok(hashes.every((b) => b.block_hash === hashes[0].block_hash), `fork at height ${h}`);
  }
  // No acknowledged tx is lost, on any node.
  assert.ok(acked.size >= 20, `only ${acked.size} txs acknowledged; the load did not run`);
  for (const [hash, blockHash] of acked) {
    for (const u of urls) {
      const r = await rpc(u, 'icx_getTransactionResult', { txHash: hash });
      assert.equal(r.status, '0x1', `${hash} failed on ${u}`);
      assert.equal(r.blockHash, blockHash, `${hash} on ${u}`);
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
    await waitFor(async () => (await height(urls[0])) >= 3, { what: 'first blocks' });
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
    const disturbed = Date.now();
    await sleep(2000);
    await load.stop();

    const target = await assertAgreement(urls, load.acked, disturbed);
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
      { timeoutMs: 60000, what: 'node 3 following through the proxies' });
    assert.ok(proxies.accepted() > 0, 'no p2p connection went through the proxies');
    load = startLoad(net);
    await sleep(2000);

    // Cut node 3 off while the load goes on: the other three are a quorum (3 of 4) and keep committing;
    // node 3 must stand still (otherwise the proxies are not what connects it).
    proxies.cut();
    await sleep(1000);
    const [a0, a3] = await Promise.all([height(urls[0]), height(urls[3])]);
    await sleep(4000);
    const [b0, b3] = await Promise.all([height(urls[0]), height(urls[3])]);
    assert.ok(b0 >= a0 + 2, `nodes 0-2 committed ${b0 - a0} blocks in 4 s with node 3 cut off (they are a quorum)`);
    assert.equal(b3, a3, 'node 3 committed blocks while cut off: the proxies do not isolate it');

    proxies.heal();
    const disturbed = Date.now();
    await sleep(2000);
    await load.stop();

    const target = await assertAgreement(urls, load.acked, disturbed);
    console.log(`lft: node 3 cut off for 5 s (others ${a0}->${b0}, node 3 stuck at ${a3}), healed; ` +
                `${load.acked.size} acknowledged txs present on all 4 nodes, height ${target}`);
  } finally {
    load?.stop();
    net.stop();
    proxies?.close();
  }
});
