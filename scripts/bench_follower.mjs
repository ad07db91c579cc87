// Benchmark: "a follower keeps up with 4 validators running at their full rate" (issue 13,
// docs/membership.md "How fast"). A fresh localnet of 4 validators and FOLLOWERS followers;
// `complexchain bench` submits TXS transfers to the validators as fast as they are accepted (or offered
// at --rate TPS),
// while every node's height is sampled every 100 ms. Reported for each follower, over the loaded run:
// its lag behind the highest validator in blocks (per sample) and in ms (per height: when the follower
// was first seen at it minus when the first validator was), with the slowest validator's own lag as
// the yardstick. Verdict: the follower's median lag is within one block, and its max lag in blocks
// no worse than twice the slowest validator's plus 2.
//   usage: node scripts/bench_follower.mjs [--txs N] [--rate TPS] [--followers F] [--block-interval-ms MS] [--json]
//   (env CX_BIN: the binary, default build/complexchain; needs tests/functional/node_modules)
import fs from 'node:fs';
import path from 'node:path';
import { startLocalnet, waitFor, height } from '../tests/functional/lib.mjs';
import { startBench, HeightSampler, summary } from '../tests/functional/reconfig_lib.mjs';

const LIMITS = { txs: [1000, 1000000], rate: [0, 100000], followers: [1, 4], 'block-interval-ms': [50, 5000] };
const opts = { txs: 60000, rate: 0, followers: 1, 'block-interval-ms': 300, json: false };
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  const name = a.slice(2);
  if (a === '--json') {
    opts.json = true;
  } else if (LIMITS[name]) {
    const v = Number(process.argv[++i]);
    if (!Number.isInteger(v) || v < LIMITS[name][0] || v > LIMITS[name][1]) throw new Error(`${a} '${process.argv[i]}': expected ${LIMITS[name].join('..')}`);
    opts[name] = v;
  } else {
    throw new Error(`unknown argument '${a}' (usage: bench_follower.mjs [--txs N] [--rate TPS] [--followers F] [--block-interval-ms MS] [--json])`);
  }
}

const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadBefore = loadavg();
const net = startLocalnet(3, 4, { followers: opts.followers, blockIntervalMs: opts['block-interval-ms'] });
let bench;
try {
  const urls = net.nodes.map((n) => n.rpc);
  const validators = [0, 1, 2, 3];
  const followers = urls.map((_, i) => i).slice(4);
  await waitFor(async () => Math.min(...(await Promise.all(urls.map(height)))) >= 2, { timeoutMs: 60000, what: 'every node at height 2' });
  const sampler = new HeightSampler(urls, { intervalMs: 100 }).start();
  bench = startBench(path.join(net.dir, 'accounts.json'), validators.map((i) => urls[i]), { txs: opts.txs, rate: opts.rate, senders: 200 });
  const { code, report, stderr } = await bench.done;
  await sampler.stop();
  if (!report) throw new Error(`bench printed no report (exit ${code}): ${stderr}`);
  const loadAfter = loadavg();
  // The loaded run: from the first block with a bench tx to the last.
  const firstSeen = (h) => Math.min(...validators.map((v) => sampler.seenAt[v].get(h) ?? Infinity));
  const from = firstSeen(report.first_height);
  const to = firstSeen(report.last_height);
  const perNode = (i) => {
    const refs = validators.filter((v) => v !== i);
    return { node: i, lagBlocks: summary(sampler.lagBlocks(i, refs, from, to)), lagMs: summary(sampler.lagMs(i, refs, from, to)) };
  };
  const vals = validators.map(perNode);
  const slowest = vals.reduce((a, b) => (b.lagBlocks.max > a.lagBlocks.max ? b : a));
  const fols = followers.map(perNode);
  const ok = fols.every((f) => f.lagBlocks.median <= 1 && f.lagBlocks.max <= 2 * slowest.lagBlocks.max + 2);
  const out = {
    validators: 4, followers: opts.followers, blockIntervalMs: opts['block-interval-ms'],
    bench: { txs: opts.txs, offeredTps: opts.rate, committed: report.committed, committedTps: report.committed_tps, heights: [report.first_height, report.last_height],
      meanTxsPerBlock: report.mean_txs_per_block, latencyMs: report.latency_ms },
    samples: sampler.samples.filter((s) => s.t >= from && s.t <= to).length, machineLoad: { before: loadBefore, after: loadAfter },
    followerLag: fols, slowestValidatorLag: slowest, validatorLag: vals,
    verdict: ok ? 'pass: every follower keeps up' : 'fail: a follower falls behind',
  };
  if (opts.json) {
    console.log(JSON.stringify(out, null, 2));
  } else {
    const line = (who, s) => `${who}: lag in blocks median ${s.lagBlocks.median}, p90 ${s.lagBlocks.p90}, max ${s.lagBlocks.max}; ` +
      `in ms median ${s.lagMs.median}, p90 ${s.lagMs.p90}, max ${s.lagMs.max} (${s.lagBlocks.n} samples, ${s.lagMs.n} heights)`;
    console.log(`bench: ${report.committed}/${opts.txs} committed at ${report.committed_tps} tx/s, heights ${report.first_height}..${report.last_height}, ` +
      `${report.mean_txs_per_block} txs/block, latency p50 ${report.latency_ms.p50} ms`);
    for (const f of fols) console.log(line(`follower node${f.node}`, f));
    console.log(line(`slowest validator node${slowest.node}`, slowest));
    console.log(`machine load ${loadBefore} -> ${loadAfter}`);
    console.log(`verdict: ${out.verdict}`);
  }
  process.exitCode = ok && report.complete ? 0 : 1;
} finally {
  await bench?.stop();
  net.stop();
}
