// The Alpha CLI against a 1-validator localnet, with nothing but `complexchain alpha ...`: publish the
// cash-with-order term, propose, both signatures, the buyer's payment, the seller's confirmation and the
// carrier's shipment to its close; then an auction through delegate and decide. `alpha show --json`
// is checked after every step, refusals print the chain's reason and exit 1, past heights read back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, startLocalnet, tmpdir, waitFor } from './lib.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CWO_FILE = path.join(ROOT, 'examples/alpha/terms/cwo.json');
// The term as in examples/, with the carrier's 3-day dispute window after shipment cut to 4 s so the
// test can watch the stage wait out the window and then close (written in before()).
let CWO;
const AUCTION = path.join(ROOT, 'examples/alpha/auction.json');
const ICX = 10n ** 18n;

let net;
let keys;  // name -> { file, address }

before(() => {
  net = startLocalnet(6);
  const dir = tmpdir('alpha-cli');
  const cwo = JSON.parse(fs.readFileSync(CWO_FILE, 'utf8'));
  assert.equal(cwo.events.shipped.dispute_window, 'P3D');
  cwo.events.shipped.dispute_window = 'PT4S';
  CWO = path.join(dir, 'cwo-short-window.json');
  fs.writeFileSync(CWO, JSON.stringify(cwo, null, 2));
  const names = ['buyer', 'seller', 'carrier', 'referee', 'bidder1', 'bidder2'];
  keys = Object.fromEntries(names.map((n, i) => {
    const file = path.join(dir, `${n}.key`);
    fs.writeFileSync(file, net.accounts[i].private_key);
    return [n, { file, address: net.accounts[i].address }];
  }));
});

after(() => net && net.stop());

