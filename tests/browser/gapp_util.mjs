// Helpers for the GAPP browser test: a 1-validator localnet on this test's ports, txs sent from the
// test itself (setting up the template store), and Debian's Chromium through playwright-core.
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { chromium } from 'playwright-core';
import { cx, tmpdir, rpc, waitFor } from '../functional/lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet, IconBuilder, IconConverter, SignedTransaction } = SDK;
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const ALPHA = 'cx0000000000000000000000000000000000000a01';
export const CHROMIUM = process.env.CX_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = path.join(import.meta.dirname, 'screenshots');

// `complexchain localnet start` with one validator, RPC on `port` (the GAPP is served there).
export function startNet(port, accounts = 5) {
  const dir = tmpdir('gapp');
  const info = JSON.parse(cx(['localnet', 'start', '--dir', dir, '--port', String(port), '--accounts', String(accounts),
    '--validators', '1', '--json']));
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'accounts.json'), 'utf8'));
  return {
    dir, ...info, origin: new URL(info.rpc).origin, password: summary.keystore_password,
    accounts: summary.accounts.map((a) => ({ ...a, wallet: IconWallet.loadPrivateKey(a.private_key) })),
    stop: () => cx(['localnet', 'reset', '--dir', dir]),
  };
}

// One call tx to the Alpha contract from the test (the store's publisher), waited for.
export async function sendCall(net, wallet, method, params, value) {
  let b = new IconBuilder.CallTransactionBuilder()
    .from(wallet.getAddress()).to(ALPHA)
    .stepLimit(IconConverter.toBigNumber('2000000000'))
    .nid(IconConverter.toBigNumber(net.nid || '0x3'))
    .nonce(IconConverter.toBigNumber(Date.now()))
    .version(IconConverter.toBigNumber(3))
    .timestamp(Date.now() * 1000)
    .method(method).params(params);
  if (value) b = b.value(IconConverter.toBigNumber(String(value)));
  const tx = b.build();
  const hash = await rpc(net.rpc, 'icx_sendTransaction', new SignedTransaction(tx, wallet).getProperties());
  return waitFor(() => rpc(net.rpc, 'icx_getTransactionResult', { txHash: hash }), { timeoutMs: 20000, what: `${method} result` });
}

export const balance = async (net, address) => BigInt(await rpc(net.rpc, 'icx_getBalance', { address }));

export const launch = () => chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

// The node serves web/ at / (the GAPP at /gapp/). When this build's node does not (yet), the page's
// files are served from the worktree by the browser context at the node's own origin, so the page
// still talks to the real node at /api/v3 with no CORS in between.
export async function serveWebIfNeeded(net, context) {
  const vendor = path.join(ROOT, 'web/vendor/icon-sdk-js.web.min.js');
  if (!fs.existsSync(vendor)) {  // `make` copies it; a bare checkout gets it from this directory's npm ci
    fs.mkdirSync(path.dirname(vendor), { recursive: true });
    fs.copyFileSync(path.join(import.meta.dirname, 'node_modules/icon-sdk-js/build/icon-sdk-js.web.min.js'), vendor);
  }
  const probe = await fetch(`${net.origin}/gapp/`).catch(() => null);
  if (probe && probe.ok && (await probe.text()).includes('GAPP')) return 'node';
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  await context.route(`${net.origin}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.startsWith('/api/')) return route.continue();
    let rel = url.pathname.endsWith('/') ? `${url.pathname}index.html` : url.pathname;
    const file = path.join(ROOT, 'web', path.normalize(rel));
    if (!file.startsWith(path.join(ROOT, 'web')) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: types[path.extname(file)] || 'application/octet-stream', body: fs.readFileSync(file) });
  });
  return 'test';
}

export function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
