// A block: header fields, links to its neighbours, and its txs (paged, 25 a page).
import { html, render, kvTable, table, pager, addrLink, link } from '../ui.js';
import { formatInt, formatTime, formatAge } from '../../lib/format.js';
import { blockByHeight, blockByHash, lastBlock, heightOf, hashOf } from '../chain.js';
import { txRow, TX_HEADERS } from './common.js';

const PAGE = 25;

export async function blockView(ctx) {
  const [id] = ctx.args;
  const block = id.startsWith('0x') ? await blockByHash(id.toLowerCase()) : await blockByHeight(Number(id));
  const top = heightOf(await lastBlock());
  if (!ctx.live()) return;
  const h = heightOf(block);
  const txs = block.confirmed_transaction_list || [];
  const pages = Math.max(1, Math.ceil(txs.length / PAGE));
  const page = Math.min(pages, Math.max(1, Number(ctx.query.get('page')) || 1));
  const shown = txs.slice((page - 1) * PAGE, page * PAGE);
  const at = (p) => `/block/${h}?page=${p}`;
  render(
    ctx.main,
    html`<h1>Block ${formatInt(h)}</h1>
    <nav class="pager" aria-label="Neighbouring blocks">${h > 0 ? link(`/block/${h - 1}`, `← Block ${h - 1}`, 'rel="prev"') : ''} ${
      h < top ? link(`/block/${h + 1}`, `Block ${h + 1} →`, 'rel="next"') : html`<span class="muted">the latest block</span>`
    }</nav>
    <section class="panel">${kvTable([
      ['Height', html`<span id="block-height">${h}</span>`],
      ['Hash', html`<span class="mono" id="block-hash">${hashOf(block)}</span>`],
      ['Parent', block.prev_block_hash ? link(`/block/0x${block.prev_block_hash}`, `0x${block.prev_block_hash}`, 'class="mono"') : html`<span class="muted">none (genesis)</span>`],
      ['Time', html`${formatTime(block.time_stamp)} <span class="muted">(${formatAge(block.time_stamp)})</span>`],
      ['Proposer', addrLink(block.peer_id, { full: true })],
      ['Transactions', String(txs.length)],
      ['Tx root', html`<span class="mono">0x${block.merkle_tree_root_hash}</span>`],
      ['Confirmations', String(top - h)],
    ])}</section>
    <section class="panel" aria-labelledby="btx-h"><h2 id="btx-h">Transactions</h2>
    ${table(TX_HEADERS, shown.map((tx) => txRow(tx, block)), { id: 'tx-table', empty: 'This block has no transactions.' })}
    ${pages > 1 ? pager({ prev: page > 1 ? at(page - 1) : null, next: page < pages ? at(page + 1) : null, prevText: '← Previous', nextText: 'Next →' }) : ''}
    ${pages > 1 ? html`<p class="muted">Page ${page} of ${pages}</p>` : ''}</section>`,
  );
}
