import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { closeLoopbackServer, listenOnLoopback } from '../telephony/loopback-server.js';
import { createApp, declaredLength } from './app.js';

/**
 * The body cap under /api over a real socket, as @hono/node-server serves it: a declared
 * Content-Length is decided on the header (the body then read straight from the socket), a
 * chunked body is counted as it streams. Both refuse above the limit with 413 before anyone
 * reads the body; under it the body arrives whole.
 */
describe('request body limit (real socket)', () => {
  let h: TestHotline;
  let origin: string;
  let server: Awaited<ReturnType<typeof listenOnLoopback>>['server'] | null = null;
  beforeAll(async () => {
    h = await createTestHotline();
    ({ server, origin } = await listenOnLoopback(createApp(h.ctx).fetch));
  });
  afterAll(async () => {
    await closeLoopbackServer(server);
    await h.close();
  });

  /** POSTs `body` as JSON, with its Content-Length or (chunked) without one. */
  const post = (path: string, body: string, chunked: boolean) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${origin}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      });
      req.once('error', reject);
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      if (chunked) {
        // Two writes: node sends a chunked body when no length was set.
        const half = Math.floor(body.length / 2);
        req.write(body.slice(0, half));
        req.end(body.slice(half));
      } else req.end(body);
    });

  const oversized = () => JSON.stringify({ token: 'x'.repeat(h.ctx.config.BODY_LIMIT_BYTES) });

  it('refuses a declared length above the limit with 413, before the route', async () => {
    const res = await post('/api/bootstrap', oversized(), false);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('refuses a chunked body above the limit with 413 as it streams', async () => {
    const res = await post('/api/bootstrap', oversized(), true);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('reads a body under the limit whole, either way: malformed JSON is a 400, a well-formed one reaches the route', async () => {
    for (const chunked of [false, true]) {
      const malformed = await post('/api/bootstrap', '{"token": ', chunked);
      expect(malformed.status).toBe(400);
      expect(JSON.parse(malformed.body)).toMatchObject({ error: { code: 'bad_request' } });
      // The route's own verdict on a token it does not know (validated, refused, not a 413 or 500).
      const wrong = await post('/api/bootstrap', JSON.stringify({ token: 'a'.repeat(43) }), chunked);
      expect(wrong.status).toBeGreaterThanOrEqual(400);
      expect(wrong.status).toBeLessThan(500);
      expect(wrong.status).not.toBe(413);
      expect(JSON.parse(wrong.body).error.code).not.toBe('bad_request');
    }
  });
});

describe('declaredLength', () => {
  it('takes a plain Content-Length, nothing else', () => {
    expect(declaredLength('0', undefined)).toBe(0);
    expect(declaredLength('1024', undefined)).toBe(1024);
    expect(declaredLength(undefined, undefined)).toBeNull();
    expect(declaredLength('12', 'chunked')).toBeNull();
    expect(declaredLength(undefined, 'chunked')).toBeNull();
    expect(declaredLength('-1', undefined)).toBeNull();
    expect(declaredLength('1e3', undefined)).toBeNull();
    expect(declaredLength('12, 12', undefined)).toBeNull();
    expect(declaredLength('9'.repeat(16), undefined)).toBeNull();
  });
});
