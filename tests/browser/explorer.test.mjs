// The explorer in headless Chromium and Firefox (CX_BROWSER, see lib.mjs) against a real localnet:
// the home page and a block arriving live, search by height / block hash / tx hash / address, the tx
// page (status and a decoded event), the address page (its tx), the contract page (ABI, a read call
// from its form, the source), the validators page (with each validator's tier), the node's error
// shown as it is, and a phone-sized screen. Screenshots go to tests/browser/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  ROOT, BIN, startLocalnet, launchBrowser, newPage, shot, rpc, wallet, send, resultOf, transfer, deployLua, callTx,
  serves,
} from './lib.mjs';

let net;
let browser;
let page;
let alice;
let bob;
let transferHash;
let tokenTxHash;
let token;
let block;  // the block holding the transfer

const IRC2 = fs.readFileSync(path.join(ROOT, 'examples/contracts/irc2/main.lua'), 'utf8');

before(async () => {
  net = await startLocalnet({ validators: 1, accounts: 3, blockIntervalMs: 300 });
  alice = wallet(net.accounts[0]);
  bob = wallet(net.accounts[1]);
  // A transfer, an IRC2 token and a token transfer: what the pages show.
  transferHash = await send(net.rpc, transfer(alice, bob.getAddress(), 10n ** 18n * 5n));
  const deployHash = await send(net.rpc, deployLua(alice, IRC2,
    { _name: 'Shop token', _symbol: 'SHP', _decimals: '0x2', _initialSupply: '0x2710' }, 2));
  const deployed = await resultOf(net.rpc, deployHash);
  assert.equal(deployed.status, '0x1', JSON.stringify(deployed.failure));
  token = deployed.scoreAddress;
  tokenTxHash = await send(net.rpc, callTx(alice, token, 'transfer', { _to: bob.getAddress(), _value: '0x3e8' }, 3));
  assert.equal((await resultOf(net.rpc, tokenTxHash)).status, '0x1');
  const r = await resultOf(net.rpc, transferHash);
  block = await rpc(net.rpc, 'icx_getBlockByHeight', { height: r.blockHeight });
  browser = await launchBrowser();
  page = await newPage(browser);
});

after(async () => {
  await browser?.close();
  net?.stop();
});

const text = (sel) => page.locator(sel).first().innerText();

async function search(q) {
  await page.fill('#q', q);
  await page.press('#q', 'Enter');
}

test('home shows the height, and a new block arrives live without a reload', async () => {
  await page.goto(`${net.origin}/`);
  await page.waitForSelector('#block-table');
  const first = Number((await text('#height')).replace(/,/g, ''));
  const last = Number((await rpc(net.rpc, 'icx_getLastBlock')).height);
  assert.ok(first >= block.height && first <= last + 2, `home shows height ${first}, the node is at ${last}`);
  // Blocks are made when there are txs: send one. The same document (no navigation) then shows a
  // higher height, and the tx in its list: the monitor pushed the block.
  await page.evaluate(() => { window.__sameDocument = true; });
  const live = await send(net.rpc, transfer(bob, alice.getAddress(), 1n, 7));
  await page.waitForFunction((h) => Number(document.querySelector('#height').textContent.replace(/,/g, '')) > h, first);
  await page.waitForFunction((h) => document.querySelector('#tx-table')?.textContent.includes(h), live.slice(0, 8));
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
  assert.match(await text('#live-mode'), /live/);
  assert.ok(await page.locator('#chart-txps svg rect').count() > 0, 'the tx/s chart has bars');
  assert.ok(await page.locator('#chart-blocktime svg rect').count() > 0, 'the block-time chart has bars');
  await shot(page, 'explorer-home');
  assert.deepEqual(page.errors, []);
});

test('search by height and by block hash lands on the block page', async () => {
  await search(String(block.height));
  await page.waitForFunction((h) => document.querySelector('#block-height')?.textContent === String(h), block.height);
  assert.match(page.url(), new RegExp(`#/block/${block.height}$`));
  assert.match(await text('#tx-table'), new RegExp(transferHash.slice(0, 8)));
  await search(`0x${block.block_hash}`);
  await page.waitForURL(new RegExp(`#/block/0x${block.block_hash}$`));
  await page.waitForSelector('#block-hash');
  assert.equal(await text('#block-hash'), `0x${block.block_hash}`);
  await shot(page, 'explorer-block');
});

