import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';

describe('HTTP foundation', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());

  it('answers liveness and readiness', async () => {
    expect((await h.request('GET', '/api/health')).status).toBe(200);
    const ready = await h.request('GET', '/api/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });

  it('sets strict security headers', async () => {
    const res = await h.request('GET', '/api/health');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('gives unknown routes the one error shape', async () => {
    const res = await h.request('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('refuses a bad signature, a replay and an unknown scheme with 401', async () => {
    const user = await h.addUser(['volunteer']);
    const first = await h.request('GET', '/api/health', { as: user });
    expect(first.status).toBe(200);
    const header = first.headers.get('x-none');
    expect(header).toBeNull();
    const res = await h.request('GET', '/api/health', { headers: { authorization: 'Nostr bm90LWpzb24=' } });
    expect(res.status).toBe(401);
    expect((await h.request('GET', '/api/health', { headers: { authorization: 'Basic abc' } })).status).toBe(
      401,
    );
  });

  it('refuses a replayed token', async () => {
    const user = await h.addUser(['volunteer']);
    const { createAuthHeader } = await import('@llamenos/crypto');
    const authorization = createAuthHeader(
      { url: 'http://127.0.0.1:3000/api/health', method: 'GET' },
      user.secretKey,
    );
    expect((await h.request('GET', '/api/health', { headers: { authorization } })).status).toBe(200);
    const replay = await h.request('GET', '/api/health', { headers: { authorization } });
    expect(replay.status).toBe(401);
    expect((await replay.json()).error.message).toMatch(/already used/);
  });
});
