// The channels this node serves and their members (cx_getChannels: what the viewer may see).
import { html, render, table, notAvailable, addrLink, badge } from '../ui.js';
import { formatInt, hexToNumber } from '../../lib/format.js';
import { optional } from '../chain.js';

const MEMBERS_SHOWN = 100;

const num = (v) => {
  try {
    return formatInt(typeof v === 'number' ? v : hexToNumber(v));
  } catch {
    return String(v ?? '—');
  }
};

export async function channelsView(ctx) {
  const r = await optional('cx_getChannels', {});
  if (!ctx.live()) return;
  if (!r.ok) {
    render(ctx.main, html`<h1>Channels</h1>${notAvailable('cx_getChannels')}`);
    return;
  }
  const channels = r.value.channels || [];
  render(
    ctx.main,
    html`<h1>Channels</h1>
    <p class="muted">Each channel is its own ledger with its own members. Explore one to see its blocks and txs.</p>
    ${channels.map((c) => {
      if (c.private) {
        return html`<section class="panel channel" aria-labelledby="ch-${c.name}"><h2 id="ch-${c.name}">${c.name}</h2>
          <p class="muted">A private channel: it answers signed requests from its members only (docs/membership.md).</p></section>`;
      }
      const members = c.members || [];
      return html`<section class="panel channel" aria-labelledby="ch-${c.name}">
        <h2 id="ch-${c.name}">${c.name} <a class="button" href="#/c/${encodeURIComponent(c.name)}/">Explore</a></h2>
        <p>nid ${c.nid ?? '—'} · height ${num(c.height)} · ${Array.isArray(c.validators) ? c.validators.length : num(c.validators)} validators · ${members.length} members</p>
        ${table(
          ['Member', 'Role'],
          members.slice(0, MEMBERS_SHOWN).map((m) => [addrLink(m.address, { full: true }), badge(m.role === 'validator' ? 'ok' : 'info', m.role)]),
          { empty: 'No members you may see.' },
        )}
        ${members.length > MEMBERS_SHOWN ? html`<p class="muted">Showing ${MEMBERS_SHOWN} of ${members.length} members.</p>` : ''}
      </section>`;
    })}`,
  );
}
