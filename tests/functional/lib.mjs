// Shared helpers for functional tests: real complexchain processes on loopback.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import IconService from 'icon-sdk-js';

const { IconBuilder, IconConverter, IconWallet, SignedTransaction } = IconService.default || IconService;

export const BIN = process.env.CX_BIN || path.resolve(import.meta.dirname, '../../build/complexchain');

export function tmpdir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cx-${name}-`));
}

export function cx(args, opts = {}) {
  return execFileSync(BIN, args, { encoding: 'utf8', ...opts });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitFor(fn, { timeoutMs = 30000, intervalMs = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

// Starts `complexchain localnet` in the background in a fresh directory; returns its JSON summary.
// `spares`: nodes whose keys are not members (they wait for governance); `rpcAuth: 'signed'`: signed RPC only.
// `port`/`p2pPort`: fixed base ports (default: free ones); `ca`: the channel has a chain CA whose RA is
// the first funded account.
export function startLocalnet(accounts = 5, validators = 1,
  { blockIntervalMs, followers = 0, spares = 0, rpcAuth, port = 0, p2pPort, ca = false } = {}) {
  const dir = tmpdir('localnet');
  const interval = blockIntervalMs ? ['--block-interval-ms', String(blockIntervalMs)] : [];
  const extra = [...(spares ? ['--spares', String(spares)] : []), ...(rpcAuth ? ['--rpc-auth', rpcAuth] : []),
    ...(p2pPort ? ['--p2p-port', String(p2pPort)] : []), ...(ca ? ['--ca'] : [])];
  const out = cx(['localnet', 'start', '--dir', dir, '--port', String(port), '--accounts', String(accounts),
    '--validators', String(validators), '--followers', String(followers), ...interval, ...extra, '--json']);
  const info = JSON.parse(out);
  return { dir, ...info, stop: () => cx(['localnet', 'reset', '--dir', dir]) };
}

// A TCP forwarder from a free loopback port to 127.0.0.1:targetPort, for partitions without root or
// network namespaces. cut() drops every proxied connection and, until heal(), closes new ones as soon as
// they are accepted, so both ends see their peer go away and keep re-dialling.
export class TcpProxy {
  static async start(targetPort) {
    const proxy = new TcpProxy(targetPort);
    await new Promise((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', resolve);
    });
    proxy.server.unref();  // a test stuck elsewhere ends (and says so) instead of being kept alive by this
    proxy.port = proxy.server.address().port;
    return proxy;
  }

  constructor(targetPort) {
    this.targetPort = targetPort;
    this.isCut = false;
    this.accepted = 0;  // connections forwarded since start
    this.sockets = new Set();
    this.server = net.createServer((client) => this.#forward(client));
  }

  #forward(client) {
    if (this.isCut) {
      client.destroy();
      return;
    }
    ++this.accepted;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair = [client, upstream];
    for (const s of pair) {
      s.unref();
      this.sockets.add(s);
      s.on('error', () => {});  // resets and refused dials end in 'close' below
      s.on('close', () => {
        this.sockets.delete(s);
        for (const other of pair) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  cut() {
    this.isCut = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  heal() {
    this.isCut = false;
  }

  close() {
    this.cut();
    this.server.close();
  }
}

// Puts node `index` of the localnet in DIR behind TCP proxies from the next (re)start on: the other nodes'
// peer entry for it points at a proxy to its p2p port, and its peer entries for the others at one proxy
// each, so every p2p connection between it and the rest (whoever dials) crosses a proxy. Returns them as
// one switch.
export async function proxyLocalnetNode(dir, index) {
  const accounts = JSON.parse(fs.readFileSync(path.join(dir, 'accounts.json'), 'utf8'));
  const validators = accounts.nodes.map((n) => n.validator);
  const configPath = (i) => path.join(dir, `node${i}`, 'config.json');
  const configs = validators.map((_, i) => JSON.parse(fs.readFileSync(configPath(i), 'utf8')));
  const p2pOf = (c) => c.channels[0].p2p;  // the localnet channel's listener and peers
  const proxies = await Promise.all(configs.map((c) => TcpProxy.start(p2pOf(c).port)));
  configs.forEach((c, i) => {
    for (const peer of p2pOf(c).peers) {
      const j = validators.indexOf(peer.address);
      if (j < 0) throw new Error(`node${i} has a peer ${peer.address} that is not a localnet validator`);
      if (i === index) peer.port = proxies[j].port;  // the isolated node reaches everyone through proxies
      else if (j === index) peer.port = proxies[index].port;  // and everyone reaches it through one
    }
    fs.writeFileSync(configPath(i), JSON.stringify(c));
  });
  return {
    proxies,
    accepted: () => proxies.reduce((sum, p) => sum + p.accepted, 0),
    cut: () => proxies.forEach((p) => p.cut()),
    heal: () => proxies.forEach((p) => p.heal()),
    close: () => proxies.forEach((p) => p.close()),
  };
}

// A node started with `complexchain init` + `complexchain start` as a child we can SIGKILL.
export class NodeProcess {
  constructor(dir, port) {
    this.dir = dir;
    this.port = port;
    this.url = `http://127.0.0.1:${port}/api/v3`;
    this.child = null;
  }

  static async init(devAccounts) {
    const dir = tmpdir('node');
    const port = await freePort();
    const out = cx(['init', '--dir', dir, '--port', String(port), '--dev-accounts', String(devAccounts), '--json',
      '--block-interval-ms', '100']);
    const node = new NodeProcess(dir, port);
    node.accounts = JSON.parse(out).accounts;
    return node;
  }

  async start() {
    const log = fs.openSync(path.join(this.dir, 'node.log'), 'a');
    this.child = spawn(BIN, ['start', '--dir', this.dir], { stdio: ['ignore', log, log] });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    // Up once it answers; a node that exits while starting fails at once, with the end of its log.
    let gone = null;
    this.exited.then((e) => { gone = e; });
    await waitFor(async () => gone || rpc(this.url, 'icx_getLastBlock', undefined).then(() => true),
      { timeoutMs: 120000, what: `node on ${this.port} answering` });
    if (gone) {
      throw new Error(`the node exited while starting (code ${gone.code}, signal ${gone.signal}):\n` +
                      this.log().split('\n').slice(-6).join('\n'));
    }
  }

  async kill(signal = 'SIGKILL') {
    this.child.kill(signal);
    return this.exited;
  }

  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  log() {
    try {
      return fs.readFileSync(path.join(this.dir, 'node.log'), 'utf8');
    } catch {
      return '';
    }
  }
}

