// Home: the height, recent blocks and txs (live), tx/s and block time over recent blocks, and the
// validator set.
import { html, render, table, errorBox, notAvailable, link } from '../ui.js';
import { formatInt } from '../../lib/format.js';
import { lastBlock, recentBlocks, blockByHeight, heightOf, optional, call } from '../chain.js';
import { watchBlocks } from '../monitor.js';
import { barChart } from '../chart.js';
import { validatorTable, txRows, blockRow, BLOCK_HEADERS, TX_HEADERS } from './common.js';

const LIST_BLOCKS = 15; // rows in the recent-blocks table
const CHART_BLOCKS = 40; // blocks the charts cover (the view never fetches more than this)
const LIST_TXS = 15;

function stats(blocks) {
  // blocks newest first; intervals between consecutive blocks in ms, tx/s over the window.
  const n = blocks.length;
  if (n < 2) return { txps: 0, avgMs: 0 };
  const spanUs = Number(blocks[0].time_stamp) - Number(blocks[n - 1].time_stamp);
  const txs = blocks.slice(0, n - 1).reduce((a, b) => a + (b.confirmed_transaction_list || []).length, 0);
  return { txps: spanUs > 0 ? (txs * 1e6) / spanUs : 0, avgMs: spanUs / 1000 / (n - 1) };
}

function charts(blocks) {
  const asc = [...blocks].reverse();
  const times = [];
  const rates = [];
  for (let i = 1; i < asc.length; ++i) {
    const ms = (Number(asc[i].time_stamp) - Number(asc[i - 1].time_stamp)) / 1000;
    const txs = (asc[i].confirmed_transaction_list || []).length;
    times.push({ label: `#${asc[i].height}`, value: ms, title: `block ${asc[i].height}: ${Math.round(ms)} ms after its parent` });
    rates.push({
      label: `#${asc[i].height}`,
      value: ms > 0 ? (txs * 1000) / ms : 0,
      title: `block ${asc[i].height}: ${txs} tx${txs === 1 ? '' : 's'} in ${Math.round(ms)} ms`,
    });
  }
  return html`<div class="grid-2">${barChart(rates, { title: 'Transactions per second', unit: 'tx/s', id: 'chart-txps', className: 'bars-alt' })}${barChart(times, {
    title: 'Block time',
    unit: 'ms',
    id: 'chart-blocktime',
  })}</div>`;
}

export async function homeView(ctx) {
  const top = await lastBlock();
  const topHeight = heightOf(top);
  let blocks = await recentBlocks(topHeight, CHART_BLOCKS);
  if (!ctx.live()) return;
  const [info, vals] = await Promise.all([
    call('icx_getNetworkInfo').catch(() => null),
    optional('cx_getValidators', {}).catch((e) => ({ ok: true, error: e })),
  ]);

  render(
    ctx.main,
    html`<h1>${info && info.channel ? `Channel ${info.channel}` : 'Chain'} overview</h1>
    <div class="stats">
      <div class="stat"><span class="label">Height</span><span class="value" id="height">${formatInt(topHeight)}</span></div>
      <div class="stat"><span class="label">Tx/s (last ${CHART_BLOCKS} blocks)</span><span class="value" id="txps"></span></div>
      <div class="stat"><span class="label">Average block time</span><span class="value" id="blocktime"></span></div>
      <div class="stat"><span class="label">Updates</span><span class="value" id="live-mode"><span class="live-dot off"></span>connecting</span></div>
    </div>
    <section class="panel" aria-labelledby="charts-h"><h2 id="charts-h" class="visually-hidden">Charts</h2><div id="charts"></div></section>
    <div class="grid-2">
      <section class="panel" aria-labelledby="blocks-h"><h2 id="blocks-h">Latest blocks</h2><div id="blocks" aria-live="polite"></div></section>
      <section class="panel" aria-labelledby="txs-h"><h2 id="txs-h">Latest transactions</h2><div id="txs"></div></section>
    </div>
    <section class="panel" aria-labelledby="vals-h"><h2 id="vals-h">Validator set</h2><div id="validators">${
      vals.error ? errorBox(vals.error, 'cx_getValidators') : vals.ok ? validatorTable(vals.value) : notAvailable('cx_getValidators')
    }</div><p>${link('/validators', 'All about the validators →')}</p></section>
    <div id="live-error"></div>`,
  );

  const $ = (id) => ctx.main.querySelector(`#${id}`);
  const fresh = new Set();
  const paint = () => {
    const s = stats(blocks);
    $('height').textContent = formatInt(heightOf(blocks[0]));
    $('txps').textContent = s.txps.toFixed(2);
    $('blocktime').textContent = s.avgMs ? `${Math.round(s.avgMs)} ms` : '—';
    render($('charts'), charts(blocks));
    render($('blocks'), table(BLOCK_HEADERS, blocks.slice(0, LIST_BLOCKS).map(blockRow), { id: 'block-table' }));
    const rows = txRows(blocks, LIST_TXS);
    render($('txs'), table(TX_HEADERS, rows, { id: 'tx-table', empty: `No transactions in the last ${blocks.length} blocks.` }));
    // Mark the rows of blocks that just arrived, for a moment.
    ctx.main.querySelectorAll('#block-table tbody tr').forEach((tr, i) => {
      if (i < blocks.length && fresh.has(blocks[i].height)) tr.classList.add('fresh');
    });
    fresh.clear();
  };
  paint();

  // Live: each new height is fetched and put on top; the window stays CHART_BLOCKS long.
  let queue = Promise.resolve();
  const stop = watchBlocks(topHeight + 1, {
    onHeight: (h) => {
      queue = queue.then(async () => {
        if (!ctx.live()) return;
        try {
          const b = await blockByHeight(h);
          if (!ctx.live() || heightOf(b) <= heightOf(blocks[0])) return;
          blocks = [b, ...blocks].slice(0, CHART_BLOCKS);
          fresh.add(b.height);
          paint();
          render($('live-error'), '');
        } catch (e) {
          if (ctx.live()) render($('live-error'), errorBox(e, `block ${h}`));
        }
      });
    },
    onMode: (mode) => {
      render($('live-mode'), html`<span class="live-dot"></span>${mode === 'websocket' ? 'live' : 'polling'}`);
      $('live-mode').title = mode === 'websocket' ? 'new blocks arrive on the WebSocket block monitor' : 'asking for the last block every second';
    },
    onError: (e) => {
      if (ctx.live()) render($('live-error'), errorBox(e, 'live updates'));
    },
  });
  return stop;
}
