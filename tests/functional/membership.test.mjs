// Membership follows final state, with real processes (docs/membership.md "Membership follows final
// state"): 4 validators, a genesis follower (node4) and three spare nodes whose keys are not members
// (node5..7), on a channel that answers only signed JSON-RPC requests. Governance txs
//   - add node5 as a follower at run time: it connects and syncs;
//   - grant node6 audit (tier 1): it syncs, its key may read, its node refuses icx_sendTransaction;
//   - suspend node4: its connections are dropped, its height stops, its signed requests are refused;
//   - reinstate node4: it catches up.
// node7 is not admitted until the end: it stays at genesis and its signed requests are refused; then
//   - grant node7 audit until a height: it syncs and reads, and from that height it is cut off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { startLocalnet, rawRpc, waitFor, sleep } from './lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet, IconBuilder, IconConverter, SignedTransaction } = SDK;
const GOV = 'cx0000000000000000000000000000000000000a02';

let nextId = 1;
// A JSON-RPC request signed by `wallet` (header Cx-Auth, src/rpc/client_auth.hpp): {status, body}.
async function signedRaw(url, wallet, method, params) {
  const req = { jsonrpc: '2.0', id: nextId++, method };
  if (params !== undefined) req.params = params;
  const body = JSON.stringify(req);
  const ts = String(Date.now() * 1000);
  const target = new URL(url).pathname;
  const digest = crypto.createHash('sha3-256').update(`cx-rpc-auth\nPOST ${target}\n${ts}\n${body}`).digest();
  const sig = wallet.sign(digest.toString('hex'));  // icon-sdk-js signs a 32-byte hash given in hex
  return rawRpc(url, body, { 'Cx-Auth': `${wallet.getAddress()}:${ts}:${sig}` });
}

async function srpc(url, wallet, method, params) {
  const { body, text } = await signedRaw(url, wallet, method, params);
  if (!body) throw new Error(`not JSON: ${text.slice(0, 200)}`);
  if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
  return body.result;
}

function tx(wallet, build) {
  const b = build()
    .from(wallet.getAddress())
    .stepLimit(IconConverter.toBigNumber('2000000000'))
    .nid(IconConverter.toBigNumber(3))
    .nonce(IconConverter.toBigNumber(Math.floor(Math.random() * 1e9)))
    .version(IconConverter.toBigNumber(3))
    .timestamp(Date.now() * 1000);
  return new SignedTransaction(b.build(), wallet).getProperties();
}