function alpha(args, who) {
  const key = who ? ['--key-file', keys[who].file] : [];
  const r = spawnSync(path.resolve(BIN), ['alpha', ...args, '--rpc', net.rpc, ...key], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// A tx verb with --json: its report, asserting the exit status.
function tx(args, who, expectOk = true) {
  const r = alpha([...args, '--json'], who);
  if (expectOk) assert.equal(r.code, 0, `${args.join(' ')}: ${r.out}${r.err}`);
  else assert.equal(r.code, 1, `${args.join(' ')} should be refused: ${r.out}${r.err}`);
  return JSON.parse(r.out);
}

function show(id, height) {
  const r = alpha(['show', String(id), '--json', ...(height ? ['--height', String(height)] : [])]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

const now = () => Math.floor(Date.now() / 1000);

test('cash with order: publish, propose, sign, fund, attest, attest, closed after the dispute window', async () => {
  const pub = tx(['template', 'publish', CWO], 'buyer');
  assert.match(pub.template, /^0x[0-9a-f]{64}$/);
  const listed = JSON.parse(alpha(['template', 'list', '--json']).out);
  assert.ok(listed.some((t) => t.hash === pub.template && t.id === 'cx.terms.cwo'), JSON.stringify(listed));

  const parties = { buyer: keys.buyer.address, seller: keys.seller.address, carrier: keys.carrier.address };
  const params = { price: ICX.toString(), confirm_within: 'P1D', ship_by: now() + 30 * 86400 };
  const proposal = tx(['propose', CWO, '--params', JSON.stringify(params), '--parties', JSON.stringify(parties)], 'buyer');
  const id = proposal.instance.id;
  assert.equal(proposal.instance.status, 'proposed');
  assert.equal(proposal.hash_checked, true);  // the chain's instance hash is the one computed from the file
  assert.equal(show(id).status, 'proposed');

  const wrongHash = tx(['sign', String(id), '--hash', `0x${'0'.repeat(64)}`], 'buyer', false);
  assert.match(wrongHash.failure.message, /wrong instance hash/);
  tx(['sign', String(id), '--hash', proposal.instance.hash], 'buyer');
  let s = show(id);
  assert.equal(s.status, 'proposed');
  assert.equal(s.signed_by.length, 1);
  // The seller recomputes the hash from the template file and the instance's params and parties.
  const signed = tx(['sign', String(id), '--template', CWO], 'seller');
  assert.equal(signed.instance.status, 'active');
  assert.equal(show(id).stage, 'cash_with_order');

  // The seller is not the payer: refused with the chain's reason, nothing changes.
  const wrongRole = tx(['fund', String(id), '--value', '1'], 'seller', false);
  assert.ok(wrongRole.failure.message.length > 0);
  assert.equal(show(id).stage, 'cash_with_order');
  const human = alpha(['fund', String(id), '--value', '1'], 'seller');
  assert.equal(human.code, 1);
  assert.match(human.out, /refused: /);

  const funded = tx(['fund', String(id), '--value', '1'], 'buyer');
  const noDispute = tx(['dispute', String(id)], 'buyer', false);
  assert.match(noDispute.failure.message, /no dispute path/);
  s = show(id);
  assert.equal(s.stage, 'confirmation');
  assert.equal(s.escrow.COIN, ICX.toString());

  tx(['attest', String(id), 'order_confirmed', '--result', 'accepted'], 'seller');
  s = show(id);
  assert.equal(s.stage, 'shipment');
  assert.deepEqual(s.escrow, {});
  const replay = tx(['attest', String(id), 'shipped', '--attest-nonce', 'x1'], 'buyer', false);
  assert.match(replay.failure.message, /attester/);
  const shipped = tx(['attest', String(id), 'shipped', '--attest-nonce', 'x1'], 'carrier');
  // The shipment counts at once, and the stage waits out its dispute window: a challenge could still come.
  assert.equal(shipped.instance.status, 'active');
  assert.equal(show(id).stage, 'shipment');
  s = await waitFor(() => { const v = show(id); return v.status === 'closed' ? v : null; }, { timeoutMs: 30000, intervalMs: 300, what: 'the close after the window' });
  assert.equal(s.status, 'closed');
  assert.equal(s.stage, 'completed');

  const past = show(id, funded.blockHeight);
  assert.equal(past.stage, 'confirmation');
  assert.equal(past.escrow.COIN, ICX.toString());

  const unknown = alpha(['show', '999999']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown instance 999999/);
  const noTx = alpha(['sign', '999999'], 'buyer');
  assert.equal(noTx.code, 1);
  assert.match(noTx.err, /unknown instance/);
  const badParams = alpha(['propose', CWO, '--params', '/nonexistent.json', '--parties', '{}'], 'buyer');
  assert.equal(badParams.code, 1);
  assert.match(badParams.err, /--params: cannot read/);
});

test('auction: propose, sign, bids, the deadline, delegate, decide, closed', async () => {
  tx(['template', 'publish', AUCTION], 'buyer');
  const bidsClose = now() + 8;
  const parties = { owner: keys.buyer.address, referee: keys.referee.address,
                    bidder: [keys.bidder1.address, keys.bidder2.address] };
  const proposal = tx(['propose', AUCTION, '--params', JSON.stringify({ reserve: '1000', bids_close: bidsClose, award_within: 'P1D' }),
                       '--parties', JSON.stringify(parties)], 'buyer');
  const id = proposal.instance.id;
  tx(['sign', String(id), '--hash', proposal.instance.hash], 'buyer');
  assert.equal(show(id).stage, 'bidding');
  tx(['fund', String(id), '--value', '2000', '--unit', 'loop'], 'bidder1');
  tx(['fund', String(id), '--value', '3000', '--unit', 'loop'], 'bidder2');
  assert.equal(show(id).escrow.COIN, '5000');
  await waitFor(() => show(id).stage === 'awarding', { timeoutMs: 30000, intervalMs: 300, what: 'the bidding deadline' });

  tx(['delegate', String(id), 'award', keys.referee.address], 'buyer');
  assert.equal(show(id).decisions.award.holder, keys.referee.address);
  const revoked = tx(['revoke', String(id), 'award'], 'buyer', false);  // revocable only until bids_close
  assert.ok(revoked.failure.message.length > 0);
  const late = tx(['decide', String(id), 'award', keys.bidder1.address], 'buyer', false);
  assert.match(late.failure.message, /can no longer decide/);
  const award = tx(['decide', String(id), 'award', keys.bidder2.address], 'referee');
  assert.equal(award.instance.status, 'closed');
  const s = show(id);
  assert.equal(s.stage, 'sold');
  assert.deepEqual(s.escrow, {});
  const human = alpha(['show', String(id)]);
  assert.match(human.out, /status\s+closed/);
});
