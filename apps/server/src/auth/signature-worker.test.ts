/**
 * Signed requests checked on the signature worker thread: the same verdicts as on the main thread
 * (good tokens pass, a flipped bit of the signature or id or a respelled id is refused, a replay
 * is refused), answers matched to their requests when many go over in one message, and requests
 * the thread still holds when it stops are checked on the main thread rather than lost. A serving
 * process starts the thread when signed traffic comes and stops it when it has gone.
 */

import { Worker } from 'node:worker_threads';
import { createAuthHeader, type NostrEvent, parseAuthHeader, toBase64, utf8 } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from '../../test/helpers.js';
import type { SignatureChecks } from './signature-worker.js';

let h: TestHotline;
let member: TestUser;
/** The hotline's own signature checks (its context's field), which its requests go through. */
let checks: SignatureChecks;

beforeAll(async () => {
  h = await createTestHotline();
  checks = h.ctx.signatures;
  expect(await checks.start()).toBe(true);
  member = await h.addUser(['volunteer'], 'Worker checked');
});
afterAll(async () => {
  await checks?.stop();
  await h?.close();
});

const flip = (hex: string, at: number) =>
  hex.slice(0, at) + (Number.parseInt(hex[at]!, 16) ^ 1).toString(16) + hex.slice(at + 1);
const token = (i: number) =>
  createAuthHeader(
    { url: `${PUBLIC_URL}/api/me`, method: 'GET' },
    member.secretKey,
    Math.floor(h.ctx.now().getTime() / 1000) - (i % 3),
  );
const asHeader = (event: NostrEvent) => `Nostr ${toBase64(utf8(JSON.stringify(event)))}`;
const get = (authorization: string) => h.app.request(`${PUBLIC_URL}/api/me`, { headers: { authorization } });

describe('signatures checked on the worker thread', () => {
  it('answers with a promise, and the verdict of the main thread', async () => {
    const event = parseAuthHeader(token(0));
    const answer = checks.verify(event);
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(true);
    expect(await checks.verify({ ...event, sig: flip(event.sig, 5) })).toBe(false);
    expect(await checks.verify({ ...event, id: event.id.toUpperCase() })).toBe(false);
  });

  it('accepts a signed request once and refuses its replay', async () => {
    const header = token(0);
    expect((await get(header)).status).toBe(200);
    const replay = await get(header);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error.message).toMatch(/already used/);
  });

  it('matches each verdict to its request when many arrive together', async () => {
    // Every third token is forged (a bit of its signature or id flipped): exactly those are refused.
    const headers = Array.from({ length: 90 }, (_, i) => {
      const header = token(i);
      if (i % 3 !== 1) return { header, good: true };
      const event = parseAuthHeader(header);
      const forged =
        i % 2 ? { ...event, sig: flip(event.sig, i % 128) } : { ...event, id: flip(event.id, i % 64) };
      return { header: asHeader(forged), good: false };
    });
    const answers = await Promise.all(headers.map(({ header }) => get(header)));
    for (const [i, answer] of answers.entries()) {
      expect(answer.status, `request ${i}`).toBe(headers[i]!.good ? 200 : 401);
      if (!headers[i]!.good)
        expect((await answer.json()).error.message).toMatch(/signature or id is invalid/);
    }
  });

  it('gathers the events of later turns while the thread holds two messages, and answers each', async () => {
    // Eight turns of the loop, 16 events each (every third forged): the thread needs milliseconds
    // per message, so the turns after the second go over together once it answers, not one each.
    const posted = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      // Signed beforehand: signing takes milliseconds here, and the turns must follow each other closely.
      const events = Array.from({ length: 128 }, (_, i) => {
        const event = parseAuthHeader(token(i));
        return i % 3 === 1 ? { ...event, sig: flip(event.sig, i % 128) } : event;
      });
      const answers: (boolean | Promise<boolean>)[] = [];
      for (let turn = 0; turn < 8; turn++) {
        for (const event of events.slice(turn * 16, turn * 16 + 16)) answers.push(checks.verify(event));
        await new Promise((r) => setImmediate(r));
      }
      const expected = events.map((_, i) => i % 3 !== 1);
      expect(await Promise.all(answers)).toEqual(expected);
      expect(posted.mock.calls.length).toBeLessThan(8);
    } finally {
      posted.mockRestore();
    }
  });

  it('checks on the main thread what the worker held when it stopped', async () => {
    const events = Array.from({ length: 40 }, (_, i) => parseAuthHeader(token(i)));
    const answers = events.map((e, i) => checks.verify(i % 2 ? e : { ...e, sig: flip(e.sig, 7) }));
    await checks.stop();
    expect(await Promise.all(answers)).toEqual(events.map((_, i) => i % 2 === 1));
    // With no worker the check is made on the spot.
    expect(checks.verify(events[1]!)).toBe(true);
    expect(await checks.start()).toBe(true);
  });

  it('is a field of its own server context, not shared with another', async () => {
    const other = await createTestHotline();
    try {
      expect(checks.threadRunning).toBe(true);
      expect(other.ctx.signatures).not.toBe(checks);
      expect(other.ctx.signatures.threadRunning).toBe(false);
      // The other server checks on its main thread: a plain answer, not a promise from a thread.
      expect(other.ctx.signatures.verify(parseAuthHeader(token(0)))).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('starts under signed traffic and stops when it has gone', async () => {
    await checks.stop();
    checks.startOnDemand({ startAt: 5, idleMs: 300 });
    const event = parseAuthHeader(token(0));
    for (let i = 0; i < 4; i++) expect(checks.verify(event)).toBe(true);
    expect(checks.threadRunning).toBe(false);
    expect(checks.verify(event)).toBe(true);
    expect(checks.threadRunning).toBe(true);
    // The thread loads its script through tsx here: on a busy machine that takes seconds.
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
      return done();
    };
    expect(await until(() => checks.verify(event) instanceof Promise)).toBe(true);
    expect(await until(() => !checks.threadRunning)).toBe(true);
    expect(checks.verify({ ...event, sig: flip(event.sig, 3) })).toBe(false);
  }, 90_000);
});
