// The shared helpers of web/lib (used by the explorer and the GAPP), run in Node: amounts never go
// through floats, HTML is escaped, the zip reader reads what `zip` writes, and rpc() carries the
// node's own error message and code (against a real node).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatUnits, parseUnits, formatIcx, formatInt, hexToBigInt, toHex, escapeHtml, isHash, isAddress } from '../../web/lib/format.js';
import { rpc, RpcError, isMethodNotFound } from '../../web/lib/rpc.js';
import { readZip, hexToBytes } from '../../web/lib/zip.js';
import { startLocalnet } from './lib.mjs';

test('amounts: exact at 18 decimals and beyond 2^53, refusing junk', () => {
  assert.equal(formatUnits('0xde0b6b3a7640000', 18), '1');
  assert.equal(formatUnits(10n ** 30n + 5n, 18), '1,000,000,000,000.000000000000000005');
  assert.equal(formatIcx('0x1bc16d674ec80000'), '2 ICX');
  assert.equal(formatIcx(123456789n, { maxFraction: 18 }), '0.000000000123456789 ICX');
  assert.equal(formatIcx(123456789n), '0 ICX');  // trimmed to 6 places, rounded down
  assert.equal(parseUnits('1.5').toString(), '1500000000000000000');
  assert.throws(() => parseUnits('1.0000000000000000001'), /at most 18 decimal places/);
  assert.throws(() => parseUnits('-1'), /not an amount/);
  assert.equal(formatInt('0xf4240'), '1,000,000');
  assert.equal(hexToBigInt('-0x10'), -16n);
  assert.throws(() => hexToBigInt('0xzz'), /not a quantity/);
  assert.equal(toHex(255), '0xff');
  assert.equal(toHex(-2n), '-0x2');
});

test('escaping and the shapes of hashes and addresses', () => {
  assert.equal(escapeHtml(`<img src=x onerror="a('b')">&`), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  assert.ok(isHash(`0x${'a'.repeat(64)}`));
  assert.ok(!isHash(`0x${'a'.repeat(63)}`));
  assert.ok(isAddress(`hx${'0'.repeat(40)}`));
  assert.ok(!isAddress(`hx${'G'.repeat(40)}`));
});

test('the zip reader reads stored and deflated entries as zip writes them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-zip-'));
  fs.mkdirSync(path.join(dir, 'c/lib'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'c/main.lua'), '-- main\n'.repeat(200));  // deflated
  fs.writeFileSync(path.join(dir, 'c/lib/x.lua'), 'return 1');  // small: stored
  execFileSync('zip', ['-q', '-r', '-X', 'out.zip', 'c'], { cwd: dir });
  const bytes = hexToBytes(`0x${fs.readFileSync(path.join(dir, 'out.zip')).toString('hex')}`);
  return readZip(bytes).then((files) => {
    const byName = Object.fromEntries(files.map((f) => [f.name, f]));
    assert.equal(byName['c/main.lua'].text, '-- main\n'.repeat(200));
    assert.equal(byName['c/lib/x.lua'].text, 'return 1');
    return assert.rejects(readZip(new Uint8Array([1, 2, 3])), /not a zip archive/);
  });
});

let net;
before(async () => { net = await startLocalnet({ validators: 1, accounts: 1 }); });
after(() => net?.stop());

test('rpc() returns results and throws the node\'s own message and code', async () => {
  const base = net.origin;
  const last = await rpc('icx_getLastBlock', undefined, { base });
  assert.ok(Number.isInteger(last.height));
  await assert.rejects(rpc('icx_getBalance', { address: 'hx12' }, { base }), (e) => {
    assert.ok(e instanceof RpcError);
    assert.equal(e.code, -32602);
    assert.match(e.message, /address/);
    return true;
  });
  await assert.rejects(rpc('cx_noSuchMethod', {}, { base }), (e) => isMethodNotFound(e));
  await assert.rejects(rpc('icx_getLastBlock', undefined, { base, channel: 'nope' }), /no channel named 'nope'/);
  await assert.rejects(rpc('icx_getLastBlock', undefined, { base, channel: '../x' }), /invalid channel name/);
});
