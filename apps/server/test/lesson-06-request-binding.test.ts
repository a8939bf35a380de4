import { readFileSync } from 'node:fs';
import { createAuthHeader } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from './helpers.js';
import { serverSourceFiles, srcPath } from './server-sources.js';

/**
 * Lesson 6: request auth binds method, path, query, a hash of the body, a timestamp and a nonce,
 * and a replay cache refuses reuse; there is no unbound fallback form. The crypto package tests
 * verifyAuthHeader alone (packages/crypto/test/bad-input.test.ts); this file checks that the
 * server really feeds it what it received: a token made for one request is refused on any other.
 * Passkey sessions (Authorization: Bearer lls_…) are a separate mechanism (a revocable bearer
 * token, tests in src/auth/sessions.test.ts), not a form of the request signature.
 */

let h: TestHotline;
let member: TestUser;
const now = () => Math.floor(h.ctx.now().getTime() / 1000);

/** Sends `request` with a token made for `signed` (defaults: the same request). */
async function send(
  request: { method: string; path: string; body?: string; headers?: Record<string, string> },
  signed: { method?: string; url?: string; body?: string; at?: number } = {},
): Promise<Response> {
  const authorization = createAuthHeader(
    {
      url: signed.url ?? `${PUBLIC_URL}${request.path}`,
      method: signed.method ?? request.method,
      body: signed.body ?? request.body ?? '',
    },
    member.secretKey,
    signed.at ?? now(),
  );
  return h.app.request(`${PUBLIC_URL}${request.path}`, {
    method: request.method,
    headers: {
      authorization,
      ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...request.headers,
    },
    body: request.body,
  });
}

beforeAll(async () => {
  h = await createTestHotline();
  member = await h.addUser(['admin'], 'Lesson six');
});
afterAll(() => h?.close());

describe('lesson 6: the server binds every signed request to what it received', () => {
  it('accepts the request the token was made for', async () => {
    expect((await send({ method: 'GET', path: '/api/me' })).status).toBe(200);
    expect((await send({ method: 'GET', path: '/api/users?active=true' })).status).toBe(200);
  });

  it('refuses a token made for another path', async () => {
    const res = await send({ method: 'GET', path: '/api/me' }, { url: `${PUBLIC_URL}/api/users` });
    expect(res.status).toBe(401);
  });

  it('refuses a token made for another query, or for no query', async () => {
    expect(
      (
        await send(
          { method: 'GET', path: '/api/users?active=true' },
          { url: `${PUBLIC_URL}/api/users?active=false` },
        )
      ).status,
    ).toBe(401);
    expect(
      (await send({ method: 'GET', path: '/api/users?active=true' }, { url: `${PUBLIC_URL}/api/users` }))
        .status,
    ).toBe(401);
    expect(
      (await send({ method: 'GET', path: '/api/users' }, { url: `${PUBLIC_URL}/api/users?active=true` }))
        .status,
    ).toBe(401);
  });

  it('refuses a token made for another method', async () => {
    expect((await send({ method: 'GET', path: '/api/me' }, { method: 'DELETE' })).status).toBe(401);
    expect(
      (await send({ method: 'PATCH', path: '/api/me', body: '{"displayName":"A"}' }, { method: 'PUT' }))
        .status,
    ).toBe(401);
  });

  it('refuses a token made for another body, and a body added to a bodiless token', async () => {
    const res = await send(
      { method: 'PATCH', path: '/api/me', body: '{"displayName":"Mallory"}' },
      { body: '{"displayName":"Alice"}' },
    );
    expect(res.status).toBe(401);
    const empty = await send(
      { method: 'PATCH', path: '/api/me', body: '{"displayName":"Mallory"}' },
      { body: '' },
    );
    expect(empty.status).toBe(401);
  });

  it('rebuilds the URL from PUBLIC_URL: a token for the Host header the client sent is refused', async () => {
    const res = await send(
      {
        method: 'GET',
        path: '/api/me',
        headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
      },
      { url: 'http://evil.example/api/me' },
    );
    expect(res.status).toBe(401);
    // The same request signed for PUBLIC_URL passes whatever Host says.
    const ok = await send({ method: 'GET', path: '/api/me', headers: { host: 'evil.example' } });
    expect(ok.status).toBe(200);
  });

  it('refuses a token older or newer than the window', async () => {
    // 62, not 61: the server reads its clock a moment after this one, and when a second boundary
    // falls between the two, a token 61 s ahead is exactly 60 s ahead of it, inside the window.
    expect((await send({ method: 'GET', path: '/api/me' }, { at: now() - 62 })).status).toBe(401);
    expect((await send({ method: 'GET', path: '/api/me' }, { at: now() + 62 })).status).toBe(401);
  });

  it('refuses the second use of a token, even on a public route', async () => {
    const authorization = createAuthHeader(
      { url: `${PUBLIC_URL}/api/me`, method: 'GET', body: '' },
      member.secretKey,
      now(),
    );
    const first = await h.app.request(`${PUBLIC_URL}/api/me`, { headers: { authorization } });
    expect(first.status).toBe(200);
    const again = await h.app.request(`${PUBLIC_URL}/api/me`, { headers: { authorization } });
    expect(again.status).toBe(401);
    expect(JSON.stringify(await again.json())).toMatch(/already used/);
  });

  it('has no unbound form: schemes other than Nostr and Bearer, and credentials in the query, are refused or ignored', async () => {
    for (const authorization of ['Basic YTpi', `Schnorr ${member.pubkey}`, 'Nostr', 'Nostr e30=']) {
      const res = await h.app.request(`${PUBLIC_URL}/api/me`, { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
    }
    // A key named in the query or a custom header is not a credential.
    for (const query of [`?pubkey=${member.pubkey}`, `?npub=${member.pubkey}`, '?token=x', '?auth=x']) {
      const res = await h.app.request(`${PUBLIC_URL}/api/me${query}`, {
        headers: { 'x-pubkey': member.pubkey },
      });
      expect(res.status, query).toBe(401);
    }
  });
});

describe('lesson 6: one place decides who is calling', () => {
  it('only the auth middleware calls verifyAuthHeader or reads the Authorization header of an API request', () => {
    const readers: string[] = [];
    for (const file of serverSourceFiles()) {
      const text = readFileSync(file, 'utf8');
      const rel = srcPath(file);
      // The local fakes of the providers' REST APIs check the credentials we send them.
      if (/(^|\/)fake-[a-z-]+\.ts$/.test(rel)) continue;
      if (/verifyAuthHeader\(/.test(text) || /header\(\s*['"]authorization['"]\s*\)/i.test(text))
        readers.push(rel);
    }
    // The middleware (NIP-98 and sessions). Provider webhooks read their own signature headers
    // through the adapters (src/telephony), which never grant a user identity.
    expect(readers.sort()).toEqual(['auth/middleware.ts']);
  });
});
