// The Alpha system contract with ICON's own client (icon-sdk-js CallTransactionBuilder and
// CallBuilder) against a localnet: register the auction template, propose, sign, bid with value,
// let block time pass the bidding deadline (the chain fires the timer), hand the award to the
// referee and award; read the instance with icx_call, now and at a past height; `complexchain alpha
// simulate` prints the simulation digest the proposal sealed. Then the same auction in an IRC2 token
// (the example Lua contract, deployed here): bids are token transfers, the payouts token transfers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { startLocalnet, waitFor, cx, callTx as signedCall } from './lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet, IconBuilder, IconConverter, IconAmount, HttpProvider, SignedTransaction } = SDK;
const ALPHA = 'cx0000000000000000000000000000000000000a01';
const AUCTION_FILE = path.resolve(import.meta.dirname, '../../examples/alpha/auction.json');
const AUCTION = fs.readFileSync(AUCTION_FILE, 'utf8');
const IRC2 = path.resolve(import.meta.dirname, '../../examples/contracts/irc2/main.lua');

let net;
let svc;
let owner, bidder1, bidder2, referee;

before(() => {
  net = startLocalnet(4);
  svc = new SDK(new HttpProvider(net.rpc));
  [owner, bidder1, bidder2, referee] = net.accounts.map((a) => IconWallet.loadPrivateKey(a.private_key));
});

after(() => net && net.stop());

const loop = (icx) => IconAmount.of(icx, IconAmount.Unit.ICX).toLoop();

const callTx = (wallet, method, params, value, to = ALPHA) => signedCall(wallet, to, method, params, value);

async function send(wallet, method, params, value, to = ALPHA) {
  const hash = await svc.sendTransaction(callTx(wallet, method, params, value, to)).execute();
  return waitFor(() => svc.getTransactionResult(hash).execute(), { timeoutMs: 20000, what: `result of ${method}` });
}

function query(method, params, height, to = ALPHA) {
  const b = new IconBuilder.CallBuilder().to(to).method(method).params(params).build();
  return svc.call(height === undefined ? b : { ...b, height: IconConverter.toHex(height) }).execute();
}

