/**
 * Call storm through the simulated carrier: real server processes (bench/calls-server.ts: the
 * CLI's serve, from source, with the 'simulator' provider pointed at the driver's fake Twilio
 * API) on 127.0.0.1, and a storm driver in another process (bench/calls-driver.ts) playing the
 * carrier: signed Twilio-format webhooks, the fake REST API where legs arrive, volunteers
 * racing to press 1. Three set-ups: PGlite (1 process), PostgreSQL (1 process), PostgreSQL with
 * two server processes (each webhook to a random one). PostgreSQL is a private throwaway
 * cluster (scripts/postgres.mjs); its set-ups are skipped when its binaries are missing.
 *
 * Set-up, per run: 50 volunteers with a phone number and call preference "phone" (written to
 * the database by the first server process: invites are limited to 10 redemptions per address
 * per 5 minutes), then through the API as the bootstrapped admin: the simulator's hotline
 * number, one 24-hour shift for today and one for tomorrow (UTC, the default zone) with all
 * of them, and a queue timeout of 600 s so that no answered call goes to voicemail.
 *
 * Load: inbound calls at BENCH_CALLS_RATE (20)/s for BENCH_CALLS_SECONDS (15; 60 for the
 * issue's full run), open loop. Each call is answered 0.5–3 s after the inbound answer by 2–4
 * of its ringing legs pressing 1 at once; the winner talks 0.5–1.5 s, then the caller hangs up.
 * Calls not finished BENCH_CALLS_DRAIN_SECONDS (60) after the last inbound webhook count as lost.
 *
 * Reported: webhook latency (request written → response read, as the carrier sees it) per
 * kind; time from the inbound answer to the first and the last leg created at the fake API;
 * answer-race outcomes (exactly one winner per call); lost calls; non-2xx responses; the
 * calls' final states as the API lists them; CPU used by servers and driver; load average.
 * Goals at the storm (issue 12): inbound-webhook p99 < 100 ms on PostgreSQL (one process or two) and
 * < 250 ms on PGlite; one winner for every call, no lost calls, no errors; no volunteer's phone
 * ringing for two calls at once (the call queue, apps/server/src/calls/queue.ts). Every webhook's
 * p99 and the time to each call's legs are reported, not judged: at 20 calls/s for 50 volunteers
 * most calls wait in the queue, and a waiting call's legs are due only when a volunteer is freed.
 *
 * The realistic peak (suites calls-peak-*): BENCH_CALLS_PEAK_RATE (2) calls/s for
 * BENCH_CALLS_PEAK_SECONDS (30), same volunteers, on PGlite and PostgreSQL. With the queue a
 * call's later legs are volunteers freed by other calls, so "due" is the inbound webhook for the
 * first leg only: its p99 is the peak's leg goal (< 500 ms), with every webhook p99 < 50 ms.
 * Before it, a warm-up storm (BENCH_CALLS_WARMUP_CALLS, 200, at BENCH_CALLS_WARMUP_RATE, 8/s), so
 * that V8 has compiled the hot paths as in a server that has run for a while (a fresh one spent a
 * third more CPU per call, much of it in the optimizing compiler), and BENCH_CALLS_IDLE_SECONDS
 * (10) of quiet in which the servers' idle CPU is read. On PostgreSQL the peak judges the cost
 * goals: server CPU per leg < 1 ms (all of it, idle included, over all legs) and statements
 * per leg ≤ 2. BENCH_CALLS_NODE_ARGS adds options to the servers' node (e.g.
 * --perf-basic-prof-only-functions for `perf record`); BENCH_CALLS_SERVER_LOG=<file> appends
 * their output there.
 *
 * The capacity search (suites calls-capacity-*): the highest rate whose inbound-webhook p99 stays
 * < 50 ms with no call lost, from storms of 20 s (BENCH_CALLS_CAPACITY_SECONDS) or 200 calls
 * (BENCH_CALLS_CAPACITY_CALLS), whichever is longer, at the rates of
 * BENCH_CALLS_CAPACITY_RATES on the same warm server, then two halvings (searchCapacity).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../scripts/free-port.mjs';
import type { StormOptions, StormResult } from './calls-driver.js';
import type { Row, Suite } from './types.js';

const STORM_SECONDS = Number(process.env.BENCH_CALLS_SECONDS ?? 15);
const STORM_RATE = Number(process.env.BENCH_CALLS_RATE ?? 20);
const VOLUNTEERS = Number(process.env.BENCH_CALLS_VOLUNTEERS ?? 50);
/** How long calls may take to finish after the last inbound webhook before they count as lost. */
const DRAIN_SECONDS = Number(process.env.BENCH_CALLS_DRAIN_SECONDS ?? 60);
/** Seconds of quiet before the storm in which the servers' idle CPU is measured. */
const IDLE_SECONDS = Number(process.env.BENCH_CALLS_IDLE_SECONDS ?? 10);
const PEAK_RATE = Number(process.env.BENCH_CALLS_PEAK_RATE ?? 2);
const PEAK_SECONDS = Number(process.env.BENCH_CALLS_PEAK_SECONDS ?? 30);
const HOTLINE = '+15550100100';
const TSX = ['--conditions=llamenos-source', '--import', 'tsx'];

const root = fileURLToPath(new URL('..', import.meta.url));
const ms = (v: number) => `${v.toFixed(1)} ms`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuOf(pid: number): number {
  const { user, system } = cpuSplitOf(pid);
  return user + system;
}

/** CPU seconds a process has used so far in user and in kernel mode (socket writes are the latter). */
function cpuSplitOf(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 }; // clock ticks (USER_HZ 100)
}

