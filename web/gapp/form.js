// The proposal form generated from a template's declarations (docs/alpha.md §2.2, §2.3): one field per
// param, typed and bounded as the chain will check it, and one per role (a group role takes several
// addresses). read() validates everything before anything is signed and returns {params, parties} in
// the spelling `propose` expects (amounts as decimal strings, times and rates as integers, durations as
// "P1D" or seconds); a wrong field is named with the reason, next to it.
import { h } from './dom.js';

const ADDRESS = /^hx[0-9a-f]{40}$/;
const DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
const INT = /^\d+$/;
const U64_MAX = 2n ** 64n - 1n;

function bounds(decl) {
  const parts = [];
  if (decl.min !== undefined) parts.push(`≥ ${decl.min}`);
  if (decl.max !== undefined) parts.push(`≤ ${decl.max}`);
  return parts.join(', ');
}

function hint(name, decl, assets) {
  switch (decl.type) {
    case 'amount': {
      const a = assets?.[decl.asset];
      const unit = a?.kind === 'native' ? 'loop (1 ICX = 10^18 loop)' : `minor units of ${decl.asset}`;
      return `amount in ${unit}${bounds(decl) ? `, ${bounds(decl)}` : ''}`;
    }
    case 'bps': return `basis points (100 = 1 %)${bounds(decl) ? `, ${bounds(decl)}` : ''}`;
    case 'ppm': return `parts per million${bounds(decl) ? `, ${bounds(decl)}` : ''}`;
    case 'int': return `whole number${bounds(decl) ? `, ${bounds(decl)}` : ''}`;
    case 'time': return 'date and time, UTC';
    case 'duration': return 'ISO duration such as P1D, PT12H, P7DT6H';
    case 'address': return 'account address hx…';
    default: return '';
  }
}

function input(id, decl) {
  const common = { id, name: id, 'aria-describedby': `${id}-hint ${id}-err` };
  switch (decl.type) {
    case 'bool': return h('select', common, h('option', { value: 'false' }, 'false'), h('option', { value: 'true' }, 'true'));
    case 'enum': return h('select', common, (decl.values || []).map((v) => h('option', { value: v }, v)));
    case 'time': return h('input', { ...common, type: 'datetime-local', step: 1 });
    default: return h('input', { ...common, type: 'text', inputmode: ['amount', 'bps', 'ppm', 'int'].includes(decl.type) ? 'numeric' : undefined, autocomplete: 'off', spellcheck: 'false' });
  }
}

function field(id, label, decl, help) {
  const el = input(id, decl);
  return { el, row: h('div', { class: 'field' },
    h('label', { for: id }, label),
    el,
    h('small', { id: `${id}-hint` }, help),
    h('span', { class: 'field-error', id: `${id}-err`, role: 'alert' })) };
}

function checkParam(name, decl, raw) {
  const v = raw.trim();
  switch (decl.type) {
    case 'amount': case 'bps': case 'ppm': case 'int': {
      if (!INT.test(v)) return { err: 'expected a whole number (digits only)' };
      const n = BigInt(v);
      if (decl.min !== undefined && n < BigInt(decl.min)) return { err: `must be at least ${decl.min}` };
      if (decl.max !== undefined && n > BigInt(decl.max)) return { err: `must be at most ${decl.max}` };
      if (decl.type === 'amount') return { value: n.toString() };
      if (n > U64_MAX) return { err: 'too large' };
      return { value: Number(n) <= Number.MAX_SAFE_INTEGER ? Number(n) : n.toString() };
    }
    case 'time': {
      if (!v) return { err: 'choose a date and time' };
      const ms = Date.parse(`${v}${v.length === 16 ? ':00' : ''}Z`);
      if (!Number.isFinite(ms) || ms <= 0) return { err: 'not a date and time' };
      return { value: Math.floor(ms / 1000) };
    }
    case 'duration':
      if (INT.test(v)) return { value: Number(v) };
      if (!DURATION.test(v)) return { err: 'expected an ISO duration such as P1D or PT12H (months are not durations)' };
      return { value: v };
    case 'bool': return { value: v === 'true' };
    case 'enum': return (decl.values || []).includes(v) ? { value: v } : { err: 'choose one of the values' };
    case 'address': return ADDRESS.test(v) ? { value: v } : { err: 'expected hx followed by 40 lower-case hex digits' };
    default: return v ? { value: v } : { err: 'required' };
  }
}

// `t` is the canonical template (getTemplate). Returns {el, read(), fill(values)}.
export function proposalForm(t) {
  const params = Object.entries(t.params || {});
  const roles = Object.entries(t.roles || {});
  const rows = [];
  const paramFields = params.map(([name, decl]) => {
    const f = field(`p-${name}`, name, decl, hint(name, decl, t.assets));
    rows.push(f.row);
    return [name, decl, f];
  });
  const roleRows = [];
  const roleFields = roles.map(([role, r]) => {
    const members = r.members || 1;
    const what = [r.signatory && 'signs', r.observer && 'observer', r.referee && 'referee', r.bind === 'cert' && 'bound by certificate']
      .filter(Boolean).join(', ');
    const help = members > 1 ? `up to ${members} addresses, one per line or comma-separated` : 'account address hx…';
    const f = field(`r-${role}`, `${role}${what ? ` (${what})` : ''}`, { type: members > 1 ? 'group' : 'address' }, help);
    if (members > 1) {
      const ta = h('textarea', { id: `r-${role}`, name: `r-${role}`, rows: 2, 'aria-describedby': `r-${role}-hint r-${role}-err`, spellcheck: 'false' });
      f.el.replaceWith(ta);
      f.el = ta;
    }
    roleRows.push(f.row);
    return [role, members, f];
  });
  const el = h('div', { class: 'form' },
    params.length ? h('fieldset', {}, h('legend', {}, 'Params'), rows) : null,
    h('fieldset', {}, h('legend', {}, 'Parties'), roleRows));

  function read() {
    let ok = true;
    const out = { params: {}, parties: {} };
    const mark = (f, err) => {
      f.row.querySelector('.field-error').textContent = err || '';
      f.el.setAttribute('aria-invalid', err ? 'true' : 'false');
      if (err) ok = false;
    };
    for (const [name, decl, f] of paramFields) {
      const r = checkParam(name, decl, f.el.value);
      mark(f, r.err);
      if (!r.err) out.params[name] = r.value;
    }
    for (const [role, members, f] of roleFields) {
      const list = f.el.value.split(/[\s,]+/).filter(Boolean);
      let err = '';
      if (!list.length) err = 'required';
      else if (list.length > members) err = `at most ${members} addresses`;
      else if (list.some((a) => !ADDRESS.test(a))) err = `not an address: ${list.find((a) => !ADDRESS.test(a))}`;
      else if (new Set(list).size !== list.length) err = 'an address is listed twice';
      mark(f, err);
      if (!err) out.parties[role] = members > 1 ? list : list[0];
    }
    if (!ok) {
      el.querySelector('[aria-invalid="true"]')?.focus();
      throw new Error('some fields need attention (marked below each field)');
    }
    return out;
  }

  // Prefill for convenience: {param: value, role: address}.
  function fill(values) {
    for (const [name, decl, f] of paramFields) {
      if (!(name in values)) continue;
      f.el.value = decl.type === 'time' ? new Date(values[name] * 1000).toISOString().slice(0, 19) : String(values[name]);
    }
    for (const [role, , f] of roleFields) if (role in values) f.el.value = [].concat(values[role]).join('\n');
  }

  return { el, read, fill };
}
