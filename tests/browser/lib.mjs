// Browser tests: a localnet of real complexchain processes that serve the web app, a browser from
// Debian (no browser download), and real signed txs made with icon-sdk-js. CX_BROWSER picks the
// browser: chromium (the default; playwright-core) or firefox (firefox-esr; puppeteer-core over
// WebDriver BiDi, behind the same Page API in firefox.mjs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { chromium } from 'playwright-core';
import { launchFirefox, newFirefoxPage } from './firefox.mjs';

const SDK = IconService.default || IconService;
export const { IconWallet, IconBuilder, IconConverter, HttpProvider, SignedTransaction } = SDK;

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = process.env.CX_BIN || path.join(ROOT, 'build/complexchain');
export const CHROMIUM = process.env.CX_CHROMIUM || '/usr/bin/chromium';
export const BROWSER = process.env.CX_BROWSER || 'chromium';
if (!['chromium', 'firefox'].includes(BROWSER)) throw new Error(`CX_BROWSER=${BROWSER}: expected chromium or firefox`);
export const SHOTS = path.join(import.meta.dirname, 'screenshots');
// The pages the nodes serve: this tree's web/, whatever source tree the binary was built from.
export const WEB_ROOT = process.env.CX_WEB_ROOT || path.join(ROOT, 'web');
// Ports: CX_BROWSER_PORT=B puts node i's JSON-RPC on B+i and its p2p on B+20+i; unset, free ones.
const BASE_PORT = process.env.CX_BROWSER_PORT ? Number(process.env.CX_BROWSER_PORT) : 0;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function cx(args, opts = {}) {
  return execFileSync(BIN, args, { encoding: 'utf8', ...opts });
}

let nextId = 1;
export async function rpc(url, method, params) {
  const body = { jsonrpc: '2.0', id: nextId++, method, ...(params !== undefined ? { params } : {}) };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30000),
  });
  const json = await res.json();
  if (json.error) {
    const e = new Error(json.error.message);
    e.code = json.error.code;
    throw e;
  }
  return json.result;
}

// Points every node of the localnet in DIR at this tree's web/ and, when `base` is set, moves it onto
// base's range (JSON-RPC B+i, p2p B+20+i).
function configure(dir, base) {
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'accounts.json'), 'utf8'));
  if (summary.nodes.length > 20) throw new Error('at most 20 nodes fit the port range');
  const p2pOld = [];
  const configs = summary.nodes.map((nd) => JSON.parse(fs.readFileSync(path.join(nd.dir, 'config.json'), 'utf8')));
  configs.forEach((c) => p2pOld.push(c.channels[0].p2p ? c.channels[0].p2p.port : null));
  configs.forEach((c, i) => {
    c.rpc = { ...(c.rpc || {}), webRoot: WEB_ROOT };
    if (base) c.rpc.port = base + i;
    const p2p = c.channels[0].p2p;
    if (p2p && base) {
      p2p.port = base + 20 + i;
      for (const peer of p2p.peers) peer.port = base + 20 + p2pOld.indexOf(peer.port);
    }
    fs.writeFileSync(path.join(summary.nodes[i].dir, 'config.json'), JSON.stringify(c));
    summary.nodes[i].rpc = `http://127.0.0.1:${c.rpc.port}/api/v3`;
  });
  summary.rpc = summary.nodes[0].rpc;
  fs.writeFileSync(path.join(dir, 'accounts.json'), JSON.stringify(summary));
}

/**
 * Starts a localnet (complexchain localnet start) of `validators` nodes; resolves when node0 answers.
 * Returns {dir, rpc, origin, nodes, accounts, stop()}.
 */
export async function startLocalnet({ validators = 1, accounts = 4, blockIntervalMs = 300 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-browser-'));
  const args = ['localnet', 'start', '--dir', dir, '--accounts', String(accounts), '--validators', String(validators),
    '--block-interval-ms', String(blockIntervalMs), '--json'];
  // Create on free ports, stop, configure, start again (`localnet` has no option for the web root, and
  // puts p2p ports at +100, outside a 50-port range).
  cx([...args, '--port', '0']);
  cx(['localnet', 'stop', '--dir', dir]);
  configure(dir, BASE_PORT);
  const info = JSON.parse(cx(args));
  const net = {
    dir,
    ...info,
    origin: new URL(info.rpc).origin,
    stop: () => cx(['localnet', 'reset', '--dir', dir]),
  };
  await rpc(net.rpc, 'icx_getLastBlock');  // `localnet start` returns once every node's port is open
  return net;
}

/** The headless browser CX_BROWSER names, from the system; one per test file. */
export async function launchBrowser() {
  fs.mkdirSync(SHOTS, { recursive: true });
  if (BROWSER === 'firefox') return launchFirefox();
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CX_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A page that fails the test on an uncaught script error, and keeps the console for reports. */
export async function newPage(browser, { width = 1280, height = 900 } = {}) {
  if (BROWSER === 'firefox') return newFirefoxPage(browser, { width, height });
  const context = await browser.newContext({ viewport: { width, height }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  // A JSON-RPC error comes with HTTP 400, which Chromium logs as a failed resource; the page handles
  // those, so only other console errors count.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 400')) {
      page.errors.push(`console: ${m.text()}`);
    }
  });
  return page;
}

/** A full-page screenshot: screenshots/NAME.png from Chromium, NAME-firefox.png from Firefox. */
export async function shot(page, name) {
  const file = path.join(SHOTS, `${name}${BROWSER === 'firefox' ? '-firefox' : ''}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// ---- txs ----

function signed(builder, wallet) {
  return new SignedTransaction(builder.nid(IconConverter.toBigNumber(3)).version(IconConverter.toBigNumber(3))
    .timestamp(Date.now() * 1000).build(), wallet);
}

export const wallet = (account) => IconWallet.loadPrivateKey(account.private_key);

export async function send(url, tx) {
  return rpc(url, 'icx_sendTransaction', tx.getProperties());
}

/** The tx's result, once it is final (the node's own long poll, icx_waitTransactionResult). */
export const resultOf = (url, hash) => rpc(url, 'icx_waitTransactionResult', { txHash: hash });

export function transfer(from, to, value, nonce = 1) {
  return signed(new IconBuilder.IcxTransactionBuilder().from(from.getAddress()).to(to)
    .value(IconConverter.toBigNumber(value)).stepLimit(IconConverter.toBigNumber(100000))
    .nonce(IconConverter.toBigNumber(nonce)), from);
}

export function deployLua(from, source, params, nonce = 1) {
  return signed(new IconBuilder.DeployTransactionBuilder().from(from.getAddress())
    .to('cx0000000000000000000000000000000000000000').stepLimit(IconConverter.toBigNumber('2000000000'))
    .nonce(IconConverter.toBigNumber(nonce)).contentType('application/x-lua')
    .content(`0x${Buffer.from(source).toString('hex')}`).params(params), from);
}

export function callTx(from, to, method, params, nonce = 1) {
  return signed(new IconBuilder.CallTransactionBuilder().from(from.getAddress()).to(to)
    .stepLimit(IconConverter.toBigNumber('10000000')).nonce(IconConverter.toBigNumber(nonce))
    .method(method).params(params), from);
}

/** True when the node serves the method (a -32601 answer means it does not). */
export async function serves(url, method, params) {
  try {
    await rpc(url, method, params);
    return true;
  } catch (e) {
    return e.code !== -32601;
  }
}
