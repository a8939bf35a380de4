/**
 * Report attachments in Chromium (issue 11): a file of BENCH_REPORTS_BYTES (1 GiB) generated
 * here is attached to a report in the real web client and encrypted and uploaded by its uploader
 * (a worker seals 512 KiB chunks as File.slice reads them; the page PUTs them in order), then
 * downloaded and decrypted by the report page (a stream to a file through the service worker),
 * and its SHA-256 compared with the original. Then a second upload is cut off at half way
 * (the browser context goes offline for a few seconds) and must finish by itself without
 * sending any acknowledged chunk again.
 *
 * Measured: throughput (file bytes / time from the upload's POST to the final chunk's answer;
 * from the download click to the file on disk); memory growth of the browser (the peak above
 * the starting point of the summed resident memory of Chromium's processes, and of the page's
 * JavaScript heap alone) and of the server process (its resident memory), sampled every 250 ms.
 * The growth is also given per kind of Chromium process, after a warm-up upload of two chunks.
 * What grew, found with BENCH_REPORTS_GC_MS and BENCH_REPORTS_MEMORY_DUMP: chunk bodies sent as
 * Blobs of bytes stayed in the browser process until the page's garbage collector freed the Blob
 * objects (about 100 MB), and DevTools, which Playwright always enables, kept every one of them
 * (all 48 of a 192 MB test: +194 MB); the renderer's growth is array buffers awaiting collection
 * (13 MB when collections are forced). Chunks now go as files (lib/attachments/chunk-slots.ts).
 * What was left (1 GiB, idle: +111.6 MB, renderer 104.7; the memory-infra dump of a 256 MB upload:
 * the renderer's array-buffer partition +55 MB) was the upload worker's own garbage: per 4 MiB
 * chunk a new buffer from File.slice().arrayBuffer() and another for the sealed chunk, freed
 * only when the worker's collector ran. The worker now reads each chunk with a BYOB reader
 * into one buffer, pads and seals it there in place (StreamSealer.seal with an output), and
 * writes it to its slot file from there (lib/attachments/sealer.ts): the partition grew 25 MB
 * instead of 55 (256 MB, load ~30), and 1 GiB uploads grew 57.8, 63.5 and 54.7 MB (three
 * runs, load 24–29 on 2 cores; the renderer 39–51 MB).
 * Reading with File.slice().arrayBuffer() into the same buffer instead (one new buffer per
 * chunk) grew the renderer 72 MB against 54 with the BYOB reader (256 MB, one run each, load
 * 24–29). With collections forced every 300 ms the upload's renderer grows 11 MB (256 MB): the
 * rest is garbage of the page and the reads that the collectors reclaim at their own pace.
 * Forced in the page only (not its workers), the renderer grew 28.8 MB instead of ~60 (256 MB,
 * load ~15): about half is the page's garbage, half the upload worker's reads. The fixed part:
 * filing a report with a 64 MB file already grows the browser 76 MB (renderer 57: the report
 * screens' code and rendering); a 1 GiB file on the same quiet machine 116–132 MB (44–50 MB/s),
 * so what the file's size adds is ~40–55 MB. Tried and not kept (1 GiB, one run each way,
 * alternating, load 2–6): the worker sending each chunk itself with the request the page signs
 * (the page's thread then makes no request, body or answer per chunk; the memory-infra dumps
 * showed Blink's heap on that thread no longer growing, 17.7 MB before) together with progress
 * shown at most every 250 ms: 110.5 and 129.8 MB against 131.5 and 115.8 MB without: the
 * garbage moved to the worker's thread and malloc. Reading a file in a bare worker (512 MB in 4
 * MiB pieces, nothing sealed or sent): a BYOB reader per slice +24 MB, one BYOB stream over the
 * whole file +31, FileReaderSync +156, slice().arrayBuffer() +125; freeing each read's buffer
 * with ArrayBuffer.prototype.transfer(0) +535 (a detached buffer's memory stays until its
 * wrapper is collected, and no longer counts as pressure to collect).
 * The download's growth is the same kind of garbage, in the page's and the service worker's
 * renderers (PartitionAlloc's array-buffer partition, and Blink's buffer partition): with
 * collections forced every 300 ms it falls from ~150 to 37 MB (256 MB file). The page now
 * decrypts in one reused buffer (lib/attachments/decrypt.ts) and still holds 70–135 MB: reading
 * a fetch body in Chromium 156 leaves garbage by itself, even with a BYOB reader into one
 * buffer (512 MB read in a bare page over plain CDP, no Network domain: the renderer grew 1068
 * MB; with a default reader 1483 MB), which the collector is slow to reclaim. Playwright's
 * Network tracking is not the cause of that part (the bare page grew more, not less).
 * The memory-infra dumps of a 256 MB download showed the rest: the service worker's renderer
 * grew in Blink's buffer partition (38 MB: each piece's message, kept by its MessageEvent until
 * collected) as well as in the array-buffer partition (44 MB: the piece deserialized), the
 * page's in the array-buffer partition only (34 MB: the fetch body's reads). Pieces are now
 * transferred, not copied (lib/attachments/save.ts): the buffer partition no longer grows, and a
 * 1 GiB download grew 106 MB instead of 199 MB (same machine, load 8–20). What is left is one
 * collector's worth of garbage in each of the two renderers (the page reading the body, the
 * worker receiving pieces), each about 60 MB whatever the file's size. So the worker now hands
 * each piece's buffer back to the page (transferred) once the browser has written it out, and
 * the page reads later pieces into those: the worker's renderer grows ~20 MB, the page's ~60
 * (the fetch body's reads), 56 MB in all for 1 GiB and 54 MB for 256 MB.
 * The upload worker's garbage was mostly the cipher's: @noble/ciphers' Poly1305 copies every
 * message it authenticates, so sealing a 4 MiB chunk in place still left a 4 MiB buffer behind
 * (a bare worker reading and sealing 1 GiB: renderer +62–67 MB against +18–27 for reading
 * alone). Chunks are now authenticated where they lie (packages/crypto/src/chunk-aead.ts, the
 * same bytes): in that bare worker +24–36 MB at 51–64 MB/s against +62–67 at 34–40 MB/s. In
 * this suite (1 GiB, BENCH_REPORTS_QUIET=1, each run alternating with one of the previous
 * commit in the same minutes, load 9–22 on 2 cores), this commit against the previous:
 * +51.8 / 70.6 MB at 13.7 / 11.7 MB/s, +50.6 / 65.6 at 12.3 / 14.3, +55.0 / 56.9 at 13.7 / 14.4,
 * +41.0 / 71.9 at 18.1 / 17.3, +46.1 / 76.0 at 18.8 / 20.0, +49.7 / 65.4 at 16.8 / 16.6 (the
 * renderer alone 29–40 MB against 49–63); the download (it opens chunks the same way) +49.0 / 76.9 MB at 33.8 / 38.1 MB/s.
 * Sealing a 4 MiB chunk also takes about a third less time (73 against 115 ms in Node on this
 * machine under load); in the browser, at that load, the other work bounded the throughput.
 * The upload already overlaps its work (the worker seals chunk i+1 while the page sends chunk i,
 * lib/attachments/uploader.ts) at the protocol's largest chunk (4 MiB, UPLOAD_CHUNK_LOG2_MAX:
 * fewer requests and fsyncs than smaller chunks). What bounds it is sealing: XChaCha20-Poly1305
 * in JavaScript sealed 4 MiB in ~120 ms on one core of this machine under load (~35 MB/s; ~75
 * ms since chunks are authenticated in place), so the median gap from an answer to the next
 * request (~115–250 ms, measured before that) was the seal not yet done.
 * Tried: two sealing workers side by side (chunks i+1 and i+2, alternating with one worker in
 * the same run, median of 2, load ~25 on 2 cores): 14.6 vs 13.5 MB/s (× 1.08), but the
 * browser grew 167–181 MB instead of 83–100 (each worker's isolate keeps its own garbage of
 * file reads and sealed chunks), so not kept. Throughput follows the machine's load (22–43 MB/s).
 * The warm-up upload that in about 1 run of 15 never showed "Uploaded" had finished (the server
 * held the whole file): the report page's first read of the report began before the last chunk's
 * answer and was still decrypting when the report's hub event came, and the query library joins
 * a refresh to a first read in flight, so the page kept "Upload not finished (0% sent)". Found
 * with BENCH_REPORTS_WARM_UPS (each repetition a new server and browser; a stopped one prints its
 * requests, the page's console, what the page shows and the server's upload status); fixed in
 * pages/reports/events.ts and lib/attachments/active.ts: 19 of 20 passed before, 33 of 33 after
 * (load 15–30 on 2 cores).
 * Reaching the measured upload's form through the app's links instead of a page load
 * (BENCH_REPORTS_IN_APP=1; a load re-creates the app in the renderer) made no clear difference:
 * 256 MB, alternating, load 17–21: 68.9 and 55.5 MB with the load, 60.4 and 59.8 MB without.
 * Real server (PGlite) and app: run `npx tsc -b` and `npm run build --workspace apps/web` first.
 * Debian's Chromium (CHROMIUM_PATH). A quick run: `BENCH_REPORTS_BYTES=67108864 npm run bench -- reports`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthHeader } from '@llamenos/crypto';
import { paddedLength, UPLOAD_CHUNK_LOG2 } from '@llamenos/protocol';
import {
  type Browser,
  type BrowserContext,
  type CDPSession,
  type ConsoleMessage,
  chromium,
  type Locator,
  type Page,
  type Request,
  type Response,
  type WebSocket,
} from '@playwright/test';
import { chromiumLaunchOptions, chromiumPath } from '../e2e/chromium.js';
import { startHotline } from '../e2e/fixtures.js';
import type { Row, Suite } from './types.js';
import { backupFile, bootstrapOverApi, NAME, PIN } from './web.js';

const MiB = 1024 * 1024;
const BYTES = Number(process.env.BENCH_REPORTS_BYTES ?? 1024 * MiB);
/** How long the browser stays offline when the resumed upload is cut off. */
const OFFLINE_MS = Number(process.env.BENCH_REPORTS_OFFLINE_MS ?? 3000);
const GOALS = { uploadMBps: 40, browserGrowthMB: 100, serverGrowthMB: 50 };
const TYPE_ID = 'field-incident';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHUNK_URL = /\/api\/attachments\/([0-9a-f-]{36})\/chunks\/(\d+)$/;
const mb = (bytes: number) => bytes / 1e6;
/** Progress on stderr: the suite runs for minutes and prints its table only at the end. */
const step = (what: string) => console.error(`[reports] ${new Date().toISOString().slice(11, 19)} ${what}`);

