import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createAuthHeader, generateSecretKey, getPublicKey } from '@llamenos/crypto';
import { DEFAULT_SETTINGS, type HotlineSettings } from '@llamenos/protocol';
import { settleCallWork } from '../src/calls/index.js';
import type { ContextOverrides } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import type { ServerContext } from '../src/http/context.js';
import { sealPhone } from '../src/identity/phone.js';
import { createLogger } from '../src/logging.js';
import { type RunningServer, startServer } from '../src/server.js';
import { forgetSettings } from '../src/settings/cache.js';
import { loadSettingsRow, saveSettings } from '../src/settings/store.js';
import type { SimPhone, SimulatedCarrier } from '../src/simulator/carrier.js';
import { simulatedCarrier, simulatorNumbers } from '../src/simulator/index.js';
import { putOnShift } from './conversations-helpers.js';
import {
  openTestDatabase,
  removeTestBlobDir,
  steadyLoad,
  type TestHotline,
  type TestUser,
  testConfig,
} from './helpers.js';
import { freePort } from './realtime-helpers.js';

/**
 * A real listening server for call-router tests: PGlite (or LLAMENOS_TEST_DATABASE_URL), the
 * simulated carrier wired to it over loopback HTTP, every log line captured (the leak check
 * reads them), and helpers to put volunteers on shift and change settings.
 */
export interface CallServer {
  server: RunningServer;
  ctx: ServerContext;
  db: Database;
  url: string;
  carrier: SimulatedCarrier;
  hotline: string;
  logs: string[];
  serverSecret: string;
  addUser(
    roles: string[],
    options?: { phone?: string; preference?: 'phone' | 'browser' | 'both'; name?: string },
  ): Promise<TestUser>;
  putOnShift(userIds: string[]): Promise<void>;
  setSettings(change: (s: HotlineSettings) => HotlineSettings): Promise<void>;
  request(method: string, path: string, options?: { as?: TestUser; body?: unknown }): Promise<Response>;
  /** Waits until the server's background call work and the carrier are both idle. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A database whose close() is a no-op, so a "restarted" server can reopen the same one. */
export function keepOpen(db: Database): Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'close') return async () => {};
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export async function startCallServer(
  options: {
    db?: Database;
    serverSecret?: string;
    drop?: () => Promise<void>;
    /** Real adapters pointed at a fake provider API, or a shorter time limit. */
    telephony?: ContextOverrides['telephony'];
    /** A load signal of the test's own (calls/admission.ts). */
    load?: ContextOverrides['load'];
  } = {},
): Promise<CallServer> {
  const own = options.db ? null : await openTestDatabase();
  const db = options.db ?? own!.db;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const serverSecret = options.serverSecret ?? randomBytes(32).toString('hex');
  const config = testConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    SERVER_SECRET: serverSecret,
    LOG_LEVEL: 'debug',
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  // Tests fire the call timers themselves (tickCallTimers with their own clock).
  const server = await startServer(config, createLogger('debug', sink), {
    db,
    telephony: options.telephony,
    load: options.load ?? steadyLoad(),
    callTimersPaused: true,
  });
  const ctx = server.ctx;
  const carrier = await simulatedCarrier(ctx);
  const [hotline] = await simulatorNumbers(ctx);
  let shiftId: string | null = null;

  const harness: CallServer = {
    server,
    ctx,
    db,
    url,
    carrier,
    hotline: hotline!,
    logs,
    serverSecret,
    async addUser(roles, o = {}) {
      const secretKey = generateSecretKey();
      const pubkey = getPublicKey(secretKey);
      const id = randomUUID();
      const phone = o.phone ? sealPhone(ctx.keys.settingsKey, 'users', id, o.phone) : null;
      await db.query(
        `insert into users (id, pubkey, display_name, roles, phone_enc, phone_last4, call_preference, created_at, updated_at)
         values ($1, $2, $3, $4::jsonb, $5, $6, $7, now(), now())`,
        [
          id,
          pubkey,
          o.name ?? 'Volunteer',
          JSON.stringify(roles),
          phone?.phoneEnc ?? null,
          phone?.phoneLast4 ?? null,
          o.preference ?? 'phone',
        ],
      );
      return { id, pubkey, secretKey, roles };
    },
    async putOnShift(userIds) {
      // One all-day shift (UTC, the default zone) for today's weekday covers "now".
      if (!shiftId) {
        shiftId = randomUUID();
        const weekday = (new Date().getUTCDay() + 6) % 7;
        await db.query(
          `insert into shifts (id, name, weekday, start_time, duration_minutes, active, created_at, updated_at)
           values ($1, 'All day', $2, '00:00', 1440, true, now(), now())`,
          [shiftId, weekday],
        );
      }
      for (const userId of userIds)
        await db.query(
          'insert into shift_assignments (shift_id, user_id) values ($1, $2) on conflict do nothing',
          [shiftId, userId],
        );
    },
    async setSettings(change) {
      const { value, version } = await loadSettingsRow(db);
      const next = change(structuredClone({ ...DEFAULT_SETTINGS, ...(value as object) }) as HotlineSettings);
      const saved = await saveSettings(db, next, version, null, new Date());
      if (saved === null) throw new Error('settings version race in a test');
      forgetSettings(ctx); // written behind the service's back: the kept copy is stale
    },
    async request(method, path, o = {}) {
      const body = o.body === undefined ? undefined : JSON.stringify(o.body);
      const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
      if (o.as)
        headers.authorization = createAuthHeader(
          { url: `${url}${path}`, method, body: body ?? '' },
          o.as.secretKey,
        );
      return fetch(`${url}${path}`, { method, headers, body });
    },
    async settle() {
      for (let i = 0; i < 20; i++) {
        await carrier.idle();
        await settleCallWork(ctx);
        await new Promise((r) => setTimeout(r, 10));
        await carrier.idle();
        await settleCallWork(ctx);
      }
    },
    async close() {
      await server.close();
      await removeTestBlobDir(ctx.config);
      await own?.drop();
      await options.drop?.();
    },
  };
  return harness;
}

