// One party action = one ICON call tx (to the Alpha contract, or to an IRC2 token for a payment in it), built here, signed with the party's key
// in this page, sent, and followed to its receipt. The box shows the tx hash at once, then the result:
// the transitions it caused, or the node's failure message.
import { h, clear, errorBox, busy } from './dom.js';
import * as wallet from './wallet.js';

export async function runTx(call, box) {
  clear(box, busy('Signing…'));
  const signed = await wallet.signCall(call.method, call.params, call.value || 0n, call.to);
  const hashLine = h('p', { class: 'mono break' });
  const what = call.label || call.method;
  clear(box, h('p', { role: 'status' }, `${what}: sent, waiting for its block…`), hashLine);
  const { hash, receipt } = await wallet.send(signed, (txHash) => { hashLine.textContent = `tx ${txHash}`; });
  const transitions = wallet.transitionsOf(receipt);
  const ok = receipt.status === '0x1';
  clear(box, h('div', { class: ok ? 'ok' : 'error', role: ok ? 'status' : 'alert', 'data-tx-status': ok ? 'ok' : 'failed' },
    h('p', {}, h('strong', {}, ok ? `${what}: done` : `${what}: refused by the chain`),
      ` in block ${BigInt(receipt.blockHeight)}`),
    ok ? null : h('p', { class: 'failure' }, receipt.failure?.message || 'no failure message in the receipt'),
    h('p', { class: 'mono break small' }, `tx ${hash}`),
    transitions.length ? h('ul', { class: 'small' }, transitions.map((t) => h('li', {}, t.what))) : null));
  return { hash, receipt, ok, transitions };
}

// A button that builds its call with `build()` (which may throw a validation error), runs it, and
// calls `onDone(result)` when the chain accepted it.
export function actionButton(label, build, box, onDone, attrs = {}) {
  const btn = h('button', { type: 'button', ...attrs }, label);
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      if (!wallet.address()) throw new Error('Unlock your keystore first (top of the page): every action is a tx you sign.');
      const call = await build();
      const r = await runTx(call, box);
      if (r.ok) onDone?.(r);
    } catch (e) {
      const el = errorBox(e);
      el.dataset.txStatus = 'error';  // nothing was sent, or the node refused it before a block
      clear(box, el);
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}