/** A NIP-98-signed JSON request from Node. */
async function signed(base: string, key: Uint8Array, method: string, route: string, body?: unknown) {
  const url = `${base}${route}`;
  const text = body === undefined ? '' : JSON.stringify(body);
  const response = await fetch(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      authorization: createAuthHeader({ url, method, body: text }, key),
    },
    body: body === undefined ? undefined : text,
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : ((await response.json()) as Record<string, unknown>);
}

/** Writes `bytes` of random data (8 MiB blocks) and returns the file's SHA-256. */
async function generateFile(file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const block = randomBytes(Math.min(8 * MiB, bytes - written));
      hash.update(block);
      await handle.write(block);
      written += block.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 8 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Resident memory of a process, in bytes (0 when it is gone). */
function rss(pid: number): number {
  try {
    const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The server process started by startHotline: the cli.js `serve` whose PUBLIC_URL is `url`. */
function serverPid(url: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('apps/server/dist/cli.js')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`PUBLIC_URL=${url}`))
        return Number(entry);
    } catch {
      // a process that ended meanwhile, or another user's
    }
  }
  throw new Error(`no server process for ${url}`);
}

interface MemoryPeaks {
  browserGrowth: number;
  rendererGrowth: number;
  heapGrowth: number;
  serverGrowth: number;
  /** Peak growth of each kind of Chromium process (browser, renderer, utility = network, gpu). */
  byType: Record<string, number>;
}

