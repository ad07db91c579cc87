// Paying in: funding the stage that waits for the party's payment, and reserving for a later one.
// In the native coin the payment is the value of the Alpha contract's `fund` / `reserve` call; in an
// IRC2 token it is the token's `transfer(_to = Alpha, _value, _data)` whose _data is the hex of
// {"method": "fund" | "reserve", "params": {"id": "0x.."}}: the token calls the contract's
// tokenFallback, which runs `fund` / `reserve` for the sender (docs/alpha-engine.md §4 "IRC2 escrow").
import { h } from './dom.js';
import { parseUnits, formatUnits } from '/lib/format.js';
import { ALPHA } from './rpc.js';
import { actionButton } from './actions.js';

// "1.5" in an asset of `decimals` -> its minor units, exactly (web/lib's parseUnits: no floats).
export function toMinor(text, decimals = 18, unit = 'ICX') {
  let minor;
  try {
    minor = parseUnits(text, decimals);
  } catch (e) {
    throw new Error(`'${String(text).trim().slice(0, 40)}' is not an amount in ${unit}: ${e.message}`);
  }
  if (minor === 0n) throw new Error('a payment must be more than zero');
  return minor;
}

export const icxToLoop = (text) => toMinor(text, 18, 'ICX');

// Minor units -> the text a person types back (toMinor's inverse).
export const fromMinor = (v, decimals) => formatUnits(BigInt(v), decimals, { grouping: false });

// The asset a pay or collect stage moves: the asset of the param its amount (or minimum) names,
// else the template's only asset. {id, kind, contract?, decimals, unit, token?} or null.
export function stageAsset(t, inst, s) {
  const p = s.pay || s.collect;
  const name = p?.amount ?? p?.min;
  const ids = Object.keys(t.assets || {});
  const id = (typeof name === 'string' && t.params?.[name]?.asset) || (ids.length === 1 ? ids[0] : null);
  const a = id && t.assets[id];
  if (!a) return null;
  if (a.kind === 'native') return { id, kind: 'native', decimals: 18, unit: 'ICX' };
  const token = /^cx[0-9a-f]{40}$/.test(a.contract || '') ? a.contract : inst.params?.[a.contract];
  const decimals = Number.isInteger(a.decimals) ? a.decimals : 0;
  return { id, kind: a.kind, decimals, unit: id, token: /^cx[0-9a-f]{40}$/.test(token || '') ? token : null };
}

const hexUtf8 = (text) => `0x${Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('')}`;

// The call that pays `minor` of `asset` into instance `idHex` as `method` (fund | reserve).
export function payCall(method, idHex, asset, minor) {
  if (asset.kind === 'native') return { method, params: { id: idHex }, value: minor };
  if (!asset.token) throw new Error(`the token of ${asset.id} is not bound to a contract address in this instance`);
  return {
    label: `${method} (${asset.id} transfer)`, to: asset.token, method: 'transfer',
    params: { _to: ALPHA, _value: `0x${minor.toString(16)}`, _data: hexUtf8(JSON.stringify({ method, params: { id: idHex } })) },
  };
}

// The amount a stage asks for when it is a param's value (the usual case), as text to prefill.
function guessAmount(inst, s, asset) {
  const name = s.pay?.amount;
  const v = typeof name === 'string' ? inst.params?.[name] : undefined;
  return /^\d+$/.test(String(v ?? '')) ? fromMinor(v, asset.decimals) : '';
}

function amountField(idBase, asset, value) {
  const input = h('input', { id: idBase, inputmode: 'decimal', value, autocomplete: 'off' });
  return { input, el: h('div', { class: 'field' }, h('label', { for: input.id }, `Amount (${asset.unit})`), input) };
}

const how = (asset) => (asset.kind === 'native' ? 'the value of the call' : `a transfer of ${asset.id} (token ${asset.token || '?'}) to the Alpha contract`);

// The "Pay" card of a pay/collect stage waiting for `s.from`'s payment.
export function fundCard(t, inst, s, ctx) {
  const pay = s.pay || s.collect;
  const asset = stageAsset(t, inst, s);
  if (!asset) return h('p', { class: 'warn' }, `Stage ${s.id}: its asset is not declared; pay with the CLI.`);
  const f = amountField(`fund-${s.id}`, asset, guessAmount(inst, s, asset));
  return ctx.card(`Pay: ${s.id}`, [
    h('p', {}, `${pay.from} pays ${s.pay ? pay.amount : `at least ${pay.min}`} into the ${pay.to === 'escrow' ? 'escrow' : pay.to}, as ${how(asset)}.`),
    f.el,
    actionButton(asset.kind === 'native' ? 'Fund the escrow' : `Fund the escrow in ${asset.id}`,
      () => payCall('fund', ctx.idHex, asset, toMinor(f.input.value, asset.decimals, asset.unit)), ctx.box, ctx.done, { 'data-action': 'fund' })]);
}

// "Reserve": money set aside now for the party's later pay stages (kept apart from the escrow; a pay
// stage of this payer is paid from it when it is entered). Offered while the instance is proposed or
// active for each asset of the pay stages of the party's roles that have not been paid yet.
export function reserveCards(t, inst, roles, ctx) {
  if (inst.status !== 'proposed' && inst.status !== 'active') return [];
  const later = (t.stages || []).filter((s) => s.pay && roles.includes(s.pay.from) && inst.entered?.[s.id] === undefined);
  const byAsset = new Map();
  for (const s of later) {
    const a = stageAsset(t, inst, s);
    if (a && !byAsset.has(a.id)) byAsset.set(a.id, { asset: a, stages: [] });
    if (a) byAsset.get(a.id).stages.push(s);
  }
  return [...byAsset.values()].map(({ asset, stages }) => {
    const f = amountField(`reserve-${asset.id}`, asset, guessAmount(inst, stages[0], asset));
    return ctx.card(`Reserve: ${asset.id}`, [
      h('p', {}, `Set money aside now for ${stages.map((s) => s.id).join(', ')}: it is held apart from the escrow, and the stage is paid from it when it starts.`),
      f.el,
      actionButton('Reserve', () => payCall('reserve', ctx.idHex, asset, toMinor(f.input.value, asset.decimals, asset.unit)),
        ctx.box, ctx.done, { class: 'secondary', 'data-action': `reserve-${asset.id}` })]);
  });
}
