// Draws the app's PNG icons from public/icon.svg's shapes, with no image library and nothing
// downloaded: `node apps/web/src/pwa/make-icons.mjs` writes public/icon-192.png, icon-512.png
// and icon-maskable-512.png (full-bleed background, the handset inside the 80% safe circle).
// The output is deterministic; rerun it only when the icon changes.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BLUE = [0x1f, 0x4e, 0x79, 255];
const WHITE = [255, 255, 255, 255];
/** The handset of icon.svg, in its 64×64 box. */
const HANDSET =
  'M22 14c3 0 5 6 5 9s-3 4-3 6c0 4 7 11 11 11 2 0 3-3 6-3s9 2 9 5-4 8-9 8C28 50 14 36 14 23c0-5 5-9 8-9z';

/** The path as one polygon (M, c, s, C, z are all it uses), cubic curves cut in 16 steps. */
function polygonOf(d) {
  const tokens = d.match(/[a-zA-Z]|-?\d*\.?\d+/g);
  const points = [];
  let i = 0;
  let x = 0;
  let y = 0;
  let command = '';
  let lastControl = null;
  const num = () => Number(tokens[i++]);
  const cubic = (x1, y1, x2, y2, x3, y3) => {
    for (let step = 1; step <= 16; step++) {
      const t = step / 16;
      const u = 1 - t;
      points.push([
        u * u * u * x + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
        u * u * u * y + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3,
      ]);
    }
    lastControl = [x2, y2];
    x = x3;
    y = y3;
  };
  while (i < tokens.length) {
    if (/[a-zA-Z]/.test(tokens[i])) command = tokens[i++];
    if (command === 'z' || command === 'Z') continue;
    if (command === 'M') {
      x = num();
      y = num();
      points.push([x, y]);
    } else if (command === 'c' || command === 'C') {
      const [ox, oy] = command === 'c' ? [x, y] : [0, 0];
      cubic(ox + num(), oy + num(), ox + num(), oy + num(), ox + num(), oy + num());
    } else if (command === 's') {
      const [cx, cy] = lastControl ? [2 * x - lastControl[0], 2 * y - lastControl[1]] : [x, y];
      const [ox, oy] = [x, y];
      cubic(cx, cy, ox + num(), oy + num(), ox + num(), oy + num());
    } else throw new Error(`path command ${command} not handled`);
  }
  return points;
}

/** Coverage (0..1) of each pixel by the polygon, 4×4 samples a pixel, even-odd rule. */
function coverage(polygon, size, scale, offset) {
  const result = new Float32Array(size * size);
  const samples = 4;
  const pts = polygon.map(([px, py]) => [px * scale + offset, py * scale + offset]);
  for (let row = 0; row < size * samples; row++) {
    const sy = (row + 0.5) / samples;
    const crossings = [];
    for (let k = 0; k < pts.length; k++) {
      const [ax, ay] = pts[k];
      const [bx, by] = pts[(k + 1) % pts.length];
      if (ay <= sy !== by <= sy) crossings.push(ax + ((sy - ay) / (by - ay)) * (bx - ax));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2)
      for (let col = 0; col < size * samples; col++) {
        const sx = (col + 0.5) / samples;
        if (sx >= crossings[k] && sx < crossings[k + 1])
          result[Math.floor(row / samples) * size + Math.floor(col / samples)] += 1 / (samples * samples);
      }
  }
  return result;
}

/** Inside a rounded square of `size` with corner radius `r` (antialiased by 4×4 samples). */
function roundedSquare(size, r) {
  const result = new Float32Array(size * size);
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      let inside = 0;
      for (let s = 0; s < 16; s++) {
        const x = px + ((s % 4) + 0.5) / 4;
        const y = py + (Math.floor(s / 4) + 0.5) / 4;
        const cx = Math.min(Math.max(x, r), size - r);
        const cy = Math.min(Math.max(y, r), size - r);
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) inside += 1 / 16;
      }
      result[py * size + px] = inside;
    }
  return result;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const mix = (under, over, a) => under.map((v, k) => Math.round(v * (1 - a) + over[k] * a));

function icon(size, maskable) {
  // The handset spans about 14..50 of 64; a maskable icon shrinks it into the safe circle.
  const glyphScale = maskable ? 0.75 : 1;
  const scale = (size / 64) * glyphScale;
  const offset = (size - 64 * scale) / 2;
  const glyph = coverage(polygonOf(HANDSET), size, scale, offset);
  const background = maskable ? null : roundedSquare(size, (14 / 64) * size);
  return png(size, (x, y) => {
    const i = y * size + x;
    const base = background ? [...BLUE.slice(0, 3), Math.round(255 * background[i])] : BLUE;
    return glyph[i] > 0 ? mix(base, WHITE, Math.min(1, glyph[i])) : base;
  });
}

const publicDir = new URL('../../public/', import.meta.url);
writeFileSync(new URL('icon-192.png', publicDir), icon(192, false));
writeFileSync(new URL('icon-512.png', publicDir), icon(512, false));
writeFileSync(new URL('icon-maskable-512.png', publicDir), icon(512, true));
