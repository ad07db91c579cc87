// The Alpha webhook relay (docs/alpha-relay.md) against a 1-validator localnet: a cash-on-delivery
// agreement (examples/alpha/terms/cod.json) waits for the carrier's 'arrived' attestation; the
// carrier's system POSTs a signed webhook to `complexchain alpha relay`, which signs the attest tx with
// the carrier's keystore and sends it; the instance moves on. Replays, forgeries and oversized bodies
// are refused before anything is signed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import IconService from 'icon-sdk-js';
import { startLocalnet, waitFor, tmpdir, freePort, BIN } from './lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet, IconBuilder, IconConverter, IconAmount, HttpProvider, SignedTransaction } = SDK;
const ALPHA = 'cx0000000000000000000000000000000000000a01';
const COD = fs.readFileSync(path.resolve(import.meta.dirname, '../../examples/alpha/terms/cod.json'), 'utf8');
const SECRET = 'warehouse-shared-secret-0123456789';

let net;
let svc;
let relay;
let relayUrl;
let buyer, seller, carrier;

before(async () => {
  net = startLocalnet(3, 1);
  svc = new SDK(new HttpProvider(net.rpc));
  [buyer, seller] = net.accounts.map((a) => IconWallet.loadPrivateKey(a.private_key));
  // The carrier's key lives in a keystore on the carrier's machine, where the relay runs.
  carrier = IconWallet.create();
  const dir = tmpdir('relay');
  fs.writeFileSync(path.join(dir, 'carrier.json'), JSON.stringify(carrier.store('carrier-pw', { n: 1024 })));
  fs.writeFileSync(path.join(dir, 'pw'), 'carrier-pw\n');
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'relay.json'), JSON.stringify({
    listen: `127.0.0.1:${port}`, node: net.rpc, keystore: 'carrier.json', password_file: 'pw',
    body_bytes_max: 4096, sources: { warehouse: { secret: SECRET } },
  }));
  relay = spawn(BIN, ['alpha', 'relay', '--config', path.join(dir, 'relay.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  relay.stdout.on('data', (d) => { out += d; });
  relay.stderr.on('data', (d) => { out += d; });
  await waitFor(() => out.includes('listening on'), { timeoutMs: 20000, what: `the relay to listen (${out})` });
  assert.match(out, new RegExp(`attester ${carrier.getAddress()}`));
  relayUrl = `http://127.0.0.1:${port}/webhook`;
});

after(() => {
  if (relay) relay.kill();
  if (net) net.stop();
});

const loop = (icx) => IconAmount.of(icx, IconAmount.Unit.ICX).toLoop();

async function sendSigned(tx) {
  const hash = await svc.sendTransaction(tx).execute();
  return waitFor(() => svc.getTransactionResult(hash).execute(), { timeoutMs: 20000, what: `result of ${hash}` });
}

function callTx(wallet, method, params) {
  return new SignedTransaction(new IconBuilder.CallTransactionBuilder()
    .from(wallet.getAddress()).to(ALPHA).stepLimit(IconConverter.toBigNumber('2000000000'))
    .nid(IconConverter.toBigNumber(3)).nonce(IconConverter.toBigNumber(1)).version(IconConverter.toBigNumber(3))
    .timestamp(Date.now() * 1000).method(method).params(params).build(), wallet);
}

const call = (wallet, method, params) => sendSigned(callTx(wallet, method, params));

function query(method, params) {
  return svc.call(new IconBuilder.CallBuilder().to(ALPHA).method(method).params(params).build()).execute();
}

// A webhook as the carrier's warehouse system sends it.
async function post(body, { id = crypto.randomUUID(), ts = Math.floor(Date.now() / 1000), secret = SECRET } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const sig = crypto.createHmac('sha256', secret).update(`${ts}.${id}.${text}`).digest('hex');
  const res = await fetch(relayUrl, {
    method: 'POST', body: text,
    headers: { 'content-type': 'application/json', 'X-Cx-Source': 'warehouse', 'X-Cx-Delivery': id,
               'X-Cx-Timestamp': String(ts), 'X-Cx-Signature': `sha256=${sig}` },
  });
  return { status: res.status, body: await res.json() };
}

test('a signed webhook becomes the attester\'s tx and the instance advances', async () => {
  // The carrier pays its own fees.
  const fund = new SignedTransaction(new IconBuilder.IcxTransactionBuilder()
    .from(buyer.getAddress()).to(carrier.getAddress()).value(loop(100)).stepLimit(IconConverter.toBigNumber(100000))
    .nid(IconConverter.toBigNumber(3)).version(IconConverter.toBigNumber(3)).timestamp(Date.now() * 1000).build(), buyer);
  assert.equal(Number((await sendSigned(fund)).status), 1);

  const reg = await call(buyer, 'registerTemplate', { template: COD });
  assert.equal(Number(reg.status), 1, JSON.stringify(reg));
  const templateHash = reg.eventLogs.find((l) => l.indexed[0] === 'TemplateRegistered(bytes,str)').indexed[1];
  const proposal = await call(buyer, 'propose', {
    template: templateHash,
    params: JSON.stringify({ price: loop(3).toString(10), arrive_by: Math.floor(Date.now() / 1000) + 600, pay_within: 'P1D' }),
    parties: JSON.stringify({ buyer: buyer.getAddress(), seller: seller.getAddress(), carrier: carrier.getAddress() }),
  });
  assert.equal(Number(proposal.status), 1, JSON.stringify(proposal));
  const id = proposal.eventLogs.find((l) => l.indexed[0].startsWith('AlphaTransition')).indexed[1];
  const { hash } = await query('getInstance', { id });
  for (const w of [buyer, seller, carrier]) assert.equal(Number((await call(w, 'sign', { id, hash: `0x${hash}` })).status), 1);
  assert.equal((await query('getInstance', { id })).stage, 'arrival');

  // Refused before anything is signed: a forged signature, an unknown event body field, too large a body.
  assert.equal((await post({ instance: id, event: 'arrived' }, { secret: 'not-the-warehouse-secret-at-all' })).status, 401);
  assert.equal((await post({ instance: id, event: 'arrived' }, { ts: Math.floor(Date.now() / 1000) - 3600 })).status, 401);
  assert.equal((await post({ instance: id, event: 'arrived', extra: 1 })).status, 400);
  const big = await post({ instance: id, event: 'arrived', fields: { pad: 'x'.repeat(5000) } }).catch(() => ({ status: 413 }));
  assert.equal(big.status, 413);
  assert.equal((await query('getInstance', { id })).stage, 'arrival');

  const delivery = crypto.randomUUID();
  const ts = Math.floor(Date.now() / 1000);
  const ok = await post({ instance: id, event: 'arrived' }, { id: delivery, ts });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.match(ok.body.txHash, /^0x[0-9a-f]{64}$/);
  const receipt = await waitFor(() => svc.getTransactionResult(ok.body.txHash).execute(), { timeoutMs: 20000, what: 'the attest tx' });
  assert.equal(Number(receipt.status), 1, JSON.stringify(receipt));
  assert.equal((await svc.getTransaction(ok.body.txHash).execute()).from, carrier.getAddress());
  const inst = await query('getInstance', { id });
  assert.equal(inst.stage, 'cash_on_delivery');
  assert.deepEqual(inst.events.arrived.votes[Object.keys(inst.events.arrived.votes)[0]], [carrier.getAddress()]);

  // The same delivery again is a replay.
  const replay = await post({ instance: id, event: 'arrived' }, { id: delivery, ts });
  assert.equal(replay.status, 409, JSON.stringify(replay.body));
});
