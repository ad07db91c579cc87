// JSON-RPC over TLS with client certificates from the chain CA (docs/membership.md "TLS client
// certificates"): a one-node channel with rpcAuth "tls" and the chain CA; its RA (who signs its
// requests, the bootstrap way in) issues a certificate to a client member; the client reads over
// https with that certificate (Node's https and curl, TLS 1.2 with its secp256k1 key); without a
// certificate, with a stranger's self-made certificate under the same issuer name, with a certificate
// of another CA (refused in the handshake) and after revocation, it is refused with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import WebSocket from 'ws';
import { BIN, cx, tmpdir, waitFor } from './lib.mjs';

const { IconBuilder, IconConverter, IconWallet, SignedTransaction } = IconService.default || IconService;
const PORT = 9451;  // this test's port (9400-9499: the TLS tests)
const CA_NAME = 'tls test CA';
const CA_CONTRACT = 'cx0000000000000000000000000000000000000a03';
const GROUPS = 'X25519:P-256:P-384:secp256k1';  // the client must list secp256k1 to sign with its chain key

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// An ICON private key (64 hex digits) as a PEM EC key: SEC1 ECPrivateKey {1, key, [0] secp256k1}, the
// same bytes as the openssl command in docs/membership.md.
function keyPem(hexKey) {
  const der = Buffer.from(`302e0201010420${hexKey}a00706052b8104000a`, 'hex');
  return crypto.createPrivateKey({ key: der, format: 'der', type: 'sec1' }).export({ format: 'pem', type: 'sec1' });
}

// One JSON-RPC exchange over https: {status, body} or, when the handshake fails, {error}.
function httpsRpc(dir, method, params, { cert, key, headers = {}, raw } = {}) {
  const body = raw ?? JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}) });
  return new Promise((resolve) => {
    const req = https.request({
      host: '127.0.0.1', port: PORT, path: '/api/v3', method: 'POST', ca: fs.readFileSync(path.join(dir, 'tls.crt')),
      cert, key, ecdhCurve: GROUPS, agent: false, headers: { 'content-type': 'application/json', ...headers },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text), protocol: res.socket.getProtocol?.() }));
    });
    req.on('error', (error) => resolve({ error }));
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

// The RA's requests are signed (Cx-Auth, src/rpc/client_auth.hpp): the way in before any certificate.
function signedHeaders(wallet, body) {
  const ts = String(Date.now() * 1000);
  const digest = crypto.createHash('sha3-256').update(`cx-rpc-auth\nPOST /api/v3\n${ts}\n${body}`).digest();
  return { 'Cx-Auth': `${wallet.getAddress()}:${ts}:${wallet.sign(digest.toString('hex'))}` };
}

let nonce = 1;
async function raCall(dir, ra, method, params) {
  const tx = new IconBuilder.CallTransactionBuilder()
    .from(ra.getAddress()).to(CA_CONTRACT)
    .stepLimit(IconConverter.toBigNumber(100000000)).nid(IconConverter.toBigNumber(3))
    .nonce(IconConverter.toBigNumber(nonce++)).version(IconConverter.toBigNumber(3))
    .timestamp(Date.now() * 1000).method(method).params(params).build();
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'icx_sendTransactionAndWait',
    params: new SignedTransaction(tx, ra).getProperties() });
  const r = await httpsRpc(dir, null, null, { raw: body, headers: signedHeaders(ra, body) });
  assert.equal(r.status, 200, JSON.stringify(r.body ?? r.error?.message));
  assert.equal(r.body.result.status, '0x1', JSON.stringify(r.body.result));
  return r.body.result;
}

