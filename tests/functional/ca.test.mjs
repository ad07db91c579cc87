// The chain as certificate authority (docs/ca.md) with a real node and nothing but the CLI: a person's
// software makes the self-signed certificate (`ca request`), `openssl x509` parses it, an RA records it
// (`ca issue`), `ca verify` checks it against the genesis validators with a Merkle proof and the block's
// QC (and refuses a forged value, a forged trie node, a wrong QC and a forged header); the channel runs
// with txPki on, so a sender without a certificate is refused at submission and the certified one is
// accepted; after `ca revoke` the holder is refused, verify shows revoked, and at the earlier height
// still shows the certificate good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, NodeProcess, cx, tmpdir, waitFor, rpc, height } from './lib.mjs';

const PORT = 9851;  // this test's port (tests/functional ports 9850-9899 belong to the CA tests)

function run(args, input) {
  const r = spawnSync(path.resolve(BIN), args, { encoding: 'utf8', input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function startCaNode(port = PORT) {
  const dir = tmpdir('ca');
  const out = cx(['init', '--dir', dir, '--port', String(port), '--dev-accounts', '3', '--json', '--block-interval-ms', '100']);
  const accounts = JSON.parse(out).accounts;
  const genesisFile = path.join(dir, 'genesis.json');
  const genesis = JSON.parse(fs.readFileSync(genesisFile, 'utf8'));
  genesis.ca = { name: 'func chain CA', ras: [accounts[0].address], txPki: true };
  fs.writeFileSync(genesisFile, JSON.stringify(genesis));
  const node = new NodeProcess(dir, port);
  await node.start();
  const keys = accounts.map((a, i) => {
    const file = path.join(dir, `key${i}.hex`);
    fs.writeFileSync(file, a.private_key);
    return { file, address: a.address };
  });
  return { node, dir, genesisFile, ra: keys[0], holder: keys[1], stranger: keys[2] };
}

// A one-validator channel makes blocks only for txs, and with txPki on only the RA may send before
// anyone is certified: it sends txs to the CA contract (a revoke of an unknown serial, refused in
// execution but in a block) until the chain reaches height h.
const heightBumper = (url, ra) => async (h) => {
  let n = 0;
  while ((await height(url)) < h) {
    run(['ca', 'revoke', '--serial', '0'.repeat(31) + String(n++ % 10), '--reason', 'bump', '--key-file', ra.file,
      '--rpc', url, '--wait']);
    assert.ok(n < 20, `height ${h} not reached`);
  }
};

test('request, issue, verify from the chain alone, txPki, revoke', { timeout: 180000 }, async () => {
  const { node, dir, genesisFile, ra, holder, stranger } = await startCaNode();
  const url = node.url;
  const at = heightBumper(url, ra);
  try {
    // The person's side: a certificate over the holder's ICON key, signed by it.
    const certFile = path.join(dir, 'cert.pem');
    const req = run(['ca', 'request', '--key-file', holder.file, '--subject', 'CN=Kim Minsu,O=Bank A', '--days', '365',
      '--out', certFile, '--rpc', url]);
    assert.equal(req.code, 0, req.err);
    const serial = req.out.match(/serial ([0-9a-f]{32})/)[1];
    assert.match(req.out, new RegExp(`holder ${holder.address}`));
    const text = spawnSync('openssl', ['x509', '-in', certFile, '-noout', '-text'], { encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Issuer: CN = func chain CA, O = Complexchain/);
    assert.match(text.stdout, /Subject: CN = Kim Minsu, O = Bank A/);

    // txPki: nobody but the RA (to the CA contract) may send before anyone holds a certificate.
    const send = (who) => run(['tx', 'transfer', '--to', ra.address, '--value', '1', '--key-file', who.file, '--rpc', url,
      '--wait', '--json']);
    const refused = send(holder);
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /holds no good certificate from the chain CA/);

    // A non-RA cannot issue; the RA can.
    const notRa = run(['ca', 'issue', certFile, '--key-file', stranger.file, '--rpc', url, '--wait', '--json']);
    assert.notEqual(notRa.code, 0);
    const issued = run(['ca', 'issue', certFile, '--key-file', ra.file, '--rpc', url, '--wait', '--json']);
    assert.equal(issued.code, 0, issued.out + issued.err);
    const issuedHeight = Number(JSON.parse(issued.out).result.blockHeight);
    await at(issuedHeight + 2);

    const verify = (...extra) => run(['ca', 'verify', certFile, '--genesis', genesisFile, '--rpc', url, '--json', ...extra]);
    const ok = verify();
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.equal(JSON.parse(ok.out).status, 'good');
    assert.equal(JSON.parse(ok.out).serial, serial);

    // Forgeries of the node's answer are refused.
    const proof = await rpc(url, 'cx_getProof', { address: 'cx0000000000000000000000000000000000000a03', key: `status/${serial}` });
    const forged = (name, change, why) => {
      const p = structuredClone(proof);
      change(p);
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(p));
      const r = verify('--proof', file);
      assert.equal(r.code, 1, `${name}: ${r.out}${r.err}`);
      assert.match(r.err, why, name);
    };
    const flip = (hexText, at) => hexText.slice(0, at) + (hexText[at] === '0' ? '1' : '0') + hexText.slice(at + 1);
    forged('value', (p) => { p.value = Buffer.from(Buffer.from(p.value, 'hex').toString().replace('"issuedHeight":', '"issuedHeight":1')).toString('hex'); },
      /Merkle proof does not show this entry/);
    forged('trie-node', (p) => { p.proof[0] = flip(p.proof[0], 10); }, /Merkle proof does not show this entry/);
    forged('qc-signature', (p) => { p.qc = flip(p.qc, p.qc.length - 20); }, /QC is not signed by a quorum/);
    forged('qc-other-block', (p) => { p.qc = flip(p.qc, 30); }, /QC is not for block/);
    forged('header', (p) => { p.nextHeader = flip(p.nextHeader, 200); }, /QC is not for block|does not follow/);

    // The certified holder may now send; the stranger still may not.
    const paid = send(holder);
    assert.equal(paid.code, 0, paid.out + paid.err);
    assert.match(send(stranger).err, /holds no good certificate/);

    // Revocation: the holder is refused again; verify shows revoked now, good at the earlier height.
    const revoked = run(['ca', 'revoke', '--serial', serial, '--reason', 'keyCompromise', '--key-file', ra.file,
      '--rpc', url, '--wait', '--json']);
    assert.equal(revoked.code, 0, revoked.out + revoked.err);
    const revokedHeight = Number(JSON.parse(revoked.out).result.blockHeight);
    const after = send(holder);
    assert.notEqual(after.code, 0);
    assert.match(after.err, /revoked/);
    await at(revokedHeight + 2);
    const now = verify();
    assert.equal(now.code, 3, now.out + now.err);
    assert.equal(JSON.parse(now.out).status, 'revoked');
    assert.equal(JSON.parse(now.out).revokedHeight, revokedHeight);
    const before = verify('--height', String(revokedHeight - 1));
    assert.equal(before.code, 0, before.out + before.err);
    assert.equal(JSON.parse(before.out).status, 'good');
    const status = run(['ca', 'status', serial, '--rpc', url]);
    assert.equal(JSON.parse(status.out).status, 'revoked');
  } finally {
    await node.kill('SIGTERM');
    node.remove();
  }
});

// CHAIN ID's policy through `cert` (the same command as `ca`): the holder's app reports 5 wrong PINs,
// signed with the certified key; the 5th suspends the certificate (status, verify's exit code 4, txPki
// refuses the holder); an RA resets it and it is good again, while the earlier heights keep their status;
// the person's second device is registered with the same BID, verified by the first certificate.
test('cert alias: 5 PIN failures suspend, an RA resets', { timeout: 180000 }, async () => {
  const { node, dir, genesisFile, ra, holder, stranger } = await startCaNode(PORT + 1);
  const url = node.url;
  const at = heightBumper(url, ra);
  const ok = (r) => { assert.equal(r.code, 0, r.out + r.err); return r; };
  try {
    const certFile = path.join(dir, 'cert.pem');
    const req = ok(run(['cert', 'request', '--key-file', holder.file, '--subject', 'CN=Lee Jiwoo,O=Bank B', '--days', '30',
      '--out', certFile, '--rpc', url]));
    const serial = req.out.match(/serial ([0-9a-f]{32})/)[1];
    const bid = 'ab'.repeat(32);
    ok(run(['cert', 'issue', certFile, '--bid', bid, '--key-file', ra.file, '--rpc', url, '--wait', '--json']));
    const status = () => JSON.parse(ok(run(['cert', 'status', serial, '--rpc', url])).out);
    assert.equal(status().status, 'good');
    assert.equal(status().bid, bid);
    const report = () => run(['cert', 'report-pin', '--serial', serial, '--key-file', holder.file, '--rpc', url, '--wait', '--json']);
    for (let i = 1; i <= 4; i++) ok(report());
    assert.equal(status().status, 'good');
    assert.equal(status().pinFailures, 4);
    const fifth = ok(report());
    const suspendedAt = Number(JSON.parse(fifth.out).result.blockHeight);
    assert.equal(status().status, 'suspended');
    assert.equal(status().suspendedHeight, suspendedAt);
    // Suspended: the holder's txs are refused, and a 6th report too (it is signed by the holder).
    const paid = run(['tx', 'transfer', '--to', ra.address, '--value', '1', '--key-file', holder.file, '--rpc', url, '--wait']);
    assert.notEqual(paid.code, 0);
    assert.match(paid.err, /suspended/);
    await at(suspendedAt + 2);
    const verify = (...extra) => run(['cert', 'verify', certFile, '--genesis', genesisFile, '--rpc', url, '--json', ...extra]);
    const v = verify();
    assert.equal(v.code, 4, v.out + v.err);
    assert.equal(JSON.parse(v.out).status, 'suspended');

    // The holder may not reset; the RA may.
    assert.notEqual(run(['cert', 'reset', '--serial', serial, '--reason', 'self', '--key-file', holder.file, '--rpc', url, '--wait']).code, 0);
    const reset = ok(run(['cert', 'reset', '--serial', serial, '--reason', 'branchVisit', '--key-file', ra.file, '--rpc', url,
      '--wait', '--json']));
    const resetAt = Number(JSON.parse(reset.out).result.blockHeight);
    assert.equal(status().status, 'good');
    assert.equal(status().pinFailures, 0);
    assert.deepEqual(status().suspensions, [[suspendedAt, resetAt]]);
    ok(run(['tx', 'transfer', '--to', ra.address, '--value', '1', '--key-file', holder.file, '--rpc', url, '--wait']));
    await at(resetAt + 2);
    assert.equal(verify().code, 0);
    const earlier = verify('--height', String(suspendedAt));
    assert.equal(earlier.code, 4, earlier.out + earlier.err);
    assert.equal(JSON.parse(ok(run(['cert', 'status', serial, '--height', String(suspendedAt - 1), '--rpc', url])).out).status, 'good');

    // The same person's second device, registered on the strength of the first certificate (verifiedBy).
    const tablet = path.join(dir, 'tablet.pem');
    const second = ok(run(['cert', 'request', '--key-file', stranger.file, '--subject', 'CN=Lee Jiwoo,O=Bank C', '--days', '30',
      '--out', tablet, '--rpc', url])).out.match(/serial ([0-9a-f]{32})/)[1];
    ok(run(['cert', 'issue', tablet, '--bid', bid, '--verified-by', serial, '--key-file', ra.file, '--rpc', url, '--wait']));
    assert.equal(JSON.parse(ok(run(['cert', 'status', second, '--rpc', url])).out).verifiedBy, serial);
    const person = JSON.parse(ok(run(['contract', 'call', 'cx0000000000000000000000000000000000000a03', 'certificatesOfPerson',
      '--params', JSON.stringify({ bid }), '--rpc', url, '--json'])).out);
    assert.deepEqual(person.map((c) => c.serial).sort(), [serial, second].sort());
  } finally {
    await node.kill('SIGTERM');
    node.remove();
  }
});
