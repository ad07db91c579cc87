// Benchmark: "a validator-set change costs at most one extra round" (issue 13, docs/governance.md
// "How fast"). A fresh localnet of 4 validators and a spare; `complexchain bench` offers RATE tx/s to the
// validators while governance makes CHANGES set changes in turn — add the spare, reweight node0 to 2,
// remove the spare, reweight node0 back to 1, … — each waited out before the next. For each effective
// height E it reads the LFT round of blocks E-2..E+3 (cx_getBlockHeader; when no round fails block h is
// in round h, so round(h) − round(h−1) − 1 is the rounds lost before h) and the block interval at the
// boundary, against the medians of the rest of the loaded run. Verdict: at most one extra round at
// every boundary.
//   usage: node scripts/bench_reconfig.mjs [--changes K] [--rate TPS] [--json]
//   (env CX_BIN: the binary, default build/complexchain; needs tests/functional/node_modules)
import fs from 'node:fs';
import path from 'node:path';
import { startLocalnet, waitFor, height } from '../tests/functional/lib.mjs';
import { nodeWallet, walletOf, fund, decide, blockHeader, startBench, summary } from '../tests/functional/reconfig_lib.mjs';

const opts = parseArgs(process.argv.slice(2), { changes: 6, rate: 400 });
const SPARE = 4;
const SETTLE = 6;  // blocks after an effective height before the next change is proposed

function parseArgs(argv, defaults) {
  const out = { ...defaults, json: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--json') out.json = true;
    else if (a === '--changes' || a === '--rate') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1 || v > (a === '--changes' ? 40 : 20000)) throw new Error(`${a} '${argv[i]}': expected 1..${a === '--changes' ? 40 : 20000}`);
      out[a.slice(2)] = v;
    } else {
      throw new Error(`unknown argument '${a}' (usage: bench_reconfig.mjs [--changes K] [--rate TPS] [--json])`);
    }
  }
  return out;
}

// The K changes, in turn: [action, args] given the spare's and node0's addresses.
function changeList(k, spare, v0) {
  const cycle = [
    ['addValidator', { address: spare }],
    ['setValidatorWeight', { address: v0, weight: '0x2' }],
    ['removeValidator', { address: spare }],
    ['setValidatorWeight', { address: v0, weight: '0x1' }],
  ];
  return Array.from({ length: k }, (_, i) => cycle[i % cycle.length]);
}

