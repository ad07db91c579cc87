// Bad input over JSON-RPC: every case gets a clear JSON-RPC error with HTTP 400 and changes nothing,
// and the node is still serving afterwards (checked after every test, whatever the test saw).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import IconService from 'icon-sdk-js';
import { startLocalnet, rawRpc, rpc, waitFor, signedTransfer } from './lib.mjs';

const { IconWallet } = IconService.default || IconService;

let net;
let dev;
before(() => {
  net = startLocalnet(2);
  dev = IconWallet.loadPrivateKey(net.accounts[0].private_key);
});
after(() => net && net.stop());

// The node answers a read: a case whose connection failed (or that crashed the node) cannot pass
// silently.
async function assertAlive(what) {
  const res = await rawRpc(net.rpc, { jsonrpc: '2.0', id: 1, method: 'icx_getLastBlock' })
    .catch((e) => ({ status: 0, text: `${e.message}${e.cause ? ` (${e.cause.code || e.cause.message})` : ''}` }));
  assert.equal(res.status, 200, `the node did not answer icx_getLastBlock after ${what}: ${res.text.slice(0, 200)}`);
  assert.equal(typeof res.body?.result?.height, 'number', `icx_getLastBlock after ${what}: ${res.text.slice(0, 200)}`);
}
afterEach((t) => assertAlive(`"${t.name}"`));

const transferParams = (nonce) => signedTransfer(dev, net.accounts[1].address, { value: 12345, nonce }).getProperties();

async function expectError(body, code, pattern, headers) {
  const res = await rawRpc(net.rpc, body, headers);
  assert.equal(res.status, 400, `HTTP status for ${String(body).slice(0, 80)}: ${res.text.slice(0, 200)}`);
  assert.ok(res.body && res.body.error, `error body: ${res.text.slice(0, 200)}`);
  assert.equal(res.body.error.code, code, res.body.error.message);
  assert.match(res.body.error.message, pattern);
  return res.body;
}

async function snapshot() {
  return {
    a: await rpc(net.rpc, 'icx_getBalance', { address: net.accounts[0].address }),
    b: await rpc(net.rpc, 'icx_getBalance', { address: net.accounts[1].address }),
    supply: await rpc(net.rpc, 'icx_getTotalSupply'),
  };
}

test('malformed JSON, wrong shapes, wrong types, unknown methods', async () => {
  const before = await snapshot();
  await expectError('{"jsonrpc":"2.0","id":1,"method":', -32700, /parse/i);
  await expectError('not json at all', -32700, /parse/i);
  await expectError({ jsonrpc: '1.0', id: 1, method: 'icx_getLastBlock' }, -32600, /jsonrpc/i);
  await expectError({ jsonrpc: '2.0', id: 1, method: 'icx_teleport' }, -32601, /icx_teleport/);
  await expectError({ jsonrpc: '2.0', id: 1, method: 'icx_getBalance', params: { address: 'hx12' } }, -32602, /address/);
  await expectError({ jsonrpc: '2.0', id: 1, method: 'icx_getBlockByHeight', params: { height: 5 } }, -32602, /height/);
  const tx = transferParams(1);
  tx.value = 100;  // a number where ICON wants a hex string
  await expectError({ jsonrpc: '2.0', id: 2, method: 'icx_sendTransaction', params: tx }, -32602, /value/);
  const forged = transferParams(2);
  forged.value = '0x1';  // signature no longer matches the params
  await expectError({ jsonrpc: '2.0', id: 3, method: 'icx_sendTransaction', params: forged }, -32602, /signature|signer/i);
  // An id too large for a double would be echoed as "Infinity", which is not JSON: refused instead.
  await expectError('{"jsonrpc":"2.0","id":1e999,"method":"icx_getLastBlock"}', -32600, /'id'/);
  // int64 ids are echoed exactly.
  const ok = await rawRpc(net.rpc, `{"jsonrpc":"2.0","id":9007199254740993,"method":"icx_getLastBlock"}`);
  assert.equal(ok.status, 200);
  assert.match(ok.text, /"id":9007199254740993/);
  assert.deepEqual(await snapshot(), before);
});

test('oversize bodies are refused with a message naming the limit', async () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'icx_getLastBlock', params: { pad: 'x'.repeat(6 << 20) } });
  const res = await rawRpc(net.rpc, big).catch((e) => ({ status: 0, error: e }));
  // Either a JSON-RPC error naming the size, or the connection is closed before reading it all;
  // either way the node goes on serving.
  if (res.status !== 0) {
    assert.ok(res.status === 400 || res.status === 413, `status ${res.status}`);
    assert.match(res.text, /large|size|limit|bytes/i);
  }
  await assertAlive('a 6 MiB body');
});

test('a replayed tx is rejected and executes only once', async () => {
  const tx = transferParams(3);
  const hash = await rpc(net.rpc, 'icx_sendTransaction', tx);
  const res = await rawRpc(net.rpc, { jsonrpc: '2.0', id: 4, method: 'icx_sendTransaction', params: tx });
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /already|duplicate|known/i);
  await waitFor(() => rpc(net.rpc, 'icx_getTransactionResult', { txHash: hash }), { what: 'first copy committed' });
  const before = await snapshot();
  const again = await rawRpc(net.rpc, { jsonrpc: '2.0', id: 5, method: 'icx_sendTransaction', params: tx });
  assert.equal(again.status, 400);
  assert.match(again.body.error.message, /already|duplicate|known/i);
  await new Promise((r) => setTimeout(r, 600));
  assert.deepEqual(await snapshot(), before);
});

test('batches answer each request in order, errors included', async () => {
  const res = await rawRpc(net.rpc, [
    { jsonrpc: '2.0', id: 1, method: 'icx_getLastBlock' },
    { jsonrpc: '2.0', id: 2, method: 'nope' },
    { jsonrpc: '2.0', id: 3, method: 'icx_getTotalSupply' },
  ]);
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 3);
  assert.deepEqual(res.body.map((r) => r.id), [1, 2, 3]);
  assert.equal(res.body[1].error.code, -32601);
  await expectError([], -32600, /empty|batch/i);
});
