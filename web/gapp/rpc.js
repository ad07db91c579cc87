// The GAPP's reads of the Alpha system contract, over the shared JSON-RPC client (web/lib/rpc.js):
// rpc(method, params) resolves to the result or throws RpcError(the node's message, code).
import { rpc, rpcBatch } from '/lib/rpc.js';

export { rpc, rpcBatch };
export const ALPHA = 'cx0000000000000000000000000000000000000a01';
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
