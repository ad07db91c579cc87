// Benchmark: "a follower keeps up with 4 validators running at their full rate" (issue 13,
// docs/membership.md "How fast"). A fresh localnet of 4 validators and FOLLOWERS followers;
// `complexchain bench --watch` submits TXS transfers to the validators as fast as they are accepted (or
// offered at --rate TPS) and samples every node's height every 100 ms during the run. Reported for each
// follower: its lag behind the highest validator in blocks (per sample) and in ms (per height: when the
// follower was first seen at it minus when the first validator was), with the slowest validator's own
// lag as the yardstick. Verdict: the follower always answered, its median lag is within one block, and
// its max lag in blocks is no worse than twice the slowest validator's plus 2.
//   usage: node scripts/bench_follower.mjs [--txs N] [--rate TPS] [--followers F] [--block-interval-ms MS] [--json]
//   (env CX_BIN: the binary, default build/complexchain; needs tests/functional/node_modules)
import fs from 'node:fs';
import path from 'node:path';
import { startLocalnet, waitFor, height } from '../tests/functional/lib.mjs';
import { startBench } from '../tests/functional/reconfig_lib.mjs';

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
  await waitFor(async () => Math.min(...(await Promise.all(urls.map(height)))) >= 2, { timeoutMs: 60000, what: 'every node at height 2' });
  // bench --watch samples every node (validators too, as the yardstick) against the four validators.
  bench = startBench(path.join(net.dir, 'accounts.json'), validators.map((i) => urls[i]),
    { txs: opts.txs, rate: opts.rate, senders: 200, watch: urls });
  const { code, report, stderr } = await bench.done;
  if (!report?.watch) throw new Error(`bench printed no report (exit ${code}): ${stderr}`);
  const loadAfter = loadavg();
  const perNode = report.watch.map((w, i) => ({ node: i, ...w }));
  const vals = perNode.slice(0, 4);
  const slowest = vals.reduce((a, b) => (b.lag_blocks.max > a.lag_blocks.max ? b : a));
  const fols = perNode.slice(4);
  const ok = fols.every((f) => f.unanswered === 0 && f.lag_blocks.median <= 1 && f.lag_blocks.max <= 2 * slowest.lag_blocks.max + 2);
  const out = {
    validators: 4, followers: opts.followers, blockIntervalMs: opts['block-interval-ms'],
    bench: { txs: opts.txs, offeredTps: opts.rate, committed: report.committed, committedTps: report.committed_tps, heights: [report.first_height, report.last_height],
      meanTxsPerBlock: report.mean_txs_per_block, latencyMs: report.latency_ms },
    machineLoad: { before: loadBefore, after: loadAfter },
    followerLag: fols, slowestValidatorLag: slowest, validatorLag: vals,
    verdict: ok ? 'pass: every follower keeps up' : 'fail: a follower falls behind',
  };
  if (opts.json) {
    console.log(JSON.stringify(out, null, 2));
  } else {
    const line = (who, s) => `${who}: lag in blocks median ${s.lag_blocks.median}, p90 ${s.lag_blocks.p90}, max ${s.lag_blocks.max}; ` +
      `in ms median ${s.lag_ms.median}, p90 ${s.lag_ms.p90}, max ${s.lag_ms.max} (${s.samples} samples, ${s.unanswered} unanswered, ${s.heights} heights)`;
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
