/**
 * Authenticated HTTP benchmark: the real server as a child process (`node apps/server/dist/cli.js
 * serve`, built by `tsc -b` first) on 127.0.0.1, once on PGlite (fresh DATA_DIR) and once on
 * PostgreSQL (a private throwaway cluster from scripts/postgres.mjs; skipped when its binaries
 * are missing). A member is created through the API (the first-admin bootstrap link the server
 * prints, redeemed by a fresh key), the idle server's RSS is read from /proc, and a load generator
 * in a second process (bench/server-load.mjs) sends signed requests over keep-alive connections,
 * each route once with a NIP-98 signature per request and once under a request key (an HMAC per
 * request, PROTOCOL.md §5.4, how the web client signs; the goals are judged on these): GET /api/me (auth, replay-cache check, user and passkey-policy lookups) and
 * PATCH /api/me {onBreak: false} (the same plus a transaction: row lock, update, audit entry).
 * Every token a run needs is signed before the run's clock starts (server-load.mjs), and each
 * row reports the CPU seconds the server, PostgreSQL (all its processes) and the load generator
 * used during it, so a reader can see that the client did not take the server's cores and where
 * the database's share went.
 *
 * Per database: each at a fixed 200 requests/s, open loop (p50/p90/p99/max, from just before the
 * write to the response's end), then at the most it will take, closed loop with N connections,
 * beside the unauthenticated GET /api/health measured the same way in the same run: machines
 * differ, so signed throughput is reported as a ratio to that route's.
 *
 * BENCH_SERVER_SECONDS (15) fixed-rate seconds per route (answers still missing 5 s after the
 * last send count as errors, which bounds the run on an overloaded machine), BENCH_SERVER_RATE (200),
 * BENCH_SERVER_MAX_SECONDS (5) closed-loop seconds per route, BENCH_SERVER_CONNECTIONS (64),
 * BENCH_SERVER_IDLE_SECONDS (5) quiet time before reading the idle RSS, BENCH_SERVER_PRESIGN_RATE
 * (4000) tokens signed ahead per closed-loop second, BENCH_SERVER_PROFILE (a directory: the server
 * runs with --cpu-prof and writes its profile there when it stops), BENCH_SERVER_ROOT (another checkout
 * whose built server is measured by this harness, e.g. the commit before a change), BENCH_SERVER_LOG (a
 * file: the server's stdout and stderr are appended there), BENCH_SERVER_NODE_ARGS (options for the
 * server's node, space-separated, e.g. "--trace-gc", which NODE_OPTIONS does not take), BENCH_SERVER_TRACE (a file: the load generator appends
 * every request's send time and latency there, server-load.mjs).
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../scripts/free-port.mjs';
import type { Row, Suite } from './types.js';

const SECONDS = Number(process.env.BENCH_SERVER_SECONDS ?? 15);
const RATE = Number(process.env.BENCH_SERVER_RATE ?? 200);
const MAX_SECONDS = Number(process.env.BENCH_SERVER_MAX_SECONDS ?? 5);
// 64, not 16: a signed route waits for one database statement per batch, so at 16 connections
// the server sat idle for a third of a request-key GET run (latency-bound: 2,168–2,567 req/s
// against 3,739–4,138 at 64, same minutes), while health was saturated either way (7,444–7,559
// against 7,057–8,032). Max throughput is what the server takes when it is kept busy.
const CONNECTIONS = Number(process.env.BENCH_SERVER_CONNECTIONS ?? 64);
const IDLE_SECONDS = Number(process.env.BENCH_SERVER_IDLE_SECONDS ?? 5);
const PRESIGN_RATE = Number(process.env.BENCH_SERVER_PRESIGN_RATE ?? 4000);
const PROFILE_DIR = process.env.BENCH_SERVER_PROFILE;
const SERVER_LOG = process.env.BENCH_SERVER_LOG;

/** The tree whose server is measured: this one, or another checkout (BENCH_SERVER_ROOT) to compare builds with one harness. */
const root = process.env.BENCH_SERVER_ROOT
  ? path.resolve(process.env.BENCH_SERVER_ROOT)
  : fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'apps/server/dist/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1e6;

