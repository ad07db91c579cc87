// The GAPP end to end in the browser CX_BROWSER names (Debian's Chromium or firefox-esr, lib.mjs)
// against a real 1-validator localnet: the buyer and the seller, each in its own browser context with
// its own keystore file, make an instance of the cash-with-order term from the store, read its
// simulation and prose, sign it and fund it; the seller confirms, the carrier (a third context)
// attests the shipment, the payment reaches the seller and the instance closes after the dispute
// window. Then an auction's award delegated and decided, a dispute opened and ruled, and an escrow in
// an IRC2 token funded and reserved, each from the parties' own pages. Refusals show the node's
// message. Screenshots go to tests/browser/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startNet, sendCall, balance, alphaRead, deploy, ALPHA } from './gapp_util.mjs';
import { ROOT, rpc, launchBrowser, newPage, shot } from './lib.mjs';

const ICX = 10n ** 18n;
const PRICE = 2n * ICX;

let net, browser, templateHash;
const parties = {};

before(async () => {
  net = await startNet(4);
  const [buyer, seller, carrier] = net.accounts;
  Object.assign(parties, { buyer, seller, carrier });
  // The store: the cash-with-order term with its prose sources, its 3-day dispute window cut to 4 s
  // so the close comes within the test (as tests/functional/alpha_cli.test.mjs does).
  const cwo = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/alpha/terms/cwo.json'), 'utf8'));
  cwo.events.shipped.dispute_window = 'PT4S';
  const prose = Object.fromEntries(['en', 'ko'].map((l) => [l, fs.readFileSync(path.join(ROOT, `examples/alpha/terms/prose/cwo.${l}.md`), 'utf8')]));
  const reg = await sendCall(net, buyer.wallet, 'registerTemplate', { template: JSON.stringify(cwo), prose: JSON.stringify(prose) });
  assert.equal(reg.status, '0x1', JSON.stringify(reg.failure));
  templateHash = reg.eventLogs.find((l) => l.indexed[0].startsWith('TemplateRegistered')).indexed[1];
  browser = await launchBrowser();
});

test('the read methods behind the page refuse what they cannot show, with the reason', async () => {
  const read = (method, params) => rpc(net.rpc, 'icx_call', { to: ALPHA, dataType: 'call', data: { method, params } });
  await assert.rejects(read('simulate', { template: `0x${'0'.repeat(64)}`, params: '{}', parties: '{}' }), /no template/);
  await assert.rejects(read('simulate', { template: templateHash, params: '{}', parties: '{}' }), /price|param/);
  await assert.rejects(read('getProse', { template: templateHash, params: '{}', parties: '{}' }), /lang/);
  await assert.rejects(read('simulate', { id: '0x63' }), /no alpha instance 99/);
});

after(async () => {
  await browser?.close();
  net?.stop();
});

// A party's own page (its own browser context) with its keystore file unlocked in the page.
async function partyPage(who, viewport = { width: 1200, height: 900 }) {
  const page = await newPage(browser, viewport);
  // The key never leaves the page: no request may carry the private key or the password. `bodies`
  // counts the requests whose body the browser showed us, so the check cannot pass by seeing nothing.
  const p = { page, errors: page.errors, leaks: [], bodies: 0 };
  page.on('request', (r) => {
    const body = r.postData() || '';
    if (body) p.bodies++;
    if (body.includes(who.private_key) || body.includes(`"${net.password}"`)) p.leaks.push(r.url());
  });
  await page.goto(`${net.origin}/gapp/#/`);
  await page.click('#key summary');
  await page.setInputFiles('#ks-file', who.keystore);
  await page.fill('#ks-password', net.password);
  await page.click('#ks-unlock');
  await page.waitForSelector(`#me[title="${who.address}"]`);
  return p;
}

function clean(...pages) {
  for (const p of pages) {
    assert.deepEqual(p.errors, [], 'no script errors');
    assert.deepEqual(p.leaks, [], 'no request carries the key or the password');
    assert.ok(p.bodies > 0, 'the request bodies were seen');
  }
}

