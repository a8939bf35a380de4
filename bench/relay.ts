/**
 * Real-time relay benchmark: the embedded relay of a real server (PGlite in a temporary
 * directory), 200 authenticated subscribers (nostr-tools' AbstractRelay over `ws`, in a worker
 * thread), and the server publishing hub events through publishHubEvent (validate, encrypt,
 * sign, fan out) at a fixed rate. Reports deliveries per second, delivery latency (publish call
 * to a client's onevent, p50/p99) and the server heap's growth over the run.
 *
 * BENCH_RELAY_SECONDS (default 10; 300 for the 5-minute soak), BENCH_RELAY_SUBSCRIBERS (200),
 * BENCH_RELAY_EVENTS_PER_SECOND (125, i.e. 25,000 deliveries/s with 200 subscribers).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Row, Suite } from './types.js';

const SECONDS = Number(process.env.BENCH_RELAY_SECONDS ?? 10);
const SUBSCRIBERS = Number(process.env.BENCH_RELAY_SUBSCRIBERS ?? 200);
const EVENTS_PER_SECOND = Number(process.env.BENCH_RELAY_EVENTS_PER_SECOND ?? 125);
const TICK_MS = 10;

interface Report {
  deliveries: number;
  invalid: number;
  measured: number;
  firstAt: number;
  lastAt: number;
  p50: number;
  p99: number;
  max: number;
}

const now = () => performance.timeOrigin + performance.now();
const mib = (bytes: number) => bytes / (1024 * 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function once<T>(worker: Worker, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      worker.off('message', onMessage);
      resolve(m as T);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

async function run(): Promise<Row[]> {
  const { loadConfig } = await import('../apps/server/src/config.js');
  const { createLogger } = await import('../apps/server/src/logging.js');
  const { startServer } = await import('../apps/server/src/server.js');
  const { publishHubEvent } = await import('../apps/server/src/realtime/publish.js');
  const { realtimeOf } = await import('../apps/server/src/realtime/registry.js');
  const { verifierEngine } = await import('../apps/server/src/realtime/verify.js');
  const { generateSecretKey, getPublicKey } = await import('@llamenos/crypto');

  const dataDir = await mkdtemp(path.join(tmpdir(), 'llamenos-bench-relay-'));
  const { freePort } = await import('../apps/server/test/realtime-helpers.js');
  const port = await freePort();
  const config = loadConfig({
    LLAMENOS_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SERVER_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true; // the first-admin banner
  const server = await startServer(config, createLogger('silent'));
  process.stdout.write = write;
  const keys = Array.from({ length: SUBSCRIBERS }, () => generateSecretKey());
  for (const key of keys)
    await server.ctx.db.query(
      `insert into users (id, pubkey, display_name, roles, created_at, updated_at)
       values (gen_random_uuid()::text, $1, 'bench', '["volunteer"]'::jsonb, now(), now())`,
      [getPublicKey(key)],
    );

  const worker = new Worker(new URL('./relay-clients.mjs', import.meta.url), {
    workerData: {
      url: `ws://127.0.0.1:${port}/nostr`,
      keys: keys.map((k) => Buffer.from(k).toString('hex')),
    },
    execArgv: [],
  });
  try {
    const ready = await once<{ clients: number }>(worker, 'ready');
    const relay = realtimeOf(server.ctx)!.relay!;
    if (relay.stats().subscriptions !== SUBSCRIBERS) throw new Error(`only ${ready.clients} subscribed`);

    const perTick = (EVENTS_PER_SECOND * TICK_MS) / 1000;
    let published = 0;
    let heapStart = 0;
    let rssStart = 0;
    const start = now();
    const end = start + SECONDS * 1000;
    let credit = 0;
    while (now() < end) {
      const tickStart = now();
      credit += perTick;
      for (; credit >= 1; credit--) {
        const t0 = now();
        const event = await publishHubEvent(server.ctx, {
          type: 'presence',
          pubkey: getPublicKey(keys[published % keys.length]!),
          status: 'available',
          at: new Date().toISOString(),
        });
        worker.postMessage({ type: 'sent', id: event.id, t0 });
        published++;
      }
      // Measure memory from a warmed-up state, not from the first allocations.
      if (!heapStart && now() - start > Math.min(2000, SECONDS * 200)) {
        heapStart = process.memoryUsage().heapUsed;
        rssStart = process.memoryUsage().rss;
      }
      await sleep(Math.max(0, TICK_MS - (now() - tickStart)));
    }
    const publishEnd = now();
    // Let the last deliveries arrive.
    const expected = published * SUBSCRIBERS;
    let report: Report;
    for (let waited = 0; ; waited += 100) {
      worker.postMessage({ type: 'report' });
      report = await once<Report>(worker, 'report');
      if (report.deliveries >= expected || waited > 5000) break;
      await sleep(100);
    }
    const memory = process.memoryUsage();
    const seconds = (Math.max(report.lastAt, publishEnd) - start) / 1000;
    const rate = report.deliveries / seconds;
    const lost = expected - report.deliveries;
    const note = `${SUBSCRIBERS} subscribers, ${published} events in ${SECONDS} s at ${EVENTS_PER_SECOND}/s; ${lost} lost, ${report.invalid} invalid; server verifier ${verifierEngine()}`;
    return [
      {
        op: 'relay deliveries (server → subscribers)',
        value: rate,
        unit: 'deliveries/s',
        note,
        goal: {
          target: '≥ 20,000 deliveries/s',
          measured: `${Math.round(rate)}/s`,
          pass: rate >= 20_000 && lost === 0,
        },
      },
      {
        op: 'delivery latency p50',
        value: report.p50,
        unit: 'ms',
        samples: report.measured,
        note: 'publishHubEvent call (validate, encrypt, sign, fan out) to onevent in a nostr-tools client',
      },
      {
        op: 'delivery latency p99',
        value: report.p99,
        unit: 'ms',
        samples: report.measured,
        note: `max ${report.max.toFixed(1)} ms`,
        goal: { target: 'p99 < 50 ms', measured: `${report.p99.toFixed(1)} ms`, pass: report.p99 < 50 },
      },
      {
        op: 'server heap growth over the run',
        value: mib(memory.heapUsed - heapStart),
        unit: 'MiB',
        note: `heap ${mib(heapStart).toFixed(1)} → ${mib(memory.heapUsed).toFixed(1)} MiB; process RSS ${mib(rssStart).toFixed(0)} → ${mib(memory.rss).toFixed(0)} MiB (RSS includes the client worker); BENCH_RELAY_SECONDS=300 for the soak`,
      },
    ];
  } finally {
    worker.postMessage({ type: 'stop' });
    await worker.terminate();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const relaySuite: Suite = { name: 'relay', run };
