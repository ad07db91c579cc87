// The dispute ladder from a party's page (docs/alpha-engine.md §6): open a dispute (with the first
// rung's bond), rule it as the current rung's referee or panel member, appeal a ruling to the next
// rung (with that rung's bond) while the appeal window is open. Bonds are paid in the native coin as
// the call's value. The chain is the judge of every step; the page only offers what may apply.
import { h, fmtTime } from './dom.js';
import { actionButton } from './actions.js';
import { icxToLoop, fromMinor } from './money_actions.js';

// A bond expression the page can evaluate itself, to prefill the field: a whole number, a param, or
// floor(param * N bps) — the forms the examples use. Anything else: '' (the person types it; a wrong
// bond comes back with the chain's message, which names the right one).
export function bondGuess(expr, params) {
  const e = String(expr ?? '').trim();
  const num = (name) => (/^\d+$/.test(String(params?.[name] ?? '')) ? BigInt(params[name]) : null);
  let m;
  if (/^\d{1,60}$/.test(e)) return BigInt(e);
  if (/^[a-z_][a-z0-9_]*$/.test(e)) return num(e);
  if ((m = /^floor\(\s*([a-z_][a-z0-9_]*)\s*\*\s*(\d{1,5})\s*bps\s*\)$/.exec(e)) && num(m[1]) !== null) return (num(m[1]) * BigInt(m[2])) / 10000n;
  return null;
}

function bondField(id, expr, params) {
  if (!expr) return { input: null, el: h('p', { class: 'muted' }, 'No bond.') };
  const guess = bondGuess(expr, params);
  const input = h('input', { id, inputmode: 'decimal', autocomplete: 'off', value: guess === null ? '' : fromMinor(guess, 18) });
  return { input, el: h('div', { class: 'field' }, h('label', { for: id }, `Bond (ICX): ${expr}`), input) };
}

const bondValue = (f) => (f.input ? icxToLoop(f.input.value) : 0n);

export function disputeCards(t, inst, roles, me, now, ctx) {
  const d = t.dispute;
  if (!d) return [];
  const ds = inst.dispute || {};
  const opener = (d.open_by || []).some((r) => roles.includes(r));
  const cards = [];
  if (inst.status === 'active' && opener) {
    const f = bondField('dispute-bond', d.ladder?.[0]?.bond || d.bond, inst.params);
    cards.push(ctx.card('Open a dispute', [
      h('p', {}, `Stages where a dispute may be opened: ${(d.during || []).join(', ') || 'none'} (or while an attestation's window is open). It stops the agreement until the ladder rules.`),
      f.el,
      actionButton('Open a dispute', () => ({ method: 'dispute', params: { id: ctx.idHex }, value: bondValue(f) }), ctx.box, ctx.done, { class: 'danger', 'data-action': 'dispute' })]));
  }
  if (inst.status !== 'disputed') return cards;
  const rung = d.ladder?.[ds.rung];
  const outcomes = Object.keys(d.outcomes || {});
  if (!ds.ruling && rung && roles.includes(rung.by)) {
    const voted = Object.values(ds.votes || {}).some((who) => who.includes(me));
    const sel = h('select', { id: 'outcome' }, outcomes.map((o) => h('option', { value: o }, o)));
    cards.push(ctx.card(`Rule the dispute (rung ${ds.rung}: ${rung.by})`, voted ? h('p', { class: 'muted' }, 'You have voted; the panel rules when its quorum agrees.') : [
      h('p', {}, `As ${rung.by}${rung.quorum ? `, one vote of the ${rung.quorum} the panel needs` : ''}: pick the outcome.${rung.within ? ` Silence past ${rung.within} rules the default.` : ''}`),
      h('div', { class: 'field' }, h('label', { for: sel.id }, 'Outcome'), sel),
      actionButton('Rule', () => ({ method: 'rule', params: { id: ctx.idHex, outcome: sel.value } }), ctx.box, ctx.done, { 'data-action': 'rule' })]));
  }
  const next = d.ladder?.[ds.rung + 1];
  if (ds.ruling && next && opener && Number(ds.appeal_by) > now) {
    const f = bondField('appeal-bond', next.bond || d.bond, inst.params);
    cards.push(ctx.card('Appeal the ruling', [
      h('p', {}, `Rung ${ds.rung} ruled ${ds.ruling}. Until ${fmtTime(ds.appeal_by)} a party may take it to rung ${ds.rung + 1} (${next.by}); after that it is final.`),
      f.el,
      actionButton('Appeal', () => ({ method: 'appeal', params: { id: ctx.idHex }, value: bondValue(f) }), ctx.box, ctx.done, { class: 'danger', 'data-action': 'appeal' })]));
  }
  return cards;
}