test('search by tx hash shows the tx: status, fee and the event decoded with the ABI', async () => {
  await search(tokenTxHash);
  await page.waitForURL(new RegExp(`#/tx/${tokenTxHash}$`));
  await page.waitForSelector('#tx-status');
  assert.equal(await text('#tx-status'), 'Success');
  assert.match(await text('#tx-fee'), /ICX$/);
  assert.equal(await text('#tx-method'), 'transfer');
  const event = page.locator('article.event[data-event="Transfer"]');
  await event.waitFor();
  const body = await event.innerText();
  // The ABI names the arguments; the value is shown in decimal.
  assert.match(body, /_from/);
  assert.match(body, /_to/);
  assert.match(body, /_value[^\n]*\n?\s*1,000/);
  assert.match(body, new RegExp(bob.getAddress()));
  await shot(page, 'explorer-tx');
});

test('a failed tx shows the failure the node recorded', async () => {
  // More tokens than alice holds: the contract refuses, the tx is committed as failed.
  const h = await send(net.rpc, callTx(alice, token, 'transfer', { _to: bob.getAddress(), _value: '0xfffffff' }, 4));
  const r = await resultOf(net.rpc, h);
  assert.equal(r.status, '0x0');
  await page.goto(`${net.origin}/#/tx/${h}`);
  await page.waitForSelector('#tx-failure');
  assert.equal(await text('#tx-status'), 'Failed');
  assert.ok((await text('#tx-failure')).includes(r.failure.message), 'the page shows the node\'s failure message');
});

