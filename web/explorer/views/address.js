// An address: balance, its txs (cx_getAddressTxs, paged by cursor), the IRC2 tokens it holds
// (cx_getTokens, then balanceOf/symbol/decimals of each) and its token transfers. Contracts show
// the same activity under their contract page.
import { html, render, kvTable, table, errorBox, notAvailable, pager, addrLink, txLink, blockLink, link, badge, mapLimit } from '../ui.js';
import { formatIcx, formatUnits, formatInt, formatAge, hexToBigInt, hexToNumber, isContract } from '../../lib/format.js';
import { balance, optional, readCall, txByHash, txResult, ALPHA } from '../chain.js';
import { alphaInstanceOf } from './tx.js';

const TX_PAGE = 25;
const TOKENS_MAX = 20; // tokens looked up on one page
const TRANSFER_PAGE = 10;

const statusBadge = (s) => (s === '0x1' || s === 1 ? badge('ok', 'ok') : s === '0x0' || s === 0 ? badge('bad', 'failed') : '—');

function routeWith(base, query, key, value) {
  const q = new URLSearchParams(query);
  if (value) q.set(key, value);
  else q.delete(key);
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

async function txsSection(ctx, address, base) {
  const cursor = ctx.query.get('cursor') || undefined;
  const r = await optional('cx_getAddressTxs', { address, limit: `0x${TX_PAGE.toString(16)}`, ...(cursor ? { cursor } : {}) });
  if (!r.ok) return notAvailable('cx_getAddressTxs');
  const txs = r.value.txs || [];
  // Alpha involvement: a tx to the Alpha contract names its instance in its params or its logs.
  const alphaIds = await mapLimit(txs, 4, async (t) => {
    if (t.to !== ALPHA) return null;
    try {
      const [tx, res] = await Promise.all([txByHash(t.txHash), txResult(t.txHash).catch(() => null)]);
      return alphaInstanceOf(tx, res);
    } catch {
      return null;
    }
  });
  const rows = txs.map((t, i) => [
    txLink(t.txHash),
    blockLink(hexToNumber(t.height)),
    t.timestamp !== undefined ? formatAge(t.timestamp) : '—',
    t.from === address ? html`<strong>out</strong>` : html`in`,
    t.from === address ? addrLink(t.to) : addrLink(t.from),
    t.value ? formatIcx(t.value) : html`<span class="muted">0</span>`,
    alphaIds[i] !== null ? html`${t.dataType || '—'} · ${link(`/alpha/${alphaIds[i]}`, `Alpha #${alphaIds[i]}`)}` : t.dataType || 'transfer',
    statusBadge(t.status),
  ]);
  return html`${table(['Tx hash', 'Block', 'Age', 'Dir', 'Counterparty', 'Value', 'Type', 'Status'], rows, {
    id: 'address-txs',
    empty: cursor ? 'No more transactions.' : 'No transactions involve this address.',
  })}${pager({
    prev: cursor ? routeWith(base, ctx.query, 'cursor', null) : null,
    prevText: '← Newest',
    next: r.value.next ? routeWith(base, ctx.query, 'cursor', String(r.value.next)) : null,
  })}`;
}

async function tokenInfo(token, owner) {
  const read = (m, p) => readCall(token, m, p).catch(() => null);
  const [bal, symbol, decimals, name] = await Promise.all([
    read('balanceOf', { _owner: owner }),
    read('symbol'),
    read('decimals'),
    read('name'),
  ]);
  let dec = 0;
  try {
    dec = decimals !== null ? hexToNumber(decimals) : 0;
  } catch {
    dec = 0;
  }
  return { bal, symbol, dec: Math.min(Math.max(dec, 0), 77), name };
}

async function tokensSection(address) {
  const r = await optional('cx_getTokens', { address });
  if (!r.ok) return notAvailable('cx_getTokens');
  const all = r.value.tokens || [];
  const tokens = all.slice(0, TOKENS_MAX);
  const infos = await mapLimit(tokens, 4, (t) => tokenInfo(t.token, address));
  const rows = tokens.map((t, i) => {
    const x = infos[i];
    return [
      addrLink(t.token),
      x.name ?? html`<span class="muted">—</span>`,
      x.bal !== null ? html`<span class="token-balance">${formatUnits(x.bal, x.dec)}</span> ${x.symbol ?? ''}` : html`<span class="muted">balanceOf failed</span>`,
      formatInt(t.transfers ?? 0),
      t.lastHeight !== undefined ? blockLink(hexToNumber(t.lastHeight)) : '—',
    ];
  });
  return html`${table(['Token', 'Name', 'Balance', 'Transfers', 'Last transfer'], rows, { id: 'address-tokens', empty: 'No IRC2 tokens.' })}${
    all.length > TOKENS_MAX ? html`<p class="muted">Showing ${TOKENS_MAX} of ${all.length} tokens.</p>` : ''
  }`;
}

async function transfersSection(ctx, address, base) {
  const cursor = ctx.query.get('tcursor') || undefined;
  const key = isContract(address) ? 'token' : 'address';
  const r = await optional('cx_getTokenTransfers', { [key]: address, limit: `0x${TRANSFER_PAGE.toString(16)}`, ...(cursor ? { cursor } : {}) });
  if (!r.ok) return notAvailable('cx_getTokenTransfers');
  const rows = (r.value.transfers || []).map((t) => [
    txLink(t.txHash),
    blockLink(hexToNumber(t.height)),
    addrLink(t.token),
    addrLink(t.from),
    addrLink(t.to),
    html`<span title="${t.value}">${formatInt(hexToBigInt(t.value))}</span>`,
  ]);
  return html`${table(['Tx hash', 'Block', 'Token', 'From', 'To', 'Amount (raw units)'], rows, {
    id: 'address-transfers',
    empty: 'No token transfers.',
  })}${pager({
    prev: cursor ? routeWith(base, ctx.query, 'tcursor', null) : null,
    prevText: '← Newest',
    next: r.value.next ? routeWith(base, ctx.query, 'tcursor', String(r.value.next)) : null,
    label: 'Token transfer pages',
  })}`;
}

/** The activity panels for any address; `base` is the page's route. Renders into `el` as parts arrive. */
export async function activity(ctx, el, address, base) {
  render(
    el,
    html`<section class="panel" aria-labelledby="atx-h"><h2 id="atx-h">Transactions</h2><div id="txs-part"><p class="loading">Loading…</p></div></section>
    <section class="panel" aria-labelledby="tok-h"><h2 id="tok-h">${isContract(address) ? 'Tokens this contract holds' : 'Tokens held'}</h2><div id="tokens-part"><p class="loading">Loading…</p></div></section>
    <section class="panel" aria-labelledby="tr-h"><h2 id="tr-h">Token transfers</h2><div id="transfers-part"><p class="loading">Loading…</p></div></section>`,
  );
  const part = (id, p) =>
    p.then(
      (v) => ctx.live() && render(el.querySelector(`#${id}`), v),
      (e) => ctx.live() && render(el.querySelector(`#${id}`), errorBox(e)),
    );
  await Promise.all([
    part('txs-part', txsSection(ctx, address, base)),
    part('tokens-part', tokensSection(address)),
    part('transfers-part', transfersSection(ctx, address, base)),
  ]);
}

export async function addressView(ctx) {
  const [address] = ctx.args;
  const bal = await balance(address);
  if (!ctx.live()) return;
  render(
    ctx.main,
    html`<h1>Address <span class="mono">${address}</span></h1>
    <section class="panel">${kvTable([
      ['Balance', html`<span id="balance">${formatIcx(bal, { maxFraction: 18 })}</span>`],
      ['Kind', isContract(address) ? html`contract · ${link(`/contract/${address}`, 'contract page')}` : 'account (EOA)'],
    ])}</section>
    <div id="activity"></div>`,
  );
  await activity(ctx, ctx.main.querySelector('#activity'), address, `/address/${address}`);
}