// Clicks an action and waits for its tx's result in the page: {status: ok|failed, text}.
async function act(page, selector) {
  await page.evaluate(() => document.querySelectorAll('[data-tx-status]').forEach((e) => e.remove()));
  await page.click(selector);
  const box = page.locator('#tx-result [data-tx-status], main [data-tx-status]').last();
  await box.waitFor({ timeout: 30000 }).catch(async (e) => {
    const said = await page.evaluate(() => document.getElementById('tx-result')?.innerText || '(no #tx-result)');
    throw new Error(`no tx result after clicking ${selector}; the result box says: ${said}`, { cause: e });
  });
  return { status: await box.getAttribute('data-tx-status'), text: await box.innerText() };
}

const waitStatus = (page, status, timeout = 30000) => page.waitForSelector(`[data-status="${status}"]`, { timeout });
const waitStage = (page, stage, timeout = 30000) => page.waitForSelector(`.inst-head [data-stage="${stage}"]`, { timeout });

test('two parties make, sign and fund a cash-with-order instance; the carrier attests; the seller is paid; it closes', async () => {
  const { buyer, seller, carrier } = parties;
  const B = await partyPage(buyer);
  const bp = B.page;
  // The store lists the template registered above.
  await bp.waitForSelector(`a[href="#/template/${templateHash}"]`);
  await shot(bp, 'gapp-templates');
  await bp.click(`a[href="#/template/${templateHash}"]`);
  await bp.waitForSelector('#p-price');

  // Validation before anything is sent: an empty form names its fields.
  await bp.click('[data-action="simulate"]');
  await bp.waitForSelector('.error');
  assert.match(await bp.locator('#p-price-err').innerText(), /whole number/);
  await bp.fill('#p-price', PRICE.toString());
  await bp.fill('#p-confirm_within', 'P1D');
  const shipBy = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 19);
  await bp.fill('#p-ship_by', shipBy);
  await bp.fill('#r-buyer', buyer.address);
  await bp.fill('#r-seller', seller.address);
  await bp.fill('#r-carrier', 'hx123');
  await bp.click('[data-action="simulate"]');
  assert.match(await bp.locator('#r-carrier-err').innerText(), /not an address/);
  await bp.fill('#r-carrier', carrier.address);

  // simulate: every path with each party's payments and the maximum fee.
  await bp.click('[data-action="simulate"]');
  await bp.waitForSelector('table.sim tbody tr');
  const rows = await bp.locator('table.sim tbody tr').allInnerTexts();
  assert.ok(rows.length >= 4, rows.join('\n'));
  const completed = rows.find((r) => r.includes('completed'));
  assert.ok(completed && /−2 ICX/.test(completed) && /\b2 ICX/.test(completed.replace('−2 ICX', '')), completed);
  assert.ok(rows.some((r) => r.includes('not_confirmed')), rows.join('\n'));
  assert.match(await bp.locator('table.sim + p, .table-wrap > p').first().innerText(), /Maximum fee over all paths: [\d.]+ ICX/);
  // The prose, rendered on chain from these params, in English then Korean.
  await bp.waitForSelector('.prose[lang="en"]');
  assert.match(await bp.locator('.prose').innerText(), new RegExp(`Cash with order[\\s\\S]*${PRICE}`));
  await bp.click('button[data-lang="ko"]');
  await bp.waitForSelector('.prose[lang="ko"]');
  assert.match(await bp.locator('.prose').innerText(), /[가-힣]/);
  await bp.click('button[data-lang="en"]');  // Debian's headless Chromium may have no Hangul font: shoot English
  await bp.waitForSelector('.prose[lang="en"]');
  await shot(bp, 'gapp-simulate');

  // propose: the page moves to the new instance, which shows the hash to sign and what it covers.
  await bp.click('[data-action="propose"]');
  await bp.waitForURL(/#\/instance\/\d+$/, { timeout: 30000 });
  const id = bp.url().match(/instance\/(\d+)$/)[1];
  await waitStatus(bp, 'proposed');
  const hash = await bp.locator('[data-hash]').getAttribute('data-hash');
  assert.match(hash, /^0x[0-9a-f]{64}$/);
  await bp.waitForSelector('[data-digest="same"]');
  await shot(bp, 'gapp-sign');
  assert.equal((await act(bp, '[data-action="sign"]')).status, 'ok');

  // The seller, in its own context, reads the same hash and signs: the instance is active.
  const S = await partyPage(seller);
  const sp = S.page;
  await sp.goto(`${net.origin}/gapp/#/instance/${id}`);
  await sp.waitForSelector('[data-hash]');
  assert.equal(await sp.locator('[data-hash]').getAttribute('data-hash'), hash);
  assert.equal((await act(sp, '[data-action="sign"]')).status, 'ok');
  await waitStatus(sp, 'active');
  await waitStage(bp, 'cash_with_order');

  // A wrong amount is refused by the chain, and the page shows the node's message.
  await bp.waitForSelector('[data-action="fund"]');
  await bp.fill('#fund-cash_with_order', '1');
  const wrong = await act(bp, '[data-action="fund"]');
  assert.equal(wrong.status, 'failed');
  assert.match(wrong.text, /refused by the chain[\s\S]+\S/);
  assert.match(await bp.locator('#tx-result .failure').innerText(), /.{10,}/);
  const buyerBefore = await balance(net, buyer.address);
  await bp.fill('#fund-cash_with_order', '2');
  assert.equal((await act(bp, '[data-action="fund"]')).status, 'ok');
  await waitStage(bp, 'confirmation');
  assert.ok(buyerBefore - (await balance(net, buyer.address)) >= PRICE);

  // The seller confirms: the price is paid on to it.
  const sellerBefore = await balance(net, seller.address);
  await sp.waitForSelector('[data-action="attest-order_confirmed"]');
  await sp.selectOption('#res-order_confirmed', 'accepted');
  assert.equal((await act(sp, '[data-action="attest-order_confirmed"]')).status, 'ok');
  await waitStage(sp, 'shipment');
  const sellerGot = (await balance(net, seller.address)) - sellerBefore;
  assert.ok(sellerGot > PRICE - ICX / 100n && sellerGot <= PRICE, `seller got ${sellerGot}`);

  // The carrier, on a phone-sized screen, attests the shipment; after the 4 s window it closes.
  const C = await partyPage(carrier, { width: 390, height: 844 });
  const cp = C.page;
  await cp.goto(`${net.origin}/gapp/#/instance/${id}`);
  await cp.waitForSelector('[data-action="attest-shipped"]');
  assert.equal((await act(cp, '[data-action="attest-shipped"]')).status, 'ok');
  await waitStatus(cp, 'closed', 40000);
  await waitStatus(bp, 'closed', 20000);
  assert.equal(await bp.locator('.inst-head [data-stage]').innerText(), 'completed');
  await bp.waitForSelector('[data-escrow="empty"]');
  await bp.waitForSelector('.history .pay');
  await shot(bp, 'gapp-closed');
  await shot(cp, 'gapp-phone');

  clean(B, S, C);
});

