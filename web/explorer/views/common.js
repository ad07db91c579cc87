// Pieces several views share: the validator table and the rows of a block's txs.
import { formatIcx, formatAge, formatInt, hexToBigInt, shortHash } from '../../lib/format.js';
import { html, table, addrLink, txLink, blockLink, badge } from '../ui.js';

// Governance tiers (docs/governance.md).
const TIERS = { 1: 'supervision', 2: 'adjustment', 3: 'business' };
const none = () => html`<span class="muted">—</span>`;

function tierCell(tier) {
  if (tier === undefined || tier === null) return none();
  const n = Number(hexToBigInt(tier));
  return html`<span class="tier" data-tier="${n}">${n}</span> <span class="muted">${TIERS[n] ?? ''}</span>`;
}

/** The validator set (cx_getValidators' answer) as a table. */
export function validatorTable(v, { caption } = {}) {
  const total = hexToBigInt(v.totalWeight ?? '0x0');
  const rows = (v.validators || []).map((x) => {
    const w = hexToBigInt(x.weight ?? '0x0');
    // Per mille in integers: weights can exceed 2^53.
    const share = total > 0n ? Number((w * 1000n) / total) / 10 : 0;
    return [
      addrLink(x.address, { full: true }),
      x.institution ?? none(),
      tierCell(x.tier),
      html`${formatInt(w)} <span class="muted">(${share}%)</span>`,
      x.group ?? html`<span class="muted">—</span>`,
      x.lastSignedHeight !== undefined && x.lastSignedHeight !== null ? blockLink(Number(hexToBigInt(x.lastSignedHeight))) : '—',
      x.signedBlocks !== undefined ? formatInt(x.signedBlocks) : '—',
      x.missedBlocks !== undefined
        ? hexToBigInt(x.missedBlocks) > 0n
          ? badge('bad', formatInt(x.missedBlocks))
          : formatInt(x.missedBlocks)
        : '—',
    ];
  });
  return table(['Validator', 'Institution', 'Tier', 'Weight', 'Group', 'Last signed', 'Signed', 'Missed'], rows, {
    caption,
    empty: 'No validators.',
    id: 'validator-table',
  });
}

/** One row per tx of the given blocks (newest first): hash, block, age, from, to, value, type. */
export function txRows(blocks, limit) {
  const rows = [];
  for (const b of blocks) {
    for (const tx of [...(b.confirmed_transaction_list || [])].reverse()) {
      if (rows.length >= limit) return rows;
      rows.push(txRow(tx, b));
    }
  }
  return rows;
}

export function txRow(tx, b) {
  const kind = tx.dataType || (tx.value ? 'transfer' : '—');
  return [
    txLink(tx.txHash),
    b ? blockLink(b.height) : '—',
    b ? html`<span title="${new Date(Number(b.time_stamp) / 1000).toISOString()}">${formatAge(b.time_stamp)}</span>` : '—',
    addrLink(tx.from),
    addrLink(tx.to),
    tx.value ? formatIcx(tx.value) : html`<span class="muted">0</span>`,
    kind,
  ];
}

export const TX_HEADERS = ['Tx hash', 'Block', 'Age', 'From', 'To', 'Value', 'Type'];

/** One row per block: height, age, tx count, proposer, hash. */
export function blockRow(b) {
  return [
    blockLink(b.height),
    html`<span title="${new Date(Number(b.time_stamp) / 1000).toISOString()}">${formatAge(b.time_stamp)}</span>`,
    String((b.confirmed_transaction_list || []).length),
    addrLink(b.peer_id),
    html`<span class="mono" title="0x${b.block_hash}">${shortHash('0x' + b.block_hash)}</span>`,
  ];
}
export const BLOCK_HEADERS = ['Height', 'Age', 'Txs', 'Proposer', 'Hash'];
