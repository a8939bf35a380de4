/**
 * With a key unlocked, the client asks once for a request key (PROTOCOL.md §5.4) with a NIP-98
 * request and signs what follows with it; requests waiting together share one ask; a refused
 * request key sends the request again signed with the key itself; locking forgets the key; a
 * server that gives no key is not asked again for a while.
 */
import {
  deriveServerRequestKeySecret,
  generateSecretKey,
  getPublicKey,
  issueRequestKey,
  toHex,
  verifyAuthHeader,
  verifyRequestKeyHeader,
} from '@llamenos/crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { request, setSigningOrigin, useKey } from '../src/lib/api/http.js';

const ORIGIN = 'http://127.0.0.1:8080';
const SECRET = deriveServerRequestKeySecret(new Uint8Array(32).fill(3), new Uint8Array(32).fill(4));
const sent: { url: string; method: string; authorization: string; body: string }[] = [];
/** What the stub server answers to a request signed with a request key. */
let keyedStatus = 200;
let giveKeys = true;

beforeEach(() => {
  sent.length = 0;
  keyedStatus = 200;
  giveKeys = true;
  setSigningOrigin(ORIGIN);
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const authorization = new Headers(init.headers).get('authorization') ?? '';
    const body = typeof init.body === 'string' ? init.body : '';
    sent.push({ url, method: init.method ?? 'GET', authorization, body });
    const json = (value: unknown, status = 200) =>
      new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
    if (url === '/api/auth/request-key') {
      if (!giveKeys) return json({ error: { code: 'not_found', message: 'no such route' } }, 404);
      const { pubkey } = verifyAuthHeader(authorization, {
        url: `${ORIGIN}${url}`,
        method: 'POST',
        body: '',
      });
      const issued = issueRequestKey(SECRET, pubkey);
      return json({
        keyId: issued.keyId,
        key: toHex(issued.key),
        expiresAt: issued.expiresAt,
        expiresIn: 600,
      });
    }
    if (authorization.startsWith('Llamenos-Key ')) {
      verifyRequestKeyHeader(
        authorization,
        { url: `${ORIGIN}${url}`, method: init.method ?? 'GET', body },
        SECRET,
      );
      return json({ ok: keyedStatus === 200 }, keyedStatus);
    }
    verifyAuthHeader(authorization, { url: `${ORIGIN}${url}`, method: init.method ?? 'GET', body });
    return json({ ok: true });
  });
});
afterEach(() => {
  useKey(null);
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const Ok = z.object({ ok: z.boolean() });
const schemes = () => sent.map((s) => `${s.method} ${s.url} ${s.authorization.split(' ')[0]}`);

describe('request keys in the client', () => {
  it('asks once for a key, with a signature, and signs what follows with it', async () => {
    const key = generateSecretKey();
    useKey(key);
    await Promise.all([
      request(Ok, 'GET', '/api/me'),
      request(Ok, 'PATCH', '/api/me', { displayName: 'A' }),
      request(Ok, 'GET', '/api/shifts'),
    ]);
    await request(Ok, 'GET', '/api/me');
    expect(schemes()).toEqual([
      'POST /api/auth/request-key Nostr',
      'GET /api/me Llamenos-Key',
      'PATCH /api/me Llamenos-Key',
      'GET /api/shifts Llamenos-Key',
      'GET /api/me Llamenos-Key',
    ]);
    expect(sent[1]?.authorization).toContain(getPublicKey(key));
  });

  it('sends a refused request again signed with the key, and asks for a new key next time', async () => {
    useKey(generateSecretKey());
    keyedStatus = 401;
    await request(Ok, 'POST', '/api/notes', { x: 1 });
    keyedStatus = 200;
    await request(Ok, 'GET', '/api/me');
    expect(schemes()).toEqual([
      'POST /api/auth/request-key Nostr',
      'POST /api/notes Llamenos-Key',
      'POST /api/notes Nostr',
      'POST /api/auth/request-key Nostr',
      'GET /api/me Llamenos-Key',
    ]);
    expect(sent[2]?.body).toBe('{"x":1}');
  });

  it('renews the key a minute before it expires, and forgets it on lock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const key = generateSecretKey();
    useKey(key);
    await request(Ok, 'GET', '/api/me');
    vi.setSystemTime(Date.now() + 539_000);
    await request(Ok, 'GET', '/api/me');
    vi.setSystemTime(Date.now() + 2_000);
    await request(Ok, 'GET', '/api/me');
    useKey(key);
    await request(Ok, 'GET', '/api/me');
    expect(schemes().filter((s) => s.includes('request-key'))).toHaveLength(3);
  });

  it('signs every request with the key when the server gives no request key, asking again after a minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    giveKeys = false;
    useKey(generateSecretKey());
    await request(Ok, 'GET', '/api/me');
    await request(Ok, 'GET', '/api/me');
    vi.setSystemTime(Date.now() + 61_000);
    giveKeys = true;
    await request(Ok, 'GET', '/api/me');
    expect(schemes()).toEqual([
      'POST /api/auth/request-key Nostr',
      'GET /api/me Nostr',
      'GET /api/me Nostr',
      'POST /api/auth/request-key Nostr',
      'GET /api/me Llamenos-Key',
    ]);
  });
});
