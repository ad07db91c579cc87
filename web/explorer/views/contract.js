// A contract: owner, versions with their audit status, the ABI, read-only calls run from a form,
// the deployed source (from the deploy tx's content), and the same activity as an address page.
import { html, render, kvTable, table, errorBox, addrLink, txLink, badge, jsonBlock, href } from '../ui.js';
import { formatIcx } from '../../lib/format.js';
import { RpcError } from '../../lib/rpc.js';
import { readZip, hexToBytes } from '../../lib/zip.js';
import { balance, scoreStatus, scoreApi, readCall, txByHash, ALPHA, STORE } from '../chain.js';
import { activity } from './address.js';

const NATIVE = new Map([
  ['cx0000000000000000000000000000000000000000', 'the chain contract'],
  [STORE, 'the ACORE store (docs/acore-store.md)'],
  [ALPHA, 'the Alpha Contracts engine (docs/alpha.md)'],
]);

const statusBadge = (s) =>
  badge(s === 'active' ? 'ok' : s === 'rejected' ? 'bad' : s === 'pending' ? 'wait' : 'info', s || 'unknown');

function versionRows(label, v) {
  if (!v) return [];
  return [
    [
      `${label} version`,
      html`${statusBadge(v.status)} <span class="muted">${v.type ?? ''}</span> · code hash <span class="mono wrap">${v.codeHash}</span>`,
    ],
    [`${label}: deployed by`, txLink(v.deployTxHash, { full: true })],
    [`${label}: audit`, v.auditTxHash ? txLink(v.auditTxHash, { full: true }) : html`<span class="muted">no audit tx</span>`],
  ];
}

const sig = (e) => `${e.name}(${(e.inputs || []).map((i) => `${i.type} ${i.name}`).join(', ')})`;

function abiSection(api) {
  const rows = api.map((e) => [
    html`<code>${e.name}</code>`,
    e.type,
    html`<code class="wrap">${(e.inputs || []).map((i) => `${i.name}: ${i.type}${i.indexed === '0x1' ? ' (indexed)' : ''}${'default' in i ? ' (optional)' : ''}`).join(', ')}</code>`,
    html`<code>${(e.outputs || []).map((o) => o.type).join(', ')}</code>`,
    [e.readonly === '0x1' ? 'read-only' : '', e.payable === '0x1' ? 'payable' : ''].filter(Boolean).join(', '),
  ]);
  return table(['Name', 'Kind', 'Inputs', 'Outputs', 'Flags'], rows, { id: 'abi-table', empty: 'The ABI is empty.' });
}

/** A param as the ABI type wants it: int in hex, bool as 0x1/0x0, lists and structs from JSON. */
export function paramValue(type, text) {
  const t = text.trim();
  if (type === 'int') {
    if (/^-?[0-9]+$/.test(t)) return (t.startsWith('-') ? '-0x' : '0x') + BigInt(t.replace('-', '')).toString(16);
    if (/^-?0x[0-9a-fA-F]+$/.test(t)) return t.toLowerCase();
    throw new Error(`not an integer: ${t}`);
  }
  if (type === 'bool') {
    if (['true', '0x1', '1'].includes(t)) return '0x1';
    if (['false', '0x0', '0'].includes(t)) return '0x0';
    throw new Error(`not a bool (true/false): ${t}`);
  }
  if (type.startsWith('[') || type === 'struct' || type === 'dict' || type === 'list') {
    try {
      return JSON.parse(t);
    } catch {
      throw new Error(`not JSON for ${type}: ${t.slice(0, 40)}`);
    }
  }
  return t;
}

function readForms(api) {
  const reads = api.filter((e) => e.type === 'function' && e.readonly === '0x1');
  if (!reads.length) return html`<p class="muted">No read-only methods.</p>`;
  return reads.map(
    (e, fi) => html`<form class="call" data-method="${e.name}" aria-label="Call ${e.name}">
      <strong><code>${sig(e)}</code></strong>${(e.outputs || []).length ? html` <span class="muted">→ ${e.outputs.map((o) => o.type).join(', ')}</span>` : ''}
      ${(e.inputs || []).map(
        (i, ii) => html`<div class="field"><label for="f${fi}-${ii}">${i.name} <span class="muted">(${i.type}${'default' in i ? ', optional' : ''})</span></label>
        <input id="f${fi}-${ii}" name="${i.name}" data-type="${i.type}" data-optional="${'default' in i ? '1' : ''}" spellcheck="false"></div>`,
      )}
      <button type="submit">Call ${e.name}</button>
      <div class="result" aria-live="polite"></div>
    </form>`,
  );
}

