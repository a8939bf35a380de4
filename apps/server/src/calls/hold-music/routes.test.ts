import { afterAll, describe, expect, it } from 'vitest';
import { createTestHotline } from '../../../test/helpers.js';
import { holdMusicClip } from './clip.js';
import { HOLD_MUSIC_PATH, holdMusicUrl } from './routes.js';

const h = await createTestHotline();
afterAll(() => h.close());

describe('GET /api/telephony/hold-music.wav', () => {
  const { wav, etag } = holdMusicClip();

  it('serves the clip to anyone, unsigned, with its type, length and cache validators', async () => {
    const res = await h.request('GET', HOLD_MUSIC_PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-length')).toBe(String(wav.length));
    expect(res.headers.get('etag')).toBe(etag);
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(Buffer.from(await res.arrayBuffer()).equals(wav)).toBe(true);
  });

  it('answers HEAD with the same headers and no body', async () => {
    const res = await h.request('HEAD', HOLD_MUSIC_PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-length')).toBe(String(wav.length));
    expect(res.headers.get('etag')).toBe(etag);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers a revalidation with the current ETag with 304 and no body', async () => {
    const res = await h.request('GET', HOLD_MUSIC_PATH, { headers: { 'if-none-match': `"old", ${etag}` } });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe(etag);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    const stale = await h.request('GET', HOLD_MUSIC_PATH, { headers: { 'if-none-match': '"old"' } });
    expect(stale.status).toBe(200);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('has no %s: it is read-only', async (method) => {
    const res = await h.request(method, HOLD_MUSIC_PATH, { body: {} });
    expect(res.status).toBe(404);
  });

  it('is addressed on PUBLIC_URL, where the providers reach the hotline', () => {
    expect(holdMusicUrl(h.ctx)).toBe(`${h.ctx.config.PUBLIC_URL}/api/telephony/hold-music.wav`);
  });
});