test('an auction: the owner delegates the award in the page, the referee decides in its own, closed at sold', async () => {
  const [owner, bidder1, bidder2, referee] = net.accounts;
  const auction = fs.readFileSync(path.join(ROOT, 'examples/alpha/auction.json'), 'utf8');
  const reg = await sendCall(net, owner.wallet, 'registerTemplate', { template: auction });
  assert.equal(reg.status, '0x1', JSON.stringify(reg.failure));
  const hash = reg.eventLogs.find((l) => l.indexed[0].startsWith('TemplateRegistered')).indexed[1];
  // Set up by the test: the proposal, the owner's signature and two bids (the page does these above).
  const prop = await sendCall(net, owner.wallet, 'propose', { template: hash,
    params: JSON.stringify({ reserve: '1000', bids_close: Math.floor(Date.now() / 1000) + 8, award_within: 'P1D' }),
    parties: JSON.stringify({ owner: owner.address, referee: referee.address, bidder: [bidder1.address, bidder2.address] }) });
  assert.equal(prop.status, '0x1', JSON.stringify(prop.failure));
  const id = BigInt(prop.eventLogs.find((l) => l.indexed[0].startsWith('AlphaTransition')).indexed[1]);
  const inst = await rpc(net.rpc, 'icx_call', { to: ALPHA, dataType: 'call', data: { method: 'getInstance', params: { id: `0x${id.toString(16)}` } } });
  assert.equal((await sendCall(net, owner.wallet, 'sign', { id: `0x${id.toString(16)}`, hash: `0x${inst.hash}` })).status, '0x1');
  assert.equal((await sendCall(net, bidder1.wallet, 'fund', { id: `0x${id.toString(16)}` }, 2000)).status, '0x1');
  assert.equal((await sendCall(net, bidder2.wallet, 'fund', { id: `0x${id.toString(16)}` }, 3000)).status, '0x1');

  const O = await partyPage(owner);
  await O.page.goto(`${net.origin}/gapp/#/instance/${id}`);
  await waitStage(O.page, 'awarding');  // the chain fired bids_close by itself
  await O.page.selectOption('#to-award', referee.address);
  assert.equal((await act(O.page, '[data-action="delegate-award"]')).status, 'ok');
  // The right is handed over: the owner can no longer decide (the chain's refusal if it tried).
  await O.page.waitForSelector('[data-action="decide-award"]', { state: 'detached' });

  const R = await partyPage(referee, { width: 390, height: 844 });
  await R.page.goto(`${net.origin}/gapp/#/instance/${id}`);
  await R.page.waitForSelector('[data-action="decide-award"]');
  await R.page.selectOption('#choice-award', bidder2.address);
  const bidder1Before = await balance(net, bidder1.address);
  assert.equal((await act(R.page, '[data-action="decide-award"]')).status, 'ok');
  await waitStatus(R.page, 'closed');
  await waitStatus(O.page, 'closed');
  assert.equal(await O.page.locator('.inst-head [data-stage]').innerText(), 'sold');
  assert.equal((await balance(net, bidder1.address)) - bidder1Before, 2000n);  // the losing bid comes back
  await shot(R.page, 'gapp-auction-phone');
  clean(O, R);
});

