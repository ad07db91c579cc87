// The template store: the registerTemplate txs the chain accepted (as `complexchain alpha template
// list` finds them), scanned from the newest block backwards one page of blocks at a time, and a
// template's page: its form, `simulate` and the prose, then `propose`.
import { ALPHA, rpc, rpcBatch, alphaRead, networkInfo } from './rpc.js';
import { h, clear, fmtTime, fmtAmount, fmtIcx, errorBox, busy, short } from './dom.js';
import { proposalForm } from './form.js';
import { actionButton } from './actions.js';
import * as wallet from './wallet.js';

export const BLOCKS_PER_PAGE = 500;  // blocks scanned per "older" click: never the whole chain
const BATCH = 50;                    // icx_getBlockByHeight calls per HTTP request

// Registered templates in blocks [from, to]: [{hash, name, height, txHash}], newest first.
export async function scanTemplates(from, to) {
  const found = [];
  for (let top = to; top >= from; top -= BATCH) {
    const calls = [];
    for (let k = top; k > top - BATCH && k >= from; --k) calls.push(['icx_getBlockByHeight', { height: `0x${k.toString(16)}` }]);
    const blocks = await rpcBatch(calls);
    const txs = [];
    blocks.forEach((b, i) => {
      if (b instanceof Error) throw new Error(`block ${top - i}: ${b.message}`);
      for (const tx of b.confirmed_transaction_list || [])
        if (tx.to === ALPHA && tx.data?.method === 'registerTemplate') txs.push({ tx, height: top - i });
    });
    const receipts = await rpcBatch(txs.map(({ tx }) => ['icx_getTransactionResult', { txHash: tx.txHash }]));
    receipts.forEach((r, i) => {
      if (r instanceof Error || r.status !== '0x1') return;  // refused: the chain holds nothing
      for (const l of r.eventLogs || [])
        if (String(l.indexed?.[0]).startsWith('TemplateRegistered'))
          found.push({ hash: l.indexed[1], name: l.data?.[0] || '', height: txs[i].height, txHash: txs[i].tx.txHash });
    });
  }
  return found;
}

export function templateListPage(root, go) {
  const list = h('ul', { class: 'cards', 'aria-live': 'polite' });
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary' }, 'Older blocks');
  const open = h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); const v = open.q.value.trim(); if (/^0x[0-9a-f]{64}$/.test(v)) go(`#/template/${v}`); else if (/^\d+$/.test(v)) go(`#/instance/${v}`); else status.textContent = 'Enter a template hash (0x + 64 hex) or an instance id (a number).'; } },
    h('label', { for: 'open-q' }, 'Open a template hash or an instance id'),
    h('input', { id: 'open-q', name: 'q', placeholder: '0x… or 12', autocomplete: 'off', spellcheck: 'false' }),
    h('button', { type: 'submit' }, 'Open'));
  clear(root, h('h1', {}, 'Agreement templates'),
    h('p', { class: 'lead' }, 'Ready-made Alpha Contracts registered on this chain. Pick one, fill in its terms, see every way it can end, then propose it to the other parties.'),
    open, list, status, more);
  let next = null;
  let seen = 0;
  async function page() {
    more.disabled = true;
    try {
      if (next === null) next = Number(BigInt((await rpc('icx_getLastBlock')).height));
      if (next < 0) return;
      const from = Math.max(0, next - BLOCKS_PER_PAGE + 1);
      status.textContent = `Scanning blocks ${from}–${next}…`;
      const found = await scanTemplates(from, next);
      for (const t of found) {
        ++seen;
        list.append(h('li', { class: 'card' },
          h('a', { href: `#/template/${t.hash}`, class: 'card-link' }, h('strong', {}, t.name || 'template'),
            h('span', { class: 'mono muted' }, short(t.hash, 12))),
          h('small', { class: 'muted' }, `registered in block ${t.height}`)));
      }
      next = from - 1;
      status.textContent = `${seen} template(s) in blocks ${next + 1}–latest${next < 0 ? ' (the whole chain)' : ''}.`;
    } catch (e) {
      status.replaceChildren(errorBox(e));
    } finally {
      more.disabled = next !== null && next < 0;
      more.hidden = next !== null && next < 0;
    }
  }
  more.addEventListener('click', page);
  return page();
}

// Paths and payments as a table: one row per path, one column per party and asset.
export function simulationTable(report, t, stepPrice) {
  const paths = report.paths || [];
  const cols = [];
  for (const p of paths) for (const [party, byAsset] of Object.entries(p.payments || {}))
    for (const asset of Object.keys(byAsset)) if (!cols.some((c) => c.party === party && c.asset === asset)) cols.push({ party, asset });
  cols.sort((a, b) => (a.party + a.asset).localeCompare(b.party + b.asset));
  const assetOf = (id) => ({ id, ...(t.assets?.[id] || {}) });
  const fee = (steps) => `${fmtIcx(BigInt(steps) * stepPrice)} ICX`;
  const table = h('table', { class: 'sim' },
    h('caption', {}, `${paths.length} path(s). Positive: the party receives; negative: it pays. Max fee: the most this path's txs can cost in steps, at the step price.`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Ends at'),
      cols.map((c) => h('th', { scope: 'col' }, `${c.party} (${c.asset})`)), h('th', { scope: 'col' }, 'Max fee'))),
    h('tbody', {}, paths.map((p, i) => h('tr', {},
      h('td', {}, i + 1),
      h('th', { scope: 'row' }, p.terminal, p.fault ? h('small', { class: 'warn' }, ` fault: ${p.fault}`) : null,
        h('details', {}, h('summary', {}, 'steps'), h('ol', { class: 'steps' }, (p.steps || []).map((s) => h('li', {}, s))))),
      cols.map((c) => {
        const v = p.payments?.[c.party]?.[c.asset];
        if (v === undefined || v === '0') return h('td', { class: 'num muted' }, '0');
        return h('td', { class: `num ${BigInt(v) < 0n ? 'neg' : 'pos'}` }, fmtAmount(v, assetOf(c.asset)));
      }),
      h('td', { class: 'num' }, fee(p.max_steps))))));
  return h('div', { class: 'table-wrap' }, table,
    h('p', { class: 'muted' }, `Maximum fee over all paths: ${fee(report.max_steps)} (${Number(report.max_steps).toLocaleString('en-US')} steps). Simulation digest `,
      h('code', {}, short(report.digest, 12)), report.truncated ? h('strong', { class: 'warn' }, ' — TRUNCATED') : null));
}

