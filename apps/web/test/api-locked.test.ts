/**
 * While the app is locked (no key, no passkey session) nothing but the server's public routes is
 * requested: a read still mounted as the screen turns to Unlock fails here, unsent, instead of
 * going out unsigned. Signed and session requests go out as before.
 */
import { generateSecretKey } from '@llamenos/crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ApiRequestError, request, setSigningOrigin, useKey, useSession } from '../src/lib/api/http.js';

const sent: { url: string; authorization: string | null }[] = [];

beforeEach(() => {
  sent.length = 0;
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    sent.push({ url, authorization: new Headers(init.headers).get('authorization') });
    return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  });
});
afterEach(() => {
  useKey(null);
  useSession(null);
  vi.unstubAllGlobals();
});

const Any = z.unknown();

describe('requests while locked', () => {
  it('refuses a member route without sending it', async () => {
    useKey(null);
    const refused = request(Any, 'GET', '/api/reports/counts');
    await expect(refused).rejects.toBeInstanceOf(ApiRequestError);
    await expect(refused).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(sent).toEqual([]);
  });

  it('still sends the public routes, unsigned', async () => {
    for (const path of ['/api/config', '/api/version', '/api/invites/status', '/api/auth/login/options'])
      await request(Any, path === '/api/config' || path === '/api/version' ? 'GET' : 'POST', path, undefined);
    expect(sent.map((s) => s.url)).toEqual([
      '/api/config',
      '/api/version',
      '/api/invites/status',
      '/api/auth/login/options',
    ]);
    expect(sent.every((s) => s.authorization === null)).toBe(true);
  });

  it('signs with the key, or sends the session token, once there is one', async () => {
    setSigningOrigin('http://127.0.0.1:8080');
    useKey(generateSecretKey());
    await request(Any, 'GET', '/api/reports/counts');
    useKey(null);
    useSession('token-1');
    await request(Any, 'GET', '/api/reports/counts');
    // The key first asks for a request key (api-request-key.test.ts); this stub gives none, so
    // the request goes signed with the key itself.
    expect(sent.map((s) => [s.url, s.authorization?.split(' ')[0]])).toEqual([
      ['/api/auth/request-key', 'Nostr'],
      ['/api/reports/counts', 'Nostr'],
      ['/api/reports/counts', 'Bearer'],
    ]);
  });
});
