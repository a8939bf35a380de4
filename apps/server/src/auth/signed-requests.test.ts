/**
 * The signed request path across server processes: two contexts (two apps, each with its own
 * batch of replay-cache inserts) on one database, as two processes on one PostgreSQL (on PGlite
 * they share the one handle, as they would share the one process). A token is good once across
 * both, however the uses are timed, and what an admin changes about a member (roles, a custom
 * role's permissions, deactivation, a removed passkey) counts from the member's next request on
 * either process, though each process keeps members' standing between their requests: it is
 * read again whenever member_generation has changed, which triggers do with every such change.
 */
import { randomUUID } from 'node:crypto';
import { createAuthHeader, generateSecretKey, getPublicKey } from '@llamenos/crypto';
import { DEFAULT_SETTINGS } from '@llamenos/protocol';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, PUBLIC_URL, testConfig } from '../../test/helpers.js';
import { createContext } from '../context.js';
import type { Database } from '../db/database.js';
import { openPostgres } from '../db/postgres.js';
import { createApp } from '../http/app.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { createLogger } from '../logging.js';
import { saveSettings } from '../settings/store.js';
import { MemberStanding, standingOfTokens } from './signed-requests.js';

interface Member {
  id: string;
  secretKey: Uint8Array;
}

let ctx: ServerContext;
let first: Hono<AppEnv>;
let second: Hono<AppEnv>;
let secondDb: Database;
let drop: () => Promise<void>;
let admin: Member;

beforeAll(async () => {
  const opened = await openTestDatabase();
  drop = opened.drop;
  const config = testConfig();
  ctx = await createContext(config, createLogger('silent'), { db: opened.db });
  secondDb = opened.url ? await openPostgres(opened.url) : opened.db;
  const other = await createContext(config, createLogger('silent'), { db: secondDb });
  first = createApp(ctx);
  second = createApp(other);
  admin = await addMember(['admin']);
});
afterAll(async () => {
  if (secondDb !== ctx.db) await secondDb.close();
  await ctx.db.close();
  await drop();
});

async function addMember(roles: string[]): Promise<Member> {
  const secretKey = generateSecretKey();
  const id = randomUUID();
  await ctx.db.query(
    'insert into users (id, pubkey, display_name, roles, created_at, updated_at) values ($1, $2, $3, $4::jsonb, $5, $5)',
    [id, getPublicKey(secretKey), 'Member', JSON.stringify(roles), new Date()],
  );
  return { id, secretKey };
}

const sign = (method: string, path: string, as: Member, body = '') =>
  createAuthHeader({ url: `${PUBLIC_URL}${path}`, method, body }, as.secretKey);

async function send(app: Hono<AppEnv>, method: string, path: string, authorization: string, body?: string) {
  const headers: Record<string, string> = { authorization };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return app.request(`${PUBLIC_URL}${path}`, { method, headers, body });
}

/** A fresh token for each request, as a client sends. */
const signed = (app: Hono<AppEnv>, method: string, path: string, as: Member, body?: unknown) => {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return send(app, method, path, sign(method, path, as, text ?? ''), text);
};

