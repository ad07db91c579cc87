// The ACORE Store through a real node: `complexchain contract publish|list|deploy-from-store`, the
// store's reads through icon-sdk-js's CallBuilder, the price paid to the publisher, the code hash of
// a deploy from the store, and the store's refusals (a version twice, another publisher's name).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { spawnSync } from 'node:child_process';
import { startLocalnet, BIN, tmpdir, waitFor } from './lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet, IconBuilder, HttpProvider } = SDK;
const STORE = 'cx0000000000000000000000000000000000000002';
const IRC2 = path.resolve(import.meta.dirname, '../../examples/contracts/irc2');
const PRICE_LOOP = 10n ** 18n;  // 1 coin

let net;
let svc;
let publisher;
let buyer;
const keys = {};

function keyFile(account) {
  const file = path.join(tmpdir('key'), 'key.hex');
  fs.writeFileSync(file, account.private_key);
  return file;
}

// Runs the CLI; returns {code, out, err} whatever the exit status.
function cli(args) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function call(method, params) {
  return svc.call(new IconBuilder.CallBuilder().to(STORE).method(method).params(params).build()).execute();
}

const balance = async (address) => BigInt((await svc.getBalance(address).execute()).toFixed());

before(() => {
  net = startLocalnet(3);
  svc = new SDK(new HttpProvider(net.rpc));
  publisher = IconWallet.loadPrivateKey(net.accounts[0].private_key);
  buyer = IconWallet.loadPrivateKey(net.accounts[1].private_key);
  keys.publisher = keyFile(net.accounts[0]);
  keys.buyer = keyFile(net.accounts[1]);
});

after(() => net && net.stop());

