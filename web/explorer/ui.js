// DOM helpers for the explorer: an escaping template tag, links for routes, tables, pagers, errors.
import { escapeHtml, shortHash, isContract } from '../lib/format.js';

/** Marks a string as already-safe HTML for the `html` tag. */
export class Raw {
  constructor(s) {
    this.s = String(s);
  }
  toString() {
    return this.s;
  }
}
export const raw = (s) => new Raw(s);

function piece(v) {
  if (v instanceof Raw) return v.s;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

/** Template tag: interpolated values are escaped unless they are Raw (or arrays of Raw). */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; ++i) out += piece(values[i]) + strings[i + 1];
  return new Raw(out);
}

/** The state the router keeps: the channel being explored ('' = the node's default). */
export const state = { channel: '' };

/** A hash href for a route path ('/block/3'), keeping the channel being explored. */
export function href(path) {
  return state.channel ? `#/c/${encodeURIComponent(state.channel)}${path}` : `#${path}`;
}

export const link = (path, text, attrs = '') => html`<a href="${href(path)}"${raw(attrs ? ' ' + attrs : '')}>${text}</a>`;

export const blockLink = (height) => link(`/block/${height}`, String(height));
export function txLink(hash, { full = false } = {}) {
  return link(`/tx/${hash}`, full ? hash : shortHash(hash), `class="mono" title="${escapeHtml(hash)}"`);
}
export function addrLink(addr, { full = false } = {}) {
  if (!addr) return html`<span class="muted">—</span>`;
  const path = isContract(addr) ? `/contract/${addr}` : `/address/${addr}`;
  return link(path, full ? addr : shortHash(addr, 5), `class="mono" title="${escapeHtml(addr)}"`);
}

/** A two-column table of label/value rows (values are html or text); rows that are null are skipped. */
export function kvTable(rows, caption) {
  return html`<table class="kv">${caption ? html`<caption>${caption}</caption>` : ''}<tbody>${rows
    .filter(Boolean)
    .map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

/** A table with a header row; wrapped so that it scrolls sideways on a narrow screen. */
export function table(headers, rows, { caption, empty = 'Nothing here yet.', id } = {}) {
  if (!rows.length) return html`<p class="muted"${raw(id ? ` id="${escapeHtml(id)}"` : '')}>${empty}</p>`;
  return html`<div class="scroll"${raw(id ? ` id="${escapeHtml(id)}"` : '')}><table class="list">${
    caption ? html`<caption>${caption}</caption>` : ''
  }<thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`,
  )}</tbody></table></div>`;
}

/** The box that shows a failed call: the node's own message, and its JSON-RPC code when known. */
export function errorBox(err, what) {
  const code = err && err.code !== undefined ? html` <span class="muted">(code ${err.code})</span>` : '';
  return html`<div class="error" role="alert">${what ? html`<strong>${what}:</strong> ` : ''}${
    err && err.message ? err.message : String(err)
  }${code}</div>`;
}

/** A note for a method this node does not offer yet. */
export const notAvailable = (method) =>
  html`<p class="notice">Not available on this node (<code>${method}</code> is not served).</p>`;

/** Pager links: `prev`/`next` are route paths or null. */
export function pager({ prev, next, prevText = '← Newer', nextText = 'Older →', label = 'Pages' }) {
  return html`<nav class="pager" aria-label="${label}">${
    prev ? link(prev, prevText, 'rel="prev"') : html`<span class="muted">${prevText}</span>`
  } ${next ? link(next, nextText, 'rel="next"') : html`<span class="muted">${nextText}</span>`}</nav>`;
}

/** Sets an element's content from the html tag's output. */
export function render(el, content) {
  el.innerHTML = piece(content);
}

/** A status badge: ok / failed / pending. */
export function badge(kind, text) {
  return html`<span class="badge badge-${kind}">${text}</span>`;
}

/** JSON pretty-printed in a <pre>, bounded so that a huge value cannot freeze the page. */
export function jsonBlock(v, maxChars = 20000) {
  let s = JSON.stringify(v, null, 2) ?? 'null';
  if (s.length > maxChars) s = s.slice(0, maxChars) + `\n… (${s.length - maxChars} more characters)`;
  return html`<pre class="code">${s}</pre>`;
}

/** Runs `fn` over items with at most `n` in flight; results in order. */
export async function mapLimit(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
