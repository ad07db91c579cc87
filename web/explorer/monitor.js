// New blocks as they are committed: the node's WebSocket block monitor (goloop's protocol: send
// {"height":"0x.."}, get {"code":0}, then {"hash","height"} per block), or polling icx_getLastBlock
// once a second where the WebSocket cannot be opened.
import { hexToNumber, toHex } from '../lib/format.js';
import { state } from './ui.js';
import { lastBlock, heightOf } from './chain.js';

const POLL_MS = 1000;

function wsUrl(channel) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/api/v3${channel ? '/' + encodeURIComponent(channel) : ''}/block`;
}

/**
 * Calls onHeight(height) for every height from `from` on, in order, and onMode('websocket'|'polling')
 * when the transport is known. Returns a function that stops it.
 */
export function watchBlocks(from, { onHeight, onMode = () => {}, onError = () => {} }) {
  let stopped = false;
  let next = from;
  let ws = null;
  let timer = null;

  const deliver = (h) => {
    // Heights arrive in order on the socket; polling may jump several at once.
    while (!stopped && next <= h) onHeight(next++);
  };

  const poll = async () => {
    if (stopped) return;
    try {
      deliver(heightOf(await lastBlock()));
    } catch (e) {
      onError(e);
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };

  const startPolling = () => {
    if (stopped || timer) return;
    onMode('polling');
    poll();
  };

  try {
    ws = new WebSocket(wsUrl(state.channel));
  } catch {
    startPolling();
    return () => { stopped = true; clearTimeout(timer); };
  }
  let accepted = false;
  ws.onopen = () => ws.send(JSON.stringify({ height: toHex(from) }));
  ws.onmessage = (ev) => {
    let m;
    try {
      m = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (!accepted) {
      if (m.code === 0) {
        accepted = true;
        onMode('websocket');
      } else {
        onError(new Error(m.message || `block monitor refused (code ${m.code})`));
        ws.close();
      }
      return;
    }
    if (m.height) deliver(hexToNumber(m.height));
  };
  ws.onclose = () => {
    // The node closes idle or overloaded monitors; carry on by polling.
    if (!stopped) startPolling();
  };
  ws.onerror = () => {};
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (ws && ws.readyState <= 1) ws.close();
  };
}
