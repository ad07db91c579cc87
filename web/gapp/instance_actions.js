// What the unlocked party can do now in its roles on this instance, each as the same call
// `complexchain alpha <verb>` sends (src/cli/cmd_alpha_call.cpp). The chain is the judge: a
// button is offered when the page thinks it applies, and the chain's refusal is shown if it does not.
import { h } from './dom.js';
import { actionButton } from './actions.js';
import { fundCard, reserveCards } from './money_actions.js';
import { disputeCards } from './dispute_actions.js';
import * as wallet from './wallet.js';

const idHex = (inst) => `0x${BigInt(inst.id).toString(16)}`;

function myRoles(inst, me) {
  return Object.entries(inst.parties || {}).filter(([, who]) => [].concat(who).includes(me)).map(([role]) => role);
}

function card(title, ...body) {
  return h('div', { class: 'action' }, h('h3', {}, title), body);
}

// The attester's card for the event stage `s` awaits.
function attestCard(t, s, roles, ctx) {
  const ev = t.events?.[s.await];
  if (!ev || !ev.attesters.some((r) => roles.includes(r))) return [];
  const result = ev.result ? h('select', { id: `res-${s.await}` }, ev.result.map((v) => h('option', { value: v }, v))) : null;
  const fields = ev.fields ? h('textarea', { id: `fields-${s.await}`, rows: 3, spellcheck: 'false' }, JSON.stringify(Object.fromEntries(Object.keys(ev.fields).map((k) => [k, ''])))) : null;
  return [ctx.card(`Attest: ${s.await}`, [
    h('p', {}, `As ${ev.attesters.filter((r) => roles.includes(r)).join(', ')}: state that ${s.await} happened.${ev.dispute_window ? ` It takes effect after a dispute window of ${ev.dispute_window}.` : ''}`),
    result ? h('div', { class: 'field' }, h('label', { for: result.id }, 'Result'), result) : null,
    fields ? h('div', { class: 'field' }, h('label', { for: fields.id }, 'Fields (JSON)'), fields) : null,
    actionButton(`Attest ${s.await}`, () => {
      const p = { id: ctx.idHex, event: s.await, nonce: `g${Date.now()}` };
      if (result) p.result = result.value;
      if (fields) {
        try { p.fields = JSON.stringify(JSON.parse(fields.value)); } catch { throw new Error('Fields: not a JSON object'); }
      }
      return { method: 'attest', params: p };
    }, ctx.box, ctx.done, { 'data-action': `attest-${s.await}` })])];
}

// `now`: the latest block's time (seconds), which the chain's deadlines are measured against.
export function instanceActions(t, inst, now, refresh, resultBox) {
  const me = wallet.address();
  if (!me) return h('section', { class: 'panel' }, h('h2', {}, 'Your part'), h('p', { class: 'muted' }, 'Unlock your keystore (top of the page) to act as a party of this agreement.'));
  const roles = myRoles(inst, me);
  const cards = [];
  const stages = new Map((t.stages || []).map((s) => [s.id, s]));
  const waiting = (inst.tokens || []).map((id) => stages.get(id)).filter(Boolean);
  const idp = { id: idHex(inst) };
  const box = () => resultBox;
  const done = () => refresh();
  const ctx = { idHex: idp.id, box: resultBox, done, card };

  if (inst.status === 'proposed' && roles.some((r) => t.roles?.[r]?.signatory) && !(inst.signed_by || []).includes(me)) {
    const b = box();
    cards.push(card('Sign', h('p', {}, 'You sign the instance hash shown above: its template, params, parties, prose and simulation.'),
      [actionButton(`Sign 0x${inst.hash.slice(0, 10)}…`, () => ({ method: 'sign', params: { ...idp, hash: `0x${inst.hash}` } }), b, done, { 'data-action': 'sign' })]));
  }
  if (inst.status === 'active') {
    for (const s of waiting) {
      const pay = s.pay || s.collect;
      if (pay && roles.includes(pay.from)) cards.push(fundCard(t, inst, s, ctx));
      if (s.await) cards.push(...attestCard(t, s, roles, ctx));
    }
    for (const [name, d] of Object.entries(inst.decisions || {})) {
      const decl = t.decisions?.[name] || {};
      if (d.holder === me && !d.exercised) {
        const choices = decl.choices || [].concat(inst.parties?.[decl.member_of] || []);
        const sel = h('select', { id: `choice-${name}` }, choices.map((c) => h('option', { value: c }, c)));
        const b = box();
        const parts = [h('div', { class: 'field' }, h('label', { for: sel.id }, 'Choice'), sel),
          actionButton(`Decide ${name}`, () => ({ method: 'decide', params: { ...idp, decision: name, choice: sel.value } }), b, done, { 'data-action': `decide-${name}` })];
        const to = (decl.delegable_to || []).flatMap((r) => [].concat(inst.parties?.[r] || []));
        if (to.length) {
          const toSel = h('select', { id: `to-${name}` }, to.map((a) => h('option', { value: a }, a)));
          parts.push(h('div', { class: 'field' }, h('label', { for: toSel.id }, 'Or hand the right to'), toSel),
            actionButton('Delegate', () => ({ method: 'delegate', params: { ...idp, decision: name, to: toSel.value } }), b, done, { class: 'secondary', 'data-action': `delegate-${name}` }));
        }
        cards.push(card(`Your decision: ${name}`, parts));
      }
      if (d.delegated_by === me && !d.exercised) {
        const b = box();
        cards.push(card(`Take back: ${name}`, actionButton('Revoke', () => ({ method: 'revoke', params: { ...idp, decision: name } }), b, done, { class: 'secondary', 'data-action': `revoke-${name}` })));
      }
    }
  }
  cards.push(...reserveCards(t, inst, roles, ctx), ...disputeCards(t, inst, roles, me, now, ctx));
  return h('section', { class: 'panel' }, h('h2', {}, 'Your part'),
    h('p', { class: 'muted' }, roles.length ? `You are ${roles.join(', ')} in this agreement.` : 'Your address is not a party of this agreement.'),
    cards.length ? h('div', { class: 'action-grid' }, cards) : h('p', { class: 'muted' }, 'Nothing for you to do right now.'));
}