describe('replay cache across processes', () => {
  it('refuses a token on the second process once the first has accepted it, and the other way round', async () => {
    const member = await addMember(['volunteer']);
    const once = sign('GET', '/api/me', member);
    expect((await send(first, 'GET', '/api/me', once)).status).toBe(200);
    const replay = await send(second, 'GET', '/api/me', once);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error.message).toMatch(/already used/);
    expect((await send(first, 'GET', '/api/me', once)).status).toBe(401);

    const other = sign('GET', '/api/me', member);
    expect((await send(second, 'GET', '/api/me', other)).status).toBe(200);
    expect((await send(first, 'GET', '/api/me', other)).status).toBe(401);
  });

  it('lets exactly one of many simultaneous uses of a token through, on one process or both', async () => {
    const member = await addMember(['volunteer']);
    for (let round = 0; round < 5; round++) {
      const token = sign('GET', '/api/me', member);
      // Interleaved with other members' fresh tokens, so the copies share batches with them.
      const uses = Array.from({ length: 8 }, (_, i) => send(i % 2 ? second : first, 'GET', '/api/me', token));
      const fresh = Array.from({ length: 8 }, (_, i) =>
        signed(i % 2 ? first : second, 'GET', '/api/me', member),
      );
      const statuses = (await Promise.all(uses)).map((r) => r.status);
      expect(
        statuses.filter((s) => s === 200),
        `round ${round}: ${statuses}`,
      ).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(7);
      expect((await Promise.all(fresh)).map((r) => r.status)).toEqual(Array(8).fill(200));
    }
  });

  it('lets one of several copies of a new token through when they wait for the same statement', async () => {
    const member = await addMember(['volunteer']);
    for (let round = 0; round < 3; round++) {
      // The first request starts a statement; the copies queue behind it and go in the next one together.
      const ahead = signed(first, 'GET', '/api/me', member);
      const token = sign('GET', '/api/me', member);
      const copies = [1, 2, 3].map(() => send(first, 'GET', '/api/me', token));
      expect((await ahead).status).toBe(200);
      const statuses = (await Promise.all(copies)).map((r) => r.status);
      expect(statuses.sort(), `round ${round}`).toEqual([200, 401, 401]);
    }
  });
});

describe("a member's standing counts from their next request, on every process", () => {
  it('a role change', async () => {
    const member = await addMember(['volunteer']);
    for (const app of [first, second])
      expect((await signed(app, 'GET', '/api/users', member)).status).toBe(403);
    const promoted = await signed(first, 'PATCH', `/api/users/${member.id}`, admin, { roles: ['admin'] });
    expect(promoted.status).toBe(200);
    for (const app of [second, first])
      expect((await signed(app, 'GET', '/api/users', member)).status).toBe(200);
    await signed(second, 'PATCH', `/api/users/${member.id}`, admin, { roles: ['volunteer'] });
    for (const app of [first, second])
      expect((await signed(app, 'GET', '/api/users', member)).status).toBe(403);
  });

  it("a custom role's permissions", async () => {
    const created = await signed(first, 'POST', '/api/roles', admin, {
      name: `Readers ${randomUUID().slice(0, 8)}`,
      description: '',
      permissions: ['users:read'],
    });
    expect(created.status).toBe(201);
    const role = (await created.json()) as { id: string };
    const member = await addMember(['volunteer', role.id]);
    for (const app of [first, second])
      expect((await signed(app, 'GET', '/api/users', member)).status).toBe(200);
    const edited = await signed(second, 'PATCH', `/api/roles/${role.id}`, admin, {
      permissions: ['shifts:read'],
    });
    expect(edited.status).toBe(200);
    for (const app of [first, second])
      expect((await signed(app, 'GET', '/api/users', member)).status).toBe(403);
  });

  it('a deactivation (the key is no longer a member) and a reactivation', async () => {
    const member = await addMember(['volunteer']);
    for (const app of [first, second]) expect((await signed(app, 'GET', '/api/me', member)).status).toBe(200);
    expect((await signed(second, 'POST', `/api/users/${member.id}/deactivate`, admin)).status).toBe(200);
    // Signed by a key that is no longer a member's: not authenticated as anyone.
    for (const app of [first, second]) expect((await signed(app, 'GET', '/api/me', member)).status).toBe(401);
    expect((await signed(first, 'POST', `/api/users/${member.id}/reactivate`, admin)).status).toBe(200);
    for (const app of [first, second]) expect((await signed(app, 'GET', '/api/me', member)).status).toBe(200);
  });

  it('the passkey policy switched on, for a member without a passkey', async () => {
    const member = await addMember(['volunteer']);
    const setPolicy = async (requirePasskeys: boolean) => {
      const [row] = await ctx.db.query<{ version: number }>(
        'select version from hotline_settings where id = 1',
      );
      const settings = { ...DEFAULT_SETTINGS, security: { ...DEFAULT_SETTINGS.security, requirePasskeys } };
      expect(
        await saveSettings(ctx.db, settings, Number(row?.version ?? 0), null, new Date()),
      ).not.toBeNull();
    };
    for (const app of [first, second])
      expect((await signed(app, 'GET', '/api/auth/sessions', member)).status).toBe(200);
    await setPolicy(true);
    try {
      for (const app of [first, second])
        expect((await signed(app, 'GET', '/api/auth/sessions', member)).status).toBe(403);
    } finally {
      await setPolicy(false);
    }
    for (const app of [first, second])
      expect((await signed(app, 'GET', '/api/auth/sessions', member)).status).toBe(200);
  });
});

