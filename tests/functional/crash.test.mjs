// Crash safety: SIGKILL the node while it commits under load, restart it, and check that every tx
// whose successful result was reported is still there with the same block, and the chain is intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import IconService from 'icon-sdk-js';
import { NodeProcess, rpc, signedTransfer } from './lib.mjs';

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
      await new Promise((r) => setTimeout(r, 1500 + 500 * cycle));
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
    console.log(`crash test: ${CYCLES} SIGKILLs, ${acked.size} acknowledged txs all present`);
  } catch (e) {
    console.log(node.log().split('\n').slice(-30).join('\n'));
    throw e;
  } finally {
    if (node.child && node.child.exitCode === null) await node.kill('SIGKILL');
    node.remove();
  }
});