// The auction of the test above with a two-rung ladder — the Virtual Person rules at once for the
// owner (the bids go back, the bonds to the referee), appealable for a minute to the referee —,
// proposed, signed and bid on by the test (reserve 10 ICX, so each rung's bond floor(reserve *
// 500bps) is 0.5 ICX); resolves to its id once the bidding has closed. (No outcome goes back to
// awarding here: with two rungs that loop would make more paths than a proposal may have.)
async function auctionInAwarding(bids) {
  const [owner, , , referee] = net.accounts;
  const auction = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/alpha/auction.json'), 'utf8'));
  auction.template.id = 'cx.market.owner-auction-appealable';
  auction.dispute.ladder = [{ by: 'virtual_person', default: 'owner_upheld' }, { by: 'referee', within: 'P3D' }];
  auction.dispute.outcomes = { return_bids: auction.dispute.outcomes.return_bids,
    owner_upheld: { favours: 'owner', refund: 'all', goto: 'not_awarded' } };
  auction.dispute.appeal_window = 'PT1M';
  const reg = await sendCall(net, owner.wallet, 'registerTemplate', { template: JSON.stringify(auction) });
  assert.equal(reg.status, '0x1', JSON.stringify(reg.failure));
  const hash = reg.eventLogs.find((l) => l.indexed[0].startsWith('TemplateRegistered')).indexed[1];
  const prop = await sendCall(net, owner.wallet, 'propose', { template: hash,
    params: JSON.stringify({ reserve: (10n * ICX).toString(), bids_close: Math.floor(Date.now() / 1000) + 5, award_within: 'P1D' }),
    parties: JSON.stringify({ owner: owner.address, referee: referee.address, bidder: bids.map(([who]) => who.address) }) });
  assert.equal(prop.status, '0x1', JSON.stringify(prop.failure));
  const id = `0x${BigInt(prop.eventLogs.find((l) => l.indexed[0].startsWith('AlphaTransition')).indexed[1]).toString(16)}`;
  const inst = await alphaRead(net, 'getInstance', { id });
  assert.equal((await sendCall(net, owner.wallet, 'sign', { id, hash: `0x${inst.hash}` })).status, '0x1');
  for (const [who, value] of bids) assert.equal((await sendCall(net, who.wallet, 'fund', { id }, value)).status, '0x1');
  return BigInt(id);
}