export const GET_ME = { method: 'GET', path: '/api/me' };
export const PATCH_ME = { method: 'PATCH', path: '/api/me', body: JSON.stringify({ onBreak: false }) };
/** The same two under a request key (PROTOCOL.md §5.4): an HMAC per request, as the web client signs. */
export const GET_ME_KEYED = { ...GET_ME, scheme: 'request-key' };
export const PATCH_ME_KEYED = { ...PATCH_ME, scheme: 'request-key' };
/** The reference: an unauthenticated route through the same middleware (headers, body cap, auth gate). */
export const HEALTH = { method: 'GET', path: '/api/health', signed: false };

interface LoadResult {
  type: 'result';
  requests: number;
  seconds: number;
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  errorStatuses: Record<string, number>;
  firstError?: string;
  targetRate?: number;
  answered?: number;
  sendLagP99?: number;
  sendLagMax?: number;
  connections?: number;
  signedLate: number;
  clientCpuSeconds: number;
  /** Added here: the server process's CPU seconds during the run (all its threads). */
  serverCpuSeconds?: number;
  /** Added here: the server's main thread's (event loop's) share of serverCpuSeconds. */
  serverMainCpuSeconds?: number;
  /** Added here: PostgreSQL's CPU seconds during the run (all its processes); none on PGlite, which is the server's. */
  databaseCpuSeconds?: number;
}

/** VmRSS and VmHWM of a process, in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number, file = `/proc/${pid}/stat`): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * CPU seconds the process's main thread (its event loop) has used so far: the server's other
 * threads (the signature worker, libuv's pool) are in cpuSecondsOf but do not hold requests back.
 */
function mainThreadCpuSecondsOf(pid: number): number {
  return cpuSecondsOf(pid, `/proc/${pid}/task/${pid}/stat`);
}

/**
 * CPU seconds PostgreSQL's processes (the postmaster and its children: a backend per connection,
 * the WAL writer, ...) have used so far. A backend that ended meanwhile takes its share with it;
 * the server keeps its pool open during a run, so that is rare.
 */
function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Field 4 (index 1 here) is the parent's pid.
      if (Number(entry) === postmaster || Number(fields[1]) === postmaster)
        total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/**
 * Waits until the server is idle (under 5% of a core over half a second; at most `limitMs`, 3 minutes): an
 * open-loop run that overloaded it leaves requests it is still working through, and the next run
 * must not be measured against that backlog. Returns how long it waited.
 */
async function settle(pid: number, limitMs = 180_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const before = cpuSecondsOf(pid);
    await sleep(500);
    if (cpuSecondsOf(pid) - before < 0.025 || performance.now() - started > limitMs)
      return performance.now() - started;
  }
}

/** The server's stdout up to its "is running" line; resolves to the bootstrap token it printed, if any. */
function waitForStart(child: ChildProcess, timeoutMs = 60_000): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time:\n${out}\n${err}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (!out.includes('Llamenos is running at')) return;
      clearTimeout(timer);
      resolve(/\/bootstrap#(\S+)/.exec(out)?.[1] ?? null);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready:\n${out}\n${err}`));
    });
  });
}

function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The processes whose CPU a run reports: the server's pid, and PostgreSQL's when it is a separate cluster. */
export interface Measured {
  pid(): number;
  databaseCpuSeconds(): number | null;
}

export async function ask(generator: ChildProcess, message: object, server?: Measured): Promise<LoadResult> {
  if (server) await settle(server.pid());
  const cpuBefore = server ? cpuSecondsOf(server.pid()) : 0;
  const mainBefore = server ? mainThreadCpuSecondsOf(server.pid()) : 0;
  const dbBefore = server?.databaseCpuSeconds() ?? null;
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string }) => {
      generator.off('message', onMessage);
      if (m.type === 'result') {
        const dbAfter = server?.databaseCpuSeconds() ?? null;
        resolve({
          ...(m as LoadResult),
          ...(server
            ? {
                serverCpuSeconds: cpuSecondsOf(server.pid()) - cpuBefore,
                serverMainCpuSeconds: mainThreadCpuSecondsOf(server.pid()) - mainBefore,
              }
            : {}),
          ...(dbBefore !== null && dbAfter !== null ? { databaseCpuSeconds: dbAfter - dbBefore } : {}),
        });
      } else reject(new Error(`load generator: ${m.message ?? m.type}`));
    };
    generator.on('message', onMessage);
    generator.send(message);
  });
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

