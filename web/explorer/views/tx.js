// A tx: status, failure, steps and fee, value, the call or deploy data, and its event logs decoded
// with each emitting contract's ABI. A tx the node holds but has not committed shows as pending and
// the page follows it until it lands.
import { html, render, kvTable, errorBox, badge, addrLink, blockLink, link, jsonBlock } from '../ui.js';
import { formatIcx, formatInt, formatTime, hexToBigInt, hexToNumber } from '../../lib/format.js';
import { RpcError } from '../../lib/rpc.js';
import { txByHash, txResult, scoreApi, blockByHeight, ALPHA } from '../chain.js';
import { decodeLog, showValue } from '../abi.js';

const PENDING = new Set([-31002, -31003]);

/** The Alpha instance a tx concerns: its call's `id`, else the id its AlphaTransition log carries. */
export function alphaInstanceOf(tx, result) {
  if (tx && tx.to === ALPHA && tx.data && tx.data.params && tx.data.params.id !== undefined) {
    try {
      return hexToNumber(tx.data.params.id);
    } catch {
      /* not a number: look at the logs */
    }
  }
  for (const log of (result && result.eventLogs) || []) {
    if (log.scoreAddress === ALPHA && String(log.indexed?.[0]).startsWith('AlphaTransition(') && log.indexed[1] !== undefined) {
      try {
        return hexToNumber(log.indexed[1]);
      } catch {
        /* ignore a malformed id */
      }
    }
  }
  return null;
}

