// Reconfiguration under load, with real processes (issue 13 §8, docs/governance.md "How fast"): a
// localnet of 4 validators, a follower and two spare nodes. `complexchain bench` offers transfers to the
// validators at a fixed rate the whole time, while governance txs
//   - grant spare node6 audit (tier 1): it dials in, syncs and keeps up;
//   - admit spare node5 as a follower, then promote it: 4 validators grow to 5;
//   - remove validator node3: back to 4 (node3 goes on as a follower).
// A sampler reads every node's height every 200 ms. Asserted: every tx the bench got accepted is
// committed, and no tx is in the chain twice; the follower's and the auditor's heights stay within
// MAX_LAG blocks of the validators' in every sample; every node holds the same block hashes; the sets
// at the effective heights are the expected ones, and the headers name them.
// CX_RECONF_RATE (tx/s offered, default 400) and CX_RECONF_LOAD_S (seconds of load, default 60) tune it;
// CX_RECONF_STOP=auditor|follower stops that node halfway, to see the test fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { startLocalnet, rpc, waitFor, sleep, hex, height } from './lib.mjs';
import { nodeWallet, fund, decide, govCall, blockHeader, startBench, HeightSampler, summary } from './reconfig_lib.mjs';

const { IconWallet } = IconService.default || IconService;
const HANG_MS = 60000;
const RATE = Number(process.env.CX_RECONF_RATE || 400);
const LOAD_S = Number(process.env.CX_RECONF_LOAD_S || 60);
const MAX_LAG = 8;  // blocks a follower or an auditor may trail the highest validator in any sample
const [FOLLOWER, PROMOTED, AUDITOR] = [4, 5, 6];

