/**
 * Transcription in Chromium (issue 16): whisper.cpp (WebAssembly, @transcribe/shout) in the web
 * client's worker — the app's own engine code (apps/web/src/lib/transcription), bundled by Vite
 * into a small harness page served cross-origin-isolated (COOP/COEP), as the server serves the
 * app. Measured: real-time factor (transcription time / audio length) on 2 threads and on 1 with
 * the threaded build, and with the single-threaded build (the engine of a page that is not
 * cross-origin isolated, apps/web/vendor/whisper-single-thread; run here in the same page),
 * time to first segment, the engine's WebAssembly memory, and the main thread's long tasks
 * during transcription (PerformanceObserver 'longtask'; goal: none over 50 ms).
 *
 * The model is the project's generated random-weight one (scripts/make-whisper-test-model.mjs):
 * its text is gibberish, its speed is that of a model far smaller than tiny. With
 * WHISPER_MODEL=<path to a real ggml file> (e.g. ggml-tiny.en.bin) the same rows are measured
 * for it too. Audio: BENCH_TRANSCRIPTION_SECONDS (20) of a synthetic voiced signal, 8 kHz μ-law
 * WAV as a telephony provider sends it (decoded and resampled in the worker).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium.js';
import type { Row, Suite } from './types.js';

const SECONDS = Number(process.env.BENCH_TRANSCRIPTION_SECONDS ?? 20);
const LONG_TASK_GOAL_MS = 50;
const root = fileURLToPath(new URL('..', import.meta.url));
/** G.711 μ-law encoding of one linear sample in [-1, 1]. */
function mulawByte(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample * 32767)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** A voiced-sounding test signal (a gliding harmonic tone with syllable-like bursts) as 8 kHz μ-law WAV. */
export function syntheticVoicemail(seconds: number, rate = 8000): Buffer {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const f0 = 140 + 40 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * f0) / rate;
    const envelope = Math.max(0, Math.sin(2 * Math.PI * 3 * t)) ** 2;
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(h * phase) / h;
    data[i] = mulawByte(0.25 * envelope * v);
  }
  const header = Buffer.alloc(44 + 2);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + 2 + 8 + n, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // μ-law
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36); // cbSize
  header.write('data', 38);
  header.writeUInt32LE(n, 42);
  return Buffer.concat([header, data]);
}

const HARNESS_HTML = `<!doctype html><meta charset="utf-8"><title>transcription bench</title><script type="module" src="./main.ts"></script>`;

/** The harness page: the app's engine, a long-task observer, one function the bench calls. */
const harnessMain = (engineModule: string) => `
import { ENGINE_WORKERS, TranscriptionEngine } from ${JSON.stringify(engineModule)};
const longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); })
  .observe({ type: 'longtask', buffered: false });
let engine = new TranscriptionEngine();
window.benchTranscribe = async ({ sha256, threads, fresh, kind = 'threaded', language = 'auto' }) => {
  if (fresh) { engine.dispose(); engine = new TranscriptionEngine(ENGINE_WORKERS[kind]); }
  const bytes = await (await fetch('/audio.wav')).arrayBuffer();
  longTasks.length = 0;
  const started = performance.now();
  const result = await engine.transcribe({
    model: { sha256, url: '/api/transcription/models/' + sha256 },
    audio: { kind: 'wav', bytes }, language, threads,
  });
  return { result, wallMs: performance.now() - started, longTasks: [...longTasks], isolated: crossOriginIsolated };
};
window.benchReady = true;
`;

