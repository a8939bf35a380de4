/**
 * CPU per inbound text, one process, for profiling (issue 10): the messaging bench's set-up
 * (bench/messaging.ts: Twilio SMS channel, 5 admins, 8 volunteers on shift, 6 wraps a message),
 * then BENCH_PROF_MESSAGES (1000) signed webhooks, BENCH_PROF_CONCURRENCY (8) at a time, after
 * BENCH_PROF_WARM_UP (200) to warm up. The CPU counted is this process's, from the first request until the work each
 * webhook leaves behind (hub events) has finished; the driver's share (building and signing a
 * form) is measured alone and reported apart; on PostgreSQL its backends' CPU is reported too. The WASM signer is loaded as startRealtime does in
 * a running server (BENCH_PROF_SIGNER=pure: without it). Run:
 *   node --conditions=llamenos-source --import tsx bench/prof/server-messaging.ts [pglite|postgres]
 * (add --cpu-prof --cpu-prof-dir=/tmp/prof for a profile).
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../apps/server/src/db/database.js';
import { openPglite } from '../../apps/server/src/db/pglite.js';
import { openPostgres } from '../../apps/server/src/db/postgres.js';
import { initVerifier } from '../../apps/server/src/realtime/verify.js';
import { form, INBOUND, mainThreadCpuSeconds, PUBLIC_URL, setUp } from '../messaging.js';

const MESSAGES = Number(process.env.BENCH_PROF_MESSAGES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_PROF_CONCURRENCY ?? 8);
// 200 by default (as before): the measured messages then include 200 first contacts (of 400),
// 20 % on the first-contact path. BENCH_PROF_WARM_UP=400 warms every contact's conversation, so
// every measured message is a text in a held conversation (the steady state of a running line).
const WARM_UP = Number(process.env.BENCH_PROF_WARM_UP ?? 200);
const kind = process.argv[2] ?? 'pglite';
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

// BENCH_PROF_SIGNER=pure keeps the pure JavaScript signer (a server before startRealtime).
console.log(`signer: ${process.env.BENCH_PROF_SIGNER === 'pure' ? 'pure' : await initVerifier()}`);
let stopPostgres = () => {};
let db: Database;
if (kind === 'postgres') {
  const { findPostgresBin, startPostgres } = await import('../../scripts/postgres.mjs');
  if (!findPostgresBin()) throw new Error('no PostgreSQL binaries');
  const pg = (await startPostgres()) as { url: string; stop(): void };
  stopPostgres = () => pg.stop();
  db = await openPostgres(pg.url);
} else db = await openPglite();

/** Counts the statements the server sends (a transaction adds its begin and commit). */
const statements = new Map<string, number>();
// Keyed by the SQL text as sent, shortened only when printed: a replace per statement here was a
// fifth of what a text allocated in the heap profile (BENCH_PROF_HEAPPROFILE).
const count = (text: string) => {
  statements.set(text, (statements.get(text) ?? 0) + 1);
};
const counted = <Q extends Pick<Database, 'query'>>(q: Q): Q => ({
  ...q,
  query: (text: string, params?: readonly unknown[]) => {
    count(text);
    return q.query(text, params);
  },
});
const inner = db;
db = {
  ...counted(inner),
  transaction: (fn) => {
    count('begin … commit');
    return inner.transaction((tx) => fn(counted(tx)));
  },
} as Database;

/**
 * PostgreSQL's own CPU (its backends serving this database, from /proc; Linux only, 0 elsewhere):
 * a statement moved into the database is not free, so the database's share is reported too.
 */
async function databaseCpuMs(): Promise<number> {
  if (kind !== 'postgres') return 0;
  const { readFile } = await import('node:fs/promises');
  const pids = await inner.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database()',
  );
  const ticks = await Promise.all(
    pids.map(async ({ pid }) => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime + stime, in clock ticks
    }),
  );
  return (ticks.reduce((a, b) => a + b, 0) * 1000) / 100; // USER_HZ is 100 on Linux
}

/**
 * CPU seconds of every thread of this process by task id (Linux; empty elsewhere): where the CPU
 * that is not the server's thread goes (the sealing threads, V8's GC helpers, libuv's pool).
 */