interface ServerProc {
  child: ChildProcess;
  origin: string;
  out: string;
  warnings: number;
  /** The last `bench-statements` count printed, and how many were printed. */
  statements: number;
  statementReports: number;
  /** The process's monotonic clock (µs) at each `bench-statements` report. */
  reportedAt: string[];
  /** The call notices published as hub events so far (the last report). */
  hubEvents: number;
}

/** Starts one server process; resolves once it prints that it is running. */
function startServerProc(env: Record<string, string>, origin: string): Promise<ServerProc> {
  // BENCH_CALLS_PROFILE=<dir>: each server writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CALLS_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CALLS_PROFILE)}`]
    : [];
  // BENCH_CALLS_NODE_ARGS: more options for each server's node (e.g. --perf-basic-prof for perf).
  const extra = (process.env.BENCH_CALLS_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...profile, ...extra, ...TSX, path.join(root, 'bench/calls-server.ts')],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const proc: ServerProc = {
    child,
    origin,
    out: '',
    warnings: 0,
    statements: 0,
    statementReports: 0,
    reportedAt: [],
    hubEvents: 0,
  };
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${proc.out}\n${err}`)), 120_000);
    child.stderr!.on('data', (d: Buffer) => {
      if (err.length < 20_000) err += d;
    });
    let started = false;
    // BENCH_CALLS_SERVER_LOG=<file>: each server's stdout and stderr are appended there too.
    const logFile = process.env.BENCH_CALLS_SERVER_LOG;
    if (logFile) {
      const log = createWriteStream(path.resolve(logFile), { flags: 'a' });
      // Not ended by either: the one that ends first would cut the other off mid-write.
      child.stdout!.pipe(log, { end: false });
      child.stderr!.pipe(log, { end: false });
      child.once('exit', () => log.end());
    }
    child.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      const counted = /bench-statements (\d+)(?: at (\d+) hub-events (\d+))?/.exec(text);
      if (counted) {
        proc.statements = Number(counted[1]);
        proc.statementReports++;
        if (counted[2]) proc.reportedAt.push(counted[2]);
        proc.hubEvents = Number(counted[3] ?? Number.NaN);
      }
      // Log lines (warn and up) are JSON; count them, keep the first few for the report.
      for (const line of text.split('\n'))
        if (line.startsWith('{')) {
          proc.warnings++;
          if (proc.warnings > 5) continue;
        }
      if (proc.out.length < 50_000) proc.out += text;
      if (!started && proc.out.includes('Llamenos is running at')) {
        started = true;
        clearTimeout(timer);
        resolve(proc);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`server exited (${code}) before it was ready:\n${proc.out}\n${err}`));
    });
  });
}

function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
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

function nextMessage<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('storm driver timed out')), timeoutMs);
    child.once('message', (m: { type: string; message?: string }) => {
      clearTimeout(timer);
      if (m.type === 'error') reject(new Error(`storm driver: ${m.message}`));
      else resolve(m as T);
    });
  });
}

/** One storm as the driver runs it: each call answered 0.5–3 s after the inbound answer by 2–4 legs. */
const stormOptions = (
  servers: ServerProc[],
  publicUrl: string,
  rate: number,
  seconds: number,
): StormOptions => ({
  origins: servers.map((s) => s.origin),
  publicUrl,
  hotline: HOTLINE,
  seconds,
  rate,
  answerDelayMs: [500, 3000],
  pressers: [2, 4],
  talkMs: [500, 1500],
  drainMs: DRAIN_SECONDS * 1000,
});

type Mode = 'pglite' | 'postgres' | 'postgres-2';
const CALL_STATUSES = ['completed', 'answered', 'queued', 'ringing', 'voicemail', 'abandoned', 'rejected'];
/**
 * The storm (20 calls/s by default), the realistic peak (2 calls/s), the capacity search, or the
 * fault storms (runFaults).
 */
type Load = 'storm' | 'peak' | 'capacity' | 'faults';

/** The capacity search's criterion: inbound-webhook p99 below this, no lost call, no error. */
const CAPACITY_P99_MS = 50;
const CAPACITY_SECONDS = Number(process.env.BENCH_CALLS_CAPACITY_SECONDS ?? 20);
/**
 * Inbound calls each rate is judged on, at least: a p99 of 40 samples is their worst one, so one
 * slow answer would decide the rate. A rate below CAPACITY_CALLS / CAPACITY_SECONDS runs longer.
 */
const CAPACITY_CALLS = Number(process.env.BENCH_CALLS_CAPACITY_CALLS ?? 200);
/** Rates tried in turn (calls/s) until one fails; then two halvings between the last pass and it. */
const CAPACITY_RATES = (process.env.BENCH_CALLS_CAPACITY_RATES ?? '2,4,6,9,13,19,28,40')
  .split(',')
  .map(Number);

async function measure(mode: Mode, loadKind: Load = 'storm'): Promise<Row[]> {
  const peak = loadKind === 'peak';
  const RATE = peak ? PEAK_RATE : STORM_RATE;
  // Calls of the warm-up storm before the measured one (BENCH_CALLS_WARMUP_CALLS; the peak's
  // default 200 at BENCH_CALLS_WARMUP_RATE, 8/s; the storm's 0: it measures a fresh server).
  const WARMUP_CALLS = Number(process.env.BENCH_CALLS_WARMUP_CALLS ?? (peak ? 200 : 0));
  const WARMUP_RATE = Number(process.env.BENCH_CALLS_WARMUP_RATE ?? 8);
  const SECONDS = peak ? PEAK_SECONDS : STORM_SECONDS;
  const label =
    { pglite: 'PGlite', postgres: 'PostgreSQL', 'postgres-2': 'PostgreSQL ×2 processes' }[mode] +
    (peak ? ` peak ${RATE}/s` : loadKind === 'capacity' || loadKind === 'faults' ? ` ${loadKind}` : '');
  const processes = mode === 'postgres-2' ? 2 : 1;
  let pg: { url: string; stop(): void; restart(): Promise<void> } | null = null;
  if (mode !== 'pglite') {
    const { findPostgresBin, startPostgres } = await import('../scripts/postgres.mjs');
    if (!findPostgresBin())
      return [{ op: `${label}: skipped`, value: Number.NaN, unit: '', note: 'no PostgreSQL binaries' }];
    pg = await startPostgres();
    if (loadKind === 'faults') {
      // The bench cluster acknowledges a commit before its WAL is written (synchronous_commit
      // off, for speed); a crash then loses the last commits, which a hotline's database would
      // keep. The fault storms crash it, so they commit as a production server does. (fsync
      // stays off: a process crash leaves what was written in the kernel's cache.)
      const { default: postgres } = await import('postgres');
      const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
      try {
        await sql`alter system set synchronous_commit = 'on'`;
        await sql`select pg_reload_conf()`;
      } finally {
        await sql.end();
      }
    }
  }
  const { createAuthHeader, generateSecretKey } = await import('@llamenos/crypto');
  const secret = randomBytes(32).toString('hex');
  const dirs: string[] = [];
  const servers: ServerProc[] = [];
  const driver = fork(path.join(root, 'bench/calls-driver.ts'), [], {
    cwd: root,
    execArgv: TSX,
    env: { ...process.env, BENCH_SERVER_SECRET: secret },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    // The driver compiles through tsx first: on a loaded machine that alone can take a minute.
    const { apiBaseUrl } = await nextMessage<{ apiBaseUrl: string }>(driver, 180_000);
    const ports: number[] = [];
    for (let i = 0; i < processes; i++) ports.push(await freePort());
    const publicUrl = `http://127.0.0.1:${ports[0]}`;
    const startOne = async (i: number) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'llamenos-bench-calls-'));
      dirs.push(dataDir);
      const proc = await startServerProc(
        {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? tmpdir(),
          LLAMENOS_ENV: 'development',
          HOST: '127.0.0.1',
          PORT: String(ports[i]),
          PUBLIC_URL: publicUrl,
          SERVER_SECRET: secret,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          BENCH_FAKE_API: apiBaseUrl,
          ...(process.env.BENCH_CALLS_STATEMENT_LOG
            ? { BENCH_CALLS_STATEMENT_LOG: path.resolve(process.env.BENCH_CALLS_STATEMENT_LOG) }
            : {}),
          ...(i === 0 ? { BENCH_SEED_VOLUNTEERS: String(VOLUNTEERS) } : {}),
          ...(pg ? { DATABASE_URL: pg.url } : {}),
        },
        `http://127.0.0.1:${ports[i]}`,
      );
      servers.push(proc);
      return proc;
    };
    const first = await startOne(0);
    const volunteerIds: string[] = JSON.parse(/bench-volunteers (\[.*\])/.exec(first.out)?.[1] ?? '[]');
    const bootstrapToken = /\/bootstrap#(\S+)/.exec(first.out)?.[1];
    if (volunteerIds.length !== VOLUNTEERS) throw new Error('the volunteers were not seeded');
    if (!bootstrapToken) throw new Error('the server did not print a bootstrap link');

    // The admin, and everything else, through the API (before a second process starts: it would
    // issue a bootstrap code of its own while no admin exists).
    const key = generateSecretKey();
    const api = async (method: string, route: string, body?: unknown, timeoutMs = 60_000) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      const url = `${publicUrl}${route}`;
      const res = await fetch(url, {
        method,
        headers: {
          authorization: createAuthHeader({ url, method, body: text }, key),
          ...(text ? { 'content-type': 'application/json' } : {}),
        },
        body: text || undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    await api('POST', '/api/bootstrap', { token: bootstrapToken, displayName: 'Bench admin' });
    await api('PUT', '/api/settings/providers/simulator', { phoneNumbers: [HOTLINE] });
    const { settings, version } = await api('GET', '/api/settings');
    await api('PATCH', '/api/settings/calls', {
      value: { ...settings.calls, queueTimeoutSeconds: 600, ivrLanguageMenu: false },
      version,
    });
    const today = (new Date().getUTCDay() + 6) % 7; // 0 = Monday
    for (const weekday of [today, (today + 1) % 7])
      await api('POST', '/api/shifts', {
        name: `Storm ${weekday}`,
        weekday,
        start: '00:00',
        durationMinutes: 1440,
        userIds: volunteerIds,
      });
    for (let i = 1; i < processes; i++) await startOne(i);

    // PostgreSQL's own count of statements: each autocommit query is a transaction of its own.
    const dbStats = async () => {
      if (!pg) return null;
      const { default: postgres } = await import('postgres');
      const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql`select xact_commit::float8 as commits, tup_inserted::float8 as inserted,
          tup_updated::float8 as updated from pg_stat_database where datname = current_database()`;
        return row as unknown as { commits: number; inserted: number; updated: number };
      } finally {
        await sql.end();
      }
    };
    /** Statements the server processes have sent to the database so far (bench/calls-server.ts). */
    const statementCount = async () => {
      let total = 0;
      for (const s of servers) {
        const seen = s.statementReports;
        s.child.kill('SIGUSR2');
        for (let i = 0; i < 100 && s.statementReports === seen; i++)
          await new Promise((resolve) => setTimeout(resolve, 50));
        total += s.statementReports === seen ? Number.NaN : s.statements;
      }
      return total;
    };
    /**
     * The calls as the hotline records them, by status. After a storm the server may still be
     * working off a backlog: a signed request waiting more than 60 s would be refused, so these
     * are retried, and left out if they cannot be read.
     */
    const readStatuses = async () => {
      const statuses: Record<string, number> = {};
      let statusesRead = true;
      for (const status of CALL_STATUSES) {
        let total: number | null = null;
        for (let attempt = 0; attempt < 3 && total === null; attempt++)
          total = await api('GET', `/api/calls?status=${status}&limit=1`, undefined, 15_000).then(
            (b: { total: number }) => b.total,
            () => null,
          );
        if (total === null) statusesRead = false;
        else if (total) statuses[status] = total;
      }
      return { statuses, statusesRead };
    };
    if (loadKind === 'capacity') return await searchCapacity(label, driver, servers, publicUrl);
    if (loadKind === 'faults')
      return await runFaults(label, { driver, servers, publicUrl, pg, readStatuses });
    // A warm-up storm first (the peak's default: 200 calls at 8/s): a server that has run a few
    // calls has its hot paths compiled by V8's optimizing tiers, as a hotline's long-running
    // server does; the figures below are then the steady cost, not the compiler's.
    if (WARMUP_CALLS > 0) {
      const seconds = Math.max(1, Math.ceil(WARMUP_CALLS / WARMUP_RATE));
      driver.send({ type: 'storm', ...stormOptions(servers, publicUrl, WARMUP_RATE, seconds) });
      await nextMessage<StormResult>(driver, (seconds + DRAIN_SECONDS + 60) * 1000);
    }
    // The servers' CPU while no call is up, over IDLE_SECONDS just before the storm: the cost
    // of time (timers, sweeps) rather than of calls, reported beside the per-leg figure.
    const idleBefore = servers.map((s) => cpuOf(s.child.pid!));
    const idleStatements = await statementCount();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idleCpu = servers.map((s, i) => cpuOf(s.child.pid!) - idleBefore[i]!);
    const statementsBefore = await statementCount();
    const idleStatementCount = statementsBefore - idleStatements;
    const hubEventsBefore = servers.reduce((n, s) => n + s.hubEvents, 0);
    const dbBefore = await dbStats();
    const cpuBefore = servers.map((s) => cpuOf(s.child.pid!));
    const systemBefore = servers.map((s) => cpuSplitOf(s.child.pid!).system);
    const loadBefore = load();
    const stormStart = performance.now();
    driver.send({ type: 'storm', ...stormOptions(servers, publicUrl, RATE, SECONDS) });
    const r = await nextMessage<StormResult>(driver, (SECONDS + DRAIN_SECONDS + 60) * 1000);
    const stormWallSeconds = (performance.now() - stormStart) / 1000;
    const serverCpu = servers.map((s, i) => cpuOf(s.child.pid!) - cpuBefore[i]!);
    const serverSystem = servers.map((s, i) => cpuSplitOf(s.child.pid!).system - systemBefore[i]!);
    const loadAfter = load();
    // pg_stat_database is updated when a backend reports (at most every 500 ms-1 s).
    if (pg) await new Promise((resolve) => setTimeout(resolve, 1500));
    const dbAfter = await dbStats();
    const statements = (await statementCount()) - statementsBefore;
    const hubEvents = servers.reduce((n, s) => n + s.hubEvents, 0) - hubEventsBefore;
    // With BENCH_CALLS_PROFILE, the storm's window on each server's clock and its legs, so that
    // bench/prof/cpuprofile-summary.ts reports that window's self time per leg, start-up left out.
    if (process.env.BENCH_CALLS_PROFILE) {
      // The servers make the directory only when they stop and write their profiles.
      const dir = path.resolve(process.env.BENCH_CALLS_PROFILE);
      mkdirSync(dir, { recursive: true });
      for (const s of servers) {
        const [fromUs, toUs] = s.reportedAt.slice(-2);
        writeFileSync(
          path.join(dir, `window-${s.child.pid}.json`),
          JSON.stringify({ fromUs: Number(fromUs), toUs: Number(toUs), legs: r.legs, calls: r.calls }),
        );
      }
    }

    // The calls as the hotline recorded them.
    const { statuses, statusesRead } = await readStatuses();
    const recorded = Object.values(statuses).reduce((a, b) => a + b, 0);
    const stuck = statusesRead ? recorded - (statuses.completed ?? 0) : Number.NaN;
    const lost = r.lostCalls;
    const warnings = servers.reduce((n, s) => n + s.warnings, 0);

    const isPg = mode !== 'pglite';
    const rows: Row[] = [];
    rows.push({
      op: `${label}: webhook p50 (all kinds)`,
      value: r.all.p50,
      unit: 'ms',
      samples: r.all.count,
      note: `${r.sent} calls at ${RATE}/s for ${r.seconds.toFixed(1)} s (send lag p99 ${ms(r.sendLagP99)}), ${VOLUNTEERS} volunteers on shift, ${processes} server process${processes > 1 ? 'es' : ''}; load average ${loadBefore} before, ${loadAfter} after (${cpus().length} cores)`,
    });
    rows.push({
      op: `${label}: webhook p99 (all kinds)`,
      value: r.all.p99,
      unit: 'ms',
      samples: r.all.count,
      note: `max ${ms(r.all.max)}`,
      ...(peak
        ? {
            goal: {
              target: 'webhook p99 < 50 ms at the realistic peak',
              measured: `${ms(r.all.p99)} (worst kind: ${
                Object.entries(r.kinds)
                  .sort((a, b) => b[1].p99 - a[1].p99)
                  .map(([k, s]) => `${k} ${ms(s.p99)}`)[0]
              })`,
              pass: r.all.p99 < 50,
            },
          }
        : {}),
    });
    // The storm's answer to a caller: the inbound webhook (queue + hold audio) must stay fast.
    const inboundLimit = isPg ? 100 : 250;
    for (const [kind, s] of Object.entries(r.kinds).sort()) {
      rows.push({
        op: `${label}: ${kind} webhook p50 / p99`,
        value: s.p99,
        unit: 'ms',
        samples: s.count,
        note: `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}; ${s.count} requests, ${s.errors} non-2xx`,
        ...(kind === 'inbound' && !peak
          ? {
              goal: {
                target: `inbound-webhook p99 < ${inboundLimit} ms at the storm`,
                measured: `p99 ${ms(s.p99)}, max ${ms(s.max)}`,
                pass: s.p99 < inboundLimit,
              },
            }
          : {}),
      });
    }
    rows.push({
      op: `${label}: inbound → last leg created p50`,
      value: r.lastLeg.p50,
      unit: 'ms',
      samples: r.lastLeg.samples,
      note: `first leg p50 ${ms(r.firstLeg.p50)}, p99 ${ms(r.firstLeg.p99)}, max ${ms(r.firstLeg.max)}; legs per call p50 ${r.legsPerCall.p50} (min ${r.legsPerCall.min}, max ${r.legsPerCall.max}; volunteers on a call are not rung), ${r.legs} legs in all`,
    });
    rows.push({
      op: `${label}: inbound → last leg created p99`,
      value: r.lastLeg.p99,
      unit: 'ms',
      samples: r.lastLeg.samples,
      note: `max ${ms(r.lastLeg.max)}; from the inbound webhook's response to the fake REST API receiving the call's last leg (with the queue, later legs are volunteers freed by other calls)`,
    });
    rows.push({
      op: `${label}: inbound → first leg created p99`,
      value: r.firstLeg.p99,
      unit: 'ms',
      samples: r.firstLeg.samples,
      note: `p50 ${ms(r.firstLeg.p50)}, max ${ms(r.firstLeg.max)}; a call's first volunteer, due at the inbound webhook while anyone is free`,
      ...(peak
        ? {
            goal: {
              target: 'legs created < 500 ms after they are due at the realistic peak (first leg p99)',
              measured: `p99 ${ms(r.firstLeg.p99)}, max ${ms(r.firstLeg.max)}`,
              pass: r.firstLeg.p99 < 500,
            },
          }
        : {}),
    });
    rows.push({
      op: `${label}: volunteer phones ringing for two calls at once`,
      value: r.doubleRings.pairs,
      unit: 'pairs',
      note: `pairs of legs to one number for different calls up at the same time at the carrier (leg created at the REST API → ended there); longest overlap ${ms(r.doubleRings.maxMs)}, ${r.doubleRings.over100Ms} over 100 ms`,
      goal: {
        target: 'no volunteer ringing for two calls at once',
        measured: `${r.doubleRings.pairs} pairs, longest ${ms(r.doubleRings.maxMs)}`,
        pass: r.doubleRings.pairs === 0,
      },
    });
    rows.push({
      op: `${label}: answer race, calls with exactly one winner`,
      value: r.oneWinner,
      unit: 'calls',
      note: `of ${r.calls}; zero winners ${r.zeroWinners}, more than one ${r.manyWinners}; ${r.pressed} presses of 1, ${r.taken} told "another volunteer took this call", ${r.otherAnswers} other answers`,
      goal: {
        target: 'exactly one winner per call (none with two)',
        measured: `${r.oneWinner}/${r.calls} one winner, ${r.manyWinners} with more than one, ${r.zeroWinners} with none`,
        pass: r.manyWinners === 0 && r.oneWinner === r.calls && r.calls > 0,
      },
    });
    rows.push({
      op: `${label}: lost calls`,
      value: lost,
      unit: 'calls',
      note: `of ${r.sent} sent (${r.calls} inbound webhooks answered), a call counted once: no leg ${r.noLegs}, inbound refused ${r.inboundRefused}, flow unfinished when the ${DRAIN_SECONDS} s drain ended ${r.notEnded}, no winner ${r.zeroWinners}, legs left ringing ${r.legsLeftLive}; in the database, calls not 'completed' ${statusesRead ? `${stuck} (${JSON.stringify(statuses)})` : '(could not be read: the server was still working off its backlog)'}; voicemail redirects ${r.redirects}`,
      goal: {
        target: 'zero lost calls',
        measured: `${lost} of ${r.sent}; ${Number.isNaN(stuck) ? '?' : stuck} not completed in the database`,
        pass: lost === 0 && stuck === 0,
      },
    });
    rows.push({
      op: `${label}: non-2xx webhook answers`,
      value: r.all.errors,
      unit: '',
      note: r.all.errors
        ? `${JSON.stringify(r.errorStatuses)}: ${r.firstErrors.join(' | ')}`
        : `server log lines at warn and above: ${warnings}`,
      goal: { target: 'no errors', measured: String(r.all.errors), pass: r.all.errors === 0 },
    });
    const cpuTotal = serverCpu.reduce((a, b) => a + b, 0);
    rows.push({
      op: `${label}: server CPU per call`,
      value: (cpuTotal * 1000) / Math.max(1, r.calls),
      unit: 'ms',
      note: `${((cpuTotal * 1000) / Math.max(1, r.legs)).toFixed(2)} ms per leg; at ${RATE} calls/s the server${processes > 1 ? 's' : ''} need ${((cpuTotal * RATE) / Math.max(1, r.calls)).toFixed(2)} cores; server${processes > 1 ? 's' : ''} ${serverCpu.map((c) => `${c.toFixed(1)} s`).join(' + ')} CPU (of which in the kernel ${serverSystem.map((c) => `${c.toFixed(1)} s`).join(' + ')}), driver (carrier + fake REST API) ${r.cpuSeconds.toFixed(1)} s over the run (${r.seconds.toFixed(1)} s of sending, then the drain); ${r.restRequests} REST requests to the fake API; ${r.staleRetries} webhooks resent after a reset keep-alive connection; ${warnings} server log lines ≥ warn${
        warnings
          ? `, first: ${
              servers[0]!.out
                .split('\n')
                .find((l) => l.startsWith('{'))
                ?.slice(0, 300) ?? ''
            }`
          : ''
      }`,
    });
    // The issue's cost goals, judged at the peak on PostgreSQL (one process): every CPU second of
    // the storm and its drain over its legs, idle time included.
    const judged = peak && mode === 'postgres';
    const perLeg = (cpuTotal * 1000) / Math.max(1, r.legs);
    if (judged)
      rows.push({
        op: `${label}: server CPU per leg`,
        value: perLeg,
        unit: 'ms',
        note: `${r.legs} legs of ${r.calls} calls (${(r.legs / Math.max(1, r.calls)).toFixed(1)} per call); ${WARMUP_CALLS} warm-up calls before`,
        goal: {
          target: 'server CPU per leg < 1 ms on PostgreSQL',
          measured: `${perLeg.toFixed(2)} ms`,
          pass: perLeg < 1,
        },
      });
    const idleTotal = idleCpu.reduce((a, b) => a + b, 0);
    const idleShare = (idleTotal / IDLE_SECONDS) * stormWallSeconds;
    const netPerLeg = ((cpuTotal - idleShare) * 1000) / Math.max(1, r.legs);
    rows.push({
      op: `${label}: server CPU per leg, idle cost taken out`,
      value: netPerLeg,
      unit: 'ms',
      note: `idle: ${idleCpu.map((c) => `${((c * 1000) / IDLE_SECONDS).toFixed(1)} ms`).join(' + ')} of CPU per second with no call up (${IDLE_SECONDS} s before the storm; ${idleStatementCount} statements), ${idleShare.toFixed(2)} s over the storm and its drain (${stormWallSeconds.toFixed(1)} s) of the ${cpuTotal.toFixed(2)} s measured; ${r.legs} legs`,
    });
    rows.push({
      op: `${label}: database statements per call`,
      value: statements / Math.max(1, r.calls),
      unit: '',
      note: `${(statements / Math.max(1, r.legs)).toFixed(2)} per leg; ${statements} statements (queries, in transactions or not) from the server process${processes > 1 ? 'es' : ''} during the storm and its drain; ${hubEvents} call notices published as hub events (${(hubEvents / Math.max(1, r.legs)).toFixed(2)} per leg, each also a NOTIFY on PostgreSQL, not counted as a statement)`,
      ...(judged
        ? {
            goal: {
              target: 'statements per leg ≤ 2 on PostgreSQL',
              measured: (statements / Math.max(1, r.legs)).toFixed(2),
              pass: statements / Math.max(1, r.legs) <= 2,
            },
          }
        : {}),
    });
    if (dbBefore && dbAfter)
      rows.push({
        op: `${label}: database transactions per call`,
        value: (dbAfter.commits - dbBefore.commits) / Math.max(1, r.calls),
        unit: '',
        note: `${((dbAfter.commits - dbBefore.commits) / Math.max(1, r.legs)).toFixed(2)} per leg (pg_stat_database xact_commit: every autocommit statement counts one); rows inserted ${(dbAfter.inserted - dbBefore.inserted).toFixed(0)}, updated ${(dbAfter.updated - dbBefore.updated).toFixed(0)}`,
      });
    return rows;
  } finally {
    if (driver.connected) driver.send({ type: 'stop' });
    await stopChild(driver, 5000);
    for (const s of servers.reverse()) await stopChild(s.child);
    pg?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
}