test('an auction runs on chain through icon-sdk-js', async () => {
  const reg = await send(owner, 'registerTemplate', { template: AUCTION });
  assert.equal(Number(reg.status), 1, JSON.stringify(reg));
  const registered = reg.eventLogs.find((l) => l.indexed[0] === 'TemplateRegistered(bytes,str)');
  const templateHash = registered.indexed[1];
  assert.equal((await query('getTemplate', { hash: templateHash })).template.id, 'cx.market.owner-auction');

  const bidsClose = Math.floor(Date.now() / 1000) + 6;
  const proposal = await send(owner, 'propose', {
    template: templateHash,
    params: JSON.stringify({ reserve: loop(20).toString(10), bids_close: bidsClose, award_within: 'P1D' }),
    parties: JSON.stringify({ owner: owner.getAddress(), referee: referee.getAddress(),
                              bidder: [bidder1.getAddress(), bidder2.getAddress()] }),
  });
  assert.equal(Number(proposal.status), 1, JSON.stringify(proposal));
  const id = proposal.eventLogs.find((l) => l.indexed[0].startsWith('AlphaTransition')).indexed[1];
  const proposed = await query('getInstance', { id });
  assert.equal(proposed.status, 'proposed');
  // The digest every signatory signs is the one `complexchain alpha simulate` prints for the instance
  // as proposed (signed at its proposal time).
  const input = { signed_at: Number(proposed.proposed_at), params: proposed.params, parties: proposed.parties };
  const report = JSON.parse(cx(['alpha', 'simulate', AUCTION_FILE, '--params', JSON.stringify(input), '--json']));
  assert.equal(report.digest, `0x${proposed.simulation_digest}`);
  assert.notEqual(proposed.simulation_digest, '0'.repeat(64));

  const wrong = await send(owner, 'sign', { id, hash: `0x${'0'.repeat(64)}` });
  assert.equal(Number(wrong.status), 0);
  assert.match(wrong.failure.message, /wrong instance hash/);
  assert.equal(Number((await send(owner, 'sign', { id, hash: `0x${proposed.hash}` })).status), 1);
  const bid1 = await send(bidder1, 'fund', { id }, loop(30));
  assert.equal(Number(bid1.status), 1, JSON.stringify(bid1));
  const bid2 = await send(bidder2, 'fund', { id }, loop(40));
  assert.equal(Number(bid2.status), 1, JSON.stringify(bid2));
  const biddingHeight = Number(bid2.blockHeight);

  // Block time passes bids_close: begin-block of the next block fires the deadline, and the owner's
  // decision is due. No tx is needed: even an idle single validator makes a block for a due timer.
  await waitFor(async () => ((await query('getInstance', { id })).stage === 'awarding' ? true : undefined),
    { timeoutMs: 30000, intervalMs: 300, what: 'the bidding deadline' });
  assert.equal(Number((await send(owner, 'delegate', { id, decision: 'award', to: referee.getAddress() })).status), 1);
  // A bidder disputes the award; its bond (5 % of the reserve) is the call's value. The referee's
  // ruling "award_stands" is final (one rung): the award goes on and the bond is forfeited to it.
  const short = await send(bidder1, 'dispute', { id }, loop(0.5));
  assert.equal(Number(short.status), 0);
  assert.match(short.failure.message, /bond of rung 0 is exactly/);
  const opened = await send(bidder1, 'dispute', { id }, loop(1));
  assert.equal(Number(opened.status), 1, JSON.stringify(opened));
  assert.equal((await query('getInstance', { id })).status, 'disputed');
  const ruled = await send(referee, 'rule', { id, outcome: 'award_stands' });
  assert.equal(Number(ruled.status), 1, JSON.stringify(ruled));
  const afterRuling = await query('getInstance', { id });
  assert.equal(afterRuling.stage, 'awarding');
  assert.match(afterRuling.dispute.trail[0], /award_stands \(referee hx/);
  const late = await send(owner, 'decide', { id, decision: 'award', choice: bidder1.getAddress() });
  assert.equal(Number(late.status), 0);
  assert.match(late.failure.message, /can no longer decide/);
  const award = await send(referee, 'decide', { id, decision: 'award', choice: bidder2.getAddress() });
  assert.equal(Number(award.status), 1, JSON.stringify(award));

  const closed = await query('getInstance', { id });
  assert.equal(closed.status, 'closed');
  assert.equal(closed.stage, 'sold');
  assert.deepEqual(closed.escrow, {});
  assert.equal((await svc.getBalance(ALPHA).execute()).toString(10), '0');
  const past = await query('getInstance', { id }, biddingHeight);
  assert.equal(past.stage, 'bidding');
  assert.equal(past.escrow.COIN, loop(70).toString(10));
});

async function deployToken(wallet, supply) {
  const tx = new IconBuilder.DeployTransactionBuilder()
    .from(wallet.getAddress()).to('cx0000000000000000000000000000000000000000')
    .stepLimit(IconConverter.toBigNumber('2000000000'))
    .nid(IconConverter.toBigNumber(3)).nonce(IconConverter.toBigNumber(7)).version(IconConverter.toBigNumber(3))
    .timestamp(Date.now() * 1000)
    .contentType('application/x-lua')
    .content(`0x${fs.readFileSync(IRC2).toString('hex')}`)
    .params({ _name: 'Won', _symbol: 'KRW', _decimals: '0x0', _initialSupply: IconConverter.toHex(supply) })
    .build();
  const hash = await svc.sendTransaction(new SignedTransaction(tx, wallet)).execute();
  const r = await waitFor(() => svc.getTransactionResult(hash).execute(), { timeoutMs: 20000, what: 'the token deploy' });
  assert.equal(Number(r.status), 1, JSON.stringify(r));
  return r.scoreAddress;
}

const tokens = async (token, owner) => BigInt(await query('balanceOf', { _owner: owner }, undefined, token));
const hexData = (o) => `0x${Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('hex')}`;

test('an auction in an IRC2 token: bids are token transfers, the payouts token transfers', async () => {
  const token = await deployToken(bidder1, 1000);
  assert.equal(Number((await send(bidder1, 'transfer', { _to: bidder2.getAddress(), _value: '0x12c' }, undefined, token)).status), 1);
  const t = JSON.parse(AUCTION);
  t.template.id = 'cx.market.token-auction';
  t.params.token = 'address';
  t.assets = { COIN: { kind: 'irc2', contract: 'token', decimals: 0 } };
  const reg = await send(owner, 'registerTemplate', { template: JSON.stringify(t) });
  assert.equal(Number(reg.status), 1, JSON.stringify(reg));
  const templateHash = reg.eventLogs.find((l) => l.indexed[0] === 'TemplateRegistered(bytes,str)').indexed[1];
  const proposal = await send(owner, 'propose', {
    template: templateHash,
    params: JSON.stringify({ reserve: '50', bids_close: Math.floor(Date.now() / 1000) + 8, award_within: 'P1D', token }),
    parties: JSON.stringify({ owner: owner.getAddress(), referee: referee.getAddress(),
                              bidder: [bidder1.getAddress(), bidder2.getAddress()] }),
  });
  assert.equal(Number(proposal.status), 1, JSON.stringify(proposal));
  const id = proposal.eventLogs.find((l) => l.indexed[0].startsWith('AlphaTransition')).indexed[1];
  const { hash } = await query('getInstance', { id });
  assert.equal(Number((await send(owner, 'sign', { id, hash: `0x${hash}` })).status), 1);

  const bid = (wallet, value, data) => send(wallet, 'transfer', { _to: ALPHA, _value: IconConverter.toHex(value), _data: hexData(data) }, undefined, token);
  const bad = await bid(bidder1, 100, 'fund please');
  assert.equal(Number(bad.status), 0);
  assert.match(bad.failure.message, /_data must be the hex of/);
  assert.equal(await tokens(token, bidder1.getAddress()), 700n);
  assert.equal(Number((await bid(bidder1, 100, { method: 'fund', params: { id } })).status), 1);
  assert.equal(Number((await bid(bidder2, 150, { method: 'fund', params: { id } })).status), 1);
  assert.equal(await tokens(token, ALPHA), 250n);
  assert.equal((await query('getTokens', { token })).held, '0xfa');

  await waitFor(async () => ((await query('getInstance', { id })).stage === 'awarding' ? true : undefined),
    { timeoutMs: 30000, intervalMs: 300, what: 'the bidding deadline' });
  const award = await send(owner, 'decide', { id, decision: 'award', choice: bidder2.getAddress() });
  assert.equal(Number(award.status), 1, JSON.stringify(award));
  const closed = await query('getInstance', { id });
  assert.equal(closed.stage, 'sold');
  assert.deepEqual(closed.escrow, {});
  assert.equal(await tokens(token, owner.getAddress()), 150n);
  assert.equal(await tokens(token, bidder1.getAddress()), 700n);  // the losing bid, back in full
  assert.equal(await tokens(token, bidder2.getAddress()), 150n);
  assert.equal(await tokens(token, ALPHA), 0n);
  assert.equal((await query('getTokens', { token })).held, '0x0');
});
