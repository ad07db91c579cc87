// LFT end to end: 4 validator processes on loopback under load, with SIGKILL/restart of each node in
// turn and SIGSTOP/SIGCONT of one. All nodes must reach the same height with identical block hashes
// within 60 s of the last disturbance, and no acknowledged tx may be lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import IconService from 'icon-sdk-js';
import { startLocalnet, rpc, cx, waitFor, signedTransfer } from './lib.mjs';

const { IconWallet } = IconService.default || IconService;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const transfer = (from, to, nonce) => signedTransfer(from, to, { value: 1 + nonce, nonce }).getProperties();

test('4 validators stay in agreement through kills, restarts and a pause', { timeout: 300000 }, async () => {
  const net = startLocalnet(8, 4);
  const urls = net.nodes.map((n) => n.rpc);
  const pids = () => JSON.parse(cx(['localnet', 'start', '--dir', net.dir, '--json'])).nodes.map((n) => n.pid);
  const wallets = net.accounts.map((a) => IconWallet.loadPrivateKey(a.private_key));
  const sink = IconWallet.create().getAddress();
  const acked = new Map();
  let running = true;
  let nonce = 0;
  try {
    await waitFor(async () => (await rpc(urls[0], 'icx_getLastBlock')).height >= 3, { what: 'first blocks' });
    // Load: each sender submits to a rotating node and waits for the result there.
    const workers = wallets.map(async (w, i) => {
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
    running = false;
    await Promise.all(workers);

    // Convergence: every node reaches the same height with the same hash, within 60 s.
    const target = Math.max(...(await Promise.all(urls.map((u) => rpc(u, 'icx_getLastBlock')))).map((b) => b.height));
    await waitFor(async () => {
      const blocks = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: `0x${target.toString(16)}` })));
      return blocks.every((b) => b.block_hash === blocks[0].block_hash);
    }, { timeoutMs: 60000 - (Date.now() - disturbed), intervalMs: 250, what: `all nodes at height ${target}` });
    for (let h = 1; h <= target; h += Math.max(1, Math.floor(target / 40))) {
      const hashes = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: `0x${h.toString(16)}` })));
      assert.ok(hashes.every((b) => b.block_hash === hashes[0].block_hash), `fork at height ${h}`);
    }
    // No acknowledged tx is lost, on any node.
    assert.ok(acked.size >= 20, `only ${acked.size} txs acknowledged; the load did not run`);
    for (const [hash, blockHash] of acked) {
      for (const u of urls) {
        const r = await rpc(u, 'icx_getTransactionResult', { txHash: hash });
        assert.equal(r.status, '0x1');
        assert.equal(r.blockHash, blockHash, `${hash} on ${u}`);
      }
    }
    console.log(`lft: 4 kills + 1 pause, ${acked.size} acknowledged txs present on all 4 nodes, height ${target}`);
  } finally {
    running = false;
    net.stop();
  }
});