export function summarize(r: LoadResult): string {
  const errors =
    r.errors === 0
      ? '0 errors'
      : `${r.errors} ERRORS ${JSON.stringify(r.errorStatuses)}: ${r.firstError ?? ''}`;
  const shape =
    r.targetRate !== undefined
      ? `${r.requests} req at ${r.targetRate}/s, ${r.answered} answered, achieved ${r.rate.toFixed(1)}/s; send lag p99 ${ms(r.sendLagP99!)}`
      : `${r.connections} connections, ${r.requests} req in ${r.seconds.toFixed(1)} s`;
  const answered = r.answered ?? r.requests;
  const perRequest = (seconds: number | undefined) =>
    seconds !== undefined && answered ? ((seconds / answered) * 1000).toFixed(2) : '?';
  const database =
    r.databaseCpuSeconds === undefined
      ? ''
      : `, PostgreSQL ${r.databaseCpuSeconds.toFixed(1)} s (${perRequest(r.databaseCpuSeconds)} ms/req)`;
  const cpu = `CPU: server ${r.serverCpuSeconds?.toFixed(1) ?? '?'} s (${perRequest(r.serverCpuSeconds)} ms/req, event loop ${perRequest(r.serverMainCpuSeconds)} ms/req)${database}, load generator ${r.clientCpuSeconds.toFixed(1)} s`;
  return `p50 ${ms(r.p50)}, p90 ${ms(r.p90)}, p99 ${ms(r.p99)}, max ${ms(r.max)}; ${shape}; ${cpu}; ${errors}${r.signedLate ? `; ${r.signedLate} tokens signed on the spot` : ''}`;
}

/** A running benchmark server with its first admin and a load generator signing as that admin. */
export interface BenchServer extends Measured {
  label: string;
  publicUrl: string;
  /** The server process's id right now (the server is restarted once after the bootstrap). */
  pid(): number;
  generator: ChildProcess;
  /** VmRSS/VmHWM after the first start (which created the database) and after the restart. */
  firstIdle: { rss: number; hwm: number };
  idle: { rss: number; hwm: number };
  stop(): Promise<void>;
}

/**
 * Starts the server on one database (null when PostgreSQL's binaries are missing), creates the
 * first admin through the API, restarts it on its data (which is what a running deployment has),
 * and forks the load generator. `profileDir`: the server runs with --cpu-prof and writes its
 * profile there when it stops. `serverEnv`: extra variables for the server (e.g. a pool size).
 */
