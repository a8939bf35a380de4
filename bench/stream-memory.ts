/**
 * Child process for the memory check: encrypts N MiB through `encryptStream` from a fresh
 * process (so one size's garbage cannot flatter the other), sampling process.memoryUsage()
 * throughout, and prints the peaks above the starting point as JSON; then repeats with a
 * forced GC every MiB to measure what is actually retained.
 * Usage: node --expose-gc --conditions=llamenos-source --import tsx bench/stream-memory.ts <MiB>
 */
import { LABEL_ATTACHMENT_STREAM } from '@llamenos/crypto';
import { encryptThroughStream, MiB } from './stream-util.js';

const mib = Number(process.argv[2] ?? '10');
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
gc?.();
const base = process.memoryUsage();
let peakRss = base.rss;
let peakHeap = base.heapUsed + base.arrayBuffers;
const sample = () => {
  const m = process.memoryUsage();
  if (m.rss > peakRss) peakRss = m.rss;
  const heap = m.heapUsed + m.arrayBuffers;
  if (heap > peakHeap) peakHeap = heap;
};
const timer = setInterval(sample, 2);
const key = new Uint8Array(32).fill(7);
const bytes = await encryptThroughStream(
  key,
  { label: LABEL_ATTACHMENT_STREAM, recordId: 'bench-file' },
  mib * MiB,
  (count) => {
    if (count % 4 === 0) sample();
  },
);
sample();
clearInterval(timer);

// Second pass: force a collection every 16 output chunks (1 MiB) and record what stays
// live. Garbage that the GC has not yet reclaimed inflates the peaks above; this does not.
gc?.();
gc?.();
const liveBase = process.memoryUsage();
let peakLive = 0;
await encryptThroughStream(
  key,
  { label: LABEL_ATTACHMENT_STREAM, recordId: 'bench-file-2' },
  mib * MiB,
  (count) => {
    if (count % 16 !== 0 || !gc) return;
    gc();
    const m = process.memoryUsage();
    peakLive = Math.max(peakLive, m.heapUsed + m.arrayBuffers - (liveBase.heapUsed + liveBase.arrayBuffers));
  },
);
process.stdout.write(
  `${JSON.stringify({
    mib,
    bytes,
    gcExposed: gc !== undefined,
    baseRss: base.rss,
    peakRssGrowth: peakRss - base.rss,
    peakHeapGrowth: peakHeap - (base.heapUsed + base.arrayBuffers),
    peakLiveGrowth: peakLive,
  })}\n`,
);