test('search by address lands on the address page with its balance and its tx', async () => {
  await search(bob.getAddress());
  await page.waitForURL(new RegExp(`#/address/${bob.getAddress()}$`));
  await page.waitForSelector('#balance');
  const bal = BigInt(await rpc(net.rpc, 'icx_getBalance', { address: bob.getAddress() }));
  const frac = (bal % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  assert.equal(await text('#balance'), `${(bal / 10n ** 18n).toLocaleString('en-US')}${frac ? `.${frac}` : ''} ICX`);
  if (await serves(net.rpc, 'cx_getAddressTxs', { address: bob.getAddress() })) {
    await page.waitForSelector('#address-txs');
    assert.match(await text('#address-txs'), new RegExp(transferHash.slice(0, 8)));
  } else {
    assert.match(await text('#txs-part'), /Not available on this node/);
  }
  if (await serves(net.rpc, 'cx_getTokens', { address: bob.getAddress() })) {
    await page.waitForSelector('#address-tokens');
    assert.match(await text('#address-tokens'), /10 SHP/);  // 1,000 units, 2 decimals
  }
  await shot(page, 'explorer-address');
});

test('the contract page shows the ABI and the source, and runs a read call from its form', async () => {
  await search(token);
  await page.waitForURL(new RegExp(`#/contract/${token}$`));
  await page.waitForSelector('#abi-table');
  assert.match(await text('#abi-table'), /balanceOf/);
  await page.waitForSelector('#source');
  assert.match(await text('#source'), /balanceOf/);
  const form = page.locator('form.call[data-method="balanceOf"]');
  await form.locator('input[name="_owner"]').fill(bob.getAddress());
  await form.locator('button').click();
  await form.locator('.result pre').waitFor();
  assert.match(await form.locator('.result').innerText(), /"0x3e8"/);
  // A bad address: the node's own message, not a generic one.
  await form.locator('input[name="_owner"]').fill('hx12');
  await form.locator('button').click();
  await form.locator('.result .error').waitFor();
  assert.match(await form.locator('.result .error').innerText(), /code -?\d+/);
  await shot(page, 'explorer-contract');
});

test('the validators page lists the validator set, the channels page the channel and its members', async () => {
  await page.goto(`${net.origin}/#/validators`);
  await page.waitForSelector('h1');
  if (await serves(net.rpc, 'cx_getValidators', {})) {
    await page.waitForSelector('#validator-table');
    assert.match(await text('#validator-table'), new RegExp(net.nodes[0].validator));
    // The tier from the governance contract: a localnet's genesis names no tiers, so its validator is
    // tier 1 (docs/governance.md).
    const [val] = (await rpc(net.rpc, 'cx_getValidators', {})).validators;
    assert.equal(val.tier, '0x1');
    assert.equal(await page.locator('#validator-table [data-tier]').first().innerText(), '1');
    assert.match(await text('#validator-table'), /supervision/);
  } else {
    await page.waitForSelector('.notice');
    assert.match(await text('.notice'), /Not available on this node/);
  }
  await shot(page, 'explorer-validators');
  await page.click('#nav a[data-path="/channels"]');
  await page.waitForURL(/#\/channels$/);
  await page.waitForSelector('h1');
  if (await serves(net.rpc, 'cx_getChannels', {})) {
    await page.waitForSelector('section.channel');
    assert.match(await text('section.channel'), /localnet/);
    assert.match(await text('section.channel'), new RegExp(net.nodes[0].validator));
  } else {
    await page.waitForSelector('.notice');
  }
});

test('search errors and unknown pages say what is wrong', async () => {
  await page.goto(`${net.origin}/#/`);
  await page.waitForSelector('#block-table');
  await search(`0x${'ab'.repeat(32)}`);
  await page.waitForFunction(() => document.querySelector('#search-error')?.textContent.includes('No transaction or block'));
  await search('hello');
  await page.waitForFunction(() => document.querySelector('#search-error')?.textContent.includes('is not a height'));
  await page.goto(`${net.origin}/#/tx/0x${'cd'.repeat(32)}`);
  await page.waitForSelector('.error');
  assert.match(await text('.error'), /code -31004|not found/i);
});

test('on a phone-sized screen the home page fits the width and the search works by keyboard', async () => {
  const phone = await newPage(browser, { width: 390, height: 844 });
  await phone.goto(`${net.origin}/`);
  await phone.waitForSelector('#block-table');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
  // Keyboard only: a loaded page puts the focus on its heading; Shift+Tab goes back into the header
  // (the Search button, then the box); type, Enter.
  assert.equal(await phone.evaluate(() => document.activeElement?.tagName), 'H1');
  for (let stops = 0; !(await phone.evaluate(() => document.activeElement?.id === 'q')); ++stops) {
    assert.ok(stops < 4, 'Shift+Tab from the heading does not reach the search box');
    await phone.keyboard.press('Shift+Tab');
  }
  await phone.keyboard.type('1');
  await phone.keyboard.press('Enter');
  await phone.waitForFunction(() => document.querySelector('#block-height')?.textContent === '1');
  await shot(phone, 'explorer-phone-block');
  await phone.goto(`${net.origin}/`);
  await phone.waitForSelector('#block-table');
  await shot(phone, 'explorer-phone-home');
  assert.deepEqual(phone.errors, []);
  await phone.context().close();
});

// The Alpha CLI (docs/alpha.md §10) with a key file: a tx verb's --json report.
function alpha(args, account) {
  const keyFile = path.join(net.dir, `${account.address}.key`);
  fs.writeFileSync(keyFile, account.private_key);
  const r = spawnSync(BIN, ['alpha', ...args, '--rpc', net.rpc, '--key-file', keyFile, '--json'], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, `alpha ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('an Alpha instance: the tx page links it, and its page draws the timeline', async () => {
  const cwo = path.join(ROOT, 'examples/alpha/terms/cwo.json');
  const [buyer, seller, carrier] = net.accounts;
  alpha(['template', 'publish', cwo], buyer);
  const parties = { buyer: buyer.address, seller: seller.address, carrier: carrier.address };
  const params = { price: (10n ** 18n).toString(), confirm_within: 'P1D', ship_by: Math.floor(Date.now() / 1000) + 30 * 86400 };
  const proposal = alpha(['propose', cwo, '--params', JSON.stringify(params), '--parties', JSON.stringify(parties)], buyer);
  const id = proposal.instance.id;
  alpha(['sign', String(id), '--hash', proposal.instance.hash], buyer);
  alpha(['sign', String(id), '--template', cwo], seller);
  const funded = alpha(['fund', String(id), '--value', '1'], buyer);
  alpha(['attest', String(id), 'order_confirmed', '--result', 'accepted'], seller);

  await page.goto(`${net.origin}/#/tx/${funded.txHash}`);
  await page.waitForSelector('#alpha-link');
  await page.click('#alpha-link');
  await page.waitForURL(new RegExp(`#/alpha/${id}$`));
  await page.waitForSelector('#alpha-timeline svg');
  assert.match(await text('#alpha-status'), /active/);
  const lanes = await page.locator('#alpha-timeline svg text.lane').evaluateAll((els) => els.map((e) => e.dataset.lane));
  for (const stage of ['signing', 'stage cash_with_order', 'stage confirmation', 'stage shipment']) {
    assert.ok(lanes.includes(stage), `the timeline has a lane '${stage}': ${lanes.join(', ')}`);
  }
  assert.ok(await page.locator('#alpha-timeline svg line.deadline').count() > 0, 'the shipment deadline is drawn');
  assert.match(await text('#alpha-money'), /paid/);
  await shot(page, 'explorer-alpha');
  assert.deepEqual(page.errors, []);
});
