// An instance followed live: what its signatories sign, its timeline, the money, and the actions the
// unlocked party may take in its roles (sign, fund, attest, decide, delegate, revoke, dispute, rule).
// Polls getInstance every POLL_MS and redraws when the instance or the height moves.
import { ALPHA, rpc, rpcBatch, alphaRead, networkInfo } from './rpc.js';
import { h, clear, fmtTime, fmtAmount, errorBox, busy, short } from './dom.js';
import { simulationTable, proseToggle } from './templates.js';
import { timeline } from './timeline.js';
import { instanceActions } from './instance_actions.js';
import * as wallet from './wallet.js';

const POLL_MS = 1500;
const HISTORY_BLOCKS_MAX = 1000;  // blocks scanned back for this instance's txs

let stopPolling = () => {};

export async function instancePage(root, id) {
  stopPolling();
  clear(root, busy(`Reading instance ${id}…`));
  let inst, t;
  try {
    inst = await alphaRead('getInstance', { id: `0x${BigInt(id).toString(16)}` });
    t = await alphaRead('getTemplate', { hash: `0x${inst.template_hash}` });
  } catch (e) {
    clear(root, h('h1', {}, `Instance ${id}`), errorBox(e));
    return;
  }
  const head = h('div');
  const signPanel = h('div');
  const actionsSlot = h('div');
  const resultBox = h('div', { class: 'result', id: 'tx-result', 'aria-live': 'polite' });
  const tlSlot = h('div');
  const moneySlot = h('div');
  const historySlot = h('div', {}, busy('Reading recent blocks…'));
  clear(root, h('p', {}, h('a', { href: '#/' }, '← All templates'), ' · ', h('a', { href: `#/template/0x${inst.template_hash}` }, 'this template')),
    head, signPanel, resultBox, actionsSlot, tlSlot, moneySlot, historySlot);
  let lastKey = '';
  let lastSeq = null;
  let lastMe;
  // One draw at a time (a poll and a refresh must not both add the sign panel); a refresh asked for
  // while one runs draws again after it. After this page's own tx (or a sign-in) it redraws at once
  // rather than at the next poll.
  let running = null;
  let again = false;
  const drawOnce = () => {
    if (running) { again = true; return running; }
    running = draw().catch((e) => { if (!head.childElementCount) clear(head, errorBox(e)); })
      .finally(() => { running = null; if (again) { again = false; drawOnce(); } });
    return running;
  };
  const refreshNow = () => { lastKey = ''; drawOnce(); };
  async function draw() {
    const [fresh, last] = await Promise.all([alphaRead('getInstance', { id: `0x${BigInt(id).toString(16)}` }), rpc('icx_getLastBlock')]);
    const now = Math.floor(Number(last.time_stamp) / 1e6);
    const key = `${fresh.seq}/${fresh.status}/${fresh.signed_by?.length}/${last.height}`;
    if (key === lastKey) return;
    lastKey = key;
    inst = fresh;
    clear(head, header(t, inst, last.height));
    clear(tlSlot, timeline(t, inst, now));
    clear(moneySlot, money(t, inst));
    const seqKey = `${inst.seq}/${inst.status}/${inst.signed_by?.length}`;
    if (seqKey !== lastSeq || lastMe !== wallet.address()) {
      lastSeq = seqKey;
      lastMe = wallet.address();
      clear(actionsSlot, instanceActions(t, inst, now, refreshNow, resultBox));
      if (inst.status === 'proposed' && !signPanel.childElementCount) signPanel.append(await whatYouSign(t, inst, id));
      if (inst.status !== 'proposed') clear(signPanel);
      history(inst, id).then((el) => clear(historySlot, el)).catch((e) => clear(historySlot, errorBox(e)));
    }
  }
  await drawOnce();
  let alive = true;
  const timer = setInterval(() => { if (alive && !running) drawOnce(); }, POLL_MS);
  const off = wallet.onChange(refreshNow);
  stopPolling = () => { alive = false; clearInterval(timer); off(); };
}

export const leaveInstance = () => stopPolling();

