// Confidential payloads (docs/confidential.md): on one node, Alice seals a message to Bob with
// `complexchain message send`, the tx commits as an ordinary message tx that anyone can fetch, Bob's
// `message read` prints the text, Carol's is refused with "not a recipient", the raw tx data does not
// contain the plaintext, and a tampered envelope is refused. Bob's key comes from the chain: recovered
// from the signature of a tx Bob sent (--to-tx).
// CX_TEST_PORT picks the node's RPC port (default: a free one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, NodeProcess, tmpdir, freePort, rpc, waitFor, signedTransfer } from './lib.mjs';
import IconService from 'icon-sdk-js';

const SDK = IconService.default || IconService;
const { IconWallet } = SDK;
const TEXT = 'ship 40 pallets to Busan; price 1.25M, not for the competitors';

function cxRun(args) {
  const r = spawnSync(BIN, args, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function initNode(devAccounts) {
  const dir = tmpdir('confidential');
  const port = Number(process.env.CX_TEST_PORT || 0) || await freePort();
  const out = execFileSync(BIN, ['init', '--dir', dir, '--port', String(port), '--dev-accounts', String(devAccounts),
    '--json', '--block-interval-ms', '100'], { encoding: 'utf8' });
  const node = new NodeProcess(dir, port);
  node.accounts = JSON.parse(out).accounts;
  return node;
}

test('a message sealed to Bob is committed, Bob reads it, Carol cannot, the chain holds no plaintext', { timeout: 180000 }, async () => {
  const node = await initNode(3);
  await node.start();
  const keys = tmpdir('confidential-keys');
  try {
    const [alice, bob, carol] = node.accounts.map((a, i) => {
      const file = path.join(keys, `k${i}`);
      fs.writeFileSync(file, a.private_key);
      return { file, wallet: IconWallet.loadPrivateKey(a.private_key.replace(/^0x/, '')) };
    });
    const common = ['--rpc', node.url];
    const nid = (await rpc(node.url, 'icx_getNetworkInfo')).nid;

    // Bob has signed a tx on this chain: that is where Alice gets his public key.
    const bobTx = signedTransfer(bob.wallet, carol.wallet.getAddress(), { value: 1, nid: Number(nid) }).getProperties();
    const bobHash = await rpc(node.url, 'icx_sendTransaction', bobTx);
    await waitFor(() => rpc(node.url, 'icx_getTransactionResult', { txHash: bobHash }), { what: "Bob's transfer" });

    const sent = cxRun(['message', 'send', ...common, '--key-file', alice.file, '--to-tx', bobHash, '--text', TEXT,
      '--wait', '--json']);
    assert.equal(sent.code, 0, sent.err);
    const { txHash, result } = JSON.parse(sent.out);
    assert.equal(result.status, '0x1', sent.out);

    // Anyone can fetch and validate it: an ordinary message tx from Alice to Bob.
    const tx = await rpc(node.url, 'icx_getTransactionByHash', { txHash });
    assert.equal(tx.dataType, 'message');
    assert.equal(tx.from, alice.wallet.getAddress());
    assert.equal(tx.to, bob.wallet.getAddress());
    const raw = Buffer.from(tx.data.slice(2), 'hex');
    assert.ok(raw.subarray(0, 4).equals(Buffer.from('CXEN')), 'the data is an envelope');
    assert.ok(!raw.includes(Buffer.from('pallets')), 'the plaintext is not in the tx');
    assert.ok(!JSON.stringify(tx).includes(Buffer.from('pallets').toString('hex')), 'not even as hex');
    // Bob and Alice (her own slot) have slots; Carol does not.
    assert.ok(tx.data.includes(bob.wallet.getAddress().slice(2)));
    assert.ok(tx.data.includes(alice.wallet.getAddress().slice(2)));
    assert.ok(!tx.data.includes(carol.wallet.getAddress().slice(2)));

    const bobRead = cxRun(['message', 'read', ...common, '--key-file', bob.file, '--tx', txHash]);
    assert.equal(bobRead.code, 0, bobRead.err);
    assert.equal(bobRead.out, TEXT);
    const aliceRead = cxRun(['message', 'read', ...common, '--key-file', alice.file, '--tx', txHash, '--json']);
    assert.equal(aliceRead.code, 0, aliceRead.err);
    assert.equal(Buffer.from(JSON.parse(aliceRead.out).plaintextHex.slice(2), 'hex').toString(), TEXT);

    const carolRead = cxRun(['message', 'read', ...common, '--key-file', carol.file, '--tx', txHash]);
    assert.equal(carolRead.code, 1);
    assert.match(carolRead.err, /not a recipient/);
    assert.equal(carolRead.out, '', 'nothing printed for a non-recipient');

    // A plain tx is not an envelope; an envelope changed in one byte is refused, offline too.
    const notEnv = cxRun(['message', 'read', ...common, '--key-file', bob.file, '--tx', bobHash]);
    assert.equal(notEnv.code, 1);
    assert.match(notEnv.err, /not an envelope/);
    const tampered = Buffer.from(raw);
    tampered[tampered.length - 20] ^= 1;
    const envFile = path.join(keys, 'env.hex');
    fs.writeFileSync(envFile, `0x${tampered.toString('hex')}\n`);
    const bad = cxRun(['message', 'decrypt', '--in', envFile, '--key-file', bob.file]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /authentication failed/);
    assert.equal(bad.out, '');
    fs.writeFileSync(envFile, tx.data);
    const good = cxRun(['message', 'decrypt', '--in', envFile, '--key-file', bob.file]);
    assert.equal(good.code, 0, good.err);
    assert.equal(good.out, TEXT);
  } finally {
    await node.kill('SIGTERM');
    node.remove();
    fs.rmSync(keys, { recursive: true, force: true });
  }
});
