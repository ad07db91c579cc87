// Formatting helpers shared by the explorer and the GAPP: hex quantities, ICX amounts, times,
// addresses, and HTML escaping. BigInt throughout; no floats for amounts.

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use in HTML content and attribute values. */
export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Parses a 0x-hex quantity (or a decimal string/number/bigint) into a BigInt; throws on junk. */
export function hexToBigInt(v) {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    return BigInt(v);
  }
  const s = String(v ?? '').trim();
  if (/^-?0x[0-9a-fA-F]+$/.test(s)) return s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s);
  if (/^-?[0-9]+$/.test(s)) return BigInt(s);
  throw new Error(`not a quantity: ${s.slice(0, 40)}`);
}

/** A 0x-hex quantity as a JS number (heights, counts, timestamps); throws beyond 2^53. */
export function hexToNumber(v) {
  const b = hexToBigInt(v);
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`too large: ${b}`);
  return Number(b);
}

/** An integer as a 0x-hex quantity ("0x0", "0x1f", "-0x2"). */
export function toHex(v) {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return b < 0n ? '-0x' + (-b).toString(16) : '0x' + b.toString(16);
}

/** Inserts thousands separators into a decimal integer string. */
function group(intPart) {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Formats an amount in the smallest unit (loop, 10^-decimals) as a decimal string, e.g.
 * formatUnits('0xde0b6b3a7640000', 18) = '1'. maxFraction trims (rounds down) the fraction.
 */
export function formatUnits(v, decimals = 18, { maxFraction = decimals, grouping = true } = {}) {
  let b = hexToBigInt(v);
  const neg = b < 0n;
  if (neg) b = -b;
  const d = BigInt(decimals);
  const unit = 10n ** d;
  const whole = (b / unit).toString();
  let frac = decimals > 0 ? (b % unit).toString().padStart(decimals, '0') : '';
  frac = frac.slice(0, maxFraction).replace(/0+$/, '');
  return (neg ? '-' : '') + (grouping ? group(whole) : whole) + (frac ? '.' + frac : '');
}

/** An ICX amount given in loop: '1.5 ICX'. */
export function formatIcx(v, opts) {
  return `${formatUnits(v, 18, { maxFraction: 6, ...opts })} ICX`;
}

/** Parses a decimal amount ('1.5') into the smallest unit as a BigInt; throws on bad input. */
export function parseUnits(s, decimals = 18) {
  const t = String(s ?? '').trim();
  const m = /^(\d{1,40})(?:\.(\d*))?$/.exec(t);
  if (!m) throw new Error(`not an amount: ${t.slice(0, 40)}`);
  const frac = m[2] ?? '';
  if (frac.length > decimals) throw new Error(`at most ${decimals} decimal places`);
  return BigInt(m[1]) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}

/** A decimal integer with separators ('12,345'). */
export function formatInt(v) {
  const b = hexToBigInt(v);
  return (b < 0n ? '-' : '') + group((b < 0n ? -b : b).toString());
}

/** An ICON timestamp (microseconds, hex or number) as ISO-8601 UTC without milliseconds. */
export function formatTime(us) {
  const ms = Number(hexToBigInt(us) / 1000n);
  if (!Number.isFinite(ms)) return '';
  return new Date(ms).toISOString().replace('.000Z', 'Z').replace('T', ' ');
}

/** "12 s ago", "3 min ago" ... from a microsecond timestamp, relative to nowMs. */
export function formatAge(us, nowMs = Date.now()) {
  const ms = Number(hexToBigInt(us) / 1000n);
  let s = Math.round((nowMs - ms) / 1000);
  if (s < 0) s = 0;
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Shortens a long hash or address for display: 0x1234…abcd. */
export function shortHash(h, keep = 6) {
  const s = String(h ?? '');
  return s.length <= keep * 2 + 3 ? s : `${s.slice(0, keep + 2)}…${s.slice(-keep)}`;
}

export const isAddress = (s) => /^(hx|cx)[0-9a-f]{40}$/.test(String(s));
export const isEoa = (s) => /^hx[0-9a-f]{40}$/.test(String(s));
export const isContract = (s) => /^cx[0-9a-f]{40}$/.test(String(s));
/** A 32-byte hash with 0x (tx or block hash). Also accepts it without 0x. */
export const isHash = (s) => /^(0x)?[0-9a-f]{64}$/i.test(String(s));
/** Normalizes a hash to lowercase 0x form. */
export function normHash(s) {
  const t = String(s).toLowerCase();
  return t.startsWith('0x') ? t : '0x' + t;
}