export async function startBenchServer(
  kind: 'pglite' | 'postgres',
  options: { profileDir?: string; serverEnv?: Record<string, string>; idleSeconds?: number } = {},
): Promise<BenchServer | null> {
  const label = kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  const idleSeconds = options.idleSeconds ?? IDLE_SECONDS;
  let pg: { url: string; dir: string; stop(): void } | null = null;
  if (kind === 'postgres') {
    const { findPostgresBin, startPostgres } = await import('../scripts/postgres.mjs');
    if (!findPostgresBin()) return null;
    pg = (await startPostgres()) as { url: string; dir: string; stop(): void };
  }

  // The server runs from its build, as deployed; tsc -b is incremental, so this is quick when up to date.
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    pg?.stop();
    throw new Error(`tsc -b failed:\n${build.stdout}\n${build.stderr}`);
  }

  const { createAuthHeader, generateSecretKey } = await import('@llamenos/crypto');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'llamenos-bench-server-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    LLAMENOS_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    SERVER_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...options.serverEnv,
  };
  const profileArgs = [
    ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.profileDir)}`] : []),
    ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const log = SERVER_LOG ? createWriteStream(SERVER_LOG, { flags: 'a' }) : null;
  const spawnServer = () => {
    const child = spawn(process.execPath, [...profileArgs, cli, 'serve'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (log) {
      child.stdout.on('data', (d: Buffer) => log.write(d));
      child.stderr.on('data', (d: Buffer) => log.write(d));
    }
    return child;
  };
  let server = spawnServer();
  let generator: ChildProcess | null = null;
  const stop = async () => {
    if (generator) {
      generator.send({ type: 'stop' });
      await stopChild(generator, 2000);
    }
    await stopChild(server);
    log?.end();
    pg?.stop();
    await rm(dataDir, { recursive: true, force: true });
    if (existsSync(dataDir)) console.error(`could not remove ${dataDir}`);
  };
  try {
    const bootstrapToken = await waitForStart(server);
    if (!bootstrapToken) throw new Error('the server did not print a bootstrap link');

    // The member: the first admin, created through the API by a fresh key.
    const key = generateSecretKey();
    const body = JSON.stringify({ token: bootstrapToken, displayName: 'Bench admin' });
    const res = await fetch(`${publicUrl}/api/bootstrap`, {
      method: 'POST',
      headers: {
        authorization: createAuthHeader({ url: `${publicUrl}/api/bootstrap`, method: 'POST', body }, key),
        'content-type': 'application/json',
      },
      body,
    });
    if (res.status !== 201) throw new Error(`bootstrap refused: ${res.status} ${await res.text()}`);

    // Idle memory on the first start (which created the database) and after a restart on the same
    // data, which is what a running deployment has. PGlite's first start also runs its initdb
    // (a second WASM instance) and unpacks its file bundle; much of that stays in RSS until a restart.
    await sleep(idleSeconds * 1000);
    const firstIdle = memoryOf(server.pid!);
    await stopChild(server);
    server = spawnServer();
    await waitForStart(server);
    await sleep(idleSeconds * 1000);
    const idle = memoryOf(server.pid!);

    generator = fork(fileURLToPath(new URL('./server-load.mjs', import.meta.url)), [], {
      cwd: root,
      execArgv: [],
      env: {
        ...process.env,
        BENCH_ORIGIN: publicUrl,
        BENCH_PUBLIC_URL: publicUrl,
        BENCH_SECRET_KEY: Buffer.from(key).toString('hex'),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      generator!.once('message', () => resolve());
      generator!.once('exit', (code) => reject(new Error(`load generator exited (${code})`)));
    });
    const pgData = pg ? path.join(pg.dir, 'data') : null;
    return {
      label,
      publicUrl,
      pid: () => server.pid!,
      databaseCpuSeconds: () => (pgData ? postgresCpuSeconds(pgData) : null),
      generator,
      firstIdle,
      idle,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs the server on one database; returns its rows. */
async function measure(kind: 'pglite' | 'postgres'): Promise<Row[]> {
  const bench = await startBenchServer(kind, { profileDir: PROFILE_DIR });
  const label = kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  if (!bench)
    return [
      {
        op: `${label}: skipped`,
        value: Number.NaN,
        unit: '',
        note: 'no PostgreSQL binaries (pg_ctl, initdb) under /usr/lib/postgresql/*/bin',
      },
    ];
  const { generator, firstIdle, idle } = bench;
  try {
    // Warm-up (JIT, connection pools, PGlite's caches), not counted.
    await ask(generator, { type: 'closed', route: GET_ME, connections: 4, seconds: 1, presign: 200 });
    await ask(generator, { type: 'closed', route: PATCH_ME, connections: 4, seconds: 1, presign: 200 });
    await ask(generator, { type: 'closed', route: GET_ME_KEYED, connections: 4, seconds: 1, presign: 200 });
    await ask(generator, { type: 'closed', route: PATCH_ME_KEYED, connections: 4, seconds: 1, presign: 200 });

    await ask(generator, { type: 'closed', route: HEALTH, connections: 4, seconds: 1 });
    const fixedRate = (route: object) =>
      ask(generator, { type: 'open', route, rate: RATE, seconds: SECONDS }, bench);
    const getFixed = await fixedRate(GET_ME);
    const patchFixed = await fixedRate(PATCH_ME);
    const getKeyedFixed = await fixedRate(GET_ME_KEYED);
    const patchKeyedFixed = await fixedRate(PATCH_ME_KEYED);
    const presign = Math.ceil(MAX_SECONDS * PRESIGN_RATE);
    const closed = (route: object) =>
      ask(
        generator,
        { type: 'closed', route, connections: CONNECTIONS, seconds: MAX_SECONDS, presign },
        bench,
      );
    const healthMax = await closed(HEALTH);
    const getMax = await closed(GET_ME);
    const patchMax = await closed(PATCH_ME);
    const getKeyedMax = await closed(GET_ME_KEYED);
    const patchKeyedMax = await closed(PATCH_ME_KEYED);

    await sleep(IDLE_SECONDS * 1000);
    const after = memoryOf(bench.pid());

    const isPg = kind === 'postgres';
    const latencyGoal = (r: LoadResult) => ({
      target: `p99 < 20 ms at ${RATE}/s on ${label}, no errors`,
      measured: `${ms(r.p99)} at ${r.rate.toFixed(1)}/s, ${r.errors} errors`,
      pass: r.p99 < 20 && r.errors === 0 && r.rate >= RATE * 0.95,
    });
    const rows: Row[] = [];
    // The goals are judged on the request-key rows, the way the web client signs (one Schnorr
    // signature per ten minutes); the NIP-98 rows (a signature per request) are reported beside them.
    const fixed = (name: string, r: LoadResult, judged: boolean) => {
      rows.push({
        op: `${label}: ${name} @${RATE}/s p50`,
        value: r.p50,
        unit: 'ms',
        samples: r.requests,
        note: summarize(r),
      });
      rows.push({
        op: `${label}: ${name} @${RATE}/s p99`,
        value: r.p99,
        unit: 'ms',
        samples: r.requests,
        ...(judged ? { goal: latencyGoal(r) } : { note: summarize(r) }),
      });
    };
    fixed('NIP-98 GET /api/me', getFixed, false);
    fixed('NIP-98 PATCH /api/me', patchFixed, false);
    fixed('request-key GET /api/me', getKeyedFixed, true);
    fixed('request-key PATCH /api/me', patchKeyedFixed, true);
    rows.push({
      op: `${label}: max throughput GET /api/health (unauthenticated)`,
      value: healthMax.rate,
      unit: 'req/s',
      samples: healthMax.requests,
      note: summarize(healthMax),
    });
    const throughput = (name: string, r: LoadResult, judged: boolean) => {
      const ratio = r.rate / healthMax.rate;
      rows.push({
        op: `${label}: max throughput ${name}`,
        value: r.rate,
        unit: 'req/s',
        raw: healthMax.rate,
        ratio,
        ratioLabel: 'of unauthenticated',
        samples: r.requests,
        note: summarize(r),
        ...(judged
          ? {
              goal: {
                target: `signed GET ≥ 50% of GET /api/health's throughput${isPg ? ' and ≥ 1,500 req/s on PostgreSQL' : ''}`,
                measured: `${r.rate.toFixed(0)} req/s, ${(ratio * 100).toFixed(0)}% of ${healthMax.rate.toFixed(0)} req/s`,
                pass: ratio >= 0.5 && (!isPg || r.rate >= 1500) && r.errors === 0,
              },
            }
          : {}),
      });
    };
    throughput('NIP-98 GET /api/me', getMax, false);
    throughput('NIP-98 PATCH /api/me', patchMax, false);
    throughput('request-key GET /api/me', getKeyedMax, true);
    throughput('request-key PATCH /api/me', patchKeyedMax, false);
    rows.push({
      op: `${label}: idle server RSS`,
      value: idle.rss / MB,
      unit: 'MB',
      note: `VmRSS of the server process, restarted on its data, ${IDLE_SECONDS} s after start (${(idle.rss / 2 ** 20).toFixed(0)} MiB); first start on an empty DATA_DIR/database, after bootstrap: ${(firstIdle.rss / MB).toFixed(0)} MB; after the load and ${IDLE_SECONDS} s idle: ${(after.rss / MB).toFixed(0)} MB, peak (VmHWM) ${(after.hwm / MB).toFixed(0)} MB${isPg ? '; PostgreSQL’s own processes not included' : '; includes the embedded database'}`,
      ...(kind === 'pglite'
        ? {
            goal: {
              target: 'idle RSS < 300 MB with PGlite',
              measured: `${(idle.rss / MB).toFixed(0)} MB`,
              pass: idle.rss < 300 * MB,
            },
          }
        : {}),
    });
    const errors = [
      getFixed,
      patchFixed,
      getKeyedFixed,
      patchKeyedFixed,
      healthMax,
      getMax,
      patchMax,
      getKeyedMax,
      patchKeyedMax,
    ].reduce((n, r) => n + r.errors, 0);
    if (errors > 0)
      rows.push({ op: `${label}: non-2xx responses`, value: errors, unit: '', note: 'must be 0' });
    return rows;
  } finally {
    await bench.stop();
  }
}

export const serverPgliteSuite: Suite = { name: 'server-pglite', run: () => measure('pglite') };
export const serverPostgresSuite: Suite = { name: 'server-postgres', run: () => measure('postgres') };
