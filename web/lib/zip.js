// Reads the files of a zip archive in the browser (stored or deflated entries), for showing a
// contract's deploy package. Bounded: at most `maxEntries` entries and `maxBytes` uncompressed per
// file; anything else is reported, not guessed at.

const u16 = (b, o) => b[o] | (b[o + 1] << 8);
const u32 = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

async function inflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** [{name, size, text|null, error?}] for the archive's files, in the order of its central directory. */
export async function readZip(bytes, { maxEntries = 256, maxBytes = 256 * 1024 } = {}) {
  // End of central directory: the last PK\5\6 within the trailing 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); --i) {
    if (u32(bytes, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end-of-central-directory record)');
  const count = u16(bytes, eocd + 10);
  if (count > maxEntries) throw new Error(`the archive has ${count} entries; at most ${maxEntries} are shown`);
  let p = u32(bytes, eocd + 16);
  const files = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let n = 0; n < count; ++n) {
    if (p + 46 > bytes.length || u32(bytes, p) !== 0x02014b50) throw new Error('a broken central directory');
    const method = u16(bytes, p + 10);
    const csize = u32(bytes, p + 20);
    const size = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const extraLen = u16(bytes, p + 30);
    const commentLen = u16(bytes, p + 32);
    const local = u32(bytes, p + 42);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    const entry = { name, size, text: null };
    try {
      if (size > maxBytes) throw new Error(`${size} bytes, too large to show`);
      if (local + 30 > bytes.length || u32(bytes, local) !== 0x04034b50) throw new Error('a broken local header');
      const start = local + 30 + u16(bytes, local + 26) + u16(bytes, local + 28);
      const data = bytes.subarray(start, start + csize);
      const raw = method === 0 ? data : method === 8 ? await inflateRaw(data) : null;
      if (!raw) throw new Error(`compression method ${method} is not supported here`);
      entry.text = decoder.decode(raw);
    } catch (e) {
      entry.error = e.message;
    }
    files.push(entry);
  }
  return files;
}

/** 0x-hex to bytes; throws on odd length or a non-hex digit. */
export function hexToBytes(hex) {
  const s = String(hex).replace(/^0x/, '');
  if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw new Error('not hex bytes');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}