/**
 * The highest rate of inbound calls whose inbound-webhook p99 stays < CAPACITY_P99_MS with no call
 * lost and no error: short storms (CAPACITY_SECONDS, or long enough for CAPACITY_CALLS calls; every
 * call drained before the next) at
 * rising rates on the same warm servers, then two halvings of the interval between the last rate
 * that passed and the first that failed. The answer is a rate measured, not extrapolated.
 */
async function searchCapacity(
  label: string,
  driver: ChildProcess,
  servers: ServerProc[],
  publicUrl: string,
): Promise<Row[]> {
  const tried: {
    rate: number;
    seconds: number;
    p99: number;
    all: number;
    lost: number;
    errors: string;
    cpu: number;
    load: string;
  }[] = [];
  const attempt = async (rate: number) => {
    const cpuBefore = servers.reduce((n, s) => n + cpuOf(s.child.pid!), 0);
    const seconds = Math.max(CAPACITY_SECONDS, Math.ceil(CAPACITY_CALLS / rate));
    driver.send({ type: 'storm', ...stormOptions(servers, publicUrl, rate, seconds) });
    const r = await nextMessage<StormResult>(driver, (seconds + DRAIN_SECONDS + 60) * 1000);
    const cpu = servers.reduce((n, s) => n + cpuOf(s.child.pid!), 0) - cpuBefore;
    const p99 = r.kinds.inbound?.p99 ?? Number.POSITIVE_INFINITY;
    tried.push({
      rate,
      seconds,
      p99,
      all: r.all.p99,
      lost: r.lostCalls,
      errors: r.all.errors
        ? `${r.all.errors} (${JSON.stringify(r.errorStatuses)}: ${r.firstErrors.join(' | ')})`
        : '0',
      cpu,
      load: load(),
    });
    return p99 < CAPACITY_P99_MS && r.lostCalls === 0 && r.all.errors === 0;
  };
  let passed = 0;
  let failed = Number.NaN;
  for (const rate of CAPACITY_RATES) {
    if (await attempt(rate)) passed = rate;
    else {
      failed = rate;
      break;
    }
  }
  for (let i = 0; i < 2 && !Number.isNaN(failed) && failed - passed > 1; i++) {
    const middle = Math.round((passed + failed) / 2);
    if (middle === passed || middle === failed) break;
    if (await attempt(middle)) passed = middle;
    else failed = middle;
  }
  const steps = tried
    .map(
      (t) =>
        `${t.rate}/s for ${t.seconds} s: inbound p99 ${ms(t.p99)}, all ${ms(t.all)}, lost ${t.lost}, errors ${t.errors}, server CPU ${t.cpu.toFixed(1)} s, load ${t.load}`,
    )
    .join('; ');
  return [
    {
      op: `${label}: highest rate with inbound-webhook p99 < ${CAPACITY_P99_MS} ms`,
      value: passed,
      unit: 'calls/s',
      note: `storms of ${CAPACITY_SECONDS} s or ${CAPACITY_CALLS} calls, whichever is longer, ${VOLUNTEERS} volunteers, ${servers.length} server process${servers.length > 1 ? 'es' : ''}, no call lost and no error at that rate; ${Number.isNaN(failed) ? `every rate tried passed (up to ${CAPACITY_RATES.at(-1)}/s)` : `first failing rate ${failed}/s`}. Tried: ${steps}`,
    },
  ];
}