function header(t, inst, height) {
  return h('header', { class: 'inst-head' },
    h('h1', {}, `Agreement #${inst.id} `, h('small', { class: 'muted' }, `${t.template?.id} v${t.template?.version}`)),
    h('p', {}, h('span', { class: `status ${inst.status}`, 'data-status': inst.status }, inst.status), ' stage ',
      h('strong', { 'data-stage': inst.stage }, inst.stage || '—'), h('span', { class: 'muted' }, ` · seq ${inst.seq} · as of block ${BigInt(height)} (live)`)),
    inst.fault ? h('p', { class: 'warn' }, `fault: ${inst.fault}`) : null,
    h('dl', { class: 'kv' }, Object.entries(inst.parties || {}).map(([role, who]) => [h('dt', {}, role), h('dd', { class: 'mono break' }, [].concat(who).join(', '))])));
}

function ledgerRows(t, title, ledger) {
  const rows = [];
  for (const [asset, per] of Object.entries(ledger || {})) {
    if (typeof per !== 'object') rows.push(h('tr', {}, h('td', {}, title), h('td', {}, '—'), h('td', { class: 'num' }, fmtAmount(per, { id: asset, ...(t.assets?.[asset] || {}) }))));
    else for (const [who, v] of Object.entries(per)) rows.push(h('tr', {}, h('td', {}, title), h('td', {}, who), h('td', { class: 'num' }, fmtAmount(v, { id: asset, ...(t.assets?.[asset] || {}) }))));
  }
  return rows;
}

