// The explorer's reads from the node, on the channel being explored. Small caches for what cannot
// change (blocks by height, contract ABIs per address and height are close enough for display).
import { rpc, isMethodNotFound, RpcError } from '../lib/rpc.js';
import { hexToNumber, toHex } from '../lib/format.js';
import { state } from './ui.js';

export const ALPHA = 'cx0000000000000000000000000000000000000a01';
export const STORE = 'cx0000000000000000000000000000000000000002';

export const call = (method, params) => rpc(method, params, { channel: state.channel });

const blockCache = new Map(); // `${channel}/${height}` -> block; bounded below
const BLOCK_CACHE_MAX = 200;

function remember(block) {
  const key = `${state.channel}/${block.height}`;
  blockCache.set(key, block);
  if (blockCache.size > BLOCK_CACHE_MAX) blockCache.delete(blockCache.keys().next().value);
  return block;
}

export const lastBlock = async () => remember(await call('icx_getLastBlock'));

export async function blockByHeight(height) {
  const hit = blockCache.get(`${state.channel}/${height}`);
  if (hit) return hit;
  return remember(await call('icx_getBlockByHeight', { height: toHex(height) }));
}

export const blockByHash = async (hash) => remember(await call('icx_getBlockByHash', { hash }));

/** The blocks from `top` down, at most `count` of them (never below height 0). */
export async function recentBlocks(top, count) {
  const heights = [];
  for (let h = top; h >= 0 && heights.length < count; --h) heights.push(h);
  const out = [];
  // A few at a time: the node bounds concurrent requests, and the page stays responsive.
  for (let i = 0; i < heights.length; i += 8) {
    out.push(...(await Promise.all(heights.slice(i, i + 8).map((h) => blockByHeight(h)))));
  }
  return out;
}

export const txByHash = (txHash) => call('icx_getTransactionByHash', { txHash });
export const txResult = (txHash) => call('icx_getTransactionResult', { txHash });
export const balance = (address) => call('icx_getBalance', { address });
export const scoreStatus = (address) => call('icx_getScoreStatus', { address });

const abiCache = new Map();
/** The contract's ABI, or null when the node has none for it (not a contract, or a native one). */
export async function scoreApi(address) {
  const key = `${state.channel}/${address}`;
  if (!abiCache.has(key)) {
    abiCache.set(
      key,
      call('icx_getScoreApi', { address }).catch((e) => {
        abiCache.delete(key);
        if (e instanceof RpcError && e.code !== undefined) return null;
        throw e;
      }),
    );
  }
  return abiCache.get(key);
}

/** icx_call of a read-only method. */
export const readCall = (to, method, params, height) =>
  call('icx_call', { to, dataType: 'call', data: params ? { method, params } : { method }, ...(height ? { height } : {}) });

/**
 * Calls a method the index helper adds (cx_*). Resolves to {ok: true, value} or, when the node does
 * not serve the method, {ok: false}; other errors are thrown.
 */
export async function optional(method, params) {
  try {
    return { ok: true, value: await call(method, params) };
  } catch (e) {
    if (isMethodNotFound(e)) return { ok: false };
    throw e;
  }
}

/** Block height as a number, whichever shape it came in. */
export const heightOf = (block) => (typeof block.height === 'number' ? block.height : hexToNumber(block.height));
/** Block hash with 0x. */
export const hashOf = (block) => (String(block.block_hash).startsWith('0x') ? block.block_hash : `0x${block.block_hash}`);
