// The validator set at a height (the latest by default): weight and share, group, last signed
// height, signed and missed blocks (cx_getValidators).
import { html, render, kvTable, errorBox, notAvailable, blockLink } from '../ui.js';
import { formatInt, hexToNumber, toHex } from '../../lib/format.js';
import { optional } from '../chain.js';
import { validatorTable } from './common.js';

export async function validatorsView(ctx) {
  const hq = ctx.query.get('height');
  const height = hq && /^[0-9]{1,16}$/.test(hq) ? Number(hq) : null;
  let r;
  let err = null;
  try {
    r = await optional('cx_getValidators', height !== null ? { height: toHex(height) } : {});
  } catch (e) {
    err = e;
  }
  if (!ctx.live()) return;
  const v = r && r.ok ? r.value : null;
  render(
    ctx.main,
    html`<h1>Validators</h1>
    <form class="inline panel" id="height-form">
      <div><label for="vh">Validator set at height</label><br><input id="vh" name="height" inputmode="numeric" pattern="[0-9]{1,16}" value="${height ?? ''}" placeholder="latest"></div>
      <button type="submit">Show</button>
    </form>
    ${err ? errorBox(err, 'cx_getValidators') : ''}
    ${r && !r.ok ? notAvailable('cx_getValidators') : ''}
    ${
      v
        ? html`<section class="panel">${kvTable([
            ['At height', v.height !== undefined ? blockLink(hexToNumber(v.height)) : '—'],
            ['Validators', String((v.validators || []).length)],
            ['Total weight', v.totalWeight !== undefined ? formatInt(v.totalWeight) : '—'],
            ['Set hash', html`<span class="mono wrap">${v.setHash ?? '—'}</span>`],
          ])}</section>
          <section class="panel">${validatorTable(v)}</section>
          <p class="muted">Missed: blocks of the set's span the validator did not sign. A quorum needs more than two thirds of the total weight.</p>`
        : ''
    }`,
  );
  ctx.main.querySelector('#height-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const val = ctx.main.querySelector('#vh').value.trim();
    const base = location.hash.replace(/\?.*$/, '');
    location.hash = val ? `${base}?height=${encodeURIComponent(val)}` : base;
  });
}