const log = (...a) => { if (!opts.json) console.error(...a); };
const loadBefore = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const net = startLocalnet(3, 4, { spares: 1 });
let bench;
try {
  const urls = net.nodes.map((n) => n.rpc);
  const url = urls[0];
  const wallets = urls.map((_, i) => nodeWallet(net.dir, i));
  const voters = wallets.slice(0, 3);
  const spare = wallets[SPARE].getAddress();
  await waitFor(async () => (await height(url)) >= 2, { timeoutMs: 60000, what: 'height 2' });
  await fund(url, walletOf(net.accounts[1].private_key), voters.map((w) => w.getAddress()), 1000);
  await decide(url, voters, 'addMember', { address: spare, tier: '0x3', roles: ['follower'] });
  await waitFor(async () => (await height(urls[SPARE])) >= (await height(url)) - 1, { timeoutMs: 60000, what: 'the spare in sync' });

  // Load for the whole run: about 8 s a change plus the start, offered at --rate.
  const loadS = 15 + 8 * opts.changes;
  bench = startBench(path.join(net.dir, 'accounts.json'), urls.slice(0, 4), { txs: opts.rate * loadS, rate: opts.rate });
  const from = await height(url);
  let loaded = 0;
  for (let h = from + 1; loaded < 2 * opts.rate; ++h) {
    await waitFor(async () => (await height(url)) >= h, { timeoutMs: 60000, what: `height ${h}` });
    loaded += (await blockHeader(url, h)).txCount;
  }
  const first = await height(url);
  const changes = [];
  for (const [action, args] of changeList(opts.changes, spare, wallets[0].getAddress())) {
    const d = await decide(url, voters, action, args);
    changes.push({ action, ...args, approvedAt: d.approvedAt, effective: d.effective });
    log(`${action} ${JSON.stringify(args)}: approved in ${d.approvedAt}, effective at ${d.effective}`);
    await waitFor(async () => (await height(url)) >= d.effective + SETTLE, { timeoutMs: 60000, what: `height ${d.effective + SETTLE}` });
  }
  const last = await height(url);
  const loadRunning = bench.running();
  const { report } = await bench.done;
  const loadAfter = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

  // Rounds and block times of the loaded run, from node0.
  const headers = new Map();
  for (let h = first - 1; h <= last; ++h) headers.set(h, await blockHeader(url, h));
  const extra = (h) => headers.get(h).round - headers.get(h - 1).round - 1;
  const intervalMs = (h) => (headers.get(h).timestampUs - headers.get(h - 1).timestampUs) / 1000;
  const near = new Set(changes.flatMap((c) => [-2, -1, 0, 1, 2, 3].map((d) => c.effective + d)));
  const baseline = [];
  for (let h = first; h <= last; ++h) if (!near.has(h)) baseline.push(h);
  const base = { extraRounds: summary(baseline.map(extra)), intervalMs: summary(baseline.map(intervalMs)) };
  for (const c of changes) {
    const e = c.effective;
    c.rounds = [-2, -1, 0, 1, 2, 3].map((d) => headers.get(e + d).round);
    c.extraRounds = [-1, 0, 1, 2, 3].map((d) => extra(e + d));  // before E−1, E, E+1, E+2, E+3
    c.extraAtBoundary = extra(e);
    c.intervalAtBoundaryMs = intervalMs(e);
    c.intervalAfterMs = intervalMs(e + 1);
    c.txsAtBoundary = headers.get(e).txCount + headers.get(e - 1).txCount;
  }
  const atBoundary = summary(changes.map((c) => c.extraAtBoundary));
  const out = {
    validators: 4, changes: changes.length, offeredTps: opts.rate,
    committedTps: report?.committed_tps ?? null, loadCoveredAllChanges: loadRunning,
    heights: [first, last], machineLoad: { before: loadBefore, after: loadAfter },
    baseline: base,
    boundary: { extraRounds: atBoundary, intervalMs: summary(changes.map((c) => c.intervalAtBoundaryMs)) },
    perChange: changes,
    verdict: atBoundary.max <= 1 ? 'pass: at most one extra round at every boundary' : `fail: ${atBoundary.max} extra rounds at a boundary`,
  };
  if (opts.json) {
    console.log(JSON.stringify(out, null, 2));
  } else {
    for (const c of changes) {
      console.log(`${c.action.padEnd(18)} E=${c.effective}: rounds ${c.rounds.join(' ')}; extra rounds E-1..E+3 ${c.extraRounds.join(' ')}; ` +
        `interval at E ${c.intervalAtBoundaryMs} ms, E+1 ${c.intervalAfterMs} ms; ${c.txsAtBoundary} txs in E-1,E`);
    }
    console.log(`baseline (${baseline.length} blocks): extra rounds median ${base.extraRounds.median} max ${base.extraRounds.max}; ` +
      `interval median ${base.intervalMs.median} ms, p90 ${base.intervalMs.p90} ms, max ${base.intervalMs.max} ms`);
    console.log(`boundaries (${changes.length}): extra rounds median ${atBoundary.median} max ${atBoundary.max}; ` +
      `interval median ${out.boundary.intervalMs.median} ms, max ${out.boundary.intervalMs.max} ms`);
    console.log(`load: offered ${opts.rate} tx/s, committed ${out.committedTps} tx/s, covered every change: ${loadRunning}; ` +
      `machine load ${loadBefore} -> ${loadAfter}`);
    console.log(`verdict: ${out.verdict}`);
  }
  process.exitCode = atBoundary.max <= 1 && loadRunning ? 0 : 1;
} finally {
  await bench?.stop();
  net.stop();
}
