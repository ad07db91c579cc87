// Crash safety: SIGKILL nodes while they commit under load, restart them, and check that every tx
// whose successful result was reported is still there with the same block, and the chain is intact.
// First one validator alone, then one of 4 LFT validators at a time, each kill timed to land while
// blocks are being voted on and committed (so its vote record and certified chain are in play).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { NodeProcess, rpc, signedTransfer, startLocalnet, startLoad, cx, waitFor, sleep, hex, height } from './lib.mjs';

const { IconWallet } = IconService.default || IconService;
const CYCLES = process.env.CX_LONG ? 10 : 3;
const SENDERS = 16;

const transfer = (from, to, nonce) => signedTransfer(from, to, { value: 1000 + nonce, nonce }).getProperties();

test('no acknowledged tx is lost across SIGKILLs under load', { timeout: 300000 }, async () => {
  const node = await NodeProcess.init(SENDERS);
  const wallets = node.accounts.map((a) => IconWallet.loadPrivateKey(a.private_key));
  const recipients = Array.from({ length: 8 }, () => IconWallet.create().getAddress());
  const acked = new Map();  // tx hash -> {blockHeight, blockHash}
  let nonce = 0;
  try {
    await node.start();
    const supply = await rpc(node.url, 'icx_getTotalSupply');
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      let running = true;
      const workers = wallets.map(async (w, i) => {
        while (running) {
          const hash = await rpc(node.url, 'icx_sendTransaction', transfer(w, recipients[i % recipients.length], nonce++))
            .catch(() => null);
          if (!hash) return;
          for (;;) {
            const r = await rpc(node.url, 'icx_getTransactionResult', { txHash: hash }).catch((e) => e);
            if (r instanceof Error) {
              if (r.code === -31002 || r.code === -31003) {
                await new Promise((res) => setTimeout(res, 20));
                continue;
              }
              return;  // node went away
            }
            if (r.status === '0x1') acked.set(hash, { blockHeight: r.blockHeight, blockHash: r.blockHash });
            break;
          }
        }
      });
      await sleep(1500 + 500 * cycle);
      // Killed 0-200 ms (up to two block intervals) after a new height: while the next blocks are
      // being certified, recorded and committed.
      const h0 = await height(node.url);
      await waitFor(async () => (await height(node.url)) > h0,
        { timeoutMs: 120000, intervalMs: 5, what: `the node committing past height ${h0}` });
      await sleep(Math.floor(Math.random() * 200));
      const { signal } = await node.kill('SIGKILL');
      running = false;
      await Promise.all(workers);
      assert.equal(signal, 'SIGKILL');
      await node.start();

      // Every acknowledged tx is still final, in the same block.
      for (const [hash, where] of acked) {
        const r = await rpc(node.url, 'icx_getTransactionResult', { txHash: hash });
        assert.equal(r.status, '0x1', hash);
        assert.equal(r.blockHeight, where.blockHeight, hash);
        assert.equal(r.blockHash, where.blockHash, hash);
      }
      // The chain links from genesis to the head.
      const last = await rpc(node.url, 'icx_getLastBlock');
      let prev = null;
      for (let h = 0; h <= last.height; h++) {
        const b = await rpc(node.url, 'icx_getBlockByHeight', { height: `0x${h.toString(16)}` });
        assert.equal(b.height, h);
        if (prev) assert.equal(b.prev_block_hash, prev.block_hash, `link at height ${h}`);
        prev = b;
      }
      // Value is conserved: all balances add up to the unchanged total supply.
      assert.equal(await rpc(node.url, 'icx_getTotalSupply'), supply);
      let sum = 0n;
      const everyone = [...wallets.map((w) => w.getAddress()), ...recipients, 'hx1000000000000000000000000000000000000000'];
      for (const a of everyone) sum += BigInt(await rpc(node.url, 'icx_getBalance', { address: a }));
      assert.equal(sum, BigInt(supply));
    }
    assert.ok(acked.size >= 20, `only ${acked.size} txs were acknowledged; the load did not run`);
    const restored = (node.log().match(/restored certified block/g) || []).length;
    console.log(`crash test: ${CYCLES} SIGKILLs, ${restored} certified blocks restored at restarts, ` +
                `${acked.size} acknowledged txs all present`);
  } catch (e) {
    console.log(node.log().split('\n').slice(-30).join('\n'));
    throw e;
  } finally {
    if (node.child && node.child.exitCode === null) await node.kill('SIGKILL');
    node.remove();
  }
});

// ---- 4 validators ----

const LFT_KILLS = process.env.CX_LONG ? 40 : 12;
const BLOCK_INTERVAL_MS = 100;
const HANG_MS = 120000;  // guards waits for progress against a hang; not a speed requirement

