/**
 * Request keys at the server (PROTOCOL.md §5.4): a member's NIP-98 request obtains one; requests
 * under it are the member's, each once; only a signature obtains a key; a key is worth nothing
 * after its expiry, after its member is deactivated, or on a hotline with another secret.
 */
import { createRequestKeyHeader, deriveServerRequestKeySecret, fromHex } from '@llamenos/crypto';
import { RequestKeyResponse } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from '../../test/helpers.js';
import { createApp } from '../http/app.js';
import { loadRequestKeySecret, resetRequestKeySeed } from './request-key-seed.js';
import { createSession } from './sessions.js';

let h: TestHotline;
let admin: TestUser;
let member: TestUser;

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin'], 'Admin');
  member = await h.addUser(['volunteer'], 'Volunteer');
});
afterAll(async () => {
  h.setNow(new Date());
  await h?.close();
});

const seconds = () => Math.floor(h.ctx.now().getTime() / 1000);

async function obtainKey(user: TestUser) {
  const res = await h.request('POST', '/api/auth/request-key', { as: user });
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const answer = RequestKeyResponse.parse(await res.json());
  return { ...answer, key: fromHex(answer.key, 32) };
}

/** A request under a request key, with the header it went out with. */
async function keyed(
  key: { keyId: string; key: Uint8Array },
  method: string,
  path: string,
  body?: unknown,
  app = h.app,
): Promise<{ res: Response; authorization: string }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const authorization = createRequestKeyHeader(
    { url: `${PUBLIC_URL}${path}`, method, body: text },
    key,
    seconds(),
  );
  const headers: Record<string, string> = { authorization };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await app.request(`${PUBLIC_URL}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : text,
  });
  return { res, authorization };
}

describe('request keys', () => {
  it('are issued to a member for ten minutes, naming their key', async () => {
    const key = await obtainKey(member);
    expect(key.keyId.startsWith(`${member.pubkey}.`)).toBe(true);
    expect(key.expiresIn).toBe(600);
    expect(key.expiresAt).toBe(seconds() + 600);
  });

  it('sign a member’s reads and writes, each request once', async () => {
    const key = await obtainKey(member);
    const me = await keyed(key, 'GET', '/api/me');
    expect(me.res.status).toBe(200);
    expect(((await me.res.json()) as { pubkey: string }).pubkey).toBe(member.pubkey);
    const edit = await keyed(key, 'PATCH', '/api/me', { displayName: 'Renamed by key' });
    expect(edit.res.status).toBe(200);
    const again = await h.app.request(`${PUBLIC_URL}/api/me`, {
      headers: { authorization: me.authorization },
    });
    expect(again.status).toBe(401);
    expect(JSON.stringify(await again.json())).toMatch(/already made once/);
    // Permissions are the member's own: a volunteer's key does not list users.
    expect((await keyed(key, 'GET', '/api/users')).res.status).toBe(403);
  });

  it('bind the body: the same header over another body is refused', async () => {
    const key = await obtainKey(member);
    const authorization = createRequestKeyHeader(
      { url: `${PUBLIC_URL}/api/me`, method: 'PATCH', body: JSON.stringify({ displayName: 'A' }) },
      key,
      seconds(),
    );
    const res = await h.app.request(`${PUBLIC_URL}/api/me`, {
      method: 'PATCH',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'B' }),
    });
    expect(res.status).toBe(401);
    expect(JSON.stringify(await res.json())).toMatch(/request key refused: request key MAC is invalid/);
  });

  it('are obtained only with a signature: not with a key, not with a session, not by a stranger', async () => {
    const key = await obtainKey(member);
    const renewed = await keyed(key, 'POST', '/api/auth/request-key');
    expect(renewed.res.status).toBe(403);
    const { token } = await createSession(h.ctx.db, { id: member.id, pubkey: member.pubkey }, h.ctx.now());
    const bySession = await h.app.request(`${PUBLIC_URL}/api/auth/request-key`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bySession.status).toBe(403);
    const { generateSecretKey } = await import('@llamenos/crypto');
    expect((await h.request('POST', '/api/auth/request-key', { as: generateSecretKey() })).status).toBe(401);
  });

  it('are refused after they expire, and under another server secret or another seed', async () => {
    const key = await obtainKey(member);
    const withSecret = async (requestKeySecret: Uint8Array) =>
      (
        await keyed(
          key,
          'GET',
          '/api/me',
          undefined,
          createApp({ ...h.ctx, keys: { ...h.ctx.keys, requestKeySecret } }),
        )
      ).res.status;
    // The same database's seed with another server secret; the same secret with another seed.
    expect(await withSecret(await loadRequestKeySecret(h.ctx.db, new Uint8Array(32).fill(9)))).toBe(401);
    expect(
      await withSecret(deriveServerRequestKeySecret(h.ctx.config.serverSecret, new Uint8Array(32))),
    ).toBe(401);
    // …and the same two as this process: a sibling process accepts the key.
    expect(await withSecret(await loadRequestKeySecret(h.ctx.db, h.ctx.config.serverSecret))).toBe(200);
    // `llamenos request-keys reset`: a process started after it refuses the key.
    await resetRequestKeySeed(h.ctx.db);
    expect(await withSecret(await loadRequestKeySecret(h.ctx.db, h.ctx.config.serverSecret))).toBe(401);
    // This process keeps the key it derives (middleware.ts): kept or not, expiry is checked.
    expect((await keyed(key, 'GET', '/api/me')).res.status).toBe(200);
    h.setNow(new Date((key.expiresAt + 1) * 1000));
    try {
      const late = await keyed(key, 'GET', '/api/me');
      expect(late.res.status).toBe(401);
      expect(JSON.stringify(await late.res.json())).toMatch(/expired/);
    } finally {
      h.setNow(new Date());
    }
  });

  it('stop working the moment their member is deactivated', async () => {
    const leaving = await h.addUser(['volunteer'], 'Leaving');
    const key = await obtainKey(leaving);
    expect((await keyed(key, 'GET', '/api/me')).res.status).toBe(200);
    expect((await h.request('POST', `/api/users/${leaving.id}/deactivate`, { as: admin })).status).toBe(200);
    const after = await keyed(key, 'GET', '/api/me');
    expect(after.res.status).toBe(401);
    expect(JSON.stringify(await after.res.json())).toMatch(/no longer active/);
  });

  it('refuse a malformed credential with a clear message', async () => {
    const res = await h.app.request(`${PUBLIC_URL}/api/me`, {
      headers: { authorization: 'Llamenos-Key nope' },
    });
    expect(res.status).toBe(401);
    expect(JSON.stringify(await res.json())).toMatch(/credential must be/);
  });
});
