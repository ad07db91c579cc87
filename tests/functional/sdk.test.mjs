// The real client: icon-sdk-js 1.5.3, unmodified, against a localnet started with the CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import IconService from 'icon-sdk-js';
import { startLocalnet, waitFor, signedTransfer } from './lib.mjs';

const { IconWallet, IconBuilder, IconConverter, IconAmount, HttpProvider } = IconService.default || IconService;

let net;
let svc;
let dev;

before(() => {
  net = startLocalnet(3);
  svc = new (IconService.default || IconService)(new HttpProvider(net.rpc));
  dev = IconWallet.loadPrivateKey(net.accounts[0].private_key);
});

after(() => net && net.stop());

// Amounts in ICX, as SDK users write them.
function transfer(from, to, icx, extra = {}) {
  return signedTransfer(from, to, { value: IconAmount.of(icx, IconAmount.Unit.ICX).toLoop(), ...extra });
}

async function resultOf(hash) {
  // Poll as SDK users do: Pending/Executing come back as errors until the tx is final.
  return waitFor(() => svc.getTransactionResult(hash).execute(), { timeoutMs: 20000, what: `result of ${hash}` });
}

test('a dev account from accounts.json loads, via key and via keystore', () => {
  assert.equal(dev.getAddress(), net.accounts[0].address);
  const doc = JSON.parse(fs.readFileSync(`${net.dir}/accounts.json`, 'utf8'));
  const ks = JSON.parse(fs.readFileSync(doc.accounts[0].keystore, 'utf8'));
  const w = IconWallet.loadKeystore(ks, doc.keystore_password);
  assert.equal(w.getAddress(), net.accounts[0].address);
});

test('create a wallet, transfer to it, poll the result, read balances', async () => {
  const fresh = IconWallet.create();
  const before = await svc.getBalance(dev.getAddress()).execute();
  const hash = await svc.sendTransaction(transfer(dev, fresh.getAddress(), 7)).execute();
  assert.match(hash, /^0x[0-9a-f]{64}$/);
  const result = await resultOf(hash);
  assert.equal(Number(result.status), 1, JSON.stringify(result));
  assert.equal(result.txHash, hash);
  const got = await svc.getBalance(fresh.getAddress()).execute();
  assert.equal(got.toString(10), IconAmount.of(7, IconAmount.Unit.ICX).toLoop().toString(10));
  const after = await svc.getBalance(dev.getAddress()).execute();
  const fee = IconConverter.toBigNumber(result.stepUsed).times(IconConverter.toBigNumber(result.stepPrice));
  assert.equal(before.minus(after).toString(10), got.plus(fee).toString(10));
  // The transfer event is in the receipt.
  assert.equal(result.eventLogs[0].indexed[0], 'ICXTransfer(Address,Address,int)');
  // The tx as the chain stores it.
  const tx = await svc.getTransaction(hash).execute();
  assert.equal(tx.from, dev.getAddress());
  assert.equal(tx.to, fresh.getAddress());
  assert.equal(tx.txHash, hash);
  // The new wallet can spend what it received.
  const back = await svc.sendTransaction(transfer(fresh, dev.getAddress(), 1)).execute();
  assert.equal(Number((await resultOf(back)).status), 1);
});

test('blocks by height, by hash and the last block pass the SDK validation', async () => {
  const last = await svc.getLastBlock().execute();
  assert.ok(last.height >= 1);
  const byHeight = await svc.getBlockByHeight(IconConverter.toBigNumber(last.height)).execute();
  assert.equal(byHeight.blockHash, last.blockHash);
  const byHash = await svc.getBlockByHash(`0x${last.blockHash.replace(/^0x/, '')}`).execute();
  assert.equal(byHash.height, last.height);
  const genesis = await svc.getBlockByHeight(IconConverter.toBigNumber(0)).execute();
  assert.equal(genesis.height, 0);
  if (last.height >= 2) {
    const parent = await svc.getBlockByHeight(IconConverter.toBigNumber(last.height - 1)).execute();
    assert.equal(last.prevBlockHash.replace(/^0x/, ''), parent.blockHash.replace(/^0x/, ''));
  }
  const supply = await svc.getTotalSupply().execute();
  assert.equal(supply.toString(10), IconAmount.of(3_000_000, IconAmount.Unit.ICX).toLoop().toString(10));
});

test('a rejected tx shows the node\'s message and changes nothing', async () => {
  const poor = IconWallet.create();
  const before = await svc.getBalance(dev.getAddress()).execute();
  await assert.rejects(svc.sendTransaction(transfer(poor, dev.getAddress(), 1)).execute(), (e) => {
    const msg = String(e?.message ?? e);
    assert.match(msg, /balance/i, msg);
    assert.match(msg, new RegExp(poor.getAddress()), msg);
    return true;
  });
  await assert.rejects(svc.sendTransaction(transfer(dev, poor.getAddress(), 1, { nid: 99 })).execute(), (e) => {
    assert.match(String(e?.message ?? e), /nid/i);
    return true;
  });
  const stale = Date.now() * 1000 - 10 * 60 * 1000 * 1000;
  await assert.rejects(svc.sendTransaction(transfer(dev, poor.getAddress(), 1, { timestamp: stale })).execute(), (e) => {
    assert.match(String(e?.message ?? e), /timestamp/i);
    return true;
  });
  const after = await svc.getBalance(dev.getAddress()).execute();
  assert.equal(after.toString(10), before.toString(10));
  const unknown = '0x' + 'ab'.repeat(32);
  await assert.rejects(svc.getTransactionResult(unknown).execute());
});

test('icx_call reads the chain contract', async () => {
  const call = new IconBuilder.CallBuilder()
    .to('cx0000000000000000000000000000000000000000')
    .method('getStepPrice')
    .build();
  const price = await svc.call(call).execute();
  assert.match(price, /^0x[0-9a-f]+$/);
});
