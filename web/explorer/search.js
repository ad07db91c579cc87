// The search box: a height, a block hash, a tx hash (tried as a tx first, then as a block), or an
// hx/cx address. Resolves to a route path or throws an Error that says what was not found.
import { isAddress, isHash, normHash, isContract } from '../lib/format.js';
import { RpcError } from '../lib/rpc.js';
import { txByHash, blockByHash, lastBlock, heightOf } from './chain.js';

const NOT_FOUND = -31004;

export async function resolveSearch(input) {
  const q = String(input ?? '').trim();
  if (!q) throw new Error('Type a block height, a block or tx hash (0x + 64 hex digits), or an hx/cx address.');
  if (q.length > 100) throw new Error('That is too long to be a height, a hash or an address.');
  if (/^[0-9]{1,16}$/.test(q)) {
    const h = Number(q);
    const top = heightOf(await lastBlock());
    if (h > top) throw new Error(`No block ${h} yet: the chain is at height ${top}.`);
    return `/block/${h}`;
  }
  const lower = q.toLowerCase();
  if (isAddress(lower)) return isContract(lower) ? `/contract/${lower}` : `/address/${lower}`;
  if (isHash(lower)) {
    const hash = normHash(lower);
    try {
      await txByHash(hash);
      return `/tx/${hash}`;
    } catch (e) {
      if (!(e instanceof RpcError) || e.code === undefined) throw e;
    }
    try {
      await blockByHash(hash);
      return `/block/${hash}`;
    } catch (e) {
      if (!(e instanceof RpcError) || e.code === undefined) throw e;
      if (e.code !== NOT_FOUND && e.code !== -32602) throw e;
    }
    throw new Error(`No transaction or block has the hash ${hash}.`);
  }
  throw new Error(`"${q.slice(0, 40)}" is not a height, a 0x hash of 64 hex digits, or an hx/cx address.`);
}
