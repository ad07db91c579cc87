// JSON-RPC 2.0 client for the node that serves this page (POST /api/v3[/channel]).
// Shared by the explorer and the GAPP. No dependencies.

let nextId = 1;

/** An error the node returned (or a transport failure); .code is the JSON-RPC code when known. */
export class RpcError extends Error {
  constructor(message, code, data) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

/** The endpoint path for a channel ('' or undefined = the node's default channel). */
export function endpoint(channel) {
  if (!channel) return '/api/v3';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(channel)) throw new RpcError(`invalid channel name: ${channel}`, -32602);
  return `/api/v3/${channel}`;
}

// POSTs one JSON-RPC body (a request or a batch) and returns the parsed answer; transport failures
// and answers that are not JSON throw RpcError naming `label`.
async function post(body, label, { channel, base = '', timeoutMs = 15000, fetchFn } = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  let res;
  try {
    res = await (fetchFn || fetch)(base + endpoint(channel), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: ctrl.signal,
    });
  } catch (e) {
    const msg = e && e.name === 'AbortError' ? `${label}: no answer in ${timeoutMs} ms` : `${label}: ${e.message || e}`;
    throw new RpcError(msg, undefined);
  } finally {
    clearTimeout(timer);
  }
  let text;
  try {
    text = await res.text();
  } catch (e) {
    throw new RpcError(`${label}: reading the answer failed: ${e.message || e}`, undefined);
  }
  try {
    return { status: res.status, json: JSON.parse(text) };
  } catch {
    throw new RpcError(`${label}: HTTP ${res.status}: ${text.slice(0, 200) || res.statusText}`, undefined);
  }
}

function unwrap(json, label, status) {
  if (json && json.error) {
    throw new RpcError(String(json.error.message ?? 'unknown error'), json.error.code, json.error.data);
  }
  if (!json || !('result' in json)) throw new RpcError(`${label}: HTTP ${status}: no result in the answer`, undefined);
  return json.result;
}

/**
 * Calls `method` with `params` and returns the result. Throws RpcError carrying the node's message
 * and code. Options: channel, base (origin, default the page's), timeoutMs (default 15 s), fetch.
 */
export async function rpc(method, params, opts = {}) {
  const body = { jsonrpc: '2.0', id: nextId++, method };
  if (params !== undefined && params !== null) body.params = params;
  const { status, json } = await post(body, method, opts);
  return unwrap(json, method, status);
}

/**
 * Several calls in one HTTP request (a JSON-RPC batch): `calls` is [[method, params], ...]; the answer
 * has one element per call, its result or the RpcError it got.
 */
export async function rpcBatch(calls, opts = {}) {
  if (!calls.length) return [];
  const first = nextId;
  nextId += calls.length;
  const body = calls.map(([method, params], i) => {
    const req = { jsonrpc: '2.0', id: first + i, method };
    if (params !== undefined && params !== null) req.params = params;
    return req;
  });
  const { status, json } = await post(body, 'batch', opts);
  if (!Array.isArray(json)) {
    const err = new RpcError(json?.error?.message || `batch: HTTP ${status}: the node refused the batch`, json?.error?.code);
    return calls.map(() => err);
  }
  const byId = new Map(json.map((r) => [r.id, r]));
  return calls.map(([method], i) => {
    try {
      return unwrap(byId.get(first + i) || { error: { message: `${method}: no answer in the batch` } }, method, status);
    } catch (e) {
      return e;
    }
  });
}

/** True when the error says the node does not know the method (JSON-RPC -32601). */
export function isMethodNotFound(err) {
  return err instanceof RpcError && err.code === -32601;
}