// True once `pid` has exited (gone, or a zombie waiting to be reaped).
function exited(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

test('4 validators: SIGKILLs during commits lose no acknowledged tx, fork nothing, and the chain goes on',
  { timeout: 900000 }, async () => {
    const net = startLocalnet(8, 4, { blockIntervalMs: BLOCK_INTERVAL_MS });
    const urls = net.nodes.map((n) => n.rpc);
    const nodeDir = (i) => path.join(net.dir, `node${i}`);
    const pidOf = (i) => Number(fs.readFileSync(path.join(nodeDir(i), 'node.pid'), 'utf8'));
    const kills = [];  // {node, height, offsetMs}
    let load;
    try {
      await waitFor(async () => (await height(urls[0])) >= 3, { timeoutMs: HANG_MS, what: 'node 0 at height 3' });
      load = startLoad(net);
      await waitFor(() => load.acked.size >= 5, { timeoutMs: HANG_MS, what: '5 txs committed under load' });

      // Kills `node` right after it reports a new height, plus a random offset of up to two block
      // intervals: it then dies while the next blocks are proposed, voted on, recorded and committed.
      const killDuringCommit = async (node) => {
        const h0 = await height(urls[node]);
        const h = await waitFor(async () => {
          const now = await height(urls[node]);
          return now > h0 ? now : 0;
        }, { timeoutMs: HANG_MS, intervalMs: 5, what: `node ${node} committing past height ${h0}` });
        const offsetMs = Math.floor(Math.random() * 2 * BLOCK_INTERVAL_MS);
        await sleep(offsetMs);
        const pid = pidOf(node);
        process.kill(pid, 'SIGKILL');
        await waitFor(() => exited(pid), { timeoutMs: HANG_MS, intervalMs: 10, what: `node ${node} (pid ${pid}) to die` });
        kills.push({ node, height: h, offsetMs });
      };
      // Restarts the node that is down; it must catch up with the height the others had by then.
      const restart = async (node) => {
        cx(['localnet', 'start', '--dir', net.dir]);
        const others = urls.filter((_, i) => i !== node);
        const top = Math.max(...(await Promise.all(others.map(height))));
        await waitFor(async () => (await height(urls[node])) >= top, { timeoutMs: HANG_MS, intervalMs: 50,
          what: `node ${node} catching up to height ${top} after its restart` });
      };

      for (let k = 0; k < LFT_KILLS; k++) {
        const node = k % 4;
        await killDuringCommit(node);
        await restart(node);
        // Every other time, kill it again as soon as it commits after the restart (its records and
        // certified chain were just read back), and restart it once more.
        if (k % 2 === 1) {
          await killDuringCommit(node);
          await restart(node);
        }
      }
      await load.stop();

      // The chain keeps going: every node commits 3 more blocks after the last restart.
      const top = Math.max(...(await Promise.all(urls.map(height))));
      await waitFor(async () => (await Promise.all(urls.map(height))).every((h) => h >= top + 3),
        { timeoutMs: HANG_MS, intervalMs: 100, what: `all 4 nodes committing past height ${top + 3}` });

      // One chain: every height holds the same block on all 4 nodes, each linked to the one before.
      const last = Math.min(...(await Promise.all(urls.map(height))));
      let prev = null;
      for (let h = 0; h <= last; h++) {
        const blocks = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: hex(h) })));
        for (let i = 1; i < 4; i++) {
          assert.equal(blocks[i].block_hash, blocks[0].block_hash, `node ${i} and node 0 differ at height ${h}`);
        }
        if (prev) assert.equal(blocks[0].prev_block_hash, prev.block_hash, `link at height ${h}`);
        prev = blocks[0];
      }

      // Every tx acknowledged as committed is final on every node, in the block it was reported in.
      assert.ok(load.acked.size >= 20, `only ${load.acked.size} txs were acknowledged; the load did not run`);
      for (const [hash, where] of load.acked) {
        for (const [i, u] of urls.entries()) {
          const r = await rpc(u, 'icx_getTransactionResult', { txHash: hash });
          assert.equal(r.status, '0x1', `${hash} on node ${i}`);
          assert.equal(r.blockHeight, where.blockHeight, `${hash} height on node ${i}`);
          assert.equal(r.blockHash, where.blockHash, `${hash} block on node ${i}`);
        }
      }

      // Value is conserved on every node: the genesis accounts, the sink and the treasury hold the supply.
      const genesis = JSON.parse(fs.readFileSync(path.join(nodeDir(0), 'genesis.json'), 'utf8'));
      const supply = genesis.accounts.reduce((sum, a) => sum + BigInt(a.balance), 0n);
      const everyone = [...genesis.accounts.map((a) => a.address), load.sink, genesis.treasury];
      for (const [i, u] of urls.entries()) {
        const at = { height: hex(last) };
        assert.equal(BigInt(await rpc(u, 'icx_getTotalSupply', at)), supply, `total supply on node ${i}`);
        let sum = 0n;
        for (const a of everyone) sum += BigInt(await rpc(u, 'icx_getBalance', { address: a, ...at }));
        assert.equal(sum, supply, `balances at height ${last} on node ${i}`);
      }

      // No node stopped on a failed assertion (only our SIGKILLs ended processes).
      const logs = [0, 1, 2, 3].map((i) => fs.readFileSync(path.join(nodeDir(i), 'node.log'), 'utf8'));
      logs.forEach((log, i) => assert.doesNotMatch(log, /assertion failed/, `node ${i} log`));
      // The premise: kills landed while blocks were in flight, so restarts had certified, not yet
      // final blocks to read back.
      const restored = logs.reduce((n, log) => n + (log.match(/restored certified block/g) || []).length, 0);
      assert.ok(restored >= 1, `no restart of ${kills.length} restored a certified block: the kills missed the commits`);
      console.log(`crash test, 4 validators: ${kills.length} SIGKILLs at offsets ` +
                  `${kills.map((k) => k.offsetMs).join(',')} ms after a new height; ${restored} certified blocks ` +
                  `restored at restarts; ${load.acked.size} acknowledged txs present on all 4 nodes; heights 0..${last} identical`);
    } catch (e) {
      for (let i = 0; i < 4; i++) {
        try {
          console.log(`--- node ${i} log tail ---\n` +
                      fs.readFileSync(path.join(nodeDir(i), 'node.log'), 'utf8').split('\n').slice(-20).join('\n'));
        } catch { /* no log */ }
      }
      throw e;
    } finally {
      await load?.stop();
      net.stop();
    }
  });
