// Helpers for reconfiguration under load (tests/functional/reconfig_load.test.mjs and the benchmarks
// scripts/bench_reconfig.mjs, scripts/bench_follower.mjs): governance txs signed with localnet node
// keys, `complexchain bench` as a child process for load, a sampler of every node's height, and a
// block's consensus fields (cx_getBlockHeader).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { BIN, rpc, waitFor, hex, signedTransfer } from './lib.mjs';

const SDK = IconService.default || IconService;
const { IconWallet } = SDK;
export { GOV, send as govSend, call as govCall, decideAt as decide } from './gov_lib.mjs';

// A wallet from a hex private key (a localnet account's).
export const walletOf = (privateKey) => IconWallet.loadPrivateKey(privateKey);

// The wallet of localnet node `i` (its node key: validators are tier 1 in a genesis without tiers).
export function nodeWallet(netDir, i) {
  const doc = JSON.parse(fs.readFileSync(path.join(netDir, 'accounts.json'), 'utf8'));
  return IconWallet.loadPrivateKey(fs.readFileSync(path.join(doc.nodes[i].dir, 'node.key'), 'utf8').trim());
}

// Sends `icx` ICX from `from` to each address and waits for every result; returns the results.
export async function fund(url, from, addresses, icx) {
  const hashes = [];
  for (const to of addresses) {
    const tx = signedTransfer(from, to, { value: (BigInt(icx) * 10n ** 18n).toString(), nonce: Math.floor(Math.random() * 1e9) });
    hashes.push(await rpc(url, 'icx_sendTransaction', tx.getProperties()));
  }
  return Promise.all(hashes.map((txHash) =>
    waitFor(() => rpc(url, 'icx_getTransactionResult', { txHash }), { timeoutMs: 30000, what: 'a funding transfer' })));
}

// A block's consensus fields as numbers: {height, hash, round, timestampUs, proposer, txCount, ...}.
export async function blockHeader(url, height) {
  const h = await rpc(url, 'cx_getBlockHeader', { height: hex(height) });
  return {
    height: Number(h.height), hash: h.hash, round: Number(h.round), proposer: h.proposer,
    timestampUs: Number(BigInt(h.timestamp)), txCount: Number(h.txCount),
    validatorsHash: h.validatorsHash, nextValidatorsHash: h.nextValidatorsHash,
  };
}

// `complexchain bench` against `urls` as a child process (`watch`: URLs for its --watch). done resolves
// to {code, report} (the --json report, or null when it printed none); stop() ends it early (SIGTERM).
export function startBench(accountsFile, urls, { txs, rate = 0, senders = 100, timeoutS = 60, watch = [] } = {}) {
  const args = ['bench', '--accounts-file', accountsFile, '--rpc', urls.join(','), '--txs', String(txs),
    '--senders', String(senders), '--timeout', String(timeoutS), '--json'];
  if (rate) args.push('--rate', String(rate));
  if (watch.length) args.push('--watch', watch.join(','));
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  let exited = false;
  // A binary that cannot be started ends the run like one that exits at once (the caller sees no report).
  child.on('error', (e) => { err += `cannot run ${BIN}: ${e.message}`; child.emit('exit', null, null); });
  const done = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    let report = null;
    try {
      report = JSON.parse(out);
    } catch {
      report = null;
    }
    resolve({ code, signal, report, stderr: err.slice(-2000) });
  }));
  return { done, running: () => !exited, stop: () => { if (!exited) child.kill('SIGTERM'); return done; } };
}

// Samples the height of every node in `urls` every `intervalMs` (icx_getNetworkInfo's "latest", a few
// bytes). For each sample: the time and each node's height (null when it did not answer). seenAt[i]
// maps a height to the first time node i was seen at or above it.
export class HeightSampler {
  constructor(urls, { intervalMs = 200 } = {}) {
    this.urls = urls;
    this.intervalMs = intervalMs;
    this.samples = [];
    this.seenAt = urls.map(() => new Map());
    this.top = urls.map(() => 0);
    this.running = false;
  }

  start() {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const started = Date.now();
        const heights = await Promise.all(this.urls.map((u) => rpc(u, 'icx_getNetworkInfo')
          .then((r) => Number(r.latest)).catch(() => null)));
        const t = Date.now();
        heights.forEach((h, i) => {
          if (h === null) return;
          for (let k = this.top[i] + 1; k <= h; ++k) this.seenAt[i].set(k, t);
          this.top[i] = Math.max(this.top[i], h);
        });
        this.samples.push({ t, heights });
        await new Promise((r) => setTimeout(r, Math.max(0, this.intervalMs - (t - started))));
      }
    })();
    return this;
  }

  async stop() {
    this.running = false;
    await this.loop;
  }

  // Lag of node `i` behind the highest of `refs` in each sample from `fromMs` to `toMs`, in blocks; a
  // sample where node i did not answer counts as Infinity. Returns the list.
  lagBlocks(i, refs, fromMs = 0, toMs = Infinity) {
    const out = [];
    for (const s of this.samples) {
      if (s.t < fromMs || s.t > toMs) continue;
      const ref = Math.max(...refs.map((r) => s.heights[r] ?? 0));
      out.push(s.heights[i] === null ? Infinity : Math.max(0, ref - s.heights[i]));
    }
    return out;
  }

  // For each height the refs first reached between `fromMs` and `toMs`, how much later node i was first
  // seen at it (ms); heights node i never reached are left out (lagBlocks shows those).
  lagMs(i, refs, fromMs = 0, toMs = Infinity) {
    const out = [];
    for (const [h, t] of this.seenAt[i]) {
      const first = Math.min(...refs.map((r) => this.seenAt[r].get(h) ?? Infinity));
      if (first === Infinity || first < fromMs || first > toMs) continue;
      out.push(Math.max(0, t - first));
    }
    return out;
  }
}

// {median, p90, max} of a list of numbers (null for an empty list).
export function summary(values) {
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { n: v.length, median: v[Math.floor((v.length - 1) / 2)], p90: at(0.9), max: v[v.length - 1] };
}
