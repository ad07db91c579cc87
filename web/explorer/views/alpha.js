// An Alpha Contracts instance (getInstance on cx…0a01) drawn as a timeline: signing, each stage
// entered and left, events attested, decisions taken, and the deadlines still armed; then the
// parties, the money (escrow, stakes, payments) and the whole instance as JSON.
import { html, render, kvTable, table, badge, addrLink, link, jsonBlock } from '../ui.js';
import { formatIcx, formatUnits, isAddress, toHex } from '../../lib/format.js';
import { readCall, lastBlock, ALPHA } from '../chain.js';
import { timeline } from '../chart.js';

const fmtSec = (s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z').replace('T', ' ');
const pos = (t) => (typeof t === 'number' && t > 0 ? t : null);

/** Timeline items from an instance (times in seconds). Exported for the GAPP to reuse if it likes. */
export function instanceTimeline(inst) {
  const items = [];
  const proposed = pos(inst.proposed_at);
  const signed = pos(inst.signed_at);
  if (proposed) {
    items.push({ lane: 'signing', kind: 'span', start: proposed, end: signed ?? undefined, label: signed ? `proposed ${fmtSec(proposed)}, signed ${fmtSec(signed)}` : `proposed ${fmtSec(proposed)}, awaiting signatures` });
    if (!signed && pos(inst.sign_by)) items.push({ lane: 'signing', kind: 'deadline', start: inst.sign_by, label: `sign by ${fmtSec(inst.sign_by)}` });
  }
  const entered = inst.entered || {};
  const left = inst.left || {};
  const stages = Object.keys(entered).filter((s) => pos(entered[s])).sort((a, b) => entered[a] - entered[b]);
  for (const s of stages) {
    const end = pos(left[s]) && left[s] >= entered[s] ? left[s] : undefined;
    const visits = inst.visits && inst.visits[s] > 1 ? ` (${inst.visits[s]} visits; the last shown)` : '';
    if (end === entered[s]) items.push({ lane: `stage ${s}`, kind: 'point', start: end, label: `${s}: entered and left ${fmtSec(end)}${visits}` });
    else items.push({ lane: `stage ${s}`, kind: 'span', start: entered[s], end, label: `${s}: entered ${fmtSec(entered[s])}${end ? `, left ${fmtSec(end)}` : ', waiting'}${visits}` });
  }
  for (const [name, e] of Object.entries(inst.events || {})) {
    if (pos(e.time)) items.push({ lane: `event ${name}`, kind: 'point', start: e.time, label: `${name}: ${e.payload || 'attested'} at ${fmtSec(e.time)}` });
  }
  for (const [name, d] of Object.entries(inst.decisions || {})) {
    if (d.exercised && pos(d.time)) items.push({ lane: `decision ${name}`, kind: 'point', start: d.time, label: `${name}: ${d.choice} by ${d.holder} at ${fmtSec(d.time)}` });
  }
  for (const t of inst.timers || []) {
    if (pos(t.deadline)) items.push({ lane: t.stage ? `stage ${t.stage}` : 'deadlines', kind: 'deadline', start: t.deadline, label: `deadline${t.stage ? ` of ${t.stage}` : ''}: ${fmtSec(t.deadline)}` });
  }
  return items;
}

const statusKind = (s) => (s === 'closed' ? 'ok' : s === 'expired' || s === 'disputed' ? 'bad' : s === 'active' ? 'info' : 'wait');

function amount(asset, v) {
  return asset === 'COIN' || asset === 'ICX' ? formatIcx(BigInt(v)) : `${formatUnits(BigInt(v), 0)} ${asset}`;
}

function ledgerRows(title, ledgers) {
  const rows = [];
  for (const [asset, l] of Object.entries(ledgers || {})) {
    if (l && typeof l === 'object') for (const [who, v] of Object.entries(l)) rows.push([title, isAddress(who) ? addrLink(who) : who, amount(asset, v)]);
    else rows.push([title, asset, amount(asset, l)]);
  }
  return rows;
}

export async function alphaView(ctx) {
  const id = Number(ctx.args[0]);
  const [inst, top] = await Promise.all([readCall(ALPHA, 'getInstance', { id: toHex(id) }), lastBlock()]);
  if (!ctx.live()) return;
  const now = Math.floor(Number(top.time_stamp) / 1e6);
  const items = instanceTimeline(inst);
  const money = [
    ...Object.entries(inst.escrow || {}).map(([asset, v]) => ['in escrow', asset, amount(asset, v)]),
    ...ledgerRows('staked by', inst.stakes),
    ...ledgerRows('paid', inst.paid),
    ...ledgerRows('reserved by', inst.reserved),
  ];
  render(
    ctx.main,
    html`<h1>Alpha instance ${id}</h1>
    <section class="panel">${kvTable([
      ['Status', html`<span id="alpha-status">${badge(statusKind(inst.status), inst.status)}</span>`],
      ['Current stage', html`<code>${inst.stage || '—'}</code>`],
      ['Template', html`<span class="mono wrap">${inst.template_hash}</span>`],
      ['Instance hash', html`<span class="mono wrap">${inst.hash}</span>`],
      ['Transitions', String(inst.seq ?? '—')],
      ['Engine', link(`/contract/${ALPHA}`, ALPHA, 'class="mono"')],
    ])}</section>
    <section class="panel" aria-labelledby="tl-h"><h2 id="tl-h">Timeline</h2>
      <div id="alpha-timeline">${timeline(items, { title: `Instance ${id}: stages, events and deadlines`, now, formatTime: fmtSec })}</div>
      <details><summary>The same as a list</summary>${table(
        ['Time (UTC)', 'What'],
        [...items].sort((a, b) => a.start - b.start).map((i) => [fmtSec(i.start), i.label]),
        { id: 'alpha-times' },
      )}</details>
      <div class="legend" aria-hidden="true"><span><i style="background:#0b57d0"></i>stage (done)</span><span><i style="background:#54aeff"></i>stage (waiting)</span><span><i style="background:#1a7f37;border-radius:50%"></i>event / decision</span><span><i style="background:#bf3989"></i>deadline</span><span><i style="background:#cf222e;width:2px"></i>latest block</span></div>
    </section>
    <div class="grid-2">
      <section class="panel" aria-labelledby="pt-h"><h2 id="pt-h">Parties</h2>${table(
        ['Role', 'Party', 'Signed'],
        Object.entries(inst.parties || {}).flatMap(([role, who]) =>
          (Array.isArray(who) ? who : [who]).map((w) => [role, isAddress(w) ? addrLink(w) : String(w), (inst.signed_by || []).includes(w) ? badge('ok', 'signed') : html`<span class="muted">—</span>`]),
        ),
        { empty: 'No parties.' },
      )}</section>
      <section class="panel" aria-labelledby="mo-h"><h2 id="mo-h">Money</h2>${table(['', 'Who', 'Amount'], money, { empty: 'No money has moved.', id: 'alpha-money' })}</section>
    </div>
    <section class="panel"><details><summary>The whole instance (getInstance)</summary>${jsonBlock(inst)}</details></section>`,
  );
}
