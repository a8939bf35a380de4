import type { HotlineSettings } from '@llamenos/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestHotline } from '../../../test/helpers.js';
import { holdMusicClip } from './clip.js';
import { HOLD_MUSIC_PATH, holdMusicUrl } from './routes.js';

const h = await createTestHotline();
afterAll(() => h.close());

const { wav, etag } = await holdMusicClip();

describe('GET /api/telephony/hold-music.wav', () => {
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

describe("the admin's own hold music (settings calls.holdMusicUrl)", () => {
  const calls = async (admin: Awaited<ReturnType<typeof h.addUser>>) => {
    const res = await h.request('GET', '/api/settings', { as: admin });
    expect(res.status).toBe(200);
    return (await res.json()) as { settings: HotlineSettings; version: number };
  };
  const patchCalls = (admin: Awaited<ReturnType<typeof h.addUser>>, value: unknown, version: number) =>
    h.request('PATCH', '/api/settings/calls', { as: admin, body: { value, version } });

  it('is saved when it is an https address, and cleared by leaving it out', async () => {
    const admin = await h.addUser(['admin']);
    const { settings, version } = await calls(admin);
    const own = 'https://media.example.org/music/hold.mp3?v=2';
    const saved = await patchCalls(admin, { ...settings.calls, holdMusicUrl: own }, version);
    expect(saved.status).toBe(200);
    expect((await calls(admin)).settings.calls.holdMusicUrl).toBe(own);
    const { version: next } = await calls(admin);
    const { holdMusicUrl: _, ...without } = settings.calls;
    expect((await patchCalls(admin, without, next)).status).toBe(200);
    expect((await calls(admin)).settings.calls.holdMusicUrl).toBeUndefined();
  });

  it.each([
    'http://media.example.org/hold.mp3',
    'https://user:secret@media.example.org/hold.mp3',
    'ftp://media.example.org/hold.mp3',
    'media.example.org/hold.mp3',
    'https://media.example.org/a b.mp3',
    'https://media.example.org/"><Hangup/>.mp3',
    `https://media.example.org/${'a'.repeat(2100)}.mp3`,
  ])('refuses %s with a 400 that says why, and keeps what was stored', async (bad) => {
    const admin = await h.addUser(['admin']);
    const before = await calls(admin);
    const res = await patchCalls(admin, { ...before.settings.calls, holdMusicUrl: bad }, before.version);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/calls\.holdMusicUrl/);
    expect(await calls(admin)).toEqual(before);
  });
});