async function threadCpuSeconds(): Promise<Map<string, number>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const tasks = await readdir('/proc/self/task').catch(() => [] as string[]);
  const cpu = new Map<string, number>();
  for (const task of tasks) {
    const stat = await readFile(`/proc/self/task/${task}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    cpu.set(task, (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100);
  }
  return cpu;
}

type Session = import('node:inspector/promises').Session;

/**
 * A V8 inspector capture of the measured messages, written as JSON to the file named by the
 * environment variable `envVar` (none when it is unset): `begin` starts it on a connected
 * session, `end` stops it and answers the profile.
 */
async function inspectorCapture(
  envVar: string,
  begin: (session: Session) => Promise<unknown>,
  end: (session: Session) => Promise<{ profile: unknown }>,
): Promise<{ stop(): Promise<void> } | null> {
  const file = process.env[envVar];
  if (!file) return null;
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await begin(session);
  return {
    async stop() {
      const { profile } = await end(session);
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/**
 * BENCH_PROF_CPUPROFILE=<file>: a V8 CPU profile of the server's thread over the measured
 * messages only (node --cpu-prof also profiles the start-up and the warm-up); summarise it with
 * bench/prof/cpuprofile-summary.ts.
 */
const startMainThreadProfile = () =>
  inspectorCapture(
    'BENCH_PROF_CPUPROFILE',
    async (session) => {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    },
    (session) => session.post('Profiler.stop'),
  );

/**
 * BENCH_PROF_HEAPPROFILE=<file>: a V8 sampling heap profile of the measured messages that keeps
 * the objects the GC collected (every allocation, not only what survives): what each text
 * allocates, by function, which is what the scavenges and their promotions cost (issue 10: GC
 * pauses among the slow seconds). Sum it by function with
 * `node -e` over `head` (selfSize per callFrame).
 */
const startHeapProfile = () =>
  inspectorCapture(
    'BENCH_PROF_HEAPPROFILE',
    async (session) => {
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    (session) => session.post('HeapProfiler.stopSampling'),
  );

const hotline = await setUp(db);
console.log(
  hotline.warmUp
    ? `warm-up at start (conversations/warm-up.ts): ${hotline.warmUp.cpuMs.toFixed(0)} ms CPU, every thread`
    : 'no warm-up at start (BENCH_MESSAGING_WARM_UP=0)',
);
const contacts = Array.from({ length: 400 }, (_, i) => `+1555${String(3_000_000 + i).padStart(7, '0')}`);
// BENCH_PROF_FIRST=1: every measured message is a contact's first text, in a warm process: the
// warm-up texts come from other contacts, whose conversations are closed after the warm-up so
// that the measured first contacts find the bench's 8 x 50 free places (the 400 of the storm),
// and each is assigned as in the bench's storm. (A capacity above the settings' maximum of 50,
// as this did before, is repaired to the default of 3 when read: every measured first contact
// then waited unassigned, a different path.)
const FIRST = process.env.BENCH_PROF_FIRST === '1';
const warmContacts = Array.from({ length: 400 }, (_, i) => `+1555${String(4_000_000 + i).padStart(7, '0')}`);
// BENCH_PROF_REPLY=1: the first-contact reply of the default settings is sent (the bench turns
// it off, as it turns off every automatic reply): its sealing, storing and send to the provider
// are work each first contact leaves behind, on the server's thread, counted here until done
// (the fake Messages API answering the sends runs in this process too: its share is counted).
if (process.env.BENCH_PROF_REPLY === '1') {
  const { loadSettingsRow, saveSettings } = await import('../../apps/server/src/settings/store.js');
  const { forgetSettings } = await import('../../apps/server/src/settings/cache.js');
  const { DEFAULT_SETTINGS } = await import('@llamenos/protocol');
  const { value, version } = await loadSettingsRow(db);
  const settings = value as typeof DEFAULT_SETTINGS;
  settings.messaging.firstContactReply = DEFAULT_SETTINGS.messaging.firstContactReply;
  await saveSettings(db, settings, version, null, new Date());
  forgetSettings(hotline.ctx);
}
let counter = 0;
let warming = true;
const next = () => {
  const n = counter++;
  const from = FIRST && warming ? warmContacts[n % warmContacts.length]! : contacts[n % contacts.length]!;
  return form(`SM${randomBytes(16).toString('hex')}`, from, `bench message ${n}`);
};
async function deliver(count: number): Promise<void> {
  let left = count;
  const worker = async () => {
    while (left-- > 0) {
      const { body, signature } = next();
      const res = await hotline.app.request(`${PUBLIC_URL}${INBOUND}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body,
      });
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`webhook answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  while (hotline.ctx.backgroundWork.size) await Promise.allSettled([...hotline.ctx.backgroundWork]);
}

try {
  await deliver(WARM_UP);
  warming = false;
  if (FIRST)
    await inner.query(
      `update conversations set status = 'closed', closed_at = now() where status <> 'closed'`,
    );
  const driver0 = process.cpuUsage();
  for (let i = 0; i < MESSAGES; i++) next();
  // The measured messages start again at the first contact (BENCH_PROF_FIRST: each one's first text).
  if (FIRST) counter = 0;
  const driverMs = cpuMs(process.cpuUsage(driver0)) / MESSAGES;
  statements.clear();
  const db0 = await databaseCpuMs();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  const threads0 = await threadCpuSeconds();
  const profiler = await startMainThreadProfile();
  const heapProfiler = await startHeapProfile();
  const t0 = performance.now();
  // BENCH_PROF_CHUNK=<n>: the measured messages in chunks of n, each chunk's CPU per message (all
  // threads / the server's thread) printed: how a cold process's cost falls as it warms up.
  const CHUNK = Number(process.env.BENCH_PROF_CHUNK ?? 0) || MESSAGES;
  const chunks: string[] = [];
  for (let done = 0; done < MESSAGES; done += CHUNK) {
    const n = Math.min(CHUNK, MESSAGES - done);
    const c0 = process.cpuUsage();
    const m0 = mainThreadCpuSeconds();
    await deliver(n);
    const m1 = mainThreadCpuSeconds();
    const main = m0 === null || m1 === null ? Number.NaN : ((m1 - m0) * 1000) / n;
    chunks.push(
      `${done + 1}-${done + n}: ${(cpuMs(process.cpuUsage(c0)) / n).toFixed(2)} / ${main.toFixed(2)}`,
    );
  }
  await profiler?.stop();
  await heapProfiler?.stop();
  const wall = (performance.now() - t0) / 1000;
  const total = cpuMs(process.cpuUsage(cpu0)) / MESSAGES;
  // The server thread's share (the sealing threads' CPU is in `total`), its driver's part included.
  const main1 = mainThreadCpuSeconds();
  const mainMs = main0 === null || main1 === null ? Number.NaN : ((main1 - main0) * 1000) / MESSAGES;
  const database = ((await databaseCpuMs()) - db0) / MESSAGES;
  const threads1 = await threadCpuSeconds();
  console.log(
    `${kind}: ${MESSAGES} messages in ${wall.toFixed(1)} s; CPU per message ${total.toFixed(2)} ms ` +
      `(driver ${driverMs.toFixed(2)} ms, server ${(total - driverMs).toFixed(2)} ms)` +
      (kind === 'postgres' ? `; PostgreSQL's backends ${database.toFixed(2)} ms` : '') +
      `; the server's thread ${mainMs.toFixed(2)} ms a message (${hotline.sealWorkers} sealing thread(s) besides)`,
  );
  const byThread = [...threads1]
    .map(([task, s]) => [task, ((s - (threads0.get(task) ?? 0)) * 1000) / MESSAGES] as const)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  console.log(
    `CPU per message by thread: ${byThread.map(([task, ms]) => `${task === String(process.pid) ? 'server' : task} ${ms.toFixed(2)} ms`).join(', ')}`,
  );
  if (CHUNK < MESSAGES)
    console.log(`CPU per message by chunk, all threads / the server's thread (ms): ${chunks.join('; ')}`);
  const shortened = new Map<string, number>();
  for (const [text, n] of statements) {
    const key = text.replace(/\s+/g, ' ').slice(0, 90);
    shortened.set(key, (shortened.get(key) ?? 0) + n);
  }
  const perMessage = [...shortened].sort((a, b) => b[1] - a[1]);
  const sum = perMessage.reduce((n, [, c]) => n + c, 0) / MESSAGES;
  console.log(`statements per message: ${sum.toFixed(2)} (a transaction counts once)`);
  if (process.env.BENCH_PROF_STATEMENTS)
    for (const [text, n] of perMessage) console.log(`${(n / MESSAGES).toFixed(2).padStart(6)}  ${text}`);
} finally {
  await hotline.close();
  stopPostgres();
}