describe('kept standing', () => {
  const token = (member: Member) => ({
    eventId: randomUUID().replaceAll('-', '').padEnd(64, '0'),
    pubkey: getPublicKey(member.secretKey),
    rememberUntil: new Date(Date.now() + 60_000),
  });
  const rolesOf = async (standing: MemberStanding, member: Member) => {
    const t = token(member);
    return (await standingOfTokens(ctx.db, [t], standing)).get(t.eventId)!.user?.roles;
  };

  it('is kept while member_generation is unchanged, and read again once it changes', async () => {
    const member = await addMember(['volunteer']);
    const standing = new MemberStanding();
    expect(await rolesOf(standing, member)).toEqual(['volunteer']);
    // Behind the trigger's back (a test only): a kept standing does not see the new roles...
    await ctx.db.exec('alter table users disable trigger users_standing_changed');
    try {
      await ctx.db.query(`update users set roles = '["admin"]'::jsonb where id = $1`, [member.id]);
    } finally {
      await ctx.db.exec('alter table users enable trigger users_standing_changed');
    }
    expect(await rolesOf(standing, member)).toEqual(['volunteer']);
    expect(await rolesOf(new MemberStanding(), member)).toEqual(['admin']);
    // ...and any change that moves the generation (here another member's) makes it read again.
    await addMember(['volunteer']);
    expect(await rolesOf(standing, member)).toEqual(['admin']);
  });

  it('sees a change written straight to the table, on both processes, with no event announced', async () => {
    const member = await addMember(['volunteer']);
    for (const app of [first, second])
      expect((await signed(app, 'GET', '/api/users', member)).status).toBe(403);
    await ctx.db.query(`update users set roles = '["volunteer", "admin"]'::jsonb where id = $1`, [member.id]);
    for (const app of [first, second])
      expect((await signed(app, 'GET', '/api/users', member)).status).toBe(200);
    await ctx.db.query('update users set active = false where id = $1', [member.id]);
    for (const app of [second, first]) expect((await signed(app, 'GET', '/api/me', member)).status).toBe(401);
  });

  it('sees a passkey added and removed under the passkey policy, on both processes', async () => {
    const member = await addMember(['volunteer']);
    const [row] = await ctx.db.query<{ version: number }>(
      'select version from hotline_settings where id = 1',
    );
    const policy = (requirePasskeys: boolean, version: number) =>
      saveSettings(
        ctx.db,
        { ...DEFAULT_SETTINGS, security: { ...DEFAULT_SETTINGS.security, requirePasskeys } },
        version,
        null,
        new Date(),
      );
    expect(await policy(true, Number(row?.version ?? 0))).not.toBeNull();
    try {
      for (const app of [first, second])
        expect((await signed(app, 'GET', '/api/auth/sessions', member)).status).toBe(403);
      const passkey = randomUUID();
      await ctx.db.query(
        `insert into passkeys (id, user_id, public_key, label, created_at) values ($1, $2, 'x', 'Key', $3)`,
        [passkey, member.id, new Date()],
      );
      for (const app of [second, first])
        expect((await signed(app, 'GET', '/api/auth/sessions', member)).status).toBe(200);
      await ctx.db.query('delete from passkeys where id = $1', [passkey]);
      for (const app of [first, second])
        expect((await signed(app, 'GET', '/api/auth/sessions', member)).status).toBe(403);
    } finally {
      const [now] = await ctx.db.query<{ version: number }>(
        'select version from hotline_settings where id = 1',
      );
      expect(await policy(false, Number(now?.version ?? 0))).not.toBeNull();
    }
  });
});