async function buildHarness(dir: string): Promise<string> {
  const { build } = await import('vite');
  const src = path.join(dir, 'src');
  const out = path.join(dir, 'dist');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(src, { recursive: true });
  await writeFile(path.join(src, 'index.html'), HARNESS_HTML);
  await writeFile(
    path.join(src, 'main.ts'),
    harnessMain(path.join(root, 'apps/web/src/lib/transcription/engine.ts')),
  );
  await build({
    root: src,
    logLevel: 'warn',
    configFile: false,
    resolve: { conditions: ['llamenos-source', 'module', 'browser', 'import', 'default'] },
    worker: { format: 'es' },
    build: { outDir: out, emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
  });
  return out;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wav': 'audio/wav' };

/** Static files + models, with the isolation headers the server sends for the app. */
function serve(dist: string, files: Map<string, Buffer>): Promise<Server> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const served = files.get(url.pathname);
    if (served) {
      res.setHeader('content-type', TYPES[path.extname(url.pathname)] ?? 'application/octet-stream');
      res.end(served);
      return;
    }
    const file = path.join(dist, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!file.startsWith(dist) || !existsSync(file)) {
      if (process.env.BENCH_DEBUG) console.error(`[server] 404 ${url.pathname}`);
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.end(await readFile(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Run {
  result: {
    engine: string;
    audioSeconds: number;
    memoryBytes: number;
    segments: unknown[];
    threads: number;
    timings: { modelMs: number; audioMs: number; transcribeMs: number; firstSegmentMs: number | null };
  };
  wallMs: number;
  longTasks: number[];
  isolated: boolean;
}

/** The threaded build on 2 threads and on 1, then the single-threaded build. */
const PASSES = [
  { kind: 'threaded', threads: 2, name: '2 threads' },
  { kind: 'threaded', threads: 1, name: '1 thread' },
  { kind: 'single-thread', threads: 1, name: 'single-threaded build' },
] as const;

async function measureModel(label: string, modelPath: string, dir: string): Promise<Row[]> {
  const model = await readFile(modelPath);
  const sha256 = createHash('sha256').update(model).digest('hex');
  const dist = await buildHarness(path.join(dir, 'harness'));
  const files = new Map([
    [`/api/transcription/models/${sha256}`, model],
    ['/audio.wav', syntheticVoicemail(SECONDS)],
  ]);
  const server = await serve(dist, files);
  const browser = await chromium.launch(chromiumLaunchOptions());
  const rows: Row[] = [];
  try {
    const page = await browser.newPage();
    if (process.env.BENCH_DEBUG) {
      page.on('console', (m) => console.error(`[page] ${m.text()}`));
      page.on('response', (r) => r.status() >= 400 && console.error(`[page] ${r.status()} ${r.url()}`));
    }
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
    for (const { kind, threads, name } of PASSES) {
      // A warm-up run loads the model; the measured run reuses the worker, as the app does.
      await page.evaluate(
        (a) => (window as never as { benchTranscribe: (x: unknown) => Promise<Run> }).benchTranscribe(a),
        { sha256, threads, kind, fresh: true },
      );
      const run = await page.evaluate(
        (a) => (window as never as { benchTranscribe: (x: unknown) => Promise<Run> }).benchTranscribe(a),
        { sha256, threads, kind, fresh: false },
      );
      if (!run.isolated) throw new Error('the harness page is not cross-origin isolated');
      if (run.result.engine !== kind)
        throw new Error(`asked for the ${kind} engine, ran ${run.result.engine}`);
      const { timings, audioSeconds } = run.result;
      const longest = Math.max(0, ...run.longTasks);
      const note = `${label}, ${audioSeconds.toFixed(1)} s of 8 kHz μ-law audio, ${run.result.segments.length} segments`;
      rows.push(
        {
          op: `${label}: real-time factor, ${name}`,
          value: timings.transcribeMs / 1000 / audioSeconds,
          unit: '× real time',
          note: `${note}; whisper_full ${timings.transcribeMs.toFixed(0)} ms (lower is faster)`,
        },
        {
          op: `${label}: time to first segment, ${name}`,
          value: timings.firstSegmentMs ?? Number.NaN,
          unit: 'ms',
          note: timings.firstSegmentMs === null ? 'no segment' : 'from the whisper_full call',
        },
        {
          op: `${label}: main-thread longest task, ${name}`,
          value: longest,
          unit: 'ms',
          note: `${run.longTasks.length} long tasks during decode + transcription`,
          goal: {
            target: `no main-thread task > ${LONG_TASK_GOAL_MS} ms`,
            measured: `${longest.toFixed(0)} ms`,
            pass: longest <= LONG_TASK_GOAL_MS,
          },
        },
      );
      if (kind === 'single-thread')
        rows.push({
          op: `${label}: worker WebAssembly memory, ${name}`,
          value: run.result.memoryBytes / 2 ** 20,
          unit: 'MiB',
          note: 'grows as needed (no shared memory to reserve up front)',
        });
      if (kind === 'threaded' && threads === 2)
        rows.push(
          {
            op: `${label}: worker WebAssembly memory`,
            value: run.result.memoryBytes / 2 ** 20,
            unit: 'MiB',
            note: `model file ${(model.length / 2 ** 20).toFixed(1)} MiB`,
          },
          {
            op: `${label}: audio decode + resample (worker)`,
            value: timings.audioMs,
            unit: 'ms',
            note: '8 kHz μ-law WAV → 16 kHz float',
          },
        );
    }
  } finally {
    await browser.close();
    server.close();
  }
  return rows;
}

export const transcriptionSuite: Suite = {
  name: 'transcription',
  async run() {
    const dir = await mkdtemp(path.join(tmpdir(), 'llamenos-bench-transcription-'));
    try {
      const generated = path.join(dir, 'generated.bin');
      const { execFileSync } = await import('node:child_process');
      execFileSync(process.execPath, [path.join(root, 'scripts/make-whisper-test-model.mjs'), generated], {
        stdio: 'ignore',
      });
      const rows = await measureModel('generated model', generated, dir);
      const real = process.env.WHISPER_MODEL;
      if (real) rows.push(...(await measureModel(path.basename(real), real, dir)));
      return rows;
    } finally {
      if (process.env.BENCH_DEBUG) console.error(`[bench] kept ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    }
  },
};
