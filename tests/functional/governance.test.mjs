// Governance as state with real processes (docs/governance.md): 4 validators and a follower from
// `complexchain localnet`. Governance txs (icon-sdk-js call txs to cx…0a02, signed with the validators'
// node keys: a genesis without tiers makes the validators tier 1) promote the follower to validator at
// an effective height. After it the follower leads rounds, and with one old validator stopped the chain
// still commits — 5 validators need 4 votes, so the new validator's votes are in every certificate. Then
// the stopped validator is removed and one is reweighted; getValidators answers at heights before and
// after each change, cx_getValidators and /metrics follow the set in force, and every node holds the
// same blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { startLocalnet, rpc, waitFor, hex, height } from './lib.mjs';
import { govSend, govCall, fund, decide as decideChange } from './reconfig_lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet } = SDK;
const HANG_MS = 120000;

const send = govSend;
const call = govCall;
const transfer = async (url, from, to, icx) => (await fund(url, from, [to], icx))[0];

// Proposes `action` from the first voter, the others approve; returns the effective height.
const decide = async (url, voters, action, args) => (await decideChange(url, voters, action, args)).effective;

async function proposers(url, from, to) {
  const out = [];
  for (let h = from; h <= to; ++h) out.push((await rpc(url, 'icx_getBlockByHeight', { height: hex(h) })).peer_id);
  return out;
}

test('governance txs promote a follower to validator, then remove and reweight validators', { timeout: 400000 }, async () => {
  const net = startLocalnet(2, 4, { followers: 1 });
  const doc = JSON.parse(fs.readFileSync(path.join(net.dir, 'accounts.json'), 'utf8'));
  const keyOf = (i) => fs.readFileSync(path.join(doc.nodes[i].dir, 'node.key'), 'utf8').trim();
  const wallets = [0, 1, 2, 3, 4].map((i) => IconWallet.loadPrivateKey(keyOf(i)));
  const [v0, v1, v2, v3, f] = wallets;
  const urls = net.nodes.map((n) => n.rpc);
  const url = urls[0];
  const stopped = new Set();
  try {
    await waitFor(async () => (await height(urls[4])) >= 2, { timeoutMs: HANG_MS, what: 'the follower at height 2' });
    const funder = IconWallet.loadPrivateKey(net.accounts[0].private_key);
    for (const w of [v0, v1, v2, f]) assert.equal(Number((await transfer(url, funder, w.getAddress(), 1000)).status), 1);

    // Refusals name their reason: the follower (tier 3) may not propose a set change.
    const refused = await send(url, f, 'propose', { action: 'addValidator', args: JSON.stringify({ address: f.getAddress() }) });
    assert.equal(Number(refused.status), 0);
    assert.match(refused.failure.message, /wrong tier: addValidator is decided by tier\(s\) 1, 2/);

    // 1. Promote the follower: 3 of the 4 tier-1 validators approve (> 2/3).
    const e1 = await decide(url, [v0, v1, v2], 'addValidator', { address: f.getAddress() });
    const member = await call(url, 'getMember', { address: f.getAddress() });
    assert.deepEqual(member.roles, ['validator', 'follower']);
    await waitFor(async () => (await height(url)) >= e1 + 12, { timeoutMs: HANG_MS, what: `height ${e1 + 12}` });
    const before = await call(url, 'getValidators', {}, e1 - 1);
    const after = await call(url, 'getValidators', {}, e1 + 1);
    assert.equal(before.validators.length, 4);
    assert.equal(after.validators.length, 5);
    assert.equal(Number(after.from), e1);
    // Read at a height before the proposal existed: the genesis set, nothing scheduled.
    const genesis = await call(url, 'getValidators', {}, 1);
    assert.equal(genesis.validators.length, 4);
    assert.equal(genesis.scheduled.length, 0);
    // The new validator leads rounds after the effective height, never before.
    assert.ok(!(await proposers(url, 1, e1 - 1)).includes(f.getAddress()), 'the follower proposed before its term');
    assert.ok((await proposers(url, e1, e1 + 11)).includes(f.getAddress()), 'the new validator never proposed');

    // 2. Stop v3: 5 validators of weight 1 need 4 votes, so every certificate from now on holds the new
    // validator's vote. The chain must keep committing.
    process.kill(fs.readFileSync(path.join(doc.nodes[3].dir, 'node.pid'), 'utf8').trim() * 1, 'SIGKILL');
    stopped.add(3);
    const h0 = await height(url);
    await waitFor(async () => (await height(url)) >= h0 + 8, { timeoutMs: HANG_MS, what: `height ${h0 + 8} without v3` });
    // The explorer's view of the set in force (cx_getValidators) and the validator gauges follow the
    // change: the promoted follower (tier 3 from the governance contract) has signed blocks, v3 misses
    // them, and /metrics counts five validators of weight 5.
    const set = await rpc(url, 'cx_getValidators', {});
    assert.equal(set.validators.length, 5);
    const promoted = set.validators.find((v) => v.address === f.getAddress());
    assert.equal(promoted.tier, '0x3');
    assert.ok(BigInt(promoted.signedBlocks) >= 8n, JSON.stringify(promoted));
    assert.ok(BigInt(promoted.lastSignedHeight) >= BigInt(h0));
    assert.equal(set.validators.find((v) => v.address === v0.getAddress()).tier, '0x1');
    assert.ok(BigInt(set.validators.find((v) => v.address === v3.getAddress()).missedBlocks) >= 8n);
    const scrape = await (await fetch(`${new URL(url).origin}/metrics`)).text();
    assert.match(scrape, /^complexchain_consensus_validators\{[^}]*\} 5$/m);
    assert.match(scrape, /^complexchain_consensus_validators_power\{[^}]*\} 5$/m);

    // 3. Remove the stopped validator, and give v0 weight 2: {v0: 2, v1, v2, f} = 5, quorum 4.
    const e2 = await decide(url, [v0, v1, v2], 'removeValidator', { address: v3.getAddress() });
    const e3 = await decide(url, [v0, v1, v2], 'setValidatorWeight', { address: v0.getAddress(), weight: '0x2' });
    assert.ok(e3 > e2);
    await waitFor(async () => (await height(url)) >= e3 + 8, { timeoutMs: HANG_MS, what: `height ${e3 + 8}` });
    const removed = await call(url, 'getValidators', {}, e2);
    assert.ok(!removed.validators.some((v) => v.address === v3.getAddress()));
    const reweighted = await call(url, 'getValidators', {}, e3);
    assert.equal(Number(reweighted.totalWeight), 5);
    assert.equal(reweighted.validators.find((v) => v.address === v0.getAddress()).weight, 2);
    assert.equal((await call(url, 'getMember', { address: v3.getAddress() })).roles.join(), 'follower');

    // Every running node holds the same blocks.
    const top = await height(url);
    for (let h = 1; h <= top; h += Math.max(1, Math.floor(top / 25))) {
      const blocks = await Promise.all(urls.filter((_, i) => !stopped.has(i)).map((u) =>
        waitFor(() => rpc(u, 'icx_getBlockByHeight', { height: hex(h) }), { timeoutMs: HANG_MS, what: `block ${h}` })));
      assert.ok(blocks.every((b) => b.block_hash === blocks[0].block_hash), `nodes differ at height ${h}`);
    }
    console.log(`governance: follower promoted at ${e1}, v3 removed at ${e2}, v0 weight 2 at ${e3}; height ${top}`);
  } finally {
    net.stop();
  }
});
