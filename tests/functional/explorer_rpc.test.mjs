// The explorer's read methods (docs/explorer-api.md) against a real single-validator node: plain
// transfers, the IRC2 example deployed and moved with transfer calls, then every page of
// cx_getAddressTxs and cx_getTokenTransfers walked by cursor and checked against what was sent,
// cx_getTokens, cx_getValidators and cx_getChannels, and the errors for bad params.
// CX_TEST_PORT picks the node's RPC port (default: a free one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import IconService from 'icon-sdk-js';
import { cx, tmpdir, rpc, rawRpc, waitFor, hex, signedTransfer, irc2DeployTx, irc2TransferCall } from './lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet } = SDK;
const SYSTEM = 'cx0000000000000000000000000000000000000000';
const ZERO = 'hx0000000000000000000000000000000000000000';

let net;
let url;
let wallets;
let addrs;
let stamp = Date.now() * 1000;
const nextStamp = () => ++stamp;

const deployTx = (wallet) =>
  irc2DeployTx(wallet, { _name: 'Explorer', _symbol: 'EXP', _decimals: '0x0', _initialSupply: '0x3e8' }, nextStamp());
const transferCall = (wallet, token, to, value) => irc2TransferCall(wallet, token, to, value, nextStamp());

// Sends one tx and waits for its result.
async function send(tx) {
  const txHash = await rpc(url, 'icx_sendTransaction', tx);
  return waitFor(() => rpc(url, 'icx_getTransactionResult', { txHash }), { timeoutMs: 30000, what: `result of ${txHash}` });
}

// Every entry of a paged method, walking `next` with pages of `limit`; also returns the page count.
async function walk(method, params, key, limit) {
  const all = [];
  let cursor;
  let pages = 0;
  for (;;) {
    const page = await rpc(url, method, { ...params, limit: hex(limit), ...(cursor ? { cursor } : {}) });
    assert.ok(page[key].length <= limit);
    all.push(...page[key]);
    pages += 1;
    if (page.next === null) break;
    assert.equal(typeof page.next, 'string');
    cursor = page.next;
    assert.ok(pages < 100, 'paging does not end');
  }
  return { all, pages };
}

function newestFirst(entries, logs = false) {
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1], b = entries[i];
    const ka = [BigInt(a.height), BigInt(a.index ?? a.txIndex), BigInt(logs ? a.logIndex : 0)];
    const kb = [BigInt(b.height), BigInt(b.index ?? b.txIndex), BigInt(logs ? b.logIndex : 0)];
    const later = ka[0] > kb[0] || (ka[0] === kb[0] && (ka[1] > kb[1] || (ka[1] === kb[1] && ka[2] > kb[2])));
    assert.ok(later, `entry ${i - 1} is not newer than entry ${i}: ${JSON.stringify([a, b])}`);
  }
}

const sent = { plain: [], deploy: null, calls: [] };
let token;

before(async () => {
  const dir = tmpdir('explorer');
  const port = process.env.CX_TEST_PORT || '0';
  const out = cx(['localnet', 'start', '--dir', dir, '--port', port, '--accounts', '4', '--validators', '1', '--json']);
  net = { dir, ...JSON.parse(out) };
  url = net.rpc;
  wallets = net.accounts.map((a) => IconWallet.loadPrivateKey(a.private_key));
  addrs = wallets.map((w) => w.getAddress());

  for (let i = 0; i < 3; i++) {
    const r = await send(signedTransfer(wallets[0], addrs[1], { value: 10 + i, nonce: i, timestamp: nextStamp() }).getProperties());
    assert.equal(r.status, '0x1');
    sent.plain.push(r.txHash);
  }
  const r = await send(signedTransfer(wallets[1], addrs[2], { value: 5, timestamp: nextStamp() }).getProperties());
  sent.plain.push(r.txHash);

  const deployed = await send(deployTx(wallets[0]));
  assert.equal(deployed.status, '0x1', JSON.stringify(deployed));
  sent.deploy = deployed.txHash;
  token = deployed.scoreAddress;
  for (const [from, to, v] of [[0, 1, 100], [0, 1, 50], [0, 1, 25], [1, 2, 7]]) {
    const c = await send(transferCall(wallets[from], token, addrs[to], v));
    assert.equal(c.status, '0x1', JSON.stringify(c));
    sent.calls.push(c.txHash);
  }
});

after(() => net && cx(['localnet', 'reset', '--dir', net.dir]));

test('cx_getAddressTxs pages an address\'s txs newest first, sent and received, calls to a contract and its deploy', async () => {
  const { all, pages } = await walk('cx_getAddressTxs', { address: addrs[0] }, 'txs', 2);
  // Account 0: 3 transfers, the deploy and 3 transfer calls.
  const expected = [...sent.plain.slice(0, 3), sent.deploy, ...sent.calls.slice(0, 3)];
  assert.deepEqual(new Set(all.map((t) => t.txHash)), new Set(expected));
  assert.equal(all.length, 7);
  assert.equal(pages, 4);
  newestFirst(all);
  const deploy = all.find((t) => t.txHash === sent.deploy);
  assert.equal(deploy.dataType, 'deploy');
  assert.equal(deploy.to, SYSTEM);
  const plain = all.find((t) => t.txHash === sent.plain[0]);
  assert.equal(plain.dataType, null);
  assert.equal(plain.value, '0xa');
  assert.equal(plain.status, '0x1');
  assert.equal(plain.to, addrs[1]);
  // The block's time, as icx_getBlockByHeight reports it (µs).
  const block = await rpc(url, 'icx_getBlockByHeight', { height: plain.height });
  assert.equal(BigInt(plain.timestamp), BigInt(block.time_stamp));

  // Account 1 received 3 transfers, sent one, and sent one transfer call.
  const one = await walk('cx_getAddressTxs', { address: addrs[1] }, 'txs', 25);
  assert.deepEqual(new Set(one.all.map((t) => t.txHash)), new Set([...sent.plain, sent.calls[3]]));
  // The token: its deploy and the 4 calls to it.
  const tok = await walk('cx_getAddressTxs', { address: token }, 'txs', 3);
  assert.deepEqual(new Set(tok.all.map((t) => t.txHash)), new Set([sent.deploy, ...sent.calls]));
  assert.equal(tok.all[0].txHash, sent.calls[3]);
  // A token transfer's counterparty is not listed here (account 2 got tokens by account 1's call; only
  // its received coin transfer is).
  const two = await rpc(url, 'cx_getAddressTxs', { address: addrs[2] });
  assert.deepEqual(two.txs.map((t) => t.txHash), [sent.plain[3]]);
});

