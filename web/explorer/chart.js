// Small SVG charts drawn as strings: no library, no canvas, readable by screen readers through the
// <title>/<desc> and the text summary beside each chart.
import { html, raw } from './ui.js';
import { escapeHtml } from '../lib/format.js';

const W = 600;
const H = 160;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (v) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1));

/**
 * A bar chart. points: [{label, value, title}] oldest first. Returns html (an <svg> in a <figure>).
 */
export function barChart(points, { title, unit = '', id, className = 'bars' }) {
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const bw = points.length ? iw / points.length : iw;
  const y = (v) => PAD.top + ih - (v / max) * ih;
  let s = '';
  for (const t of [0, 0.5, 1]) {
    const yy = y(max * t);
    s += `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}"/>`;
    s += `<text class="axis" x="${PAD.left - 4}" y="${yy + 4}" text-anchor="end">${escapeHtml(fmt(max * t))}</text>`;
  }
  points.forEach((p, i) => {
    const x = PAD.left + i * bw + bw * 0.15;
    const top = y(Math.max(0, p.value));
    s += `<rect class="${className}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(bw * 0.7).toFixed(1)}" height="${(
      PAD.top + ih - top
    ).toFixed(1)}"><title>${escapeHtml(p.title ?? `${p.label}: ${fmt(p.value)} ${unit}`)}</title></rect>`;
  });
  if (points.length) {
    const first = points[0].label;
    const last = points[points.length - 1].label;
    s += `<text class="axis" x="${PAD.left}" y="${H - 6}">${escapeHtml(first)}</text>`;
    s += `<text class="axis" x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${escapeHtml(last)}</text>`;
  }
  const avg = points.length ? points.reduce((a, p) => a + p.value, 0) / points.length : 0;
  return html`<figure class="chart"${raw(id ? ` id="${escapeHtml(id)}"` : '')}><figcaption>${title} <span class="muted">(average ${fmt(
    avg,
  )} ${unit})</span></figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}: ${points.length} blocks, average ${fmt(
    avg,
  )} ${unit}" preserveAspectRatio="none">${raw(s)}</svg></figure>`;
}

/**
 * A timeline: lanes of spans and points over time (seconds). items: [{lane, start, end?, label, kind}]
 * (kind: 'span' | 'point' | 'deadline'). `now` draws a marker when within range.
 */
export function timeline(items, { title, now, formatTime }) {
  const times = items.flatMap((i) => [i.start, i.end ?? i.start]).filter((t) => Number.isFinite(t));
  if (!times.length) return html`<p class="muted">No times recorded yet.</p>`;
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  if (now && now > t0 && now < t1 + (t1 - t0 + 60)) t1 = Math.max(t1, now);
  if (t1 === t0) t1 = t0 + 60;
  const lanes = [...new Set(items.map((i) => i.lane))];
  const laneH = 28;
  const left = 150;
  const w = 640;
  const h = PAD.top + lanes.length * laneH + 30;
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (w - left - 12);
  let s = '';
  lanes.forEach((lane, li) => {
    const yy = PAD.top + li * laneH;
    s += `<text class="lane" data-lane="${escapeHtml(lane)}" x="4" y="${yy + 17}">${escapeHtml(lane.length > 22 ? lane.slice(0, 21) + '…' : lane)}<title>${escapeHtml(lane)}</title></text>`;
    s += `<line class="grid" x1="${left}" x2="${w - 12}" y1="${yy + laneH - 2}" y2="${yy + laneH - 2}"/>`;
  });
  for (const it of items) {
    const li = lanes.indexOf(it.lane);
    const yy = PAD.top + li * laneH;
    const tip = `<title>${escapeHtml(it.label)}</title>`;
    if (it.kind === 'span') {
      const x0 = x(it.start);
      const x1 = Math.max(x0 + 3, x(it.end ?? t1));
      s += `<rect class="span${it.end === undefined ? ' open' : ''}" x="${x0.toFixed(1)}" y="${yy + 6}" width="${(x1 - x0).toFixed(1)}" height="14" rx="3">${tip}</rect>`;
    } else if (it.kind === 'deadline') {
      const xx = x(it.start).toFixed(1);
      s += `<line class="deadline" x1="${xx}" x2="${xx}" y1="${yy + 2}" y2="${yy + laneH - 4}">${tip}</line>`;
      s += `<path class="deadline-mark" d="M${xx} ${yy + 2} l5 5 l-5 5 l-5 -5 z">${tip}</path>`;
    } else {
      s += `<circle class="point" cx="${x(it.start).toFixed(1)}" cy="${yy + 13}" r="5">${tip}</circle>`;
    }
  }
  const ya = PAD.top + lanes.length * laneH + 16;
  s += `<text class="axis" x="${left}" y="${ya}">${escapeHtml(formatTime(t0))}</text>`;
  s += `<text class="axis" x="${w - 12}" y="${ya}" text-anchor="end">${escapeHtml(formatTime(t1))}</text>`;
  if (now && now >= t0 && now <= t1) {
    const xx = x(now).toFixed(1);
    s += `<line class="now" x1="${xx}" x2="${xx}" y1="${PAD.top}" y2="${ya - 12}"><title>now (latest block time)</title></line>`;
  }
  return html`<figure class="chart timeline"><figcaption>${title}</figcaption><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${title}">${raw(
    s,
  )}</svg></figure>`;
}