/** Statuses of a call still under way: after a fault storm's drain, none may be left in them. */
const LIVE_STATUSES = ['queued', 'ringing', 'answered'];

interface FaultRig {
  driver: ChildProcess;
  servers: ServerProc[];
  publicUrl: string;
  pg: { restart(): Promise<void> } | null;
  readStatuses(): Promise<{ statuses: Record<string, number>; statusesRead: boolean }>;
}

/**
 * Issue 12's faults, one storm each on the same servers (50 volunteers, every call answered by
 * 2–4 of them as in the storm), each judged on: no call lost (a call without exactly one winner,
 * unfinished, or with a leg left ringing), none left queued, ringing or answered in the database
 * once drained, every call whose inbound webhook was acknowledged recorded, and no phone ringing
 * for two calls at once.
 * - burst: 200 calls in one second (BENCH_CALLS_BURST_CALLS);
 * - slow provider: every REST request to the provider answered 2 s late, 5 calls/s for 10 s; the
 *   inbound webhook must still answer at once (p99 < 100 ms on PostgreSQL, < 250 on PGlite);
 * - PostgreSQL restarted mid-storm (crash-like, `-m immediate`): 5 calls/s for 20 s, the database
 *   down at 8 s; webhooks that fail meanwhile are retried (as Twilio does with `#rc=5`);
 * - a server process killed (SIGKILL) mid-storm, with two: 5 calls/s for 20 s, the second process
 *   killed at 8 s; the carrier sends to the other one from then on, and a webhook the dead one
 *   never answered is sent again there (a load balancer's retry). The last: it leaves one process.
 */
