// The explorer's router: hash routes (#/block/12, #/tx/0x.., #/address/hx.., #/contract/cx..,
// #/validators, #/channels, #/alpha/3), optionally prefixed by #/c/<channel> to explore a channel
// other than the node's default. Each view renders into <main> and may return a stop function.
import { render, html, errorBox, state, href } from './ui.js';
import { resolveSearch } from './search.js';
import { homeView } from './views/home.js';
import { blockView } from './views/block.js';
import { txView } from './views/tx.js';
import { addressView } from './views/address.js';
import { contractView } from './views/contract.js';
import { validatorsView } from './views/validators.js';
import { channelsView } from './views/channels.js';
import { alphaView } from './views/alpha.js';

const routes = [
  [/^\/?$/, homeView],
  [/^\/block\/([0-9]{1,16}|0x[0-9a-fA-F]{64})$/, blockView],
  [/^\/tx\/(0x[0-9a-fA-F]{64})$/, txView],
  [/^\/address\/(hx[0-9a-f]{40}|cx[0-9a-f]{40})$/, addressView],
  [/^\/contract\/(cx[0-9a-f]{40})$/, contractView],
  [/^\/validators$/, validatorsView],
  [/^\/channels$/, channelsView],
  [/^\/alpha\/([0-9]{1,18})$/, alphaView],
];

const main = document.getElementById('main');
let stopView = null;
let generation = 0;

/** Splits '#/c/ch/block/3?x=1' into {channel, path, query}. */
export function parseHash(hash) {
  let rest = hash.replace(/^#/, '') || '/';
  let query = new URLSearchParams();
  const qi = rest.indexOf('?');
  if (qi >= 0) {
    query = new URLSearchParams(rest.slice(qi + 1));
    rest = rest.slice(0, qi);
  }
  try {
    rest = decodeURIComponent(rest);
  } catch {
    /* a malformed escape: match it as typed, which finds no route */
  }
  let channel = '';
  const m = /^\/c\/([A-Za-z0-9_.-]{1,64})(\/.*)?$/.exec(rest);
  if (m) {
    channel = m[1];
    rest = m[2] || '/';
  }
  return { channel, path: rest, query };
}

function setCurrentNav(path) {
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.getAttribute('data-path');
    const current = target === '/' ? path === '/' || path === '' : path.startsWith(target);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
    a.setAttribute('href', href(target));
  }
  const ch = document.getElementById('channel-name');
  if (ch) ch.textContent = state.channel ? `channel ${state.channel}` : '';
}

async function route() {
  const gen = ++generation;
  if (stopView) {
    try {
      stopView();
    } catch {
      /* a view's cleanup failing must not stop the next view */
    }
    stopView = null;
  }
  const { channel, path, query } = parseHash(location.hash);
  state.channel = channel;
  const searchError = document.getElementById('search-error');
  if (searchError) searchError.textContent = ''; // a failed search's message belongs to the page it was made on
  setCurrentNav(path);
  const found = routes.map(([re, view]) => [re.exec(path), view]).find(([m]) => m);
  if (!found) {
    render(main, html`<h1>Not found</h1><p>No page at <code>${path}</code>. <a href="${href('/')}">Home</a></p>`);
    return;
  }
  const [m, view] = found;
  render(main, html`<p class="loading" role="status">Loading…</p>`);
  const ctx = {
    main,
    args: m.slice(1),
    query,
    live: () => gen === generation, // false once the user has moved on
  };
  try {
    const stop = await view(ctx);
    if (gen === generation) stopView = typeof stop === 'function' ? stop : null;
    else if (typeof stop === 'function') stop();
  } catch (e) {
    if (gen === generation) render(main, errorBox(e, 'The node answered with an error'));
  }
  if (gen === generation) {
    const h1 = main.querySelector('h1');
    if (h1 && document.activeElement !== document.getElementById('q')) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
    document.title = `${h1 ? h1.textContent + ' · ' : ''}Complexchain explorer`;
  }
}

document.getElementById('search').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = document.getElementById('q');
  const out = document.getElementById('search-error');
  out.textContent = '';
  try {
    const path = await resolveSearch(input.value);
    input.value = '';
    location.hash = href(path);
  } catch (e) {
    out.textContent = e.message;
  }
});

window.addEventListener('hashchange', route);
route();

// The skip link must not change the hash (that is the route): it moves focus to the content.
document.querySelector('a.skip')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});