/** Polls `check` until it returns a truthy value (or fails after `timeoutMs`). */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fake caller number in E.164 form, different for every test. */
export const fakeCaller = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

/** Every step of the provider-neutral call webhook router (/api/telephony/<provider>/<step>). */
export const CALL_WEBHOOK_STEPS = [
  'inbound',
  'status',
  'language',
  'captcha',
  'wait',
  'leg-status',
  'screen',
  'answer',
  'voicemail',
  'voicemail-done',
  'recording',
  'join',
] as const;

/**
 * Volunteers who take calls on these phone numbers, on one all-day shift: an inbound call to an
 * in-process hotline rings one leg per number at the provider.
 */
export async function phoneVolunteersOnShift(h: TestHotline, phones: string[]): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (const phone of phones) {
    const user = await h.addUser(['volunteer']);
    const sealed = sealPhone(h.ctx.keys.settingsKey, 'users', user.id, phone);
    await h.ctx.db.query(
      `update users set phone_enc = $2, phone_last4 = $3, call_preference = 'phone' where id = $1`,
      [user.id, sealed.phoneEnc, sealed.phoneLast4],
    );
    users.push(user);
  }
  await putOnShift(
    h,
    users.map((u) => u.id),
  );
  return users;
}

/**
 * How many rows of each kind a call webhook can leave behind: a refused (forged, replayed)
 * webhook must leave these counts as they were.
 */
export async function webhookFootprint(db: Database) {
  const count = async (table: string) =>
    Number((await db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n);
  return {
    calls: await count('calls'),
    legs: await count('call_legs'),
    receipts: await count('webhook_receipts'),
    voicemails: await count('voicemails'),
    audit: await count('audit_log'),
    rateLimits: await count('rate_limits'),
  };
}

/** A test SDP (audio only) whose origin line carries `tag`, so each offer and answer is told apart. */
export const testSdp = (tag: string) =>
  `v=0\r\no=- ${tag} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n`;

/** A caller rings the hotline on the simulated carrier: their phone and the call's row id, once the call work settled. */
export async function callerRings(s: CallServer): Promise<{ caller: SimPhone; callId: string }> {
  const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
  await s.settle();
  const [call] = await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
    caller.sid,
  ]);
  return { caller, callId: call!.id };
}

/**
 * A caller rings the hotline and `volunteer` (on shift, answering in the browser) answers; with
 * `callerSdp` the caller's page has offered browser audio first, without it the call has none.
 */
export async function browserAnsweredCall(
  s: CallServer,
  volunteer: TestUser,
  callerSdp?: string,
): Promise<{ caller: SimPhone; callId: string }> {
  const { caller, callId } = await callerRings(s);
  if (callerSdp) s.carrier.audio.setOffer(caller.sid, callerSdp);
  const answered = await s.request('POST', `/api/calls/${callId}/answer`, { as: volunteer });
  if (answered.status !== 200) throw new Error(`answering the call: ${answered.status}`);
  await s.settle();
  return { caller, callId };
}

/** A request to the simulator's own API (/api/simulator…): unsigned JSON, as its loopback-only page sends. */
export const simulatorRequest = (s: CallServer, method: string, path: string, body?: unknown) =>
  fetch(`${s.url}/api/simulator${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