test('p2p and signed RPC admit the members by final state: added, audited, suspended, reinstated', { timeout: 240000 }, async () => {
  const started = Date.now();
  const net = startLocalnet(2, 4, { followers: 1, spares: 3, rpcAuth: 'signed' });
  try {
    const doc = JSON.parse(fs.readFileSync(path.join(net.dir, 'accounts.json'), 'utf8'));
    const wallet = (i) => IconWallet.loadPrivateKey(fs.readFileSync(path.join(doc.nodes[i].dir, 'node.key'), 'utf8').trim());
    const [v0, v1, v2] = [0, 1, 2].map(wallet);
    const [susp, added, auditor, stranger] = [4, 5, 6, 7].map(wallet);
    const urls = net.nodes.map((n) => n.rpc);
    const url = urls[0];
    // Every read is signed by v0 (a member on every node, from genesis).
    const heightOf = async (i) => (await srpc(urls[i], v0, 'icx_getLastBlock')).height;
    const result = (hash) => waitFor(() => srpc(url, v0, 'icx_getTransactionResult', { txHash: hash }), { timeoutMs: 30000, what: 'a tx result' });
    const send = async (w, method, params) =>
      result(await srpc(url, v0, 'icx_sendTransaction', tx(w, () => new IconBuilder.CallTransactionBuilder().to(GOV).method(method).params(params))));
    // A proposal by v0 approved by v1 and v2 (3 of the 4 tier-1 validators: more than 1/2 and than 2/3).
    const decide = async (action, args) => {
      const p = await send(v0, 'propose', { action, args: JSON.stringify(args) });
      assert.equal(Number(p.status), 1, `propose ${action}: ${JSON.stringify(p.failure)}`);
      const id = p.eventLogs.find((l) => l.indexed[0] === 'ProposalCreated(int,str,Address)').indexed[1];
      let last;
      for (const v of [v1, v2]) last = await send(v, 'vote', { id, approve: '0x1' });
      const executed = last.eventLogs.find((l) => l.indexed[0] === 'Executed(int,int)');
      assert.ok(executed, `${action} was not executed: ${JSON.stringify(last)}`);
      return parseInt(last.blockHeight, 16);
    };
    const catchesUp = (i, what) => waitFor(async () => (await heightOf(i)) >= (await heightOf(0)) - 1, { timeoutMs: 30000, what });

    // Fees for governance txs (the auditor's too: its attempt must fail on governance, not on its balance).
    const funder = IconWallet.loadPrivateKey(net.accounts[0].private_key);
    for (const w of [v0, v1, v2, auditor]) {
      const hash = await srpc(url, v0, 'icx_sendTransaction', tx(funder, () => new IconBuilder.IcxTransactionBuilder().to(w.getAddress())
        .value(IconConverter.toBigNumber(1000).multipliedBy('1e18'))));
      assert.equal(Number((await result(hash)).status), 1);
    }
    await catchesUp(4, 'the genesis follower');

    // Before governance admits them, the spares get nothing, and strangers' signed requests are refused.
    for (const i of [5, 6, 7]) assert.equal(await heightOf(i), 0, `spare node${i} received blocks`);
    for (const w of [added, auditor, stranger]) {
      const r = await signedRaw(url, w, 'icx_getLastBlock');
      assert.equal(r.status, 401);
      assert.match(r.body.error.message, /is not a member of channel localnet/);
    }

    // 1. addMember: node5 becomes a follower at run time; it connects and syncs.
    await decide('addMember', { address: added.getAddress(), tier: '0x3', roles: ['follower'] });
    await catchesUp(5, 'the follower added at run time');
    assert.ok(await srpc(url, added, 'icx_getLastBlock'), 'the added member may read');

    // 2. grantAudit (tier 1): node6 syncs, may read, and does not transact.
    const refused = await send(v0, 'propose', { action: 'addMember', args: JSON.stringify({ address: auditor.getAddress(), tier: '0x3', roles: ['auditor'] }) });
    assert.equal(Number(refused.status), 0);
    assert.match(refused.failure.message, /auditor role is granted with grantAudit/);
    await decide('grantAudit', { address: auditor.getAddress(), institution: 'Supervisor audit' });
    await catchesUp(6, 'the auditor');
    assert.ok(await srpc(url, auditor, 'icx_getLastBlock'), 'the auditor may read');
    const member = await srpc(url, v0, 'icx_call', { to: GOV, dataType: 'call', data: { method: 'getMember', params: { address: auditor.getAddress() } } });
    assert.deepEqual(member.roles, ['auditor']);
    const viaAuditor = await signedRaw(urls[6], v0, 'icx_sendTransaction', tx(funder, () => new IconBuilder.IcxTransactionBuilder().to(v0.getAddress()).value(1)));
    assert.ok(viaAuditor.body.error, 'the auditor node took a tx');
    assert.match(viaAuditor.body.error.message, /an auditor \(it reads, it does not transact\)/);
    // An auditor takes no part in governance.
    const auditorVote = await send(auditor, 'propose', { action: 'suspendMember', args: JSON.stringify({ address: susp.getAddress() }) });
    assert.equal(Number(auditorVote.status), 0);
    assert.match(auditorVote.failure.message, /is an auditor: it takes no part in governance/);

    // 3. suspendMember: node4 is cut off from the height its suspension is final.
    const at = await decide('suspendMember', { address: susp.getAddress() });
    await waitFor(async () => (await heightOf(0)) >= at + 10, { timeoutMs: 30000, what: `height ${at + 10}` });
    const stopped = await heightOf(4);
    assert.ok(stopped <= at + 3, `the suspended follower went on to ${stopped} (suspended in block ${at})`);
    const r = await signedRaw(url, susp, 'icx_getLastBlock');
    assert.equal(r.status, 401);
    assert.match(r.body.error.message, /is suspended from channel localnet/);
    await sleep(1500);
    assert.equal(await heightOf(4), stopped, 'the suspended follower still receives blocks');

    // 4. reinstateMember: it is admitted again and catches up.
    await decide('reinstateMember', { address: susp.getAddress() });
    await catchesUp(4, 'the reinstated follower');
    assert.ok(await srpc(url, susp, 'icx_getLastBlock'), 'the reinstated member may read');

    // The stranger got nothing throughout.
    assert.equal(await heightOf(7), 0, 'the stranger received blocks');
    const top = await heightOf(0);
    for (const i of [4, 5, 6]) {
      const h = Math.min(top, await heightOf(i)) - 1;
      const a = await srpc(urls[i], v0, 'icx_getBlockByHeight', { height: `0x${h.toString(16)}` });
      const b = await srpc(url, v0, 'icx_getBlockByHeight', { height: `0x${h.toString(16)}` });
      assert.equal(a.block_hash, b.block_hash, `node${i} differs at ${h}`);
    }

    // 5. grantAudit with `until`: node7 syncs and reads until final state reaches that height; then its
    // connections are dropped, its height stops and its signed requests are refused.
    const until = (await heightOf(0)) + 25;
    const granted = await decide('grantAudit', { address: stranger.getAddress(), until: `0x${until.toString(16)}` });
    assert.ok(granted < until, `granted at ${granted}, not before until ${until}`);
    await catchesUp(7, 'the auditor granted until a height');
    assert.ok(await srpc(url, stranger, 'icx_getLastBlock'), 'the auditor may read before its until height');
    const limited = await srpc(url, v0, 'icx_call', { to: GOV, dataType: 'call', data: { method: 'getMember', params: { address: stranger.getAddress() } } });
    assert.equal(Number(limited.auditUntil), until);
    await waitFor(async () => (await heightOf(0)) >= until + 10, { timeoutMs: 60000, what: `height ${until + 10}` });
    const ended = await heightOf(7);
    assert.ok(ended <= until + 3, `the auditor went on to ${ended} (its access ended at ${until})`);
    const late = await signedRaw(url, stranger, 'icx_getLastBlock');
    assert.equal(late.status, 401);
    assert.match(late.body.error.message, new RegExp(`audit of channel localnet ended at height ${until}`));
    await sleep(1500);
    assert.equal(await heightOf(7), ended, 'the auditor still receives blocks after its until height');
    console.log(`membership: suspended at ${at}, node4 stopped at ${stopped}, height ${top}; audit until ${until}, node7 stopped at ${ended}; ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    net.stop();
  }
});
