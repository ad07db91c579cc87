// Governance txs for functional tests (docs/governance.md): icon-sdk-js call txs to the governance
// contract cx…0a02, a proposal decided by a list of voters, and reads at a height.
import assert from 'node:assert/strict';
import IconService from 'icon-sdk-js';
import { rpc, waitFor, hex, callTx } from './lib.mjs';

const SDK = IconService.default || IconService;
const { IconBuilder, IconConverter, SignedTransaction } = SDK;
export { callTx };
export const GOV = 'cx0000000000000000000000000000000000000a02';

// Sends a governance call and waits for its result (under load a tx can wait a few blocks).
export async function send(url, wallet, method, params, { timeoutMs = 30000 } = {}) {
  const hash = await rpc(url, 'icx_sendTransaction', callTx(wallet, GOV, method, params).getProperties());
  return waitFor(() => rpc(url, 'icx_getTransactionResult', { txHash: hash }), { timeoutMs, what: `result of ${method}` });
}

export async function transfer(url, from, to, icx) {
  const tx = new IconBuilder.IcxTransactionBuilder()
    .from(from.getAddress()).to(to)
    .value(IconConverter.toBigNumber(icx).multipliedBy('1e18'))
    .stepLimit(IconConverter.toBigNumber(100000)).nid(IconConverter.toBigNumber(3))
    .nonce(IconConverter.toBigNumber(Math.floor(Math.random() * 1e9))).version(IconConverter.toBigNumber(3))
    .timestamp(Date.now() * 1000).build();
  const hash = await rpc(url, 'icx_sendTransaction', new SignedTransaction(tx, from).getProperties());
  return waitFor(() => rpc(url, 'icx_getTransactionResult', { txHash: hash }), { timeoutMs: 30000, what: 'a transfer' });
}

export const call = (url, method, params = {}, h) =>
  rpc(url, 'icx_call', { to: GOV, dataType: 'call', data: { method, params }, ...(h === undefined ? {} : { height: hex(h) }) });

export const eventOf = (result, sig) => result.eventLogs.find((l) => l.indexed[0] === sig);

// Proposes `action` from the first voter; the others approve until it executes. Returns
// {effective, approvedAt}: the effective height (Executed's data) and the height of the deciding vote.
export async function decideAt(url, voters, action, args) {
  const p = await send(url, voters[0], 'propose', { action, args: JSON.stringify(args) });
  assert.equal(Number(p.status), 1, `propose ${action}: ${JSON.stringify(p.failure)}`);
  const id = eventOf(p, 'ProposalCreated(int,str,Address)').indexed[1];
  let last = p;
  for (const v of voters.slice(1)) {
    if (eventOf(last, 'Executed(int,int)')) break;
    last = await send(url, v, 'vote', { id, approve: '0x1' });
    assert.equal(Number(last.status), 1, `vote on ${action}: ${JSON.stringify(last.failure)}`);
  }
  const executed = eventOf(last, 'Executed(int,int)');
  assert.ok(executed, `${action} was not executed: ${JSON.stringify(await call(url, 'getProposal', { id }))}`);
  return { effective: Number(executed.data[0]), approvedAt: parseInt(last.blockHeight, 16) };
}

// The same, returning the effective height only.
export const decide = async (url, voters, action, args) => (await decideAt(url, voters, action, args)).effective;
