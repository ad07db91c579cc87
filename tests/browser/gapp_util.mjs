// Helpers for the GAPP browser test: a 1-validator localnet (lib.mjs: this tree's web/, CX_BROWSER_PORT)
// with the accounts' keystores, and txs sent by the test itself (the template store, the set-ups).
import fs from 'node:fs';
import path from 'node:path';
import { startLocalnet, rpc, resultOf, IconWallet, IconBuilder, IconConverter, SignedTransaction } from './lib.mjs';

export const ALPHA = 'cx0000000000000000000000000000000000000a01';
const big = (v) => IconConverter.toBigNumber(String(v));

// A localnet whose accounts carry their keystore file, its password and a wallet for the test's txs.
export async function startNet(accounts = 5) {
  const net = await startLocalnet({ accounts });
  const summary = JSON.parse(fs.readFileSync(path.join(net.dir, 'accounts.json'), 'utf8'));
  return {
    ...net, password: summary.keystore_password,
    accounts: summary.accounts.map((a) => ({ ...a, wallet: IconWallet.loadPrivateKey(a.private_key) })),
  };
}

let nonce = 0;
// One call tx from the test, waited for: to the Alpha contract unless `to` says otherwise.
export async function sendCall(net, wallet, method, params, value, to = ALPHA) {
  let b = new IconBuilder.CallTransactionBuilder()
    .from(wallet.getAddress()).to(to)
    .stepLimit(big('2000000000')).nid(big(3)).nonce(big(Date.now() + nonce++))
    .version(big(3)).timestamp(Date.now() * 1000)
    .method(method).params(params);
  if (value) b = b.value(big(value));
  const hash = await rpc(net.rpc, 'icx_sendTransaction', new SignedTransaction(b.build(), wallet).getProperties());
  return resultOf(net.rpc, hash);
}

// Deploys a Lua contract from the test; resolves to its cx address.
export async function deploy(net, wallet, file, params) {
  const tx = new IconBuilder.DeployTransactionBuilder()
    .from(wallet.getAddress()).to('cx0000000000000000000000000000000000000000')
    .stepLimit(big('2000000000')).nid(big(3)).nonce(big(Date.now() + nonce++))
    .version(big(3)).timestamp(Date.now() * 1000)
    .contentType('application/x-lua').content(`0x${fs.readFileSync(file).toString('hex')}`).params(params).build();
  const r = await resultOf(net.rpc, await rpc(net.rpc, 'icx_sendTransaction', new SignedTransaction(tx, wallet).getProperties()));
  if (r.status !== '0x1') throw new Error(`deploy ${file}: ${JSON.stringify(r.failure)}`);
  return r.scoreAddress;
}

export const balance = async (net, address) => BigInt(await rpc(net.rpc, 'icx_getBalance', { address }));

export const alphaRead = (net, method, params) => rpc(net.rpc, 'icx_call', { to: ALPHA, dataType: 'call', data: { method, params } });