// The prose of `lang`: rendered on chain from these params when the source was registered.
export function proseView(prose) {
  if (prose.text === null || prose.text === undefined)
    return h('p', { class: 'muted' }, `The source of this language was not registered with the template; the chain binds its pinned hash ${short(prose.source, 12)}.`);
  return h('div', {}, h('div', { class: 'prose', lang: prose.lang }, prose.text), h('p', { class: 'muted' }, 'sha3-256 of this text: ', h('code', {}, prose.hash)));
}

export function proseToggle(t, load) {
  const langs = Object.keys(t.prose || {}).filter((k) => k !== 'governing');
  const box = h('div', { class: 'prose-box', 'aria-live': 'polite' });
  const names = { en: 'English', ko: '한국어' };
  const buttons = langs.map((lang) => h('button', { type: 'button', class: 'tab', 'data-lang': lang, 'aria-pressed': 'false', onclick: () => show(lang) }, names[lang] || lang));
  async function show(lang) {
    buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === lang)));
    clear(box, busy('Rendering…'));
    try {
      clear(box, proseView(await load(lang)));
    } catch (e) {
      clear(box, errorBox(e));
    }
  }
  return { el: h('section', { class: 'panel' }, h('h2', {}, 'The agreement in words'),
    h('div', { class: 'tabs', role: 'group', 'aria-label': 'Language' }, buttons),
    h('p', { class: 'muted' }, `Governing language: ${t.prose?.governing || '—'}`), box),
  show: () => show(langs.includes(t.prose?.governing) ? t.prose.governing : langs[0]) };
}

export async function templatePage(root, hash, go) {
  clear(root, busy('Reading the template…'));
  let t;
  try {
    t = await alphaRead('getTemplate', { hash });
  } catch (e) {
    clear(root, h('h1', {}, 'Template'), errorBox(e));
    return;
  }
  const { stepPrice } = await networkInfo();
  const form = proposalForm(t);
  const me = wallet.address();
  const firstRole = Object.keys(t.roles || {})[0];
  if (me && firstRole) form.fill({ [firstRole]: me });
  const simBox = h('div', { 'aria-live': 'polite' });
  const proseSlot = h('div');
  const proposeBox = h('div', { 'aria-live': 'polite' });
  const inputs = () => {
    const { params, parties } = form.read();
    return { template: hash, params: JSON.stringify(params), parties: JSON.stringify(parties) };
  };
  async function simulate() {
    clear(simBox, busy('Simulating every path…'));
    clear(proseSlot);
    try {
      const p = inputs();
      const report = await alphaRead('simulate', p);
      clear(simBox, h('h2', {}, 'Every way it can end'), simulationTable(report, t, BigInt(stepPrice)));
      const toggle = proseToggle(t, (lang) => alphaRead('getProse', { ...p, lang }));
      clear(proseSlot, toggle.el);
      toggle.show();
    } catch (e) {
      clear(simBox, errorBox(e));
    }
  }
  const propose = actionButton('Propose this agreement', async () => {
    const p = inputs();
    return { method: 'propose', params: p };
  }, proposeBox, (tx) => {
    const id = tx.transitions[0]?.id;
    if (id !== undefined) go(`#/instance/${id}`);
  }, { 'data-action': 'propose' });
  clear(root,
    h('p', {}, h('a', { href: '#/' }, '← All templates')),
    h('h1', {}, `${t.template?.id} `, h('small', { class: 'muted' }, `v${t.template?.version}`)),
    h('p', { class: 'mono muted break' }, hash),
    templateSummary(t),
    h('section', { class: 'panel' }, h('h2', {}, 'Your terms'), form.el,
      h('div', { class: 'actions' }, h('button', { type: 'button', 'data-action': 'simulate', onclick: simulate }, 'Simulate'), propose)),
    h('section', {}, simBox), proseSlot, proposeBox);
}

function templateSummary(t) {
  const stageLine = (s) => {
    const kind = ['pay', 'collect', 'await', 'decide', 'wait', 'settle', 'fork', 'join', 'arbitrate'].find((k) => k in s) || 'gateway';
    let what = kind;
    if (kind === 'pay') what = `${s.pay.from} pays ${s.pay.amount} to ${s.pay.to}`;
    else if (kind === 'await') what = `awaits ${s.await}`;
    else if (kind === 'decide') what = `${s.decide} is decided`;
    else if (kind === 'settle') what = `settles (rest: ${s.settle.rest})`;
    return h('li', {}, h('strong', {}, s.id), ` — ${what}`, s.due ? h('small', { class: 'muted' }, ` · due ${s.due.at}`) : null);
  };
  return h('section', { class: 'panel' }, h('h2', {}, 'How it runs'),
    h('p', {}, 'Roles: ', Object.keys(t.roles || {}).join(', '), '. Ends: ', (t.terminals || []).join(', '), '.'),
    h('ol', { class: 'stages' }, (t.stages || []).map(stageLine)));
}
