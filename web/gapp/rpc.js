// JSON-RPC to the node that serves this page (ICON v3 at /api/v3), and reads of the Alpha system
// contract. Until web/lib/rpc.js lands on main this is the GAPP's own copy, with the same face:
// rpc(method, params) resolves to the result or throws Error(the node's message).
export const ALPHA = 'cx0000000000000000000000000000000000000a01';
const ENDPOINT = `${location.origin}/api/v3`;
const TIMEOUT_MS = 15000;
let nextId = 1;

async function post(body) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const res = await fetch(ENDPOINT, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: ctl.signal,
    });
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`the node answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
  } catch (e) {
    if (e.name === 'AbortError') throw new Error(`the node did not answer within ${TIMEOUT_MS / 1000} s`);
    if (e instanceof TypeError) throw new Error(`cannot reach the node at ${ENDPOINT} (${e.message})`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

function unwrap(reply) {
  if (reply.error) {
    const err = new Error(reply.error.message || JSON.stringify(reply.error));
    err.code = reply.error.code;
    throw err;
  }
  return reply.result;
}

export async function rpc(method, params) {
  const body = { jsonrpc: '2.0', id: nextId++, method };
  if (params !== undefined) body.params = params;
  return unwrap(await post(body));
}

// Several calls in one HTTP request; each element is the result or an Error.
export async function rpcBatch(calls) {
  if (!calls.length) return [];
  const base = nextId;
  nextId += calls.length;
  const replies = await post(calls.map(([method, params], i) => ({ jsonrpc: '2.0', id: base + i, method, params })));
  if (!Array.isArray(replies)) return calls.map(() => new Error(replies?.error?.message || 'the node refused the batch'));
  const byId = new Map(replies.map((r) => [r.id, r]));
  return calls.map((_, i) => {
    try {
      return unwrap(byId.get(base + i) || { error: { message: 'no reply' } });
    } catch (e) {
      return e;
    }
  });
}

// A read-only method of the Alpha contract (icx_call), at `height` when given.
export function alphaRead(method, params = {}, height) {
  const req = { to: ALPHA, dataType: 'call', data: { method, params } };
  if (height !== undefined) req.height = `0x${BigInt(height).toString(16)}`;
  return rpc('icx_call', req);
}

let info;
export async function networkInfo() {
  if (!info) info = await rpc('icx_getNetworkInfo');
  return info;
}

export const hexToBig = (h) => (h === undefined || h === null ? 0n : BigInt(h));
