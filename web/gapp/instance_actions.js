// What the unlocked party can do now in its roles on this instance, each as the same call
// `complexchain alpha <verb>` sends (src/cli/cmd_alpha_call.cpp). The chain is the judge: a
// button is offered when the page thinks it applies, and the chain's refusal is shown if it does not.
import { h, fmtIcx } from './dom.js';
import { actionButton } from './actions.js';
import * as wallet from './wallet.js';

const idHex = (inst) => `0x${BigInt(inst.id).toString(16)}`;

// "1.5" ICX -> loop, exactly (no floats).
export function icxToLoop(text) {
  const v = String(text).trim();
  const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(v);
  if (!m) throw new Error(`'${v}' is not an amount in ICX (digits, up to 18 decimals)`);
  const loop = BigInt(m[1]) * 10n ** 18n + BigInt((m[2] || '').padEnd(18, '0') || '0');
  if (loop === 0n) throw new Error('a payment must be more than zero');
  return loop;
}

function myRoles(inst, me) {
  return Object.entries(inst.parties || {}).filter(([, who]) => [].concat(who).includes(me)).map(([role]) => role);
}

function card(title, ...body) {
  return h('div', { class: 'action' }, h('h3', {}, title), body);
}

export function instanceActions(t, inst, refresh, resultBox) {
  const me = wallet.address();
  if (!me) return h('section', { class: 'panel' }, h('h2', {}, 'Your part'), h('p', { class: 'muted' }, 'Unlock your keystore (top of the page) to act as a party of this agreement.'));
  const roles = myRoles(inst, me);
  const cards = [];
  const stages = new Map((t.stages || []).map((s) => [s.id, s]));
  const waiting = (inst.tokens || []).map((id) => stages.get(id)).filter(Boolean);
  const idp = { id: idHex(inst) };
  const box = () => resultBox;
  const done = () => refresh();

  if (inst.status === 'proposed' && roles.some((r) => t.roles?.[r]?.signatory) && !(inst.signed_by || []).includes(me)) {
    const b = box();
    cards.push(card('Sign', h('p', {}, 'You sign the instance hash shown above: its template, params, parties, prose and simulation.'),
      [actionButton(`Sign 0x${inst.hash.slice(0, 10)}…`, () => ({ method: 'sign', params: { ...idp, hash: `0x${inst.hash}` } }), b, done, { 'data-action': 'sign' })]));
  }
  if (inst.status === 'active') {
    for (const s of waiting) {
      const pay = s.pay || s.collect;
      if (pay && roles.includes(pay.from)) {
        const asset = Object.values(t.assets || {})[0];
        const native = Object.values(t.assets || {}).some((a) => a.kind === 'native');
        const guess = s.pay && /^[a-z_][a-z0-9_]*$/.test(s.pay.amount) && /^\d+$/.test(String(inst.params?.[s.pay.amount] ?? '')) ? fmtIcx(inst.params[s.pay.amount]).replace(/,/g, '') : '';
        const input = h('input', { id: `fund-${s.id}`, inputmode: 'decimal', value: guess, autocomplete: 'off' });
        const b = box();
        cards.push(card(`Pay: ${s.id}`, [
          h('p', {}, `${pay.from} pays ${s.pay ? pay.amount : `at least ${pay.min}`} into the ${pay.to === 'escrow' ? 'escrow' : pay.to}.`),
          native ? h('div', { class: 'field' }, h('label', { for: input.id }, 'Amount (ICX)'), input)
            : h('p', { class: 'muted' }, `This stage is paid in ${asset?.contract || 'a token'}: transfer it to the Alpha contract from your wallet (docs/alpha-engine.md §4).`),
          native ? actionButton('Fund the escrow', () => ({ method: 'fund', params: idp, value: icxToLoop(input.value) }), b, done, { 'data-action': 'fund' }) : null]));
      }
      if (s.await) {
        const ev = t.events?.[s.await];
        if (!ev || !ev.attesters.some((r) => roles.includes(r))) continue;
        const result = ev.result ? h('select', { id: `res-${s.await}` }, ev.result.map((v) => h('option', { value: v }, v))) : null;
        const fields = ev.fields ? h('textarea', { id: `fields-${s.await}`, rows: 3, spellcheck: 'false' }, JSON.stringify(Object.fromEntries(Object.keys(ev.fields).map((k) => [k, ''])))) : null;
        const b = box();
        cards.push(card(`Attest: ${s.await}`, [
          h('p', {}, `As ${ev.attesters.filter((r) => roles.includes(r)).join(', ')}: state that ${s.await} happened.${ev.dispute_window ? ` It takes effect after a dispute window of ${ev.dispute_window}.` : ''}`),
          result ? h('div', { class: 'field' }, h('label', { for: result.id }, 'Result'), result) : null,
          fields ? h('div', { class: 'field' }, h('label', { for: fields.id }, 'Fields (JSON)'), fields) : null,
          actionButton(`Attest ${s.await}`, () => {
            const p = { ...idp, event: s.await, nonce: `g${Date.now()}` };
            if (result) p.result = result.value;
            if (fields) {
              try { p.fields = JSON.stringify(JSON.parse(fields.value)); } catch { throw new Error('Fields: not a JSON object'); }
            }
            return { method: 'attest', params: p };
          }, b, done, { 'data-action': `attest-${s.await}` })]));
      }
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
        cards.push(card(`Take back: ${name}`, actionButton('Revoke', () => ({ method: 'revoke', params: { ...idp, decision: name } }), b, done, { class: 'secondary' })));
      }
    }
    if (t.dispute && t.dispute.open_by?.some((r) => roles.includes(r))) {
      const bond = h('input', { id: 'dispute-bond', inputmode: 'decimal', placeholder: t.dispute.bond ? `bond: ${t.dispute.bond}` : 'no bond', autocomplete: 'off' });
      const b = box();
      cards.push(card('Open a dispute', [h('p', {}, `Stages where a dispute may be opened: ${(t.dispute.during || []).join(', ') || 'any'} (or while an attestation's window is open).`),
        t.dispute.bond ? h('div', { class: 'field' }, h('label', { for: bond.id }, 'Bond (ICX)'), bond) : null,
        actionButton('Open a dispute', () => ({ method: 'dispute', params: idp, value: t.dispute.bond && bond.value ? icxToLoop(bond.value) : 0n }), b, done, { class: 'danger', 'data-action': 'dispute' })]));
    }
  }
  if (inst.status === 'disputed' && t.dispute?.ladder?.some((r) => roles.includes(r.by))) {
    const sel = h('select', { id: 'outcome' }, Object.keys(t.dispute.outcomes || {}).map((o) => h('option', { value: o }, o)));
    const b = box();
    cards.push(card('Rule the dispute', [h('div', { class: 'field' }, h('label', { for: sel.id }, 'Outcome'), sel),
      actionButton('Rule', () => ({ method: 'rule', params: { ...idp, outcome: sel.value } }), b, done, { 'data-action': 'rule' })]));
  }
  return h('section', { class: 'panel' }, h('h2', {}, 'Your part'),
    h('p', { class: 'muted' }, roles.length ? `You are ${roles.join(', ')} in this agreement.` : 'Your address is not a party of this agreement.'),
    cards.length ? h('div', { class: 'action-grid' }, cards) : h('p', { class: 'muted' }, 'Nothing for you to do right now.'));
}