/**
 * BENCH_REPORTS_GC_MS (diagnosis only): collects garbage in the page, its workers and the
 * service worker this often (Chromium launched with --expose-gc). If the growth then falls, what
 * grew was garbage not yet collected (buffers the app let go of), not memory the app holds.
 */
const GC_MS = Number(process.env.BENCH_REPORTS_GC_MS ?? 0);

/**
 * BENCH_REPORTS_GC_WHERE (with BENCH_REPORTS_GC_MS): "page" collects in the page alone,
 * "workers" in its workers and the service worker alone, "dedicated" in the page's workers alone,
 * "service" in the service worker alone: to tell whose garbage grew.
 */
const GC_WHERE = process.env.BENCH_REPORTS_GC_WHERE ?? 'all';

async function collectEverywhere(page: Page): Promise<void> {
  const gc = () => (globalThis as { gc?: () => void }).gc?.();
  const where = (...places: string[]) => GC_WHERE === 'all' || places.includes(GC_WHERE);
  await Promise.all([
    where('page') ? page.evaluate(gc).catch(() => undefined) : null,
    ...(where('workers', 'dedicated') ? page.workers() : []).map((w) =>
      w.evaluate(gc).catch(() => undefined),
    ),
    ...(where('workers', 'service') ? page.context().serviceWorkers() : []).map((w) =>
      w.evaluate(gc).catch(() => undefined),
    ),
  ]);
}

/** Samples Chromium's processes (by CDP), the page's JS heap and the server every 250 ms. */
async function sampleMemory(browserSession: CDPSession, page: Page, server: number) {
  const pageSession = await page.context().newCDPSession(page);
  await pageSession.send('Performance.enable');
  const measure = async () => {
    const { processInfo } = (await browserSession.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; id: number }[];
    };
    const { metrics } = (await pageSession.send('Performance.getMetrics')) as {
      metrics: { name: string; value: number }[];
    };
    const sum = (types?: string[]) =>
      processInfo.filter((p) => !types || types.includes(p.type)).reduce((total, p) => total + rss(p.id), 0);
    // The browser process reports itself with its own pid; Chromium's processes are all here.
    const byType: Record<string, number> = {};
    for (const p of processInfo) {
      byType[`type:${p.type}`] = (byType[`type:${p.type}`] ?? 0) + rss(p.id);
      // Each renderer on its own too: the page's, the service worker's (when apart), a frame's.
      if (p.type === 'renderer') byType[`pid:${p.id}`] = rss(p.id);
    }
    return {
      browser: sum(),
      renderer: sum(['renderer']),
      heap: metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0,
      server: rss(server),
      ...byType,
    } as Record<string, number>;
  };
  const base = await measure();
  const peak: Record<string, number> = { ...base };
  let sampling = true;
  let lastGc = performance.now();
  const loop = (async () => {
    while (sampling) {
      if (GC_MS > 0 && performance.now() - lastGc >= GC_MS) {
        lastGc = performance.now();
        await collectEverywhere(page);
      }
      const m = await measure().catch(() => null);
      if (m) for (const [key, value] of Object.entries(m)) peak[key] = Math.max(peak[key] ?? 0, value);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop(): Promise<MemoryPeaks> {
      sampling = false;
      await loop;
      await pageSession.detach().catch(() => undefined);
      const growth = (key: string) => (peak[key] ?? 0) - (base[key] ?? 0);
      const byType: Record<string, number> = {};
      for (const key of Object.keys(peak)) if (key.startsWith('type:')) byType[key.slice(5)] = growth(key);
      // A renderer that started while sampling grew by all of its memory.
      for (const key of Object.keys(peak))
        if (key.startsWith('pid:') && growth(key) > 2 * MiB) byType[`renderer ${key.slice(4)}`] = growth(key);
      return {
        browserGrowth: growth('browser'),
        rendererGrowth: growth('renderer'),
        heapGrowth: growth('heap'),
        serverGrowth: growth('server'),
        byType,
      };
    },
  };
}

/**
 * BENCH_REPORTS_MEMORY_DUMP=1 (diagnosis only): Chromium's own memory accounting (the
 * memory-infra trace: V8 heaps, Blink's collected heap, PartitionAlloc's array-buffer and buffer
 * partitions, malloc, blob storage…) dumped before an operation and every second during it; the
 * allocators that grew most, per process kind, go to stderr. This says WHAT grows, where RSS
 * only says how much.
 */
const MEMORY_DUMP = process.env.BENCH_REPORTS_MEMORY_DUMP === '1';

async function memoryDumps(session: CDPSession, label: string) {
  const complete = new Promise<string | undefined>((resolve) =>
    session.once('Tracing.tracingComplete', (event: { stream?: string }) => resolve(event.stream)),
  );
  await session.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: {
      includedCategories: ['disabled-by-default-memory-infra'],
      excludedCategories: ['*'],
      memoryDumpConfig: { triggers: [] },
    },
  } as never);
  const dump = () =>
    session.send('Tracing.requestMemoryDump', { levelOfDetail: 'detailed' } as never).catch(() => null);
  await dump();
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 1000));
      if (running) await dump();
    }
  })();
  return {
    async stop(): Promise<void> {
      running = false;
      await loop;
      await session.send('Tracing.end');
      const handle = await complete;
      if (!handle) return;
      let text = '';
      for (;;) {
        const chunk = (await session.send('IO.read', { handle, size: 1 << 20 } as never)) as {
          data: string;
          eof: boolean;
          base64Encoded?: boolean;
        };
        text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
        if (chunk.eof) break;
      }
      await session.send('IO.close', { handle } as never);
      const events =
        (JSON.parse(text) as { traceEvents?: unknown[] }).traceEvents ?? (JSON.parse(text) as unknown[]);
      // Per process: each allocator's first size and its largest.
      const kinds = new Map<number, string>();
      const sizes = new Map<string, { first: number; peak: number }>();
      for (const raw of events as {
        ph: string;
        pid: number;
        name?: string;
        args?: {
          name?: string;
          dumps?: { allocators?: Record<string, { attrs?: { size?: { value: string } } }> };
        };
      }[]) {
        if (raw.ph === 'M' && raw.name === 'process_name' && raw.args?.name)
          kinds.set(raw.pid, raw.args.name);
        const allocators = raw.ph === 'v' ? raw.args?.dumps?.allocators : undefined;
        if (!allocators) continue;
        for (const [name, entry] of Object.entries(allocators)) {
          // Top-level allocators and their first level (v8/…, partition_alloc/partitions/…).
          if (name.split('/').length > 3 || !entry.attrs?.size) continue;
          const size = Number.parseInt(entry.attrs.size.value, 16);
          const key = `${raw.pid} ${name}`;
          const seen = sizes.get(key);
          if (!seen) sizes.set(key, { first: size, peak: size });
          else seen.peak = Math.max(seen.peak, size);
        }
      }
      const grown = [...sizes.entries()]
        .map(([key, s]) => {
          const [pid, name] = key.split(' ') as [string, string];
          return { process: kinds.get(Number(pid)) ?? pid, name, growth: s.peak - s.first };
        })
        .filter((g) => g.growth > 2 * MiB)
        .sort((a, b) => b.growth - a.growth)
        .slice(0, 25);
      console.error(`[reports] ${label}: allocators that grew (peak above the first dump), MB`);
      for (const g of grown)
        console.error(`  ${g.process.padEnd(18)} ${g.name.padEnd(48)} ${mb(g.growth).toFixed(1)}`);
    },
  };
}