async function startTlsNode() {
  const dir = tmpdir('tls');
  const out = cx(['init', '--dir', dir, '--port', String(PORT), '--dev-accounts', '3', '--json', '--block-interval-ms', '100']);
  const accounts = JSON.parse(out).accounts;
  const genesisFile = path.join(dir, 'genesis.json');
  const genesis = JSON.parse(fs.readFileSync(genesisFile, 'utf8'));
  genesis.ca = { name: CA_NAME, ras: [accounts[0].address], txPki: false };
  genesis.rpcAuth = 'tls';
  genesis.members = [...(genesis.members ?? []), { address: accounts[0].address, role: 'client' },
    { address: accounts[1].address, role: 'client' }];
  fs.writeFileSync(genesisFile, JSON.stringify(genesis));
  // The server's side is ordinary web PKI (docs/membership.md): a P-256 certificate for 127.0.0.1.
  const mk = run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30',
    '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt'), '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  assert.equal(mk.code, 0, mk.err);
  const configFile = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.rpc.tls = { certFile: 'tls.crt', keyFile: 'tls.key' };
  fs.writeFileSync(configFile, JSON.stringify(config));
  const log = fs.openSync(path.join(dir, 'node.log'), 'a');
  const child = spawn(BIN, ['start', '--dir', dir], { stdio: ['ignore', log, log] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitFor(async () => (await httpsRpc(dir, 'icx_getLastBlock')).status === 401, { timeoutMs: 60000, what: 'https node' });
  const keyFile = (i) => {
    const f = path.join(dir, `key${i}.hex`);
    fs.writeFileSync(f, accounts[i].private_key);
    return f;
  };
  return {
    dir, child, exited,
    ra: IconWallet.loadPrivateKey(accounts[0].private_key),
    holder: { keyFile: keyFile(1), pem: keyPem(accounts[1].private_key) },
    strangerKey: crypto.randomBytes(32).toString('hex'),
  };
}

// A wss:// block monitor from height 1: resolves with the first notification, or {status} when the
// upgrade is refused, or {error} when the connection fails.
function wssFirstBlock(dir, tls) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`wss://127.0.0.1:${PORT}/api/v3/block`, { ca: fs.readFileSync(path.join(dir, 'tls.crt')),
      ecdhCurve: GROUPS, ...tls });
    const messages = [];
    const timer = setTimeout(() => { ws.terminate(); resolve({ error: new Error('timeout'), messages }); }, 20000);
    const done = (r) => { clearTimeout(timer); ws.terminate(); resolve(r); };
    ws.on('open', () => ws.send(JSON.stringify({ height: '0x1' })));
    ws.on('message', (m) => {
      messages.push(JSON.parse(String(m)));
      if (messages.length === 2) done({ messages });
    });
    ws.on('unexpected-response', (_req, res) => done({ status: res.statusCode }));
    ws.on('error', (error) => done({ error, messages }));
  });
}

// `complexchain ca request` offline: the self-signed certificate over an ICON key, as the chain CA's profile wants.
function requestCert(dir, name, keyFile, subject) {
  const certFile = path.join(dir, `${name}.pem`);
  const r = run(path.resolve(BIN), ['ca', 'request', '--key-file', keyFile, '--subject', subject, '--days', '30',
    '--ca-name', CA_NAME, '--nid', '3', '--out', certFile]);
  assert.equal(r.code, 0, r.err);
  return { certFile, pem: fs.readFileSync(certFile), serial: r.out.match(/serial ([0-9a-f]{32})/)[1] };
}

