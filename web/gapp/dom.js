// Small DOM and formatting helpers. Everything from the chain goes in as text (textContent), never as
// HTML, so a template's prose or a party's name cannot inject markup into the page.
import { formatUnits } from '/lib/format.js';
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}

// "2026-01-05 10:00:00 UTC" for seconds since 1970.
export function fmtTime(seconds) {
  const s = Number(seconds);
  if (!Number.isFinite(s) || s <= 0) return '—';
  return new Date(s * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

// Loop (10^-18 ICX) as ICX with the decimals it needs: 1500000000000000000 -> "1.5".
export function fmtIcx(loop) {
  let v = BigInt(loop);
  const neg = v < 0n;
  if (neg) v = -v;
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${neg ? '−' : ''}${whole.toLocaleString('en-US')}${frac ? `.${frac}` : ''}`;
}

// An amount of `asset` (a template's asset entry) for people: native coin in ICX, tokens in their
// decimals when declared, else the minor units as given.
export function fmtAmount(value, asset) {
  if (asset?.kind === 'native') return `${fmtIcx(value)} ICX`;
  const d = Number.isInteger(asset?.decimals) ? asset.decimals : 0;  // a token's declared decimals
  return `${d > 0 ? formatUnits(BigInt(value), d) : BigInt(value).toLocaleString('en-US')}${asset?.id ? ` ${asset.id}` : ''}`;
}

export const short = (s, n = 10) => (typeof s === 'string' && s.length > 2 * n + 1 ? `${s.slice(0, n)}…${s.slice(-6)}` : s);

// An error box with the node's (or the form's) message; role=alert so screen readers announce it.
export function errorBox(err) {
  return h('div', { class: 'error', role: 'alert' }, err?.message || String(err));
}

export function busy(text) {
  return h('p', { class: 'busy', role: 'status' }, text);
}
