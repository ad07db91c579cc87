// `ca verify` across validator-set changes (docs/ca.md "Across validator-set changes"), with real
// processes: a localnet of 4 validators and a follower with a chain CA. Governance promotes the follower
// (change 1) and later removes a validator (change 2); a certificate issued after the changes verifies
// from the genesis file alone (the verifier follows both changes, each certified by the set before), from
// a saved checkpoint without walking, from a block trusted by its hash (one change walked), and is refused when the walk is cut short (--max-changes) or the
// changes are withheld. Then `message send --to-holder` seals to the certificate's key (proven with the
// same verifier), and a revoked certificate is refused as a recipient. cx_getChannels lists the live
// members after the changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { BIN, startLocalnet, rpc, waitFor, height } from './lib.mjs';
import { decide, transfer } from './gov_lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet } = SDK;
const HANG_MS = 120000;
const PORT = 9200;      // this file's ports: JSON-RPC 9200.., p2p 9250..
const P2P_PORT = 9250;

function run(args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(path.resolve(BIN), args, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

test('ca verify follows governance set changes; message recipients from the chain CA', { timeout: 400000 }, async () => {
  const net = startLocalnet(3, 4, { followers: 1, port: PORT, p2pPort: P2P_PORT, ca: true });
  const doc = JSON.parse(fs.readFileSync(path.join(net.dir, 'accounts.json'), 'utf8'));
  const keyOf = (i) => fs.readFileSync(path.join(doc.nodes[i].dir, 'node.key'), 'utf8').trim();
  const [v0, v1, v2, v3, f] = [0, 1, 2, 3, 4].map((i) => IconWallet.loadPrivateKey(keyOf(i)));
  const url = net.nodes[0].rpc;
  const genesisFile = path.join(doc.nodes[0].dir, 'genesis.json');
  const keyFile = (i, name) => {
    const file = path.join(net.dir, `${name}.hex`);
    fs.writeFileSync(file, net.accounts[i].private_key);
    return file;
  };
  const raKey = keyFile(0, 'ra');
  const holderKey = keyFile(1, 'holder');
  const senderKey = keyFile(2, 'sender');
  const waitHeight = (h) => waitFor(async () => (await height(url)) >= h, { timeoutMs: HANG_MS, what: `height ${h}` });
  try {
    await waitHeight(2);
    const funder = IconWallet.loadPrivateKey(net.accounts[0].private_key);
    for (const w of [v0, v1, v2]) assert.equal(Number((await transfer(url, funder, w.getAddress(), 1000)).status), 1);

    // Change 1: the follower becomes a validator.
    const e1 = await decide(url, [v0, v1, v2], 'addValidator', { address: f.getAddress() });
    await waitHeight(e1 + 2);

    // A certificate requested and issued after the change.
    const certFile = path.join(net.dir, 'cert.pem');
    const req = run(['ca', 'request', '--key-file', holderKey, '--subject', 'CN=Lee Jiwoo,O=Bank B', '--days', '365',
      '--out', certFile, '--rpc', url]);
    assert.equal(req.code, 0, req.err);
    const serial = req.out.match(/serial ([0-9a-f]{32})/)[1];
    const issued = run(['ca', 'issue', certFile, '--key-file', raKey, '--rpc', url, '--wait', '--json']);
    assert.equal(issued.code, 0, issued.out + issued.err);
    const issuedHeight = Number(JSON.parse(issued.out).result.blockHeight);
    assert.ok(issuedHeight > e1, `issued at ${issuedHeight}, change at ${e1}`);
    await waitHeight(issuedHeight + 3);

    const verify = (...extra) => run(['ca', 'verify', certFile, '--genesis', genesisFile, '--rpc', url, '--json', ...extra]);
    const one = verify();
    assert.equal(one.code, 0, one.out + one.err);
    const v1r = JSON.parse(one.out);
    assert.equal(v1r.status, 'good');
    assert.equal(v1r.setChanges, 1);
    assert.equal(v1r.setFrom, e1);

    // Withheld changes: a saved proof that carries an empty change list is checked against the genesis
    // set alone, and the block certified by the new set is refused.
    const proof = await rpc(url, 'cx_getProof', { address: 'cx0000000000000000000000000000000000000a03', key: `status/${serial}` });
    const withheld = path.join(net.dir, 'withheld.json');
    fs.writeFileSync(withheld, JSON.stringify({ ...proof, validatorChanges: [] }));
    const refused = verify('--proof', withheld);
    assert.equal(refused.code, 1, refused.out + refused.err);
    assert.match(refused.err, /names a validator set other than the trusted one/);
    // A saved proof without the field: the changes are asked of the node, or with --offline of nobody.
    const saved = path.join(net.dir, 'saved.json');
    fs.writeFileSync(saved, JSON.stringify(proof));
    const online = verify('--proof', saved);
    assert.equal(online.code, 0, online.out + online.err);
    assert.equal(JSON.parse(online.out).setChanges, 1);
    const offline = verify('--proof', saved, '--offline');
    assert.equal(offline.code, 1);
    assert.match(offline.err, /names a validator set other than the trusted one/);

    // Change 2: v3 leaves the set.
    const e2 = await decide(url, [v0, v1, v2], 'removeValidator', { address: v3.getAddress() });
    await waitHeight(e2 + 4);
    const two = verify('--save-checkpoint', path.join(net.dir, 'checkpoint.json'));
    assert.equal(two.code, 0, two.out + two.err);
    const v2r = JSON.parse(two.out);
    assert.equal(v2r.setChanges, 2);
    assert.equal(v2r.setFrom, e2);
    const cut = verify('--max-changes', '1');
    assert.equal(cut.code, 1);
    assert.match(cut.err, /more than 1 validator-set changes/);
    const fromCheckpoint = verify('--checkpoint', path.join(net.dir, 'checkpoint.json'));
    assert.equal(fromCheckpoint.code, 0, fromCheckpoint.out + fromCheckpoint.err);
    assert.equal(JSON.parse(fromCheckpoint.out).setChanges, 0);
    // A trust anchor: a block between the changes, trusted by its hash; only the later change is walked.
    const anchor = e1 + 1;
    const anchorHash = (await rpc(url, 'icx_getBlockByHeight', { height: `0x${anchor.toString(16)}` })).block_hash;
    const anchored = verify('--trust-height', String(anchor), '--trust-hash', anchorHash);
    assert.equal(anchored.code, 0, anchored.out + anchored.err);
    assert.equal(JSON.parse(anchored.out).setChanges, 1);
    const wrongAnchor = verify('--trust-height', String(anchor + 1), '--trust-hash', anchorHash);
    assert.equal(wrongAnchor.code, 1);
    assert.match(wrongAnchor.err, /is not the trusted/);

    // cx_getChannels lists the live members: f is a validator now, v3 a follower.
    const [channel] = (await rpc(url, 'cx_getChannels', {})).channels;
    assert.equal(channel.validators, '0x4');
    const roleOf = (w) => channel.members.find((m) => m.address === w.getAddress())?.role;
    assert.deepEqual([v0, v1, v2, f, v3].map(roleOf), ['validator', 'validator', 'validator', 'validator', 'follower']);
    assert.deepEqual(channel.members.slice(0, 4).map((m) => m.role), ['validator', 'validator', 'validator', 'validator']);
    const changes = await rpc(url, 'cx_getValidatorChanges', {});
    assert.deepEqual(changes.changes.map((c) => Number(c.height)), [e1, e2]);
    console.log(`ca verify: 0 changes (checkpoint) ${fromCheckpoint.ms.toFixed(0)} ms, 1 change ${one.ms.toFixed(0)} ms, ` +
      `2 changes ${two.ms.toFixed(0)} ms (changes at ${e1}, ${e2})`);

    // Recipients from the chain CA: the holder's good certificate gives the key, proven from the chain.
    const sent = run(['message', 'send', '--to-holder', net.accounts[1].address, '--verify-genesis', genesisFile,
      '--text', 'for the certified key', '--key-file', senderKey, '--rpc', url, '--wait', '--json']);
    assert.equal(sent.code, 0, sent.out + sent.err);
    const txHash = JSON.parse(sent.out).txHash;
    const read = run(['message', 'read', '--tx', txHash, '--key-file', holderKey, '--rpc', url]);
    assert.equal(read.code, 0, read.err);
    assert.equal(read.out, 'for the certified key');
    const bySerial = run(['message', 'encrypt', '--to-cert', serial, '--text', 'x', '--rpc', url]);
    assert.equal(bySerial.code, 0, bySerial.err);
    assert.match(bySerial.out, /^0x/);

    // A suspended certificate is no recipient (by the node's status, and proven), until an RA resets it.
    const suspended = run(['ca', 'suspend', '--serial', serial, '--reason', 'lostDevice', '--key-file', raKey, '--rpc', url, '--wait', '--json']);
    assert.equal(suspended.code, 0, suspended.out + suspended.err);
    const suspendedAt = Number(JSON.parse(suspended.out).result.blockHeight);
    const whileSuspended = run(['message', 'send', '--to-cert', serial, '--text', 'x', '--key-file', senderKey, '--rpc', url]);
    assert.equal(whileSuspended.code, 1);
    assert.match(whileSuspended.err, new RegExp(`certificate ${serial} is suspended since height ${suspendedAt}`));
    await waitHeight(suspendedAt + 3);
    const provenSuspended = run(['message', 'send', '--to-cert', serial, '--verify-genesis', genesisFile, '--text', 'x',
      '--key-file', senderKey, '--rpc', url]);
    assert.equal(provenSuspended.code, 1);
    assert.match(provenSuspended.err, new RegExp(`certificate ${serial} is suspended at height \\d+ \\(proven\\)`));
    const reset = run(['ca', 'reset', '--serial', serial, '--reason', 'branchVisit', '--key-file', raKey, '--rpc', url, '--wait']);
    assert.equal(reset.code, 0, reset.out + reset.err);
    assert.equal(run(['message', 'encrypt', '--to-cert', serial, '--text', 'x', '--rpc', url]).code, 0);

    // A revoked certificate is no recipient, and says why.
    const revoked = run(['ca', 'revoke', '--serial', serial, '--reason', 'keyCompromise', '--key-file', raKey, '--rpc', url, '--wait']);
    assert.equal(revoked.code, 0, revoked.out + revoked.err);
    const refusedSerial = run(['message', 'send', '--to-cert', serial, '--text', 'x', '--key-file', senderKey, '--rpc', url]);
    assert.equal(refusedSerial.code, 1);
    assert.match(refusedSerial.err, new RegExp(`certificate ${serial} is revoked`));
    const refusedHolder = run(['message', 'send', '--to-holder', net.accounts[1].address, '--text', 'x', '--key-file', senderKey,
      '--rpc', url]);
    assert.equal(refusedHolder.code, 1);
    assert.match(refusedHolder.err, /holds no good certificate .*revoked/);
  } finally {
    net.stop();
  }
});