function hexToText(hex) {
  const s = String(hex || '').replace(/^0x/, '');
  if (!/^([0-9a-f]{2})*$/i.test(s)) return null;
  const bytes = new Uint8Array(s.length / 2);
  for (let i = 0; i < bytes.length; ++i) bytes[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function dataSection(tx, result) {
  const type = tx.dataType;
  if (!type) return html`<p class="muted">A plain transfer: no data.</p>`;
  if (type === 'call') {
    return kvTable([
      ['Method', html`<code id="tx-method">${tx.data?.method ?? ''}</code>`],
      ['Params', tx.data?.params ? jsonBlock(tx.data.params) : html`<span class="muted">none</span>`],
    ]);
  }
  if (type === 'deploy') {
    const bytes = tx.data?.content ? (String(tx.data.content).length - 2) / 2 : 0;
    const target = result?.scoreAddress || tx.to;
    return kvTable([
      ['Content type', html`<code>${tx.data?.contentType ?? ''}</code>`],
      ['Content', html`${formatInt(bytes)} bytes${target && target.startsWith('cx') && target !== 'cx0000000000000000000000000000000000000000' ? html` · ${link(`/contract/${target}`, 'read the source on the contract page')}` : ''}`],
      ['Params', tx.data?.params ? jsonBlock(tx.data.params) : html`<span class="muted">none</span>`],
    ]);
  }
  if (type === 'message') {
    const text = hexToText(tx.data);
    return kvTable([['Message', text !== null ? html`<pre class="code">${text}</pre>` : html`<span class="mono wrap">${tx.data}</span>`]]);
  }
  return jsonBlock(tx.data);
}

async function logsSection(result) {
  const logs = result.eventLogs || [];
  if (!logs.length) return html`<p class="muted">No event logs.</p>`;
  const abis = new Map();
  for (const l of logs) if (!abis.has(l.scoreAddress)) abis.set(l.scoreAddress, scoreApi(l.scoreAddress).catch(() => null));
  const parts = [];
  for (const [i, log] of logs.entries()) {
    const d = decodeLog(log, await abis.get(log.scoreAddress));
    parts.push(html`<article class="event" data-event="${d.name}">
      <h3>${i}. <code>${d.name}</code> <span class="muted">from</span> ${addrLink(log.scoreAddress)}${
        d.named ? '' : html` <span class="muted">(no ABI: arguments named by position)</span>`
      }</h3>
      <table class="kv"><tbody>${d.args.map(
        (a) => html`<tr><th scope="row">${a.name} <span class="muted">${a.type}${a.indexed ? ', indexed' : ''}</span></th><td>${showValue(a.type, a.value)}</td></tr>`,
      )}</tbody></table>
      <details><summary>Raw log</summary><pre class="code">${JSON.stringify(log, null, 2)}</pre></details>
    </article>`);
  }
  return parts;
}

export async function txView(ctx) {
  const hash = ctx.args[0].toLowerCase();
  const tx = await txByHash(hash);
  let timer = null;

  const show = async () => {
    let result = null;
    let pendingCode = null;
    try {
      result = await txResult(hash);
    } catch (e) {
      if (!(e instanceof RpcError && PENDING.has(e.code))) throw e;
      pendingCode = e.code;
    }
    if (!ctx.live()) return;
    const committed = tx.blockHeight !== undefined ? tx : result ? { blockHeight: result.blockHeight } : null;
    const height = committed ? hexToNumber(committed.blockHeight) : null;
    const block = height !== null ? await blockByHeight(height).catch(() => null) : null;
    const status = result
      ? result.status === '0x1'
        ? badge('ok', 'Success')
        : badge('bad', 'Failed')
      : badge('wait', pendingCode === -31003 ? 'Executing' : 'Pending');
    let fee = null;
    if (result) {
      const used = hexToBigInt(result.stepUsed);
      const price = hexToBigInt(result.stepPrice);
      fee = used * price;
    }
    const alphaId = alphaInstanceOf(tx, result);
    render(
      ctx.main,
      html`<h1>Transaction</h1>
      <section class="panel">${kvTable([
        ['Hash', html`<span class="mono" id="tx-hash">${hash}</span>`],
        ['Status', html`<span id="tx-status">${status}</span>`],
        result && result.failure
          ? ['Failure', html`<div class="error" id="tx-failure">${result.failure.message} <span class="muted">(code ${result.failure.code})</span></div>`]
          : null,
        ['Block', height !== null ? html`${blockLink(height)} <span class="muted">tx #${hexToNumber(tx.txIndex ?? result?.txIndex ?? '0x0')}</span>` : html`<span class="muted">not yet in a block</span>`],
        block ? ['Time', formatTime(block.time_stamp)] : null,
        ['From', addrLink(tx.from, { full: true })],
        ['To', addrLink(tx.to, { full: true })],
        result && result.scoreAddress ? ['Contract created', addrLink(result.scoreAddress, { full: true })] : null,
        ['Value', tx.value ? formatIcx(tx.value, { maxFraction: 18 }) : '0 ICX'],
        ['Step limit', tx.stepLimit ? formatInt(tx.stepLimit) : '—'],
        result ? ['Steps used', formatInt(result.stepUsed)] : null,
        result ? ['Step price', `${formatInt(result.stepPrice)} loop`] : null,
        result ? ['Fee', html`<span id="tx-fee">${formatIcx(fee, { maxFraction: 18 })}</span>`] : null,
        ['Nonce', tx.nonce ? formatInt(tx.nonce) : '—'],
        ['Signed at', tx.timestamp ? formatTime(tx.timestamp) : '—'],
        ['Type', tx.dataType || 'transfer'],
        alphaId !== null ? ['Alpha instance', link(`/alpha/${alphaId}`, `Instance ${alphaId} timeline`, 'id="alpha-link"')] : null,
      ])}</section>
      <section class="panel" aria-labelledby="data-h"><h2 id="data-h">${tx.dataType === 'deploy' ? 'Deploy data' : tx.dataType === 'call' ? 'Call data' : 'Data'}</h2>${dataSection(tx, result)}</section>
      <section class="panel" aria-labelledby="logs-h"><h2 id="logs-h">Event logs</h2><div id="logs">${
        result ? await logsSection(result) : html`<p class="muted">Not executed yet.</p>`
      }</div></section>`,
    );
    if (!result && ctx.live()) {
      timer = setTimeout(() => show().catch((e) => ctx.live() && render(ctx.main, errorBox(e))), 1000);
    }
  };
  await show();
  return () => clearTimeout(timer);
}
