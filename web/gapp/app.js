// The GAPP: routes (#/ templates, #/template/0x…, #/instance/N) and the keystore panel.
import { rpc } from './rpc.js';
import { h, clear, fmtIcx, errorBox, short } from './dom.js';
import * as wallet from './wallet.js';
import { templateListPage, templatePage } from './templates.js';
import { instancePage, leaveInstance } from './instance.js';

const main = document.getElementById('main');
const keyPanel = document.getElementById('key');

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  leaveInstance();
  const path = location.hash.replace(/^#/, '') || '/';
  let m;
  try {
    if ((m = /^\/template\/(0x[0-9a-f]{64})$/.exec(path))) await templatePage(main, m[1], go);
    else if ((m = /^\/instance\/(\d{1,19})$/.exec(path))) await instancePage(main, m[1]);
    else await templateListPage(main, go);
  } catch (e) {
    clear(main, errorBox(e));
  }
  main.focus({ preventScroll: true });
}

function drawKey() {
  const me = wallet.address();
  if (me) {
    const bal = h('span', { class: 'muted' }, '');
    rpc('icx_getBalance', { address: me }).then((b) => { bal.textContent = ` · ${fmtIcx(b)} ICX`; }).catch(() => {});
    clear(keyPanel, h('p', { class: 'who' }, 'Signing as ', h('code', { id: 'me', title: me }, short(me, 8)), bal, ' ',
      h('button', { type: 'button', class: 'secondary small', onclick: () => wallet.forget() }, 'Lock')));
    return;
  }
  const file = h('input', { type: 'file', id: 'ks-file', accept: '.json,application/json' });
  const pw = h('input', { type: 'password', id: 'ks-password', autocomplete: 'current-password' });
  const msg = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'key-form', onsubmit: async (e) => {
    e.preventDefault();
    msg.textContent = 'Unlocking…';
    try {
      await wallet.unlock(file.files[0], pw.value);
    } catch (err) {
      clear(msg, errorBox(err));
    }
  } },
  h('div', { class: 'field' }, h('label', { for: 'ks-file' }, 'Your keystore file'), file),
  h('div', { class: 'field' }, h('label', { for: 'ks-password' }, 'Password'), pw),
  h('button', { type: 'submit', id: 'ks-unlock' }, 'Unlock'),
  h('small', { class: 'muted' }, 'Read and unlocked in this page only; the key is never sent anywhere.'), msg);
  clear(keyPanel, h('details', { class: 'key-details' }, h('summary', {}, 'Sign in with your keystore'), form));
}

wallet.onChange(() => { drawKey(); });
window.addEventListener('hashchange', route);
drawKey();
route();
