// Event logs decoded with the emitting contract's ABI (icx_getScoreApi). A log is
// {scoreAddress, indexed: [signature, ...indexed args], data: [...other args]}; the ABI's eventlog
// entry names the arguments and says which are indexed. Without an ABI (a native contract) the
// types in the signature still tell how to show each value.
import { hexToBigInt, formatInt, isAddress } from '../lib/format.js';
import { html } from './ui.js';
import { addrLink } from './ui.js';

/** 'Transfer(Address,Address,int)' -> {name: 'Transfer', types: ['Address','Address','int']} or null. */
export function parseSignature(sig) {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\(([^()]*)\)$/.exec(String(sig ?? ''));
  if (!m) return null;
  return { name: m[1], types: m[2] ? m[2].split(',') : [] };
}

function abiEvent(abi, sig) {
  if (!Array.isArray(abi) || !sig) return null;
  return (
    abi.find(
      (e) =>
        e.type === 'eventlog' &&
        e.name === sig.name &&
        (e.inputs || []).map((i) => i.type).join(',') === sig.types.join(','),
    ) || null
  );
}

/**
 * Decodes one log: {name, signature, args: [{name, type, indexed, value}], named: bool}.
 * Without an ABI entry the indexed count is what the log shows, and names are arg0, arg1, ...
 */
export function decodeLog(log, abi) {
  const signature = (log.indexed || [])[0];
  const sig = parseSignature(signature);
  if (!sig) return { name: '?', signature: String(signature ?? ''), args: [], named: false };
  const indexedVals = (log.indexed || []).slice(1);
  const dataVals = log.data || [];
  const entry = abiEvent(abi, sig);
  const args = [];
  if (entry) {
    let ii = 0;
    let di = 0;
    for (const input of entry.inputs) {
      const indexed = input.indexed === '0x1' || input.indexed === true;
      args.push({ name: input.name, type: input.type, indexed, value: indexed ? indexedVals[ii++] : dataVals[di++] });
    }
  } else {
    sig.types.forEach((type, i) => {
      const indexed = i < indexedVals.length;
      args.push({ name: `arg${i}`, type, indexed, value: indexed ? indexedVals[i] : dataVals[i - indexedVals.length] });
    });
  }
  return { name: sig.name, signature, args, named: Boolean(entry) };
}

/** One decoded value shown by its type: numbers in decimal (hex in the tooltip), addresses linked. */
export function showValue(type, value) {
  if (value === null || value === undefined) return html`<span class="muted">null</span>`;
  if (type === 'int') {
    try {
      return html`<span title="${value}">${formatInt(hexToBigInt(value))}</span>`;
    } catch {
      return html`${value}`;
    }
  }
  if (type === 'Address' && isAddress(value)) return addrLink(value, { full: true });
  if (type === 'bool') return html`${value === '0x1' ? 'true' : value === '0x0' ? 'false' : value}`;
  return html`<span class="mono wrap">${value}</span>`;
}