test('publish, list, deploy-from-store with the price paid to the publisher', async () => {
  const pub = cli(['contract', 'publish', IRC2, '--name', 'irc2', '--version', '1.0.0', '--description', 'IRC2 token',
    '--price', '1', '--rpc', net.rpc, '--key-file', keys.publisher, '--wait', '--json']);
  assert.equal(pub.code, 0, pub.err + pub.out);
  const published = JSON.parse(pub.out).result;
  assert.equal(published.status, '0x1', pub.out);
  const event = published.eventLogs.find((l) => l.indexed[0] === 'Published(str,str,Address,bytes,int)');
  assert.deepEqual(event.indexed, ['Published(str,str,Address,bytes,int)', 'irc2']);
  assert.equal(event.data[1], publisher.getAddress());

  const api = (await svc.getScoreApi(STORE).execute()).getList().map((e) => e.name);
  for (const m of ['publish', 'buy', 'list', 'get', 'getContent', 'versions', 'hasLicense']) assert.ok(api.includes(m), api.join());

  const entry = await call('get', { name: 'irc2', version: '1.0.0' });
  assert.equal(entry.publisher, publisher.getAddress());
  assert.equal(entry.price, `0x${PRICE_LOOP.toString(16)}`);
  assert.match(entry.codeHash, /^0x[0-9a-f]{64}$/);
  assert.equal(event.data[2], entry.codeHash);
  // A publish pays contractSet per content byte (30,000), not a deploy's contractCreate.
  const size = Number(entry.contentSize);
  assert.ok(Number(published.stepUsed) > 30000 * size && Number(published.stepUsed) < 30000 * size + 1e6,
    `${published.stepUsed} steps for ${size} bytes`);
  const listed = JSON.parse(cli(['contract', 'list', '--rpc', net.rpc, '--json']).out);
  assert.equal(listed.total, '0x1');
  assert.deepEqual(listed.items[0], { name: 'irc2', publisher: publisher.getAddress(), latest: '1.0.0', versions: '0x1' });
  const human = cli(['contract', 'list', 'irc2', '1.0.0', '--rpc', net.rpc]);
  assert.match(human.out, /price:\s+1 ICX/);

  const before = await balance(publisher.getAddress());
  const dep = cli(['contract', 'deploy-from-store', 'irc2', '1.0.0', '--code-hash', entry.codeHash,
    '--params', JSON.stringify({ _name: 'Shop', _symbol: 'SHP', _decimals: '0x0', _initialSupply: '0x64' }),
    '--rpc', net.rpc, '--key-file', keys.buyer, '--wait', '--json']);
  assert.equal(dep.code, 0, dep.err + dep.out);
  assert.match(dep.err, /buying a licence for irc2 1\.0\.0/);
  // Two JSON documents ({txHash, result}): the buy's, then the deploy's.
  const docs = dep.out.trim().split(/\n(?=\{)/).map((d) => JSON.parse(d));
  assert.equal(docs.length, 2, dep.out);
  const deployed = docs[1].result;
  assert.equal(deployed.status, '0x1', dep.out);
  assert.match(deployed.scoreAddress, /^cx[0-9a-f]{40}$/);
  assert.equal(await balance(publisher.getAddress()), before + PRICE_LOOP);
  assert.equal(await call('hasLicense', { name: 'irc2', version: '1.0.0', account: buyer.getAddress() }), '0x1');
  const token = new IconBuilder.CallBuilder().to(deployed.scoreAddress).method('balanceOf').params({ _owner: buyer.getAddress() }).build();
  assert.equal(await svc.call(token).execute(), '0x64');

  // A second deploy by the licence holder buys nothing.
  const again = cli(['contract', 'deploy-from-store', 'irc2', '1.0.0', '--rpc', net.rpc, '--key-file', keys.buyer,
    '--params', JSON.stringify({ _name: 'Two', _symbol: 'TWO', _decimals: '0x0', _initialSupply: '0x1' }), '--wait', '--json']);
  assert.equal(again.code, 0, again.err + again.out);
  assert.doesNotMatch(again.err, /buying/);
});

test('the store refuses what breaks its rules, and the CLI checks the code hash', async () => {
  // The same version twice: the tx fails with the store's reason (it is decided in execution).
  const twice = cli(['contract', 'publish', IRC2, '--name', 'irc2', '--version', '1.0.0', '--rpc', net.rpc,
    '--key-file', keys.publisher, '--wait', '--json']);
  assert.notEqual(twice.code, 0);
  assert.match(twice.out + twice.err, /irc2 1\.0\.0 is already published/);
  // Another publisher cannot add a version to a name it does not own.
  const other = cli(['contract', 'publish', IRC2, '--name', 'irc2', '--version', '1.1.0', '--rpc', net.rpc,
    '--key-file', keys.buyer, '--wait', '--json']);
  assert.notEqual(other.code, 0);
  assert.match(other.out + other.err, /only its publisher may publish versions of it/);
  // Ill-formed input is refused by the CLI before anything is signed, with the store's own words.
  const bad = cli(['contract', 'publish', IRC2, '--name', 'irc2', '--version', '1.0', '--rpc', net.rpc, '--key-file', keys.publisher]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /version '1\.0': the version needs three numbers/);
  // A pinned hash that is not the version's: nothing is sent.
  const pinned = cli(['contract', 'deploy-from-store', 'irc2', '1.0.0', '--code-hash', `0x${'00'.repeat(32)}`,
    '--rpc', net.rpc, '--key-file', keys.buyer]);
  assert.equal(pinned.code, 1);
  assert.match(pinned.err, /code hash mismatch: --code-hash 0x0{64} but irc2 1\.0\.0 has 0x[0-9a-f]{64}; not deploying/);
  const missing = cli(['contract', 'deploy-from-store', 'irc2', '9.0.0', '--rpc', net.rpc, '--key-file', keys.buyer]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /irc2 9\.0\.0 is not in the store/);
  // Versions in semver order after a second one.
  const v2 = cli(['contract', 'publish', IRC2, '--name', 'irc2', '--version', '1.0.1-rc.1', '--rpc', net.rpc,
    '--key-file', keys.publisher, '--wait', '--json']);
  assert.equal(v2.code, 0, v2.err + v2.out);
  await waitFor(async () => (await call('versions', { name: 'irc2' })).length === 2, { what: 'two versions' });
  assert.deepEqual(await call('versions', { name: 'irc2' }), ['1.0.0', '1.0.1-rc.1']);
  assert.deepEqual(cli(['contract', 'list', 'irc2', '--rpc', net.rpc]).out.trim().split('\n'), ['1.0.0', '1.0.1-rc.1']);
});
