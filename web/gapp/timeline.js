// An instance on a timeline: the template's stages in order with when each was entered and left, the
// stage(s) waiting now and their deadlines (the instance's timers), and a time axis (SVG) from the
// proposal to the latest deadline with "now" on it. Terminals close the line.
import { h, svg, fmtTime } from './dom.js';

function stageState(inst, id) {
  if ((inst.tokens || []).includes(id) && inst.status !== 'closed') return 'current';
  if (inst.status === 'closed' && inst.stage === id) return 'end';
  if (inst.left?.[id] !== undefined) return 'done';
  if (inst.entered?.[id] !== undefined) return 'done';
  return 'pending';
}

// A timer's deadline as the axis names it (TimerKind in src/alpha/instance.hpp).
const TIMER_KINDS = ['due', 'wait', 'signing', 'ruling due', 'appeal until', 'challenge'];
const timerLabel = (tm) => `${TIMER_KINDS[tm.kind] || 'due'}${tm.stage ? `: ${tm.stage}` : ''}`;

// The dispute, when there is or was one: where it stands on the ladder and one line per ruling.
function disputeView(t, inst) {
  const ds = inst.dispute || {};
  if (!ds.open && !(ds.trail || []).length) return null;
  const rung = t.dispute?.ladder?.[ds.rung];
  let state = 'closed: the ruling is final';
  if (ds.open && !ds.ruling) state = `open at rung ${ds.rung} (${rung?.by || '?'}): waiting for its ruling`;
  else if (ds.open) state = `rung ${ds.rung} ruled ${ds.ruling}; appealable until ${fmtTime(ds.appeal_by)}`;
  const bonds = Object.entries(inst.bonds || {}).flatMap(([asset, per]) => Object.entries(per || {}).map(([who, v]) => `${who} ${v} ${asset}`));
  return h('div', { class: 'dispute', 'data-dispute': ds.open ? 'open' : 'closed' },
    h('h3', {}, 'Dispute'),
    h('p', {}, `Opened by ${inst.dispute_opened_by || '—'}${ds.challenged ? `, challenging ${ds.challenged}` : ''}; ${state}.`),
    bonds.length ? h('p', { class: 'small muted' }, `Bonds held: ${bonds.join(', ')}`) : null,
    (ds.trail || []).length ? h('ol', { class: 'trail' }, ds.trail.map((line) => h('li', {}, line))) : null);
}

function axis(inst, now) {
  const marks = [];
  const add = (t, label, kind) => { if (Number(t) > 0) marks.push({ t: Number(t), label, kind }); };
  add(inst.proposed_at, 'proposed', 'past');
  add(inst.signed_at, 'signed', 'past');
  for (const [stage, t] of Object.entries(inst.entered || {})) add(t, stage, 'past');
  for (const tm of inst.timers || []) add(tm.deadline, timerLabel(tm), 'due');
  if (!marks.length) return null;
  const lo = Math.min(...marks.map((m) => m.t), now);
  const hi = Math.max(...marks.map((m) => m.t), now);
  const span = Math.max(hi - lo, 1);
  const W = 640, X0 = 16, X1 = W - 16;
  const x = (t) => X0 + ((t - lo) / span) * (X1 - X0);
  marks.sort((a, b) => a.t - b.t);
  const LABEL_GAP = 90;  // px between labels on one row; closer marks keep only their tooltip
  const lastX = [-Infinity, -Infinity];
  const items = marks.map((m, i) => {
    const row = i % 2;
    const shown = x(m.t) - lastX[row] >= LABEL_GAP;
    if (shown) lastX[row] = x(m.t);
    return svg('g', {},
      svg('circle', { cx: x(m.t), cy: 40, r: 6, class: `mark ${m.kind}` }),
      svg('title', {}, `${m.label}: ${fmtTime(m.t)}`),
      shown ? svg('text', { x: x(m.t), y: row ? 70 : 22, 'text-anchor': 'middle', class: 'mark-label' }, m.label) : null);
  });
  return svg('svg', { viewBox: `0 0 ${W} 84`, class: 'axis', role: 'img', 'aria-label': `Time axis from ${fmtTime(lo)} to ${fmtTime(hi)}` },
    svg('line', { x1: X0, y1: 40, x2: X1, y2: 40, class: 'axis-line' }),
    svg('line', { x1: x(now), y1: 28, x2: x(now), y2: 52, class: 'now' }),
    svg('text', { x: x(now), y: 82, 'text-anchor': 'middle', class: 'now-label' }, 'now'),
    items);
}

// `t` canonical template, `inst` getInstance, `now` seconds (the latest block's time).
export function timeline(t, inst, now) {
  const due = new Map((inst.timers || []).map((tm) => [tm.stage, tm.deadline]));
  const rows = (t.stages || []).map((s) => {
    const state = stageState(inst, s.id);
    const times = [];
    if (inst.entered?.[s.id] !== undefined) times.push(`entered ${fmtTime(inst.entered[s.id])}`);
    if (inst.left?.[s.id] !== undefined) times.push(`left ${fmtTime(inst.left[s.id])}`);
    if (due.has(s.id)) times.push(`deadline ${fmtTime(due.get(s.id))}`);
    return h('li', { class: `tl ${state}`, 'data-stage': s.id, 'aria-current': state === 'current' ? 'step' : undefined },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      h('div', {}, h('strong', {}, s.id), h('span', { class: 'badge' }, state === 'current' ? 'waiting now' : state),
        times.length ? h('div', { class: 'small muted' }, times.join(' · ')) : null));
  });
  const closed = inst.status === 'closed' || inst.status === 'expired';
  rows.push(h('li', { class: `tl ${closed ? 'end' : 'pending'}`, 'data-stage': closed ? inst.stage : '' },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h('div', {}, h('strong', {}, closed ? `closed at ${inst.stage}` : 'end'),
      h('div', { class: 'small muted' }, closed ? '' : `one of: ${(t.terminals || []).join(', ')}`))));
  return h('section', { class: 'panel' }, h('h2', {}, 'Timeline'), axis(inst, now), h('ol', { class: 'timeline' }, rows), disputeView(t, inst));
}