async function runFaults(label: string, rig: FaultRig): Promise<Row[]> {
  const { driver, servers, publicUrl } = rig;
  const isPg = rig.pg !== null;
  const rows: Row[] = [];
  const live = (statuses: Record<string, number>) =>
    LIVE_STATUSES.reduce((n, status) => n + (statuses[status] ?? 0), 0);
  const recordedOf = (statuses: Record<string, number>) => Object.values(statuses).reduce((a, b) => a + b, 0);
  const scenario = async (
    name: string,
    options: { rate: number; seconds: number; apiDelayMs?: number; retries?: number; inboundLimit?: number },
    midway?: { afterMs: number; act: () => Promise<string> },
  ) => {
    const before = await rig.readStatuses();
    const loadBefore = load();
    driver.send({
      type: 'storm',
      ...stormOptions(servers, publicUrl, options.rate, options.seconds),
      apiDelayMs: options.apiDelayMs ?? 0,
      retries: options.retries ?? 0,
    });
    let happened = '';
    const fault = midway
      ? new Promise<void>((resolve) => setTimeout(resolve, midway.afterMs)).then(async () => {
          happened = await midway.act();
        })
      : Promise.resolve();
    const r = await nextMessage<StormResult>(driver, (options.seconds + DRAIN_SECONDS + 120) * 1000);
    await fault;
    // Late cancellations settle; then the hotline's own record.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await rig.readStatuses();
    const read = before.statusesRead && after.statusesRead;
    const left = read ? live(after.statuses) : Number.NaN;
    const recorded = read ? recordedOf(after.statuses) - recordedOf(before.statuses) : Number.NaN;
    const inbound = r.kinds.inbound;
    const ok = r.lostCalls === 0 && left === 0 && recorded >= r.acknowledged && r.acknowledged === r.sent;
    rows.push({
      op: `${label}: ${name}: calls lost`,
      value: r.lostCalls,
      unit: 'calls',
      samples: r.sent,
      note: `${r.sent} calls at ${options.rate}/s for ${r.seconds.toFixed(1)} s${happened ? `; ${happened}` : ''}; acknowledged ${r.acknowledged}, recorded ${recorded}; one winner ${r.oneWinner}, none ${r.zeroWinners}, two or more ${r.manyWinners}; no leg ${r.noLegs}, unfinished ${r.notEnded}, legs left ringing ${r.legsLeftLive}; in the database afterwards ${read ? JSON.stringify(after.statuses) : '(not read)'}; webhooks retried ${r.faultRetries}, failed ${r.all.errors}${r.all.errors ? ` (${JSON.stringify(r.errorStatuses)}: ${r.firstErrors.join(' | ')})` : ''}; phones ringing for two calls ${r.doubleRings.pairs} pairs (max ${ms(r.doubleRings.maxMs)}); ${r.legs} legs, ${r.restRequests} REST requests; load ${loadBefore} before, ${load()} after`,
      goal: {
        target: `${name}: no call lost, none left under way, every acknowledged call recorded`,
        measured: `lost ${r.lostCalls}, left under way ${left}, acknowledged ${r.acknowledged} of ${r.sent}, recorded ${recorded}`,
        pass: ok,
      },
    });
    // The queue's promise (queue.ts): one phone rings for one call at a time, faults or not.
    rows.push({
      op: `${label}: ${name}: phones ringing for two calls at once`,
      value: r.doubleRings.pairs,
      unit: 'pairs',
      note: `longest overlap ${ms(r.doubleRings.maxMs)}, ${r.doubleRings.over100Ms} pairs over 100 ms (at the carrier: from a leg's create request to its end)`,
      goal: {
        target: `${name}: no volunteer's phone ringing for two calls at once`,
        measured: `${r.doubleRings.pairs} pairs, longest ${ms(r.doubleRings.maxMs)}`,
        pass: r.doubleRings.pairs === 0,
      },
    });
    if (inbound)
      rows.push({
        op: `${label}: ${name}: inbound webhook p99`,
        value: inbound.p99,
        unit: 'ms',
        samples: inbound.count,
        note: `p50 ${ms(inbound.p50)}, max ${ms(inbound.max)}; ${inbound.errors} non-2xx after retries; all webhooks p99 ${ms(r.all.p99)}, max ${ms(r.all.max)}`,
        ...(options.inboundLimit
          ? {
              goal: {
                target: `${name}: inbound-webhook p99 < ${options.inboundLimit} ms`,
                measured: `p99 ${ms(inbound.p99)}`,
                pass: inbound.p99 < options.inboundLimit,
              },
            }
          : {}),
      });
  };

  // BENCH_CALLS_FAULTS: the scenarios to run (burst,slow,restart,kill; default all).
  const only = (process.env.BENCH_CALLS_FAULTS ?? 'burst,slow,restart,kill').split(',');
  const burst = Number(process.env.BENCH_CALLS_BURST_CALLS ?? 200);
  if (only.includes('burst')) await scenario(`burst of ${burst} calls in 1 s`, { rate: burst, seconds: 1 });
  if (only.includes('slow'))
    await scenario('provider API 2 s per request', {
      rate: 5,
      seconds: 10,
      apiDelayMs: 2000,
      inboundLimit: isPg ? 100 : 250,
    });
  const pg = rig.pg;
  if (pg && only.includes('restart'))
    await scenario(
      'PostgreSQL restarted mid-storm',
      { rate: 5, seconds: 20, retries: 5 },
      {
        afterMs: 8000,
        act: async () => {
          const t0 = performance.now();
          await pg.restart();
          return `PostgreSQL stopped (immediate) and up again in ${ms(performance.now() - t0)}, 8 s in`;
        },
      },
    );
  if (servers.length > 1 && only.includes('kill')) {
    const victim = servers[servers.length - 1]!;
    await scenario(
      'a server process killed mid-storm',
      { rate: 5, seconds: 20, retries: 5 },
      {
        afterMs: 8000,
        act: async () => {
          const gone = new Promise((resolve) => victim.child.once('exit', resolve));
          victim.child.kill('SIGKILL');
          await gone;
          driver.send({ type: 'origins', origins: servers.filter((s) => s !== victim).map((s) => s.origin) });
          return `process ${servers.indexOf(victim) + 1} of ${servers.length} killed (SIGKILL) 8 s in`;
        },
      },
    );
  }
  return rows;
}

export const callsCapacityPgliteSuite: Suite = {
  name: 'calls-capacity-pglite',
  run: () => measure('pglite', 'capacity'),
};
export const callsCapacityPostgresSuite: Suite = {
  name: 'calls-capacity-postgres',
  run: () => measure('postgres', 'capacity'),
};
export const callsFaultsPgliteSuite: Suite = {
  name: 'calls-faults-pglite',
  run: () => measure('pglite', 'faults'),
};
export const callsFaultsPostgresSuite: Suite = {
  name: 'calls-faults-2proc-postgres',
  run: () => measure('postgres-2', 'faults'),
};
export const callsPgliteSuite: Suite = { name: 'calls-pglite', run: () => measure('pglite') };
export const callsPostgresSuite: Suite = { name: 'calls-postgres', run: () => measure('postgres') };
export const callsPostgres2Suite: Suite = { name: 'calls-2proc-postgres', run: () => measure('postgres-2') };
export const callsPeakPgliteSuite: Suite = {
  name: 'calls-peak-pglite',
  run: () => measure('pglite', 'peak'),
};
export const callsPeakPostgresSuite: Suite = {
  name: 'calls-peak-postgres',
  run: () => measure('postgres', 'peak'),
};
