/**
 * The exports (notes, one conversation) come as JSON lines, read by the typed client's
 * requestJsonLines: signed with the key the export is opened with, every line checked against
 * its schema, a refusal mapped to ApiRequestError like any other request.
 */
import { generateSecretKey, getPublicKey, verifyAuthHeader } from '@llamenos/crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ApiRequestError, requestJsonLines, setSigningOrigin, useKey } from '../src/lib/api/http.js';

let answer: Response;
const sent: { url: string; accept: string | null; authorization: string | null }[] = [];

beforeEach(() => {
  sent.length = 0;
  setSigningOrigin('http://127.0.0.1:8080');
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    sent.push({ url, accept: headers.get('accept'), authorization: headers.get('authorization') });
    return answer;
  });
});
afterEach(() => {
  useKey(null);
  vi.unstubAllGlobals();
});

const Line = z.discriminatedUnion('type', [
  z.object({ type: z.literal('item'), n: z.number() }),
  z.object({ type: z.literal('end'), count: z.number() }),
]);

describe('requestJsonLines', () => {
  it('reads every line, skipping blank ones, signed with the given key even while locked', async () => {
    answer = new Response('{"type":"item","n":1}\n\n{"type":"item","n":2}\n{"type":"end","count":2}\n');
    useKey(null);
    const key = generateSecretKey();
    const lines = await requestJsonLines(Line, '/api/notes/export', { signWith: key });
    expect(lines).toEqual([
      { type: 'item', n: 1 },
      { type: 'item', n: 2 },
      { type: 'end', count: 2 },
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe('/api/notes/export');
    expect(sent[0]?.accept).toBe('application/x-ndjson');
    const signed = verifyAuthHeader(sent[0]?.authorization ?? '', {
      url: 'http://127.0.0.1:8080/api/notes/export',
      method: 'GET',
      body: '',
    });
    expect(signed.pubkey).toBe(getPublicKey(key));
  });

  it('refuses an answer with a line it does not understand', async () => {
    answer = new Response('{"type":"item","n":1}\nnot json\n');
    const read = requestJsonLines(Line, '/api/notes/export', { signWith: generateSecretKey() });
    await expect(read).rejects.toMatchObject({ code: 'invalid_response' });
    await expect(read).rejects.toThrow(/line 2/);
  });

  it("maps a refusal to the server's error code", async () => {
    answer = new Response(JSON.stringify({ error: { code: 'forbidden', message: 'no' } }), { status: 403 });
    const read = requestJsonLines(Line, '/api/notes/export', { signWith: generateSecretKey() });
    await expect(read).rejects.toBeInstanceOf(ApiRequestError);
    await expect(read).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});
