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

/**
 * Calls `method` with `params` and returns the result. Throws RpcError carrying the node's message
 * and code. Options: channel, base (origin, default the page's), timeoutMs (default 15 s), fetch.
 */
export async function rpc(method, params, { channel, base = '', timeoutMs = 15000, fetchFn } = {}) {
  const body = { jsonrpc: '2.0', id: nextId++, method };
  if (params !== undefined && params !== null) body.params = params;
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
    const msg = e && e.name === 'AbortError' ? `${method}: no answer in ${timeoutMs} ms` : `${method}: ${e.message || e}`;
    throw new RpcError(msg, undefined);
  } finally {
    clearTimeout(timer);
  }
  let text;
  try {
    text = await res.text();
  } catch (e) {
    throw new RpcError(`${method}: reading the answer failed: ${e.message || e}`, undefined);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RpcError(`${method}: HTTP ${res.status}: ${text.slice(0, 200) || res.statusText}`, undefined);
  }
  if (json && json.error) {
    throw new RpcError(String(json.error.message ?? 'unknown error'), json.error.code, json.error.data);
  }
  if (!json || !('result' in json)) throw new RpcError(`${method}: HTTP ${res.status}: no result in the answer`, undefined);
  return json.result;
}

/** True when the error says the node does not know the method (JSON-RPC -32601). */
export function isMethodNotFound(err) {
  return err instanceof RpcError && err.code === -32601;
}
