// GET /metrics on a real localnet: the Prometheus text is well formed, and the series move under load
// (height, txs committed, RPC counters and latency histograms, admission failures); then
// `complexchain status` reads the same node (ok, exit 0), a port with no node (unreachable, exit 5) and
// the node once its only peer is stopped (stalled, exit 4); complexchain_consensus_total_txs is the
// chain's total, kept across a restart of the whole network; a follower restarted far behind reports
// syncing (exit 3), then ok.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import IconService from 'icon-sdk-js';
import { BIN, cx, startLocalnet, rpc, rawRpc, signedTransfer, waitFor, freePort, height } from './lib.mjs';

const { IconWallet } = IconService.default || IconService;

let net;
let base;
before(() => {
  net = startLocalnet(3, 2);  // two validators: peers, rounds and votes are real
  base = new URL(net.rpc).origin;
});
after(() => net && net.stop());

// {name -> [{labels, value}]} and the raw text, after checking every line's shape.
async function scrape() {
  const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10000) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const series = new Map();
  const types = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = line.match(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/);
    if (m) {
      if (m[1] === 'TYPE') {
        assert.ok(!types.has(m[2]), `TYPE of ${m[2]} given twice`);
        assert.match(m[3], /^(counter|gauge|histogram)$/);
        types.set(m[2], m[3]);
      }
      continue;
    }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|\+Inf)$/);
    assert.ok(m, `not a sample line of the text format: ${JSON.stringify(line)}`);
    const labels = {};
    for (const [, k, v] of (m[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    if (!series.has(m[1])) series.set(m[1], []);
    series.get(m[1]).push({ labels, value: Number(m[3]) });
  }
  return { series, types, text };
}

// The value of a series whose labels include `want` (exactly one must match).
function value(s, name, want = {}) {
  const all = (s.series.get(name) || []).filter((x) => Object.entries(want).every(([k, v]) => x.labels[k] === v));
  assert.equal(all.length, 1, `${name}${JSON.stringify(want)}: ${all.length} series in\n${s.text.slice(0, 3000)}`);
  return all[0].value;
}

test('/metrics is well formed and moves under load', async () => {
  const channel = (await rpc(net.rpc, 'icx_getNetworkInfo')).channel;
  const ch = { channel };
  await waitFor(async () => value(await scrape(), 'complexchain_p2p_peers', ch) === 1, { what: 'the two validators to connect' });
  const s0 = await scrape();

  for (const [name, type] of [
    ['complexchain_consensus_height', 'gauge'], ['complexchain_consensus_rounds', 'gauge'],
    ['complexchain_consensus_round_duration_seconds', 'histogram'], ['complexchain_consensus_block_size_bytes', 'gauge'],
    ['complexchain_consensus_block_interval_seconds', 'histogram'], ['complexchain_consensus_num_txs', 'gauge'],
    ['complexchain_consensus_total_txs', 'counter'], ['complexchain_consensus_validators', 'gauge'],
    ['complexchain_consensus_validators_power', 'gauge'], ['complexchain_mempool_size', 'gauge'],
    ['complexchain_mempool_size_bytes', 'gauge'], ['complexchain_mempool_failed_txs', 'counter'],
    ['complexchain_p2p_peers', 'gauge'], ['complexchain_blocksync_lag_blocks', 'gauge'],
    ['complexchain_rpc_requests_total', 'counter'], ['complexchain_rpc_request_duration_seconds', 'histogram'],
    ['complexchain_alpha_timers_fired_total', 'counter'], ['process_start_time_seconds', 'gauge'],
  ]) assert.equal(s0.types.get(name), type, `${name} should be a ${type}`);
  assert.equal(value(s0, 'complexchain_consensus_validators', ch), 2);
  assert.equal(value(s0, 'complexchain_consensus_validators_power', ch), 2);
  const started = value(s0, 'process_start_time_seconds');
  assert.ok(Math.abs(started - Date.now() / 1000) < 600, `process_start_time_seconds ${started}`);

  // Load: transfers from every account, each waited for; one refused tx (another chain's nid).
  const sink = IconWallet.create().getAddress();
  const N = 12;
  const hashes = [];
  for (let i = 0; i < N; ++i) {
    const w = IconWallet.loadPrivateKey(net.accounts[i % net.accounts.length].private_key);
    hashes.push(await rpc(net.rpc, 'icx_sendTransaction', signedTransfer(w, sink, { value: 1 + i, nonce: i }).getProperties()));
  }
  for (const h of hashes) {
    const r = await rpc(net.rpc, 'icx_waitTransactionResult', { txHash: h });
    assert.equal(r.status, '0x1');
  }
  const dev = IconWallet.loadPrivateKey(net.accounts[0].private_key);
  const wrong = await rawRpc(net.rpc, { jsonrpc: '2.0', id: 7, method: 'icx_sendTransaction',
    params: signedTransfer(dev, sink, { nid: 0x63, nonce: 99 }).getProperties() });
  assert.equal(wrong.status, 400);
  await rawRpc(net.rpc, { jsonrpc: '2.0', id: 8, method: 'icx_teleport' });  // unknown: counted as "other"

  const s1 = await scrape();
  const grew = (name, labels, by = 1) => {
    const a = value(s0, name, labels), b = value(s1, name, labels);
    assert.ok(b - a >= by, `${name}${JSON.stringify(labels)} went from ${a} to ${b}, expected +${by} at least`);
  };
  grew('complexchain_consensus_height', ch);
  grew('complexchain_consensus_total_txs', ch, N);
  grew('complexchain_consensus_block_interval_seconds_count', ch);
  grew('complexchain_consensus_round_duration_seconds_count', ch);
  grew('complexchain_rpc_requests_total', { method: 'icx_sendTransaction' }, N + 1);
  grew('complexchain_rpc_request_duration_seconds_count', { method: 'icx_sendTransaction' }, N + 1);
  grew('complexchain_rpc_requests_total', { method: 'icx_waitTransactionResult' }, N);
  grew('complexchain_rpc_requests_total', { method: 'other' });
  grew('complexchain_mempool_failed_txs', { ...ch, reason: 'wrong_nid' });
  // The gauge is the durable height the node also serves over JSON-RPC.
  const served = (await rpc(net.rpc, 'icx_getLastBlock')).height;
  assert.ok(value(s1, 'complexchain_consensus_height', ch) <= served, `height gauge above the served ${served}`);
  assert.ok(value(s1, 'complexchain_consensus_height', ch) >= served - 2, `height gauge far below the served ${served}`);
  assert.ok(value(s1, 'complexchain_consensus_block_size_bytes', ch) >= 0);
  assert.ok(value(s1, 'complexchain_blocksync_lag_blocks', ch) <= 2);
  // No method name from a client becomes a label.
  assert.ok(!s1.text.includes('icx_teleport'));

  // Histograms: cumulative buckets ending in +Inf == _count, for every series.
  for (const [name, type] of s1.types) {
    if (type !== 'histogram') continue;
    for (const c of s1.series.get(`${name}_count`)) {
      const key = JSON.stringify(c.labels);
      const buckets = s1.series.get(`${name}_bucket`).filter((b) => {
        const { le, ...rest } = b.labels;
        return JSON.stringify(rest) === key;
      });
      assert.ok(buckets.length > 2, `${name}${key} buckets`);
      for (let i = 1; i < buckets.length; ++i) assert.ok(buckets[i].value >= buckets[i - 1].value, `${name}${key} not cumulative`);
      assert.equal(buckets.at(-1).labels.le, '+Inf');
      assert.equal(buckets.at(-1).value, c.value, `${name}${key}: +Inf bucket != _count`);
    }
  }
});

test('complexchain status: ok with exit 0 on a live node, unreachable with exit 5 on a dead port', async () => {
  const st = JSON.parse(execFileSync(BIN, ['status', '--rpc', net.rpc, '--json'], { encoding: 'utf8' }));
  assert.equal(st.health, 'ok', JSON.stringify(st));
  assert.equal(st.peers, 1);
  assert.equal(st.validators, 2);
  assert.ok(st.height >= 1);
  assert.ok(st.last_block_age_seconds < 60, JSON.stringify(st));
  const text = execFileSync(BIN, ['status', '--rpc', net.rpc], { encoding: 'utf8' });
  assert.match(text, /^height +\d+ +last block \d{4}-\d\d-\d\d/m);
  assert.match(text, /^health +ok$/m);

  const port = await freePort();
  let failed;
  try {
    execFileSync(BIN, ['status', '--rpc', `http://127.0.0.1:${port}/api/v3`, '--json', '--timeout-ms', '2000'], { encoding: 'utf8' });
  } catch (e) {
    failed = e;
  }
  assert.ok(failed, 'status of a dead port must fail');
  assert.equal(failed.status, 5);
  assert.equal(JSON.parse(failed.stdout).health, 'unreachable');
});

const pidOf = (i) => Number(fs.readFileSync(path.join(net.dir, `node${i}`, 'node.pid'), 'utf8'));

// `complexchain status --json` as {code, st}: its exit status and the verdict it printed.
function status(url, ...extra) {
  const r = spawnSync(BIN, ['status', '--rpc', url, '--json', ...extra], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, st: JSON.parse(r.stdout) };
}

test('complexchain status: stalled with exit 4 once the other validator is stopped, ok again after it restarts',
  { timeout: 120000 }, async () => {
    process.kill(pidOf(1), 'SIGTERM');
    // Two validators need both for a quorum: node 0 makes no block, and the age passes the threshold.
    const stalled = await waitFor(() => {
      const r = status(net.rpc, '--stall-seconds', '2');
      return r.code === 4 ? r : null;
    }, { timeoutMs: 60000, intervalMs: 500, what: 'node 0 to report stalled' });
    assert.equal(stalled.st.health, 'stalled', JSON.stringify(stalled.st));
    assert.match(stalled.st.reason, /^no block for \d+s; no peers connected$/);
    assert.equal(stalled.st.peers, 0);
    assert.ok(stalled.st.last_block_age_seconds > 2);
    // The same node with a longer threshold is still ok: the verdict follows --stall-seconds.
    const patient = status(net.rpc, '--stall-seconds', '3600');
    assert.equal(patient.code, 0, JSON.stringify(patient.st));

    cx(['localnet', 'start', '--dir', net.dir]);
    const h0 = await height(net.rpc);
    await waitFor(async () => (await height(net.rpc)) > h0 + 1, { timeoutMs: 60000, what: 'blocks again after the restart' });
    await waitFor(() => status(net.rpc, '--stall-seconds', '2').code === 0, { timeoutMs: 30000, what: 'status ok again' });
  });

test('complexchain_consensus_total_txs is the chain\'s tx count and survives a restart of every node',
  { timeout: 180000 }, async () => {
    const channel = (await rpc(net.rpc, 'icx_getNetworkInfo')).channel;
    const ch = { channel };
    const s0 = await scrape();
    const total = value(s0, 'complexchain_consensus_total_txs', ch);
    const top = value(s0, 'complexchain_consensus_height', ch);
    let counted = 0;
    for (let h = 1; h <= top; ++h) {
      counted += (await rpc(net.rpc, 'icx_getBlockByHeight', { height: `0x${h.toString(16)}` })).confirmed_transaction_list.length;
    }
    assert.ok(total >= 12, `total_txs ${total}: the load test committed 12`);
    assert.equal(total, counted, `total_txs ${total}, but blocks 1..${top} hold ${counted} txs`);

    const pid0 = pidOf(0);
    cx(['localnet', 'stop', '--dir', net.dir]);
    cx(['localnet', 'start', '--dir', net.dir]);
    const s1 = await waitFor(async () => {
      try {
        return await scrape();
      } catch {
        return null;
      }
    }, { timeoutMs: 60000, what: 'node 0 serving /metrics after the restart' });
    assert.equal(value(s1, 'complexchain_consensus_total_txs', ch), total, 'total_txs after the restart');
    assert.notEqual(pidOf(0), pid0, 'node 0 is a new process');
  });

test('complexchain status: a follower catching up after time down is syncing (exit 3), then ok',
  { timeout: 240000 }, async () => {
    const sync = startLocalnet(2, 2, { followers: 1, blockIntervalMs: 20 });
    try {
      const dir = (i) => path.join(sync.dir, `node${i}`);
      const urls = sync.nodes.map((n) => n.rpc);
      await waitFor(async () => (await height(urls[2])) >= 3, { timeoutMs: 60000, what: 'the follower following' });
      process.kill(Number(fs.readFileSync(path.join(dir(2), 'node.pid'), 'utf8')), 'SIGTERM');
      const downAt = await height(urls[0]);
      const GAP = 1000;  // blocks the follower misses: its catch-up takes seconds, not one status call
      await waitFor(async () => (await height(urls[0])) >= downAt + GAP, { timeoutMs: 180000, intervalMs: 500,
        what: `the validators ${GAP} blocks ahead` });
      cx(['localnet', 'start', '--dir', sync.dir]);
      const seen = await waitFor(() => {
        const r = spawnSync(BIN, ['status', '--rpc', urls[2], '--json', '--lag-max', '5', '--timeout-ms', '2000'],
          { encoding: 'utf8', timeout: 10000 });
        return r.status === 3 ? JSON.parse(r.stdout) : null;
      }, { timeoutMs: 60000, intervalMs: 20, what: 'the restarted follower to report syncing' });
      assert.equal(seen.health, 'syncing');
      assert.match(seen.reason, /^\d+ blocks behind its best peer$/);
      assert.ok(seen.sync_lag_blocks > 5, JSON.stringify(seen));
      await waitFor(() => spawnSync(BIN, ['status', '--rpc', urls[2], '--json', '--lag-max', '5'], { encoding: 'utf8' }).status === 0,
        { timeoutMs: 120000, intervalMs: 500, what: 'the follower caught up (ok)' });
      console.log(`syncing seen with lag ${seen.sync_lag_blocks} at height ${seen.height}`);
    } finally {
      sync.stop();
    }
  });
