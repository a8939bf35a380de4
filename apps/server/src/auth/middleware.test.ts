/**
 * The server binds a NIP-98 token to the request target exactly as it arrived on the request
 * line (PROTOCOL.md §5): no dot-segment resolution, an empty "?" is another URL, and the event
 * must have the strict shape. Dot segments only survive over real HTTP (a Request object
 * resolves them), so those cases go through a listening socket.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { createAuthHeader, HTTP_AUTH_KIND, signEvent, toBase64, toHex, utf8 } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from '../../test/helpers.js';

let h: TestHotline;
let member: TestUser;
let server: ServerType;
let port: number;
const now = () => Math.floor(h.ctx.now().getTime() / 1000);
const token = (url: string, method = 'GET') =>
  createAuthHeader({ url: `${PUBLIC_URL}${url}`, method, body: '' }, member.secretKey, now());

beforeAll(async () => {
  h = await createTestHotline();
  member = await h.addUser(['admin'], 'Strict binding');
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h?.close();
});

/** A GET token built by hand, so that it can hold what createAuthHeader refuses to make. */
function handSigned(target: string, content = '', extra: Record<string, unknown> = {}): string {
  const event = signEvent(
    {
      kind: HTTP_AUTH_KIND,
      created_at: now(),
      content,
      tags: [
        ['u', `${PUBLIC_URL}${target}`],
        ['method', 'GET'],
        ['payload', createHash('sha256').digest('hex')],
        ['nonce', toHex(crypto.getRandomValues(new Uint8Array(16)))],
      ],
    },
    member.secretKey,
  );
  return `Nostr ${toBase64(utf8(JSON.stringify({ ...event, ...extra })))}`;
}

/** GET over a socket with `target` written verbatim on the request line. */
function rawGet(target: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, headers: { authorization } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('NIP-98 binding at the server', () => {
  it('accepts the exact request target over real HTTP', async () => {
    expect(await rawGet('/api/me', token('/api/me'))).toBe(200);
    expect(await rawGet('/api/users?active=true', token('/api/users?active=true'))).toBe(200);
  });

  it('an empty "?" is another URL, both ways', async () => {
    expect(await rawGet('/api/me?', token('/api/me'))).toBe(401);
    expect(await rawGet('/api/me', token('/api/me?'))).toBe(401);
    expect(await rawGet('/api/me?', token('/api/me?'))).toBe(200);
    const viaRequest = await h.app.request(`${PUBLIC_URL}/api/me?`, {
      headers: { authorization: token('/api/me') },
    });
    expect(viaRequest.status).toBe(401);
  });

  it('a token for /api/me does not pass for a dot-segment spelling of it', async () => {
    for (const target of ['/api/./me', '/api/x/../me', '/api/%2e/me'])
      expect(await rawGet(target, token('/api/me')), target).toBe(401);
  });

  it('a token signed for a dot-segment URL is refused even on that URL', async () => {
    expect(() => token('/api/./me')).toThrow(/dot segments/);
    expect(await rawGet('/api/./me', handSigned('/api/./me'))).toBe(401);
  });

  it('refuses an absolute-form request target, which the URL parser would normalise', async () => {
    expect(await rawGet(`http://127.0.0.1:${port}/api/me`, token('/api/me'))).toBe(401);
  });

  it('refuses a correctly signed token with content or extra keys', async () => {
    expect(await rawGet('/api/me', handSigned('/api/me'))).toBe(200);
    expect(await rawGet('/api/me', handSigned('/api/me', 'hello'))).toBe(401);
    expect(await rawGet('/api/me', handSigned('/api/me', '', { relay: 'x' }))).toBe(401);
  });
});