test('https with chain-CA client certificates: issued reads, the rest refused with the reason', { timeout: 180000 }, async () => {
  const node = await startTlsNode();
  const { dir, ra, holder } = node;
  try {
    const noCert = await httpsRpc(dir, 'icx_getLastBlock');
    assert.equal(noCert.status, 401);
    assert.match(noCert.body.error.message, /answers only clients with a TLS client certificate from its chain CA, and none was presented/);

    const cert = requestCert(dir, 'holder', holder.keyFile, 'CN=Kim Minsu,O=Bank A');
    const before = await httpsRpc(dir, 'icx_getLastBlock', null, { cert: cert.pem, key: holder.pem });
    assert.equal(before.status, 401);
    assert.match(before.body.error.message, new RegExp(`certificate ${cert.serial} is not recorded by the chain CA`));

    await raCall(dir, ra, 'requestIssue', { cert: fs.readFileSync(cert.certFile, 'utf8').replace(/-----[^-]+-----|\s/g, '') });
    const read = await httpsRpc(dir, 'icx_getLastBlock', null, { cert: cert.pem, key: holder.pem });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.ok(read.body.result.height >= 1);
    assert.equal(read.protocol, 'TLSv1.2', 'a client listing secp256k1 is held to TLS 1.2');

    // curl, as docs/membership.md shows it (the key converted with openssl from the ICON key's hex).
    const pemFile = path.join(dir, 'holder.key');
    const conv = run('sh', ['-c', `printf '302e0201010420%sa00706052b8104000a' "$(cat ${holder.keyFile})" | xxd -r -p | openssl ec -inform DER -out ${pemFile}`]);
    assert.equal(conv.code, 0, conv.err);
    const curl = run('curl', ['-sS', '--cacert', path.join(dir, 'tls.crt'), '--curves', GROUPS, '--cert', cert.certFile,
      '--key', pemFile, '-H', 'content-type: application/json', '-d', '{"jsonrpc":"2.0","id":1,"method":"icx_getLastBlock"}',
      `https://127.0.0.1:${PORT}/api/v3`]);
    assert.equal(curl.code, 0, curl.err);
    assert.ok(JSON.parse(curl.out).result.height >= 1, curl.out);

    // The CLI: query with flags, tx with the environment (RpcClient over https).
    const url = `https://127.0.0.1:${PORT}/api/v3`;
    const tlsCa = path.join(dir, 'tls.crt');
    const q = run(path.resolve(BIN), ['query', 'block', 'latest', '--rpc', url, '--rpc-ca', tlsCa, '--client-cert', cert.certFile,
      '--client-key', pemFile, '--json']);
    assert.equal(q.code, 0, q.err);
    assert.ok(JSON.parse(q.out).height >= 1, q.out);
    const qNoCert = run(path.resolve(BIN), ['query', 'block', 'latest', '--rpc', url, '--rpc-ca', tlsCa]);
    assert.notEqual(qNoCert.code, 0);
    assert.match(qNoCert.err, /none was presented/);
    const qUntrusted = run(path.resolve(BIN), ['query', 'block', 'latest', '--rpc', url, '--client-cert', cert.certFile,
      '--client-key', pemFile]);
    assert.notEqual(qUntrusted.code, 0, 'the node\'s certificate is not in the system store');
    assert.match(qUntrusted.err, /TLS handshake with .* failed/);
    const env = { ...process.env, CX_RPC_CA: tlsCa, CX_RPC_CLIENT_CERT: cert.certFile, CX_RPC_CLIENT_KEY: pemFile };
    const sent = run(path.resolve(BIN), ['tx', 'transfer', '--to', ra.getAddress(), '--value', '1', '--key-file', holder.keyFile,
      '--rpc', url, '--wait', '--json'], { env });
    assert.equal(sent.code, 0, sent.out + sent.err);
    assert.equal(JSON.parse(sent.out).result.status, '0x1');

    // The block monitor over wss://, on the same TLS session and client certificate.
    const monitor = await wssFirstBlock(dir, { cert: cert.pem, key: holder.pem });
    assert.deepEqual(monitor.messages?.[0], { code: 0 }, String(monitor.error ?? monitor.status));
    assert.equal(monitor.messages[1].height, '0x1');
    assert.equal((await wssFirstBlock(dir, {})).status, 401, 'no certificate, no monitor');

    // A stranger's self-made certificate with the same issuer name passes the profile, not the chain.
    const strangerKeyFile = path.join(dir, 'stranger.hex');
    fs.writeFileSync(strangerKeyFile, node.strangerKey);
    const fake = requestCert(dir, 'stranger', strangerKeyFile, 'CN=Kim Minsu,O=Bank A');
    const strange = await httpsRpc(dir, 'icx_getLastBlock', null, { cert: fake.pem, key: keyPem(node.strangerKey) });
    assert.equal(strange.status, 401);
    assert.match(strange.body.error.message, /is not recorded by the chain CA .*unknown/);

    // A secp256k1 certificate of no chain CA at all fails the profile in the handshake: a TLS alert.
    const other = run('openssl', ['req', '-x509', '-new', '-key', pemFile, '-subj', '/CN=Kim Minsu/O=Bank A', '-days', '30']);
    assert.equal(other.code, 0, other.err);
    const alien = await httpsRpc(dir, 'icx_getLastBlock', null, { cert: other.out, key: holder.pem });
    assert.ok(alien.error, `expected a handshake failure, got ${alien.status}`);
    assert.match(String(alien.error.code ?? '') + alien.error.message, /alert|ECONNRESET|EPROTO/);

    // A client member may not sign its way in: it needs the certificate.
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'icx_getLastBlock' });
    const holderWallet = IconWallet.loadPrivateKey(fs.readFileSync(holder.keyFile, 'utf8').trim());
    const signed = await httpsRpc(dir, null, null, { raw: body, headers: signedHeaders(holderWallet, body) });
    assert.equal(signed.status, 401);
    assert.match(signed.body.error.message, /may not sign requests/);

    // Revoked: refused from the next request on.
    // The RA revokes with the CLI, its requests signed with its member key (--auth-key).
    const raKeyFile = path.join(dir, 'ra.hex');
    fs.writeFileSync(raKeyFile, ra.getPrivateKey());
    const rv = run(path.resolve(BIN), ['ca', 'revoke', '--serial', cert.serial, '--reason', 'keyCompromise', '--key-file', raKeyFile,
      '--auth-key', raKeyFile, '--rpc', url, '--rpc-ca', tlsCa, '--wait', '--json']);
    assert.equal(rv.code, 0, rv.out + rv.err);
    const revoked = await httpsRpc(dir, 'icx_getLastBlock', null, { cert: cert.pem, key: holder.pem });
    assert.equal(revoked.status, 401);
    assert.match(revoked.body.error.message, new RegExp(`certificate ${cert.serial} is revoked at height`));

    // /health needs no certificate (load balancers probe it).
    const health = run('curl', ['-sS', '--cacert', path.join(dir, 'tls.crt'), `https://127.0.0.1:${PORT}/health`]);
    assert.match(health.out, /"status":"ok"/);
  } finally {
    node.child.kill('SIGTERM');
    await node.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