test('a dispute: a bidder opens it, the Virtual Person rules, the bidder appeals, the referee rules; bids and bonds follow', async () => {
  const [, bidder1, bidder2, referee] = net.accounts;
  const id = await auctionInAwarding([[bidder1, 11n * ICX], [bidder2, 12n * ICX]]);
  const D = await partyPage(bidder1);
  const dp = D.page;
  await dp.goto(`${net.origin}/gapp/#/instance/${id}`);
  await waitStage(dp, 'awarding');  // the chain closed the bidding by itself
  // The bond is prefilled from the template's expression; a wrong one comes back with the chain's reason.
  await dp.waitForSelector('[data-action="dispute"]');
  assert.equal(await dp.locator('#dispute-bond').getAttribute('value'), '0.5');
  await dp.fill('#dispute-bond', '0.4');
  const short = await act(dp, '[data-action="dispute"]');
  assert.equal(short.status, 'failed');
  assert.match(short.text, /bond/);
  await dp.fill('#dispute-bond', '0.5');
  assert.equal((await act(dp, '[data-action="dispute"]')).status, 'ok');
  await waitStatus(dp, 'disputed');
  // Rung 0, the Virtual Person, ruled at once for the owner; the bidder appeals to the referee.
  assert.match(await dp.locator('.dispute .trail').innerText(), /rung 0 virtual_person: owner_upheld/);
  await dp.waitForSelector('[data-action="appeal"]');
  assert.equal(await dp.locator('#appeal-bond').getAttribute('value'), '0.5');
  assert.equal((await act(dp, '[data-action="appeal"]')).status, 'ok');
  await dp.waitForSelector('[data-action="appeal"]', { state: 'detached' });

  // The referee, on a phone-sized screen, rules that the bids go back; the last rung's ruling is final
  // at once, and both bonds favour the bidder and come back too.
  const R = await partyPage(referee, { width: 390, height: 844 });
  const rp = R.page;
  await rp.goto(`${net.origin}/gapp/#/instance/${id}`);
  await rp.waitForSelector('[data-action="rule"]');
  await shot(rp, 'gapp-dispute-rule-phone');
  const before1 = await balance(net, bidder1.address);
  const before2 = await balance(net, bidder2.address);
  await rp.selectOption('#outcome', 'return_bids');
  assert.equal((await act(rp, '[data-action="rule"]')).status, 'ok');
  await waitStatus(dp, 'closed');
  assert.equal(await dp.locator('.inst-head [data-stage]').innerText(), 'not_awarded');
  assert.equal((await balance(net, bidder1.address)) - before1, 12n * ICX);  // its bid and its two bonds
  assert.equal((await balance(net, bidder2.address)) - before2, 12n * ICX);
  // The timeline shows the dispute and both rulings; the escrow is empty.
  await dp.waitForSelector('[data-dispute="closed"]');
  assert.match(await dp.locator('.dispute .trail').innerText(), /owner_upheld[\s\S]*rung 1 referee: return_bids/);
  await dp.waitForSelector('[data-escrow="empty"]');
  await shot(dp, 'gapp-dispute');
  clean(D, R);
});

