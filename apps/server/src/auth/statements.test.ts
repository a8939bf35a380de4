/**
 * What a member's most frequent requests cost the database, pinned: a signed or session
 * GET /api/me is one statement (the replay-cache insert or session check, the member's standing
 * when this process does not keep it, and the profile, together), a signed PATCH /api/me three
 * (that statement, then the update and the audit append in one transaction); signed GETs the
 * signature worker answers together are one statement between them. A change that adds
 * a round trip to every request fails here. What the statements answer is checked too: a profile
 * changed by another process is seen on the next request, a revoked session is refused.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { createAuthHeader, generateSecretKey, getPublicKey } from '@llamenos/crypto';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  openTestDatabase,
  PUBLIC_URL,
  removeTestBlobDir,
  steadyLoad,
  testConfig,
} from '../../test/helpers.js';
import { recordingStatements } from '../../test/statement-log.js';
import { createContext } from '../context.js';
import type { Database } from '../db/database.js';
import { createApp } from '../http/app.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { createLogger } from '../logging.js';
import { createSession, revokeSession } from './sessions.js';

let ctx: ServerContext;
let app: Hono<AppEnv>;
let db: Database;
let drop: () => Promise<void>;
let statements: string[] = [];
const secretKey = generateSecretKey();
const pubkey = getPublicKey(secretKey);
const userId = randomUUID();

beforeAll(async () => {
  ({ db, drop } = await openTestDatabase());
  ctx = await createContext(testConfig(), createLogger('silent'), {
    load: steadyLoad(),
    db: recordingStatements(db, (line) => statements.push(line)),
  });
  app = createApp(ctx);
  await db.query(
    `insert into users (id, pubkey, display_name, roles, created_at, updated_at)
     values ($1, $2, 'Counted', '["volunteer"]'::jsonb, now(), now())`,
    [userId, pubkey],
  );
});
afterAll(async () => {
  await db?.close();
  await drop?.();
  if (ctx) await removeTestBlobDir(ctx.config);
});

async function send(
  method: string,
  authorization: (body: string) => string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown>; statements: string[] }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  statements = [];
  const response = await app.request(`${PUBLIC_URL}/api/me`, {
    method,
    headers: { authorization: authorization(text), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: text } : {}),
  });
  const seen = statements;
  statements = [];
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
    statements: seen,
  };
}

const signed = (method: string) => (body: string) =>
  createAuthHeader({ url: `${PUBLIC_URL}/api/me`, method, body }, secretKey, Math.floor(Date.now() / 1000));

describe('statements per request', () => {
  it('a signed GET /api/me is one statement, first time and kept', async () => {
    for (let i = 0; i < 3; i++) {
      const { status, json, statements } = await send('GET', signed('GET'));
      expect(status).toBe(200);
      expect(json).toMatchObject({ id: userId, displayName: 'Counted', permissions: expect.any(Array) });
      expect(statements, `request ${i}`).toHaveLength(1);
    }
  });

  it('signed GETs the worker thread checks in one message share one statement', async () => {
    // Signed beforehand (a signature takes milliseconds here), sent together: the worker answers
    // them a message at a time, and each answer's requests go to the database as one statement,
    // not as one request's statement and one for the rest.
    const headers = Array.from({ length: 24 }, () => signed('GET')(''));
    expect(await ctx.signatures.start()).toBe(true);
    const posted = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      statements = [];
      const responses = await Promise.all(
        headers.map((authorization) => app.request(`${PUBLIC_URL}/api/me`, { headers: { authorization } })),
      );
      expect(responses.map((r) => r.status)).toEqual(headers.map(() => 200));
      expect(posted.mock.calls.length).toBeGreaterThan(0);
      expect(statements.length).toBeLessThanOrEqual(posted.mock.calls.length);
    } finally {
      posted.mockRestore();
      await ctx.signatures.stop();
    }
  });

  it('a signed PATCH /api/me is two statements: the standing, then the update with its audit append', async () => {
    // The first append reads the chain head; from then on this process keeps it, and the edit
    // and its entry are one statement outside any transaction (identity/users.ts).
    await send('PATCH', signed('PATCH'), { displayName: 'Warm-up' });
    const { status, json, statements } = await send('PATCH', signed('PATCH'), { displayName: 'Patched' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ displayName: 'Patched' });
    expect(statements.filter((s) => s.startsWith('db: '))).toHaveLength(2);
    expect(statements.filter((s) => s.startsWith('tx: '))).toHaveLength(0);
  });

  it("reads the profile fresh: another process's change shows on the next GET", async () => {
    await db.query(`update users set display_name = 'Changed elsewhere', on_break = true where id = $1`, [
      userId,
    ]);
    const { json, statements } = await send('GET', signed('GET'));
    expect(json).toMatchObject({ displayName: 'Changed elsewhere', onBreak: true });
    expect(statements).toHaveLength(1);
  });

  it('a session GET /api/me is one statement too, and a revoked session is refused', async () => {
    const { token, session } = await createSession(db, { id: userId, pubkey }, new Date());
    const bearer = () => `Bearer ${token}`;
    for (let i = 0; i < 2; i++) {
      const { status, json, statements } = await send('GET', bearer);
      expect(status).toBe(200);
      expect(json).toMatchObject({ id: userId, displayName: 'Changed elsewhere' });
      expect(statements, `request ${i}`).toHaveLength(1);
    }
    await revokeSession(db, session.id, new Date());
    const refused = await send('GET', bearer);
    expect(refused.status).toBe(401);
  });

  it("a session's kept member follows a role change made elsewhere (member_generation)", async () => {
    const { token } = await createSession(db, { id: userId, pubkey }, new Date());
    const bearer = () => `Bearer ${token}`;
    expect((await send('GET', bearer)).json).toMatchObject({ roles: ['volunteer'] });
    await db.query(`update users set roles = '["admin"]'::jsonb where id = $1`, [userId]);
    try {
      const { json, statements } = await send('GET', bearer);
      expect(json).toMatchObject({ roles: ['admin'], permissions: ['*'] });
      expect(statements).toHaveLength(1);
    } finally {
      await db.query(`update users set roles = '["volunteer"]'::jsonb where id = $1`, [userId]);
    }
  });

  it('a session of a deactivated member is refused, in one statement', async () => {
    const { token } = await createSession(db, { id: userId, pubkey }, new Date());
    await db.query('update users set active = false where id = $1', [userId]);
    try {
      const refused = await send('GET', () => `Bearer ${token}`);
      expect(refused.status).toBe(401);
      expect(JSON.stringify(refused.json)).toMatch(/no longer active/);
      expect(refused.statements).toHaveLength(1);
    } finally {
      await db.query('update users set active = true where id = $1', [userId]);
    }
  });
});
