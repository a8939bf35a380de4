/**
 * One server process of the call storm (bench/calls.ts): what `llamenos serve` does (config from
 * the environment, startServer, SIGTERM closes it), plus two things a benchmark needs and the
 * CLI has no switch for:
 * - the 'simulator' provider's REST requests go to the fake Twilio API that the storm driver
 *   runs in its own process (BENCH_FAKE_API), through the context builder's telephony overrides, so
 *   that every server process talks to one carrier, as they would to a real one;
 * - with BENCH_SEED_VOLUNTEERS=N, N volunteers with a phone number and call preference "phone"
 *   are written to the database first (as the router tests' harness does): inviting them
 *   through the API is limited to 10 redemptions per address per 5 minutes. Their ids are
 *   printed on one line, `bench-volunteers <json>`.
 * Run with `node --conditions=llamenos-source --import tsx bench/calls-server.ts`.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSecretKey, getPublicKey } from '@llamenos/crypto';
import { loadConfig } from '../apps/server/src/config.js';
import { sealPhone } from '../apps/server/src/identity/phone.js';
import { createLogger } from '../apps/server/src/logging.js';
import { startServer } from '../apps/server/src/server.js';

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL);
const fakeApi = process.env.BENCH_FAKE_API;
if (!fakeApi) throw new Error('BENCH_FAKE_API is not set');
const server = await startServer(config, log, { telephony: { simulator: { apiBaseUrl: fakeApi } } });
const ctx = server.ctx;

// Database statements issued by this process (SIGUSR2 prints `bench-statements <n>`): a count
// that does not depend on how busy the machine is, to compare changes to the router by.
let statements = 0;
// BENCH_CALLS_STATEMENT_LOG=<dir>: each SIGUSR2 also writes the count per statement (its first
// words, whitespace folded) there, to see which webhook's statements a change removed.
const statementLog = process.env.BENCH_CALLS_STATEMENT_LOG;
if (statementLog) mkdirSync(statementLog, { recursive: true });
const byStatement = new Map<string, number>();
let snapshots = 0;
const counting = <T extends object>(target: T): T =>
  new Proxy(target, {
    get(object, prop, receiver) {
      const value = Reflect.get(object, prop, receiver);
      if (prop === 'query')
        return (...args: unknown[]) => {
          statements++;
          if (statementLog) {
            const shape = String(args[0]).replace(/\s+/g, ' ').trim().slice(0, 110);
            byStatement.set(shape, (byStatement.get(shape) ?? 0) + 1);
          }
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      if (prop === 'transaction')
        return (fn: (tx: object) => unknown) =>
          (value as (f: (tx: object) => unknown) => unknown).call(object, (tx: object) => fn(counting(tx)));
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
(ctx as { db: typeof ctx.db }).db = counting(ctx.db);
// Call notices this process published as hub events (each sealed, signed and sent to the other
// processes through a NOTIFY), printed with the statements: a per-leg count like theirs.
let hubEvents = 0;
ctx.events.on('call:announced', () => {
  hubEvents++;
});
process.on('SIGUSR2', () => {
  if (statementLog)
    writeFileSync(
      path.join(statementLog, `statements-${process.pid}-${snapshots++}.json`),
      JSON.stringify(Object.fromEntries(byStatement), null, 1),
    );
  // The monotonic clock (µs) V8's CPU profiles are stamped with: the summary cuts a profile to
  // the storm's window by it (bench/prof/cpuprofile-summary.ts).
  process.stdout.write(
    `bench-statements ${statements} at ${process.hrtime.bigint() / 1000n} hub-events ${hubEvents}\n`,
  );
});

const seed = Number(process.env.BENCH_SEED_VOLUNTEERS ?? 0);
if (seed > 0) {
  const ids: string[] = [];
  for (let i = 0; i < seed; i++) {
    const id = randomUUID();
    const phone = sealPhone(ctx.keys.settingsKey, 'users', id, `+1555017${String(i).padStart(4, '0')}`);
    await ctx.db.query(
      `insert into users (id, pubkey, display_name, roles, phone_enc, phone_last4, call_preference, created_at, updated_at)
       values ($1, $2, $3, '["volunteer"]'::jsonb, $4, $5, 'phone', now(), now())`,
      [id, getPublicKey(generateSecretKey()), `Volunteer ${i + 1}`, phone.phoneEnc, phone.phoneLast4],
    );
    ids.push(id);
  }
  process.stdout.write(`bench-volunteers ${JSON.stringify(ids)}\n`);
}

process.stdout.write(`Llamenos is running at ${config.PUBLIC_URL} (database: ${ctx.db.kind})\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