// An event's winning payload ({"result": .., "fields": {..}}, stored as JSON text) for people.
function payloadText(payload) {
  let p = payload;
  if (typeof p === 'string') {
    try { p = JSON.parse(p); } catch { return ` — ${p}`; }
  }
  if (!p || typeof p !== 'object') return '';
  const parts = [];
  if (p.result !== undefined) parts.push(`result ${p.result}`);
  for (const [k, v] of Object.entries(p.fields || {})) parts.push(`${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  return parts.length ? ` — ${parts.join(', ')}` : '';
}

function money(t, inst) {
  const escrow = ledgerRows(t, 'escrow', inst.escrow);
  const rows = [...escrow, ...ledgerRows(t, 'stake', inst.stakes), ...ledgerRows(t, 'paid in', inst.paid), ...ledgerRows(t, 'reserved', inst.reserved)];
  const events = Object.entries(inst.events || {}).map(([name, e]) => h('li', {}, h('strong', {}, name), ` at ${fmtTime(e.time)}`, payloadText(e.payload)));
  const decisions = Object.entries(inst.decisions || {}).map(([name, d]) => h('li', {}, h('strong', {}, name), ` holder ${short(d.holder, 8)}`, d.exercised ? ` — chose ${d.choice} at ${fmtTime(d.time)}` : '', d.delegated_by ? ` (handed over by ${short(d.delegated_by, 8)})` : ''));
  return h('section', { class: 'panel' }, h('h2', {}, 'Money, events, decisions'),
    escrow.length ? null : h('p', { class: 'muted', 'data-escrow': 'empty' }, 'The escrow is empty.'),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Ledger'), h('th', { scope: 'col' }, 'Whose'), h('th', { scope: 'col' }, 'Amount'))), h('tbody', {}, rows))) : null,
    events.length ? h('ul', {}, events) : null, decisions.length ? h('ul', {}, decisions) : null);
}

// The hash every signatory signs, read from the chain, and everything it covers.
async function whatYouSign(t, inst, id) {
  const { stepPrice } = await networkInfo();
  const idHex = `0x${BigInt(id).toString(16)}`;
  const simBox = h('div', {}, busy('Simulating…'));
  alphaRead('simulate', { id: idHex }).then((r) => clear(simBox, simulationTable(r, t, BigInt(stepPrice)),
    r.digest?.replace(/^0x/, '') === inst.simulation_digest ? h('p', { class: 'ok small', 'data-digest': 'same' }, 'This report’s digest is the simulation digest the hash covers.') : h('p', { class: 'warn', 'data-digest': 'differs' }, 'This report’s digest differs from the one the hash covers.')))
    .catch((e) => clear(simBox, errorBox(e)));
  const prose = proseToggle(t, (lang) => alphaRead('getProse', { id: idHex, lang }));
  prose.show();
  return h('section', { class: 'panel' }, h('h2', {}, 'What each signatory signs'),
    h('p', {}, 'Signing means sending ', h('code', {}, 'sign'), ' with this instance hash, computed by the chain when it was proposed:'),
    h('p', { class: 'mono break hash', 'data-hash': `0x${inst.hash}` }, `0x${inst.hash}`),
    h('p', {}, 'It is SHA3-256 of "cx.alpha.instance.v1:" and the canonical JSON of:'),
    h('dl', { class: 'kv' },
      h('dt', {}, 'template'), h('dd', { class: 'mono break' }, `0x${inst.template_hash}`),
      h('dt', {}, 'params'), h('dd', { class: 'mono break' }, JSON.stringify(inst.params)),
      h('dt', {}, 'parties'), h('dd', { class: 'mono break' }, JSON.stringify(inst.parties)),
      h('dt', {}, 'prose'), h('dd', { class: 'mono break' }, Object.entries(inst.prose || {}).map(([l, e]) => `${l}: ${e}`).join('; '), ` → digest ${short(inst.prose_digest, 10)}`),
      h('dt', {}, 'simulation'), h('dd', { class: 'mono break' }, inst.simulation_digest),
      h('dt', {}, 'signed by'), h('dd', { class: 'mono break' }, (inst.signed_by || []).join(', ') || 'nobody yet'),
      h('dt', {}, 'sign by'), h('dd', {}, fmtTime(inst.sign_by))),
    h('h3', {}, 'Every way it can end'), simBox, prose.el);
}

// A coin or token movement in a receipt's logs: ICXTransfer(from, to, value), or an IRC2
// Transfer(_from, _to, _value, _data) into or out of the Alpha contract (the token's address shown).
function payOf(l) {
  const [sig, from, to, value] = l.indexed || [];
  if (String(sig).startsWith('ICXTransfer')) return { amount: fmtAmount(BigInt(value), { kind: 'native' }), to };
  if (String(sig).startsWith('Transfer(') && (from === ALPHA || to === ALPHA) && /^0x[0-9a-f]+$/.test(value || ''))
    return { amount: `${BigInt(value).toLocaleString('en-US')} of token ${short(l.scoreAddress, 6)}`, to };
  return null;
}

// This instance's txs in recent blocks (newest first), back to its proposal or HISTORY_BLOCKS_MAX.
async function history(inst, id) {
  const last = Number(BigInt((await rpc('icx_getLastBlock')).height));
  const want = BigInt(id);
  const items = [];
  let stop = false;
  for (let top = last; top >= 0 && top > last - HISTORY_BLOCKS_MAX && !stop; top -= 50) {
    const calls = [];
    for (let k = top; k > top - 50 && k >= 0; --k) calls.push(['icx_getBlockByHeight', { height: `0x${k.toString(16)}` }]);
    const blocks = await rpcBatch(calls);
    const txs = [];
    for (const b of blocks) {
      if (b instanceof Error) continue;
      if (Math.floor(Number(b.time_stamp) / 1e6) < Number(inst.proposed_at)) stop = true;
      // Calls of the Alpha contract, and token transfers (a payment in an IRC2 token reaches it so).
      for (const tx of b.confirmed_transaction_list || []) if (tx.to === ALPHA || tx.data?.method === 'transfer') txs.push({ tx, b });
    }
    const receipts = await rpcBatch(txs.map(({ tx }) => ['icx_getTransactionResult', { txHash: tx.txHash }]));
    receipts.forEach((r, i) => {
      if (r instanceof Error) return;
      const moves = wallet.transitionsOf(r).filter((m) => m.id === want);
      const { tx, b } = txs[i];
      const p = tx.data?.params || {};
      if (!moves.length && !(p.id !== undefined && BigInt(p.id) === want)) return;
      const pays = (r.eventLogs || []).map(payOf).filter(Boolean);
      items.push(h('li', {}, h('span', { class: 'small muted' }, `${fmtTime(Math.floor(Number(b.time_stamp) / 1e6))} · block ${b.height} · `),
        h('strong', {}, tx.data?.method), ` by ${short(tx.from, 8)}`, r.status === '0x1' ? '' : h('span', { class: 'warn' }, ` refused: ${r.failure?.message}`),
        moves.length ? h('div', { class: 'small' }, moves.map((m) => m.what).join('; ')) : null,
        pays.map((p) => h('div', { class: 'small pay' }, `paid ${p.amount} to ${short(p.to, 8)}`))));
    });
  }
  return h('section', { class: 'panel' }, h('h2', {}, 'History'),
    items.length ? h('ol', { class: 'history' }, items) : h('p', { class: 'muted' }, 'No txs of this instance in the recent blocks.'),
    h('p', { class: 'small muted' }, `Deadlines fire at the start of a block and have no tx: see the timeline. Scanned at most ${HISTORY_BLOCKS_MAX} blocks.`));
}
