// Contracts on a 4-validator localnet (issue 14 §11): the IRC2 example deployed through one node, a
// burst of IRC2 transfer calls and plain transfers sent round-robin to all four, and afterwards every
// node at one height with one block hash, and the same token balances (icx_call), coin balances and
// receipts, equal to what the test computed. Waits are for progress, with limits that only keep a hung
// cluster from hanging the suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import IconService from 'icon-sdk-js';
import { startLocalnet, rpc, waitFor, hex, height, signedTransfer, irc2DeployTx, irc2TransferCall } from './lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet } = SDK;
const HANG_MS = 120000;
const ROUND = 100;  // txs of each kind per round

let stamp = Date.now() * 1000;
const nextStamp = () => ++stamp;

const deployTx = (wallet, params) => irc2DeployTx(wallet, params, nextStamp());
const transferCall = (wallet, token, to, value) => irc2TransferCall(wallet, token, to, value, nextStamp());

// Sends every tx at once, each to the next node in turn; waits for every result on node 0.
async function burst(urls, txs) {
  const hashes = await Promise.all(txs.map((tx, i) => rpc(urls[i % urls.length], 'icx_sendTransaction', tx)));
  return Promise.all(hashes.map((txHash) => waitFor(() => rpc(urls[0], 'icx_getTransactionResult', { txHash }),
    { timeoutMs: HANG_MS, intervalMs: 100, what: `result of ${txHash}` })));
}

const tokenBalance = (url, token, owner) =>
  rpc(url, 'icx_call', { to: token, dataType: 'call', data: { method: 'balanceOf', params: { _owner: owner } } });

test('4 validators run IRC2 calls and plain transfers and stay converged', { timeout: 300000 }, async () => {
  const net = startLocalnet(5, 4);
  const urls = net.nodes.map((n) => n.rpc);
  try {
    const wallets = net.accounts.map((a) => IconWallet.loadPrivateKey(a.private_key));
    const addrs = wallets.map((w) => w.getAddress());
    await waitFor(async () => (await Promise.all(urls.map(height))).every((h) => h >= 2),
      { timeoutMs: HANG_MS, what: 'all 4 nodes at height 2' });

    const [deployed] = await burst([urls[1]], [deployTx(wallets[0], { _name: 'Net', _symbol: 'NET', _decimals: '0x0', _initialSupply: '0xf4240' })]);
    assert.equal(deployed.status, '0x1', JSON.stringify(deployed));
    const token = deployed.scoreAddress;
    const expected = new Map(addrs.map((a) => [a, 0n]));
    expected.set(addrs[0], 1000000n);

    // Round 1: account 0 hands tokens out while the others move coin among themselves.
    const round1 = [];
    for (let i = 0; i < ROUND; i++) {
      const to = addrs[1 + (i % 4)];
      round1.push(transferCall(wallets[0], token, to, 100 + i));
      expected.set(addrs[0], expected.get(addrs[0]) - BigInt(100 + i));
      expected.set(to, expected.get(to) + BigInt(100 + i));
      const from = 1 + (i % 4);
      round1.push(signedTransfer(wallets[from], addrs[1 + ((i + 1) % 4)], { value: 1000 + i, timestamp: nextStamp() }).getProperties());
    }
    // Round 2: the holders send tokens back and on, from every node.
    const round2 = [];
    for (let i = 0; i < ROUND; i++) {
      const from = 1 + (i % 4), to = (i % 5 === 0) ? 0 : 1 + ((i + 2) % 4);
      round2.push(transferCall(wallets[from], token, addrs[to], 7 + i));
      expected.set(addrs[from], expected.get(addrs[from]) - BigInt(7 + i));
      expected.set(addrs[to], expected.get(addrs[to]) + BigInt(7 + i));
    }
    for (const round of [round1, round2]) {
      const results = await burst(urls, round);
      const failed = results.filter((r) => r.status !== '0x1');
      assert.equal(failed.length, 0, JSON.stringify(failed.slice(0, 3)));
    }

    // Convergence: one block at the highest height any node has, and identical state through icx_call.
    const target = Math.max(...(await Promise.all(urls.map(height))));
    await waitFor(async () => {
      const blocks = await Promise.all(urls.map((u) => rpc(u, 'icx_getBlockByHeight', { height: hex(target) })));
      return blocks.every((b) => b.block_hash === blocks[0].block_hash);
    }, { timeoutMs: HANG_MS, intervalMs: 250, what: `all 4 nodes holding one block at height ${target}` });
    for (const u of urls) {
      for (const a of addrs) assert.equal(BigInt(await tokenBalance(u, token, a)), expected.get(a), `${a} on ${u}`);
      const supply = await rpc(u, 'icx_call', { to: token, dataType: 'call', data: { method: 'totalSupply' } });
      assert.equal(supply, '0xf4240');
      const coins = await Promise.all(addrs.map((a) => rpc(u, 'icx_getBalance', { address: a, height: hex(target) })));
      const first = await Promise.all(addrs.map((a) => rpc(urls[0], 'icx_getBalance', { address: a, height: hex(target) })));
      assert.deepEqual(coins, first, `coin balances on ${u}`);
      const r = await rpc(u, 'icx_getTransactionResult', { txHash: deployed.txHash });
      assert.equal(r.blockHash, deployed.blockHash);
      assert.equal(r.scoreAddress, token);
    }
    console.log(`contracts on 4 validators: 1 deploy, ${3 * ROUND} txs (${2 * ROUND} IRC2 calls), converged at height ${target}`);
  } finally {
    net.stop();
  }
});