test('an escrow in an IRC2 token: the buyer reserves for one instance and funds another by token transfers from the page', async () => {
  const [buyer, seller, carrier] = net.accounts;
  const token = await deploy(net, buyer.wallet, path.join(ROOT, 'examples/contracts/irc2/main.lua'),
    { _name: 'Won', _symbol: 'KRW', _decimals: '0x0', _initialSupply: '0x3e8' });
  const tokens = async (who) => BigInt(await rpc(net.rpc, 'icx_call', { to: token, dataType: 'call', data: { method: 'balanceOf', params: { _owner: who } } }));
  const cwo = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/alpha/terms/cwo.json'), 'utf8'));
  cwo.template.id = 'cx.terms.cwo-krw';
  cwo.params.token = 'address';
  cwo.assets = { COIN: { kind: 'irc2', contract: 'token', decimals: 0 } };
  const reg = await sendCall(net, buyer.wallet, 'registerTemplate', { template: JSON.stringify(cwo) });
  assert.equal(reg.status, '0x1', JSON.stringify(reg.failure));
  const hash = reg.eventLogs.find((l) => l.indexed[0].startsWith('TemplateRegistered')).indexed[1];
  const make = async () => {
    const prop = await sendCall(net, buyer.wallet, 'propose', { template: hash,
      params: JSON.stringify({ price: '300', confirm_within: 'P1D', ship_by: Math.floor(Date.now() / 1000) + 86400, token }),
      parties: JSON.stringify({ buyer: buyer.address, seller: seller.address, carrier: carrier.address }) });
    assert.equal(prop.status, '0x1', JSON.stringify(prop.failure));
    const id = `0x${BigInt(prop.eventLogs.find((l) => l.indexed[0].startsWith('AlphaTransition')).indexed[1]).toString(16)}`;
    const inst = await alphaRead(net, 'getInstance', { id });
    assert.equal((await sendCall(net, buyer.wallet, 'sign', { id, hash: `0x${inst.hash}` })).status, '0x1');
    return { id, hash: inst.hash };
  };
  const first = await make();
  const second = await make();
  assert.equal((await sendCall(net, seller.wallet, 'sign', { id: first.id, hash: `0x${first.hash}` })).status, '0x1');

  // The first, active: the buyer pays the 300 KRW into the escrow as a token transfer; 299 is refused
  // by the engine through the token (the transfer reverts, the tokens stay).
  const B = await partyPage(buyer);
  const bp = B.page;
  await bp.goto(`${net.origin}/gapp/#/instance/${BigInt(first.id)}`);
  await bp.waitForSelector('[data-action="fund"]');
  assert.equal(await bp.locator('#fund-cash_with_order').getAttribute('value'), '300');
  await bp.fill('#fund-cash_with_order', '299');
  const wrong = await act(bp, '[data-action="fund"]');
  assert.equal(wrong.status, 'failed');
  assert.match(wrong.text, /300/);
  assert.equal(await tokens(buyer.address), 1000n);
  await bp.fill('#fund-cash_with_order', '300');
  assert.equal((await act(bp, '[data-action="fund"]')).status, 'ok');
  await waitStage(bp, 'confirmation');
  assert.equal(await tokens(ALPHA), 300n);
  // The history lists the token transfer with the transition it caused.
  await bp.waitForFunction(() => /paid 300 of token/.test(document.querySelector('.history')?.innerText || ''));
  await shot(bp, 'gapp-irc2-funded');

  // The second, still proposed: the buyer reserves the price in the token; when the seller signs,
  // the payment stage is paid from the reservation at once.
  await bp.goto(`${net.origin}/gapp/#/instance/${BigInt(second.id)}`);
  await bp.waitForSelector('[data-action="reserve-COIN"]');
  assert.equal((await act(bp, '[data-action="reserve-COIN"]')).status, 'ok');
  assert.equal(await tokens(buyer.address), 400n);
  assert.equal((await sendCall(net, seller.wallet, 'sign', { id: second.id, hash: `0x${second.hash}` })).status, '0x1');
  await waitStage(bp, 'confirmation');
  assert.equal(await tokens(ALPHA), 600n);
  clean(B);
});