test('cx_getTokenTransfers lists IRC2 Transfer logs by token and by address, with the mint', async () => {
  const byToken = await walk('cx_getTokenTransfers', { token }, 'transfers', 2);
  assert.equal(byToken.all.length, 5);
  newestFirst(byToken.all, true);
  const mint = byToken.all[4];
  assert.equal(mint.from, ZERO);
  assert.equal(mint.to, addrs[0]);
  assert.equal(mint.value, '0x3e8');
  assert.equal(mint.txHash, sent.deploy);
  assert.deepEqual(byToken.all.slice(0, 4).map((t) => [t.from, t.to, t.value, t.txHash]), [
    [addrs[1], addrs[2], '0x7', sent.calls[3]],
    [addrs[0], addrs[1], '0x19', sent.calls[2]],
    [addrs[0], addrs[1], '0x32', sent.calls[1]],
    [addrs[0], addrs[1], '0x64', sent.calls[0]],
  ]);
  for (const t of byToken.all) assert.equal(t.token, token);

  const one = await walk('cx_getTokenTransfers', { address: addrs[1] }, 'transfers', 3);
  assert.deepEqual(one.all.map((t) => t.txHash), [...sent.calls].reverse());
  const two = await rpc(url, 'cx_getTokenTransfers', { address: addrs[2] });
  assert.equal(two.transfers.length, 1);
  assert.equal(two.transfers[0].to, addrs[2]);
  assert.equal(two.next, null);
  // The balances the transfers imply are the contract's.
  const balance = await rpc(url, 'icx_call', { to: token, dataType: 'call', data: { method: 'balanceOf', params: { _owner: addrs[1] } } });
  assert.equal(BigInt(balance), 100n + 50n + 25n - 7n);
});

test('cx_getTokens lists the token contracts an address sent or received', async () => {
  for (const [i, transfers] of [[0, 4], [1, 4], [2, 1]]) {
    const r = await rpc(url, 'cx_getTokens', { address: addrs[i] });
    assert.equal(r.tokens.length, 1, JSON.stringify(r));
    assert.equal(r.tokens[0].token, token);
    assert.equal(BigInt(r.tokens[0].transfers), BigInt(transfers));
    assert.ok(BigInt(r.tokens[0].firstHeight) <= BigInt(r.tokens[0].lastHeight));
  }
  assert.deepEqual((await rpc(url, 'cx_getTokens', { address: addrs[3] })).tokens, []);
});

test('cx_getValidators and cx_getChannels describe the set and the channel', async () => {
  const latest = BigInt((await rpc(url, 'icx_getLastBlock')).height);
  const v = await rpc(url, 'cx_getValidators', {});
  assert.ok(BigInt(v.height) >= latest);
  assert.equal(v.totalWeight, '0x1');
  assert.equal(v.validators.length, 1);
  const [val] = v.validators;
  assert.equal(val.weight, '0x1');
  assert.equal(val.missedBlocks, '0x0');
  // From the governance contract: a genesis that names no tiers makes its validators tier 1.
  assert.equal(val.tier, '0x1');
  assert.equal(val.institution, null);
  assert.ok(BigInt(val.signedBlocks) >= latest, JSON.stringify(v));
  assert.ok(BigInt(val.lastSignedHeight) >= latest);
  const old = await rpc(url, 'cx_getValidators', { height: '0x1' });
  assert.equal(old.height, '0x1');
  assert.equal(old.setHash, v.setHash);

  const { channels } = await rpc(url, 'cx_getChannels', {});
  assert.equal(channels.length, 1);
  assert.equal(channels[0].nid, '0x3');
  assert.equal(channels[0].validators, '0x1');
  assert.deepEqual(channels[0].members, [{ address: val.address, role: 'validator' }]);
  assert.equal(channels[0].explorerIndexes, true);
});

test('bad params are -32602 with a message that names them', async () => {
  for (const [method, params, says] of [
    ['cx_getAddressTxs', { address: 'hx1' }, "'address'"],
    ['cx_getAddressTxs', { address: addrs[0], limit: '0x65' }, "'limit'"],
    ['cx_getAddressTxs', { address: addrs[0], cursor: 'zz' }, "'cursor'"],
    ['cx_getTokenTransfers', { address: addrs[0], token }, 'exactly one'],
    ['cx_getTokenTransfers', { token: addrs[0] }, "'token'"],
    ['cx_getTokens', {}, "'address'"],
  ]) {
    const { status, body } = await rawRpc(url, { jsonrpc: '2.0', id: 1, method, params });
    assert.equal(status, 400);
    assert.equal(body.error.code, -32602, JSON.stringify(body));
    assert.ok(body.error.message.includes(says), body.error.message);
  }
});
