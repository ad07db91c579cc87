// The party's key: a keystore file read in the page and unlocked with its password by icon-sdk-js
// (Wallet.loadKeystore). The key stays in this module's memory; what leaves the page is only a signed
// tx (icx_sendTransaction), whose signature the node checks. Closing or reloading the page forgets it.
import { ALPHA, rpc, networkInfo } from './rpc.js';

const sdk = window['icon-sdk-js'];
const { IconBuilder, IconConverter, IconWallet, SignedTransaction } = sdk.default || sdk;

export const STEP_LIMIT = 100_000_000n;  // as the CLI's alpha verbs (kAlphaStepLimit)
const KEYSTORE_BYTES_MAX = 16 * 1024;
const RESULT_WAIT_MS = 60_000;

let wallet = null;
const listeners = new Set();

export const address = () => (wallet ? wallet.getAddress() : null);
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const changed = () => listeners.forEach((fn) => fn(address()));

// Unlocks `file` (a File from an <input type=file>) with `password`.
export async function unlock(file, password) {
  if (!file) throw new Error('choose your keystore file');
  if (file.size > KEYSTORE_BYTES_MAX) throw new Error(`${file.name} is ${file.size} bytes: a keystore is at most ${KEYSTORE_BYTES_MAX}`);
  const text = await file.text();
  let ks;
  try {
    ks = JSON.parse(text);
  } catch {
    throw new Error(`${file.name} is not a keystore (not JSON)`);
  }
  if (!ks || typeof ks !== 'object' || !ks.crypto || !/^hx[0-9a-f]{40}$/.test(ks.address || ''))
    throw new Error(`${file.name} is not an ICON keystore (no address or crypto section)`);
  // scrypt runs on the main thread for a moment: let the page paint "unlocking" first.
  await new Promise((r) => setTimeout(r, 30));
  try {
    wallet = IconWallet.loadKeystore(ks, password, true);
  } catch (e) {
    throw new Error(typeof e === 'string' ? e.replace(/^\[?[A-Z_]+\]?\s*/, '') : e.message || 'wrong password');
  }
  changed();
  return wallet.getAddress();
}

export function forget() {
  wallet = null;
  changed();
}

// Builds and signs one ICON call tx, to the Alpha contract unless `to` names another (an IRC2
// token's `transfer` that funds an escrow): the same method and params as `complexchain alpha <verb>`
// sends (src/cli/cmd_alpha_call.cpp). `value` in loop.
export async function signCall(method, params, value = 0n, to = ALPHA) {
  if (!wallet) throw new Error('unlock your keystore first');
  const { nid } = await networkInfo();
  const big = (v) => IconConverter.toBigNumber(String(v));
  let b = new IconBuilder.CallTransactionBuilder()
    .from(wallet.getAddress())
    .to(to)
    .stepLimit(big(STEP_LIMIT))
    .nid(big(BigInt(nid)))
    .nonce(big(Date.now()))
    .version(big(3))
    .timestamp(Date.now() * 1000)
    .method(method)
    .params(params);
  if (value > 0n) b = b.value(big(value));
  const signed = new SignedTransaction(b.build(), wallet);
  return { raw: signed.getProperties() };
}

// Sends a signed tx; `onHash` hears the tx hash at once; resolves to the receipt when it is in a block:
// the node's long poll (icx_waitTransactionResult, answered the moment the block is final), asked
// again after its own timeout, polling icx_getTransactionResult on a node that lacks it.
export async function send(signed, onHash) {
  const hash = await rpc('icx_sendTransaction', signed.raw);
  onHash?.(hash);
  const end = Date.now() + RESULT_WAIT_MS;
  let method = 'icx_waitTransactionResult';
  for (;;) {
    try {
      return { hash, receipt: await rpc(method, { txHash: hash }, { timeoutMs: 20_000 }) };
    } catch (e) {
      if (Date.now() > end) throw new Error(`no result for ${hash} after ${RESULT_WAIT_MS / 1000} s: ${e.message}`);
      if (e.code === -32601) method = 'icx_getTransactionResult';  // no long poll on this node
    }
    await new Promise((r) => setTimeout(r, 400));
  }
}

// The AlphaTransition logs of a receipt: [{id, seq, status, stage, what}].
export function transitionsOf(receipt) {
  return (receipt.eventLogs || [])
    .filter((l) => l.scoreAddress === ALPHA && String(l.indexed?.[0] || '').startsWith('AlphaTransition'))
    .map((l) => ({ id: BigInt(l.indexed[1]), seq: l.data[0], status: l.data[1], stage: l.data[2], what: l.data[3] }));
}