/**
 * Every chunk PUT the page sends and every answer, so a re-sent acknowledged chunk is counted:
 * a request for an index whose 200 answer had already arrived.
 */
function watchChunks(page: Page) {
  const acked = new Set<number>();
  const state = {
    puts: 0,
    resentAcknowledged: 0,
    failedRequests: 0,
    firstPost: 0,
    lastAck: 0,
    complete: false,
    chunkCount: 0,
    /** Answers to chunk PUTs by HTTP status, e.g. {"200": 256}. */
    statuses: {} as Record<string, number>,
    /** Per acknowledged chunk: request sent → answer's first byte (the upload and the server's work), ms. */
    onWire: [] as number[],
    /** Per chunk: previous answer → next request (the browser reading, sealing, hashing, signing), ms. */
    between: [] as number[],
  };
  // Counting stops when the upload completes (the page goes on to other work); a request the
  // app's service worker makes itself is not the page's upload.
  let stopped = false;
  page.on('request', (request) => {
    if (stopped || request.serviceWorker()) return;
    const url = request.url();
    if (
      request.method() === 'POST' &&
      /\/api\/reports\/[0-9a-f-]{36}\/attachments$/.test(url) &&
      !state.firstPost
    )
      state.firstPost = performance.now();
    const m = request.method() === 'PUT' ? url.match(CHUNK_URL) : null;
    if (!m) return;
    state.puts++;
    if (state.lastAck) state.between.push(performance.now() - state.lastAck);
    if (acked.has(Number(m[2]))) state.resentAcknowledged++;
  });
  page.on('requestfailed', (request) => {
    if (!stopped && !request.serviceWorker() && CHUNK_URL.test(request.url())) state.failedRequests++;
  });
  page.on('response', async (response) => {
    if (stopped || response.request().serviceWorker()) return;
    const m = response.request().method() === 'PUT' ? response.url().match(CHUNK_URL) : null;
    if (m) state.statuses[response.status()] = (state.statuses[response.status()] ?? 0) + 1;
    if (!m || response.status() !== 200) return;
    acked.add(Number(m[2]));
    const timing = response.request().timing();
    if (timing.responseStart > 0) state.onWire.push(timing.responseStart - timing.requestStart);
    const ack = (await response.json().catch(() => null)) as { received: number; complete: boolean } | null;
    state.lastAck = performance.now();
    if (ack?.complete) state.complete = true;
  });
  return {
    state,
    acknowledged: () => acked.size,
    async done(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      const started = Date.now();
      while (!state.complete) {
        if (state.puts === 0 && Date.now() - started > 60_000)
          throw new Error(`no chunk was sent within 60 s: ${JSON.stringify(state)}`);
        if (Date.now() > deadline)
          throw new Error(`upload not complete after ${timeoutMs} ms: ${JSON.stringify(state)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      stopped = true;
    },
  };
}

/** Files a report with one attachment through the report form; returns the report page's URL. */
async function fileReport(
  page: Page,
  base: string,
  title: string,
  file: string,
  how: 'load' | 'in-app' = 'load',
): Promise<void> {
  if (how === 'in-app') {
    // Through the app's own links, as a person would: no page load (which re-creates the whole
    // app in the renderer, and asks for the PIN again).
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Reports', exact: true })
      .click();
    await page.getByRole('link', { name: 'New report' }).click();
  } else await page.goto(`${base}/reports/new`);
  const type = page.locator('#report-type');
  await reach(page, type.or(page.locator('#report-title')).first());
  if (await type.isVisible()) await type.selectOption({ label: 'Field incident' });
  await page.locator('#report-title').fill(title);
  await page.locator('#report-body').fill('Benchmark report with one large attachment.');
  await page.locator('main input[type="file"]').first().setInputFiles(file);
  await page.getByRole('button', { name: /file (the )?report/i }).click();
  await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/, { timeout: 60_000 });
}

/** Waits for `target`, unlocking with the PIN first if the page asks (a page load locks the key). */
async function reach(page: Page, target: Locator): Promise<void> {
  const pin = page.locator('#unlock-pin');
  await pin.or(target).first().waitFor({ timeout: 60_000 });
  if (await pin.isVisible()) {
    await pin.fill(PIN);
    await page.locator('main form button[type="submit"]').click();
  }
  await target.waitFor({ timeout: 60_000 });
}

async function restoreAdmin(browser: Browser, base: string, key: Uint8Array, dir: string) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${base}/restore`);
  await page.locator('#backup-file').setInputFiles(await backupFile(key, base, dir));
  await page.locator('input[type="radio"]').nth(1).check();
  await page.locator('#restore-pin').fill(PIN);
  await page.locator('main form button[type="submit"]').click();
  await page.getByRole('heading', { name: `Hello, ${NAME}` }).waitFor({ timeout: 60_000 });
  return { context, page };
}

/**
 * BENCH_REPORTS_UPLOAD_AB=<n> (n ≥ 1): after the measured runs, the file is uploaded n times
 * each way, alternating: chunks sent as files from the origin-private file system (the app's
 * way) and as bytes (the app's fallback), by the client's bench-only session switch
 * (lib/attachments/chunk-source.ts). Timed from the report form to the page's "Uploaded"; the
 * browser's growth measured the same way as the main upload's. BENCH_REPORTS_CHUNK_BODIES
 * (files | bytes) picks the way of the measured upload; files unless set.
 */
const UPLOAD_AB = Number(process.env.BENCH_REPORTS_UPLOAD_AB ?? 0);
const CHUNK_BODIES = process.env.BENCH_REPORTS_CHUNK_BODIES === 'bytes' ? 'bytes' : 'files';
const CHUNK_BODIES_SWITCH = 'llamenos-bench-chunk-bodies';

async function setChunkBodies(page: Page, way: 'files' | 'bytes'): Promise<void> {
  await page.evaluate(
    ([name, value]) => {
      if (value === 'bytes') sessionStorage.setItem(name, value);
      else sessionStorage.removeItem(name);
    },
    [CHUNK_BODIES_SWITCH, way] as const,
  );
}

async function compareChunkBodies(
  page: Page,
  base: string,
  browserSession: CDPSession,
  server: number,
  source: string,
): Promise<Row[]> {
  if (!(UPLOAD_AB > 0)) return [];
  const runs: Record<'files' | 'bytes', { mbps: number; growth: number; load: number }[]> = {
    files: [],
    bytes: [],
  };
  for (let round = 0; round < UPLOAD_AB; round++) {
    const order: ('files' | 'bytes')[] = round % 2 === 0 ? ['files', 'bytes'] : ['bytes', 'files'];
    for (const way of order) {
      await setChunkBodies(page, way);
      const memory = await sampleMemory(browserSession, page, server);
      const start = performance.now();
      await fileReport(page, base, `Benchmark upload (${way})`, source);
      await page
        .getByText('Uploaded')
        .first()
        .waitFor({ timeout: 30 * 60_000 });
      const seconds = (performance.now() - start) / 1000;
      const peaks = await memory.stop();
      const run = { mbps: mb(BYTES) / seconds, growth: peaks.browserGrowth, load: loadavg()[0]! };
      runs[way].push(run);
      step(
        `upload as ${way}: ${run.mbps.toFixed(1)} MB/s, browser growth ${mb(run.growth).toFixed(1)} MB, load ${run.load.toFixed(1)}`,
      );
    }
  }
  return (['files', 'bytes'] as const).map((way) => ({
    op: `encrypt + upload ${mb(BYTES).toFixed(0)} MB, chunks as ${way} (report form → "Uploaded"), median of ${UPLOAD_AB}`,
    value: median(runs[way].map((r) => r.mbps)),
    unit: 'MB/s',
    note: `each run, alternating with the other way: ${runs[way]
      .map(
        (r) => `${r.mbps.toFixed(1)} MB/s, browser +${mb(r.growth).toFixed(0)} MB, load ${r.load.toFixed(1)}`,
      )
      .join('; ')}`,
  }));
}

/**
 * BENCH_REPORTS_DEBUG=1 (diagnosis only): the page's console, its errors, failed requests and
 * answers of 400 and above go to stderr, for an upload that never finishes.
 */
const DEBUG = process.env.BENCH_REPORTS_DEBUG === '1';

function logPage(page: Page): void {
  page.on('console', (m) => {
    if (m.type() !== 'debug') console.error(`[page ${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('requestfailed', (r) =>
    console.error(`[failed] ${r.method()} ${r.url()} ${r.failure()?.errorText}`),
  );
  page.on('response', (r) => {
    if (r.status() >= 400) console.error(`[http ${r.status()}] ${r.request().method()} ${r.url()}`);
  });
}

/**
 * BENCH_REPORTS_WARM_UPS=<n> (diagnosis of an upload that never finishes): the warm-up upload
 * (two chunks) is filed n times, each given BENCH_REPORTS_WARM_UP_TIMEOUT_MS (60 s) to show
 * "Uploaded"; how many did, and for each that did not, what its chunk requests got and what the
 * page showed, go to stderr; then the run ends (nothing else is measured).
 */
const WARM_UPS = Number(process.env.BENCH_REPORTS_WARM_UPS ?? 0);
const WARM_UP_TIMEOUT_MS = Number(process.env.BENCH_REPORTS_WARM_UP_TIMEOUT_MS ?? 60_000);

/**
 * Every API request of the page and its answer, the page's console and its hub connection, with
 * the time since the watch began; `tell` shows them, what the page shows and the server's upload
 * status, for an upload that stopped.
 */
function watchPage(page: Page, base: string) {
  const t0 = performance.now();
  const log: string[] = [];
  let attachmentId: string | null = null;
  const at = () => `${((performance.now() - t0) / 1000).toFixed(2)}s`;
  const route = (url: string) => url.replace(base, '');
  const onRequest = (r: Request) => {
    attachmentId = r.url().match(CHUNK_URL)?.[1] ?? attachmentId;
    if (r.url().includes('/api/')) log.push(`${at()} → ${r.method()} ${route(r.url())}`);
  };
  const onResponse = (r: Response) => {
    if (r.url().includes('/api/'))
      log.push(`${at()} ← ${r.status()} ${r.request().method()} ${route(r.url())}`);
  };
  const onFailed = (r: Request) => {
    if (r.url().includes('/api/'))
      log.push(`${at()} ✗ ${r.method()} ${route(r.url())} ${r.failure()?.errorText}`);
  };
  const onConsole = (m: ConsoleMessage) =>
    log.push(`${at()} [console ${m.type()}] ${m.text().slice(0, 300)}`);
  const onError = (e: Error) => log.push(`${at()} [page error] ${e.message}`);
  const onSocket = (ws: WebSocket) => {
    log.push(`${at()} websocket ${route(ws.url())}`);
    ws.on('close', () => log.push(`${at()} websocket closed`));
  };
  page.on('request', onRequest);
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  page.on('console', onConsole);
  page.on('pageerror', onError);
  page.on('websocket', onSocket);
  return {
    /** Stops watching (a measured upload runs with no request listeners). */
    stop() {
      page.off('request', onRequest);
      page.off('response', onResponse);
      page.off('requestfailed', onFailed);
      page.off('console', onConsole);
      page.off('pageerror', onError);
      page.off('websocket', onSocket);
    },
    async tell(what: string, error: unknown, bench: { admin: Uint8Array; hotline: { output(): string } }) {
      const shown = await page
        .locator('.attachment-item')
        .allInnerTexts()
        .catch(() => []);
      step(`${what} stopped: ${(error as Error).message.split('\n')[0]}`);
      step(`  the page shows ${JSON.stringify(shown)}`);
      if (attachmentId) {
        const status = await signed(
          base,
          bench.admin,
          'GET',
          `/api/attachments/${attachmentId}/upload`,
        ).catch((e: Error) => e.message);
        step(`  the server's upload status: ${JSON.stringify(status)}`);
      }
      for (const line of log) console.error(`    ${line}`);
      console.error(`  server output:\n${bench.hotline.output()}`);
    },
  };
}

async function repeatWarmUps(dir: string, file: string): Promise<Row[]> {
  let passed = 0;
  const times: number[] = [];
  for (let i = 0; i < WARM_UPS; i++) {
    // Each time all anew, as the benchmark's own warm-up: a new server, a new browser, and the
    // first upload of its first session (no service worker, worker script or hub connection yet).
    const bench = await openBench(dir);
    const { page, base } = bench;
    const t0 = performance.now();
    const watch = watchPage(page, base);
    try {
      await fileReport(page, base, `Benchmark warm-up ${i + 1}`, file);
      await page.getByText('Uploaded').first().waitFor({ timeout: WARM_UP_TIMEOUT_MS });
      passed++;
      times.push(performance.now() - t0);
    } catch (error) {
      await watch.tell(`warm-up ${i + 1}`, error, bench);
    } finally {
      await bench.close();
    }
    step(`warm-up ${i + 1}: ${passed} of ${i + 1} uploaded (load ${loadavg()[0]!.toFixed(1)})`);
  }
  return [
    {
      op: `warm-up uploads (two chunks, each in a new server and browser) that showed "Uploaded" within ${WARM_UP_TIMEOUT_MS / 1000} s`,
      value: passed,
      unit: `of ${WARM_UPS}`,
      note: `median ${(median(times) / 1000).toFixed(1)} s from the report form to "Uploaded"; load average ${loadavg()[0]!.toFixed(1)} at the end`,
    },
  ];
}

/** A new server (PGlite) with an admin, the report type and large limits, and the admin signed in to Chromium. */
async function openBench(dir: string) {
  const previousCwd = process.cwd();
  process.chdir(root);
  const hotline = await startHotline();
  process.chdir(previousCwd);
  const base = hotline.url;
  let browser: Browser | null = null;
  try {
    const server = serverPid(base);
    browser = await chromium.launch(chromiumLaunchOptions(GC_MS > 0 ? ['--js-flags=--expose-gc'] : []));
    const admin = await bootstrapOverApi(base, hotline.bootstrapLink);
    const doc = (await signed(base, admin, 'GET', '/api/settings')) as {
      version: unknown;
      settings: { reports: Record<string, unknown> };
    };
    await signed(base, admin, 'PATCH', '/api/settings/reports', {
      value: {
        ...doc.settings.reports,
        maxFileBytes: Math.max(2 * 1024 * MiB, 2 * BYTES),
        maxReportBytes: Math.max(10 * 1024 * MiB, 4 * BYTES),
        types: [{ id: TYPE_ID, name: 'Field incident', fields: [], categories: [], archived: false }],
      },
      version: doc.version,
    });
    const { context, page } = await restoreAdmin(browser, base, admin, dir);
    const opened = browser;
    return {
      hotline,
      base,
      server,
      browser: opened,
      admin,
      context,
      page,
      async close() {
        await context.close().catch(() => undefined);
        await opened.close();
        await hotline.stop();
      },
    };
  } catch (error) {
    await browser?.close();
    await hotline.stop();
    throw error;
  }
}

/**
 * BENCH_REPORTS_IN_APP=1: the measured upload's report form is reached through the app's links
 * (Reports, then New report) instead of loading /reports/new, so its memory growth holds no page
 * load of the whole app.
 */
const IN_APP = process.env.BENCH_REPORTS_IN_APP === '1';

/** BENCH_REPORTS_UPLOAD_ONLY=1: the measured upload alone (no download, resume or comparison). */
const UPLOAD_ONLY = process.env.BENCH_REPORTS_UPLOAD_ONLY === '1';

/** BENCH_REPORTS_SKIP_RESUME=1: no cut-off upload (when working on the upload or the download alone). */
const SKIP_RESUME = process.env.BENCH_REPORTS_SKIP_RESUME === '1';

/** A second upload of `source` cut off at half way: offline for OFFLINE_MS, then it must finish alone. */
async function cutAndResume(page: Page, context: BrowserContext, base: string, source: string) {
  const resumed = watchChunks(page);
  const resumeStart = performance.now();
  await fileReport(page, base, 'Benchmark resume', source);
  const chunkCount = Math.ceil(paddedLength(BYTES) / 2 ** UPLOAD_CHUNK_LOG2);
  while (resumed.acknowledged() < chunkCount / 2) {
    if (resumed.state.complete) throw new Error('the upload finished before half way');
    await new Promise((r) => setTimeout(r, 20));
  }
  const cutAt = resumed.acknowledged();
  await context.setOffline(true);
  await new Promise((r) => setTimeout(r, OFFLINE_MS));
  await context.setOffline(false);
  await resumed.done(30 * 60_000);
  return { state: resumed.state, cutAt, chunkCount, ms: resumed.state.lastAck - resumeStart };
}

const resumeRow = ({ state, cutAt, chunkCount, ms }: Awaited<ReturnType<typeof cutAndResume>>): Row => ({
  op: 'resume after a forced disconnect at 50 %: acknowledged chunks sent again',
  value: state.resentAcknowledged,
  unit: 'chunks',
  note: `offline ${OFFLINE_MS} ms after ${cutAt} of ${chunkCount} chunks were acknowledged; ${state.failedRequests} chunk request(s) failed meanwhile; whole upload ${(ms / 1000).toFixed(1)} s, ${state.puts} PUTs (answers ${JSON.stringify(state.statuses)})`,
  goal: {
    target: '0 re-sent',
    measured: String(state.resentAcknowledged),
    pass: state.resentAcknowledged === 0,
  },
});

/** Each kind of process's own peak growth, e.g. "browser 40.1, renderer 30.2 MB". */
const byTypeText = (m: MemoryPeaks) =>
  `${Object.entries(m.byType)
    .map(([type, bytes]) => `${type} ${mb(bytes).toFixed(1)}`)
    .join(', ')} MB`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const growthRow = (op: string, bytes: number, goalMB: number | null, note: string): Row => ({
  op,
  value: mb(bytes),
  unit: 'MB',
  note,
  ...(goalMB === null
    ? {}
    : {
        goal: { target: `< ${goalMB} MB`, measured: `${mb(bytes).toFixed(1)} MB`, pass: mb(bytes) < goalMB },
      }),
});

export const reportsSuite: Suite = {
  name: 'reports: encrypted attachment upload and download in Chromium',
  async run(): Promise<Row[]> {
    for (const [file, hint] of [
      ['apps/server/dist/cli.js', 'npx tsc -b'],
      ['apps/web/dist/index.html', 'npm run build --workspace apps/web'],
    ] as const)
      if (!existsSync(path.join(root, file))) throw new Error(`${file} is missing: run \`${hint}\` first`);
    if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}`);

    const dir = await mkdtemp(path.join(tmpdir(), 'llamenos-bench-reports-'));
    const warmUp = path.join(dir, 'bench-warm-up.bin');
    await generateFile(warmUp, 2 * 2 ** UPLOAD_CHUNK_LOG2);
    if (WARM_UPS > 0)
      try {
        return await repeatWarmUps(dir, warmUp);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    const source = path.join(dir, `bench-attachment-${BYTES}.bin`);
    step(`generating a ${mb(BYTES).toFixed(0)} MB file`);
    const sourceSha = await generateFile(source, BYTES);
    step('starting the server and Chromium');
    const bench = await openBench(dir).catch(async (error) => {
      await rm(dir, { recursive: true, force: true });
      throw error;
    });
    const { base, server, browser, admin, page } = bench;
    const context = bench.context;
    try {
      if (DEBUG) logPage(page);
      const browserSession = await browser.newBrowserCDPSession();

      // 1. Encrypt and upload.
      step('upload');
      // BENCH_REPORTS_QUIET=1 times the upload from the click to the page's "Uploaded", with no
      // Playwright request listeners (which see every 4 MiB body): the same work, less observed.
      const quiet = process.env.BENCH_REPORTS_QUIET === '1';
      // A warm-up upload of two chunks first, so the starting point already has the report
      // screens' code, the upload worker's and the service worker's loaded: the growth measured
      // is what the file's size costs, not the first use of the feature.
      const watch = watchPage(page, base);
      await fileReport(page, base, 'Benchmark warm-up', warmUp);
      await page
        .getByText('Uploaded')
        .first()
        .waitFor({ timeout: 5 * 60_000 })
        .catch(async (error) => {
          await watch.tell('the warm-up upload', error, bench);
          throw error;
        });
      watch.stop();
      await setChunkBodies(page, CHUNK_BODIES);
      const upload = quiet ? null : watchChunks(page);
      let memory = await sampleMemory(browserSession, page, server);
      const uploadDumps = MEMORY_DUMP ? await memoryDumps(browserSession, 'upload') : null;
      const t0 = performance.now();
      await fileReport(page, base, 'Benchmark upload', source, IN_APP ? 'in-app' : 'load');
      if (upload) await upload.done(30 * 60_000);
      else
        await page
          .getByText('Uploaded')
          .first()
          .waitFor({ timeout: 30 * 60_000 });
      const t1 = performance.now();
      const uploadMemory = await memory.stop();
      await uploadDumps?.stop();
      const uploadMs = upload ? upload.state.lastAck - upload.state.firstPost : t1 - t0;
      const uploadMBps = mb(BYTES) / (uploadMs / 1000);
      const reportUrl = page.url();
      const load = () => `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
      const uploadRows: Row[] = [
        {
          op: `encrypt + upload ${mb(BYTES).toFixed(0)} MB (report form → final chunk acknowledged)`,
          value: uploadMBps,
          unit: 'MB/s',
          note: `${(uploadMs / 1000).toFixed(1)} s; ${upload ? `${upload.state.puts} chunk PUTs (answers ${JSON.stringify(upload.state.statuses)})` : 'chunk PUTs not watched (quiet run; timed from the click)'}, each signed (NIP-98 over the chunk's SHA-256) and fsynced by the server before its answer; per chunk (median) ${median(upload?.state.onWire ?? [0]).toFixed(0)} ms from request to answer, ${median(upload?.state.between ?? [0]).toFixed(0)} ms from an answer to the next request; ${load()} at the end`,
          goal: {
            target: `≥ ${GOALS.uploadMBps} MB/s`,
            measured: `${uploadMBps.toFixed(1)} MB/s`,
            pass: uploadMBps >= GOALS.uploadMBps,
          },
        },
        growthRow(
          'upload: browser memory growth (all Chromium processes, resident)',
          uploadMemory.browserGrowth,
          GOALS.browserGrowthMB,
          `renderer alone ${mb(uploadMemory.rendererGrowth).toFixed(1)} MB, page JS heap ${mb(uploadMemory.heapGrowth).toFixed(1)} MB; by process kind ${byTypeText(uploadMemory)}; peak above the start (after a warm-up upload), sampled every 250 ms${GC_MS ? `; garbage collected every ${GC_MS} ms (diagnosis)` : ''}`,
        ),
        growthRow(
          'upload: server memory growth (resident)',
          uploadMemory.serverGrowth,
          GOALS.serverGrowthMB,
          'peak above the start',
        ),
      ];
      if (UPLOAD_ONLY) return uploadRows;

      // 2. Download and decrypt, as the admin, to a file; compare the SHA-256. In a context of
      // its own (a fresh renderer), so what the upload left behind is not its starting point.
      step(`download (upload: ${uploadMBps.toFixed(1)} MB/s)`);
      const reader = await restoreAdmin(browser, base, admin, dir);
      await reader.page.goto(reportUrl);
      const downloadButton = reader.page.getByRole('button', { name: 'Download' }).first();
      await reach(reader.page, downloadButton);
      memory = await sampleMemory(browserSession, reader.page, server);
      const downloadDumps = MEMORY_DUMP ? await memoryDumps(browserSession, 'download') : null;
      const downloadStart = performance.now();
      const [download] = await Promise.all([
        reader.page.waitForEvent('download', { timeout: 5 * 60_000 }),
        downloadButton.click(),
      ]);
      const saved = path.join(dir, 'downloaded.bin');
      await download.saveAs(saved);
      const downloadMs = performance.now() - downloadStart;
      const downloadMemory = await memory.stop();
      await downloadDumps?.stop();
      const downloadMBps = mb(BYTES) / (downloadMs / 1000);
      const downloadedSha = await sha256File(saved);
      if (downloadedSha !== sourceSha) throw new Error('the downloaded file differs from the one uploaded');
      await rm(saved, { force: true });
      await reader.context.close();

      // 3. A second upload cut off at half way: offline for OFFLINE_MS, then it must finish alone.
      // BENCH_REPORTS_SKIP_RESUME=1 (for working on the upload or the download alone) skips it.
      step(`resume (download: ${downloadMBps.toFixed(1)} MB/s)`);
      const resume = SKIP_RESUME ? null : await cutAndResume(page, context, base, source);
      // Last, so what these uploads leave behind is not the measured upload's starting point.
      const comparison = await compareChunkBodies(page, base, browserSession, server, source);

      return [
        ...comparison,
        ...uploadRows,
        {
          op: `download + decrypt ${mb(BYTES).toFixed(0)} MB to a file (click → file saved)`,
          value: downloadMBps,
          unit: 'MB/s',
          note: `${(downloadMs / 1000).toFixed(1)} s; SHA-256 equal to the original's; includes Playwright copying the finished download`,
        },
        growthRow(
          'download: browser memory growth (all Chromium processes, resident)',
          downloadMemory.browserGrowth,
          GOALS.browserGrowthMB,
          `renderer alone ${mb(downloadMemory.rendererGrowth).toFixed(1)} MB, page JS heap ${mb(downloadMemory.heapGrowth).toFixed(1)} MB; by process kind ${byTypeText(downloadMemory)}${GC_MS ? `; garbage collected every ${GC_MS} ms (diagnosis)` : ''}`,
        ),
        growthRow(
          'download: server memory growth (resident)',
          downloadMemory.serverGrowth,
          GOALS.serverGrowthMB,
          'peak above the start',
        ),
        ...(resume ? [resumeRow(resume)] : []),
      ];
    } finally {
      await bench.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