test('under load, 4 validators grow to 5 and shrink back to 4 while a follower and an auditor keep up', { timeout: 240000 }, async () => {
  const started = Date.now();
  const net = startLocalnet(3, 4, { followers: 1, spares: 2 });
  const urls = net.nodes.map((n) => n.rpc);
  const url = urls[0];
  const doc = JSON.parse(fs.readFileSync(path.join(net.dir, 'accounts.json'), 'utf8'));
  const wallets = urls.map((_, i) => nodeWallet(net.dir, i));
  const [v0, v1, v2, v3] = wallets;
  const voters = [v0, v1, v2];  // 3 of the 4 tier-1 validators: more than 2/3 (and 1/2)
  const sampler = new HeightSampler(urls, { intervalMs: 200 });
  let bench;
  try {
    assert.equal(urls.length, 7);
    await waitFor(async () => (await height(urls[FOLLOWER])) >= 2, { timeoutMs: HANG_MS, what: 'the follower at height 2' });
    const funder = IconWallet.loadPrivateKey(net.accounts[1].private_key);
    for (const r of await fund(url, funder, voters.map((w) => w.getAddress()), 1000)) assert.equal(Number(r.status), 1);

    // Load from here to the end; the governance below starts once it reaches the chain.
    sampler.start();
    const loadFrom = await height(url);
    bench = startBench(path.join(net.dir, 'accounts.json'), urls.slice(0, 4), { txs: RATE * LOAD_S, rate: RATE });
    let loaded = 0;
    for (let h = loadFrom + 1; loaded < 300; ++h) {
      await waitFor(async () => (await height(url)) >= h, { timeoutMs: HANG_MS, what: `height ${h} under load` });
      loaded += (await blockHeader(url, h)).txCount;
    }
    const caughtUp = (i, what) => waitFor(async () => (await height(urls[i])) >= (await height(url)) - 1, { timeoutMs: HANG_MS, what });
    const followerFrom = Date.now();

    // The auditor: a stranger granted audit by tier 1 dials in and syncs.
    await decide(url, voters, 'grantAudit', { address: wallets[AUDITOR].getAddress(), institution: 'Supervisor audit' });
    await caughtUp(AUDITOR, 'the auditor');
    const auditorFrom = Date.now();
    // 4 → 5: spare node5 is admitted as a follower, syncs, and is promoted.
    await decide(url, voters, 'addMember', { address: wallets[PROMOTED].getAddress(), tier: '0x3', roles: ['follower'] });
    await caughtUp(PROMOTED, 'the admitted spare');
    const promotedFrom = Date.now();
    const grow = await decide(url, voters, 'addValidator', { address: wallets[PROMOTED].getAddress() });
    await waitFor(async () => (await height(url)) >= grow.effective + 5, { timeoutMs: HANG_MS, what: `height ${grow.effective + 5}` });
    if (process.env.CX_RECONF_STOP) {
      const i = { auditor: AUDITOR, follower: FOLLOWER }[process.env.CX_RECONF_STOP];
      process.kill(Number(fs.readFileSync(path.join(doc.nodes[i].dir, 'node.pid'), 'utf8').trim()), 'SIGKILL');
    }
    // 5 → 4: node3 leaves the set.
    const shrink = await decide(url, voters, 'removeValidator', { address: v3.getAddress() });
    await waitFor(async () => (await height(url)) >= shrink.effective + 5, { timeoutMs: HANG_MS, what: `height ${shrink.effective + 5}` });
    assert.ok(bench.running(), `the load ended before the reconfiguration did (raise CX_RECONF_LOAD_S)`);

    // The load ends; every tx it got accepted is committed.
    const { code, report, stderr } = await bench.done;
    assert.ok(report, `bench printed no report (exit ${code}): ${stderr}`);
    assert.equal(report.failed, 0, `bench txs refused: ${JSON.stringify(report.failed_by_reason)}`);
    assert.equal(report.submitted, RATE * LOAD_S);
    assert.equal(report.committed, report.submitted, 'accepted txs that were never committed');
    assert.ok(report.complete, JSON.stringify(report));
    await sleep(1500);
    await sampler.stop();

    // Nobody fell behind: the follower from the start of the load, the auditor and the promoted node
    // from when they first caught up. Lag is against the highest validator (old or new) of each sample.
    const refs = [0, 1, 2, 3, PROMOTED];
    const lag = {
      follower: summary(sampler.lagBlocks(FOLLOWER, refs, followerFrom)),
      auditor: summary(sampler.lagBlocks(AUDITOR, refs, auditorFrom)),
      promoted: summary(sampler.lagBlocks(PROMOTED, [0, 1, 2, 3], promotedFrom)),
    };
    for (const [who, s] of Object.entries(lag)) {
      const worst = s.max === Infinity ? 'stopped answering' : `fell ${s.max} blocks behind`;
      assert.ok(s.max <= MAX_LAG, `the ${who} ${worst} (bound ${MAX_LAG}; median ${s.median}, p90 ${s.p90})`);
    }

    // Every node holds the same blocks, and no tx is in the chain twice.
    const top = Math.min(...(await Promise.all(urls.map(height))));
    assert.ok(top >= shrink.effective + 5);
    const seen = new Set();
    let txs = 0;
    for (let h = 1; h <= top; ++h) {
      const headers = await Promise.all(urls.map((u) => blockHeader(u, h)));
      headers.forEach((b, i) => assert.equal(b.hash, headers[0].hash, `node${i} differs at height ${h}`));
      if (headers[0].txCount === 0) continue;
      for (const t of (await rpc(url, 'icx_getBlockByHeight', { height: hex(h) })).confirmed_transaction_list) {
        assert.ok(!seen.has(t.txHash), `tx ${t.txHash} committed twice (again at ${h})`);
        seen.add(t.txHash);
        ++txs;
      }
    }
    assert.ok(txs >= report.committed, `${txs} txs in the chain, bench saw ${report.committed}`);

    // The sets at the effective heights, and the headers that name them.
    const addresses = async (h) => (await govCall(url, 'getValidators', {}, h)).validators.map((v) => v.address).sort();
    const genesisSet = [v0, v1, v2, v3].map((w) => w.getAddress()).sort();
    const grown = [...genesisSet, wallets[PROMOTED].getAddress()].sort();
    const shrunk = [v0, v1, v2, wallets[PROMOTED]].map((w) => w.getAddress()).sort();
    assert.deepEqual(await addresses(grow.effective - 1), genesisSet);
    assert.deepEqual(await addresses(grow.effective), grown);
    assert.deepEqual(await addresses(shrink.effective - 1), grown);
    assert.deepEqual(await addresses(shrink.effective), shrunk);
    const rounds = [];
    for (const e of [grow.effective, shrink.effective]) {
      const [before, at] = [await blockHeader(url, e - 1), await blockHeader(url, e)];
      assert.notEqual(before.validatorsHash, at.validatorsHash, `the set hash did not change at ${e}`);
      assert.equal(before.nextValidatorsHash, at.validatorsHash, `block ${e - 1} does not name the set of ${e}`);
      rounds.push(at.round - before.round - 1);
    }
    console.log(`reconfig_load: ${report.committed} bench txs at ${report.committed_tps} tx/s (offered ${RATE}), ` +
      `${txs} txs in blocks 1..${top}; grown at ${grow.effective}, shrunk at ${shrink.effective} ` +
      `(extra rounds there: ${rounds.join(', ')}); lag in blocks ${JSON.stringify(lag)}; ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await bench?.stop();
    if (sampler.running) await sampler.stop();
    net.stop();
  }
});