function wireForms(root, address) {
  root.querySelectorAll('form.call').forEach((form) => {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const out = form.querySelector('.result');
      const button = form.querySelector('button');
      let params;
      try {
        const inputs = [...form.querySelectorAll('input')];
        params = {};
        for (const inp of inputs) {
          if (!inp.value.trim()) {
            if (inp.dataset.optional) continue;
            throw new Error(`${inp.name} is required`);
          }
          params[inp.name] = paramValue(inp.dataset.type, inp.value);
        }
      } catch (e) {
        render(out, errorBox(e));
        return;
      }
      button.disabled = true;
      try {
        const r = await readCall(address, form.dataset.method, Object.keys(params).length ? params : undefined);
        render(out, jsonBlock(r));
      } catch (e) {
        render(out, errorBox(e));
      } finally {
        button.disabled = false;
      }
    });
  });
}

async function sourceSection(status) {
  const v = status && (status.current || status.next);
  if (!v || !v.deployTxHash) return html`<p class="muted">No deploy tx on record.</p>`;
  const tx = await txByHash(v.deployTxHash);
  const data = tx.data || {};
  const bytes = hexToBytes(data.content || '0x');
  const from = html`<p class="muted">From ${txLink(v.deployTxHash)} (${data.contentType}, ${bytes.length} bytes).</p>`;
  if (data.contentType === 'application/x-lua') {
    return html`${from}<details open><summary><code>main.lua</code></summary><pre class="code" id="source">${new TextDecoder().decode(bytes)}</pre></details>`;
  }
  if (data.contentType === 'application/zip') {
    const files = await readZip(bytes);
    return html`${from}${files.map(
      (f, i) => html`<details ${i === 0 ? 'open' : ''}><summary><code>${f.name}</code> <span class="muted">${f.size} bytes</span></summary>${
        f.text !== null ? html`<pre class="code">${f.text}</pre>` : html`<p class="muted">${f.error || 'not text'}</p>`
      }</details>`,
    )}`;
  }
  return html`${from}<p class="muted">Content of type ${data.contentType} is not shown.</p>`;
}

function alphaLookup() {
  return html`<section class="panel" aria-labelledby="al-h"><h2 id="al-h">Alpha instances</h2>
    <form class="inline" id="alpha-open"><div class="field"><label for="alpha-id">Instance id</label><br><input id="alpha-id" inputmode="numeric" pattern="[0-9]{1,18}" required></div>
    <button type="submit">Show its timeline</button></form></section>`;
}

export async function contractView(ctx) {
  const [address] = ctx.args;
  const [bal, status, api] = await Promise.all([
    balance(address),
    scoreStatus(address).catch((e) => {
      if (e instanceof RpcError && e.code === -31004) return null;
      throw e;
    }),
    scoreApi(address),
  ]);
  if (!ctx.live()) return;
  const native = NATIVE.get(address);
  render(
    ctx.main,
    html`<h1>Contract <span class="mono">${address}</span></h1>
    <section class="panel">${kvTable([
      ['Balance', formatIcx(bal, { maxFraction: 18 })],
      native ? ['Kind', html`native system contract: ${native}`] : null,
      status ? ['Owner', addrLink(status.owner, { full: true })] : null,
      ...(status ? versionRows('Current', status.current) : []),
      ...(status ? versionRows('Next', status.next) : []),
      status ? ['State', html`<span id="contract-state">${status.blocked === '0x1' ? badge('bad', 'blocked') : status.disabled === '0x1' ? badge('bad', 'disabled') : badge('ok', 'enabled')}</span>`] : null,
      !status && !native ? ['Kind', html`<span class="muted">no deployed contract at this address</span>`] : null,
    ])}</section>
    ${address === ALPHA ? alphaLookup() : ''}
    <section class="panel" aria-labelledby="abi-h"><h2 id="abi-h">ABI</h2>${api ? abiSection(api) : html`<p class="muted">The node has no ABI for this address.</p>`}</section>
    <section class="panel" aria-labelledby="read-h"><h2 id="read-h">Read</h2><div id="read-forms">${api ? readForms(api) : html`<p class="muted">Nothing to call.</p>`}</div></section>
    ${status ? html`<section class="panel" aria-labelledby="src-h"><h2 id="src-h">Source</h2><div id="source-part"><p class="loading">Loading…</p></div></section>` : ''}
    <div id="activity"></div>`,
  );
  wireForms(ctx.main, address);
  ctx.main.querySelector('#alpha-open')?.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = ctx.main.querySelector('#alpha-id').value.trim();
    if (/^[0-9]{1,18}$/.test(id)) location.hash = href(`/alpha/${id}`);
  });
  const src = ctx.main.querySelector('#source-part');
  const jobs = [activity(ctx, ctx.main.querySelector('#activity'), address, `/contract/${address}`)];
  if (src) {
    jobs.push(
      sourceSection(status).then(
        (v) => ctx.live() && render(src, v),
        (e) => ctx.live() && render(src, errorBox(e, 'reading the source')),
      ),
    );
  }
  await Promise.all(jobs);
}