let nextId = 1;
// Raw JSON-RPC over fetch: returns {status, body} without interpreting errors. A request that gets no
// full answer within 60 s fails, so a stuck call cannot hang a test past its cleanup.
export async function rawRpc(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(60000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text };
}

export async function rpc(url, method, params) {
  const req = { jsonrpc: '2.0', id: nextId++, method };
  if (params !== undefined) req.params = params;
  const { body, text } = await rawRpc(url, req);
  if (!body) throw new Error(`not JSON: ${text.slice(0, 200)}`);
  if (body.error) {
    const e = new Error(body.error.message);
    e.code = body.error.code;
    throw e;
  }
  return body.result;
}

// A signed ICX transfer's params, as icon-sdk-js builds them (nid 3 unless given).
export function signedTransfer(from, to, { value = 1, nonce = 1, nid = 3, timestamp = Date.now() * 1000 } = {}) {
  const tx = new IconBuilder.IcxTransactionBuilder()
    .from(from.getAddress())
    .to(to)
    .value(IconConverter.toBigNumber(value))
    .stepLimit(IconConverter.toBigNumber(100000))
    .nid(IconConverter.toBigNumber(nid))
    .nonce(IconConverter.toBigNumber(nonce))
    .version(IconConverter.toBigNumber(3))
    .timestamp(timestamp)
    .build();
  return new SignedTransaction(tx, from);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const hex = (n) => `0x${n.toString(16)}`;
export const height = async (url) => (await rpc(url, 'icx_getLastBlock')).height;

// Load on a localnet: each funded account submits transfers to a rotating node and waits for the
// result there. `acked` maps every tx whose result came back final with status 0x1 to where it was
// committed ({blockHeight, blockHash}); `sink` receives every transfer; stop() ends the load.
export function startLoad(net) {
  const urls = net.nodes.map((n) => n.rpc);
  const sink = IconWallet.create().getAddress();
  const acked = new Map();
  let running = true;
  let nonce = 0;
  const workers = net.accounts.map(async (a, i) => {
    const w = IconWallet.loadPrivateKey(a.private_key);
    let k = i;
    while (running) {
      const url = urls[k++ % urls.length];
      const tx = signedTransfer(w, sink, { value: 1 + nonce, nonce: nonce++ }).getProperties();
      const hash = await rpc(url, 'icx_sendTransaction', tx).catch(() => null);
      if (!hash) {
        await sleep(100);
        continue;
      }
      const deadline = Date.now() + 20000;
      while (running && Date.now() < deadline) {
        const r = await rpc(url, 'icx_getTransactionResult', { txHash: hash }).catch((e) => e);
        if (!(r instanceof Error)) {
          if (r.status === '0x1') acked.set(hash, { blockHeight: r.blockHeight, blockHash: r.blockHash });
          break;
        }
        if (r.code !== -31002 && r.code !== -31003) break;  // not pending or executing: node gone
        await sleep(50);
      }
    }
  });
  return {
    acked,
    sink,
    stop: () => {
      running = false;
      return Promise.all(workers);
    },
  };
}

// A signed call tx (icon-sdk-js) of `method` on contract `to`, with an optional value (nid 3, a random nonce).
export function callTx(wallet, to, method, params, value) {
  let b = new IconBuilder.CallTransactionBuilder()
    .from(wallet.getAddress())
    .to(to)
    .stepLimit(IconConverter.toBigNumber('2000000000'))
    .nid(IconConverter.toBigNumber(3))
    .nonce(IconConverter.toBigNumber(Math.floor(Math.random() * 1e9)))
    .version(IconConverter.toBigNumber(3))
    .timestamp(Date.now() * 1000)
    .method(method)
    .params(params);
  if (value) b = b.value(value);
  return new SignedTransaction(b.build(), wallet);
}

// The IRC2 example (examples/contracts/irc2) as a signed deploy's params, with its constructor params.
export const IRC2_SOURCE = path.resolve(import.meta.dirname, '../../examples/contracts/irc2/main.lua');
export function irc2DeployTx(wallet, params, timestamp) {
  const tx = new IconBuilder.DeployTransactionBuilder()
    .from(wallet.getAddress()).to('cx0000000000000000000000000000000000000000')
    .stepLimit(IconConverter.toBigNumber('2000000000'))
    .nid(IconConverter.toBigNumber(3)).nonce(IconConverter.toBigNumber(1)).version(IconConverter.toBigNumber(3))
    .timestamp(timestamp)
    .contentType('application/x-lua')
    .content(`0x${fs.readFileSync(IRC2_SOURCE).toString('hex')}`)
    .params(params)
    .build();
  return new SignedTransaction(tx, wallet).getProperties();
}

// A signed IRC2 transfer(_to, _value) call's params.
export function irc2TransferCall(wallet, token, to, value, timestamp) {
  const tx = new IconBuilder.CallTransactionBuilder()
    .from(wallet.getAddress()).to(token)
    .stepLimit(IconConverter.toBigNumber('10000000'))
    .nid(IconConverter.toBigNumber(3)).nonce(IconConverter.toBigNumber(1)).version(IconConverter.toBigNumber(3))
    .timestamp(timestamp)
    .method('transfer').params({ _to: to, _value: hex(value) })
    .build();
  return new SignedTransaction(tx, wallet).getProperties();
}
