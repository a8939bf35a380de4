/**
 * The operator features the call queue makes possible (issue 12): the status line of a member
 * on a call, "taken by <name>" on the card of a call someone else answered, and the links
 * between a call and its notes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateSecretKey, getPublicKey, PURPOSES, sealForReaders, utf8 } from '@llamenos/crypto';
import type { CallView } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { matchRoute } from '../src/app/routes.js';
import { openCallAnswerer, openCallRung } from '../src/lib/calls/meta.js';
import {
  breakStateKey,
  dashboardCallStatusKey,
  ON_A_CALL_KEY,
  shiftStatusKey,
} from '../src/lib/calls/status-lines.js';
import { UNRUNG_GRACE_SECONDS, unrungCalls } from '../src/pages/calls/QueueBoardPage.js';
import { src } from './source-files.js';

type Tree = { [key: string]: string | Tree };
const english = JSON.parse(readFileSync(path.join(src, 'i18n', 'locales', 'en.json'), 'utf8')) as Tree;
function en(key: string): string {
  const value = key.split('.').reduce<Tree | string | undefined>((t, part) => (t as Tree)?.[part], english);
  if (typeof value !== 'string') throw new Error(`no English text for ${key}`);
  return value;
}

describe('the status line of a member on a call', () => {
  it('says "on a call" on the shift panel, whatever the shift or break', () => {
    for (const shift of [undefined, { includesMe: true }, { includesMe: false }])
      for (const onBreak of [false, true])
        expect(en(shiftStatusKey(shift, onBreak, true) ?? '')).toMatch(/on a call/);
    expect(en(shiftStatusKey({ includesMe: true }, false, false) ?? '')).toBe('You are on shift now.');
  });

  it('says "on a call" on the dashboard line, never "available" or "on a break"', () => {
    for (const onBreak of [false, true]) {
      const key = dashboardCallStatusKey({ onBreak }, true, false, true);
      expect(key).toBe(ON_A_CALL_KEY);
      expect(en(key ?? '')).not.toMatch(/available|break/i);
    }
    // Someone who takes no calls still gets no line.
    expect(dashboardCallStatusKey({ onBreak: false }, false, false, true)).toBeNull();
  });

  it('the state beside the switch says "On a call" instead of "Available"', () => {
    expect(en(breakStateKey(false, true))).toBe('On a call');
    expect(en(breakStateKey(true, true))).toBe('On a call');
    expect(en(breakStateKey(false, false))).toBe(en('calls.available'));
    expect(en(breakStateKey(true, false))).toBe(en('calls.onBreak'));
  });
});

describe('the call pages in the route table', () => {
  const CALL = '123e4567-e89b-12d3-a456-426614174000';
  it('/calls/:id needs calls:read (the server decides which call), the board calls:read-all', () => {
    expect(matchRoute(`/calls/${CALL}`)?.route.permission).toBe('calls:read');
    expect(matchRoute(`/calls/${CALL}`)?.params).toEqual({ id: CALL });
    expect(matchRoute('/calls/not-a-call')).toBeNull();
    expect(matchRoute('/admin/calls/board')?.route.permission).toBe('calls:read-all');
  });
});

describe('the queue board alert', () => {
  const waiting = (callId: string, ringing: string[], waitingSeconds: number) => ({
    callId,
    callerLast4: '1234',
    position: 1,
    waitingSeconds,
    queueDeadline: null,
    ringing,
  });
  it('names the waiting calls nobody can be rung for, past a few seconds of grace', () => {
    expect(unrungCalls(undefined)).toEqual([]);
    const board = {
      at: new Date().toISOString(),
      onCalls: [],
      waiting: [waiting('a', ['u1'], 30), waiting('b', [], 30), waiting('c', [], 1)],
    };
    expect(unrungCalls(board).map((w) => w.callId)).toEqual(['b']);
    // The page's clock moves on between reads: the new call joins once its grace is over.
    expect(unrungCalls(board, UNRUNG_GRACE_SECONDS).map((w) => w.callId)).toEqual(['b', 'c']);
  });
});

describe('who an ended call rang, from its sealed metadata', () => {
  const admin = generateSecretKey();
  const other = generateSecretKey();
  const call = (meta: object | null): CallView => ({
    id: 'call-1',
    provider: 'simulator',
    hotlineNumber: '+15550000000',
    callerLast4: '1234',
    status: 'completed',
    language: 'en',
    answeredBy: null,
    answeredAt: null,
    endedAt: new Date().toISOString(),
    createdAt: new Date().toISOString(),
    queueDeadline: null,
    hasVoicemail: false,
    metaEnvelope: meta
      ? sealForReaders(utf8(JSON.stringify(meta)), [getPublicKey(admin)], {
          purpose: PURPOSES.callMeta,
          recordId: 'call-meta:call-1',
        })
      : null,
  });
  const meta = {
    v: 1,
    answeredBy: { userId: 'u2', pubkey: null },
    callerHash: null,
    callerLast4: '1234',
    legs: [
      { userId: 'u1', kind: 'phone', status: 'canceled' },
      { userId: 'u2', kind: 'phone', status: 'completed' },
      { userId: 'u2', kind: 'browser', status: 'canceled' },
    ],
  };
  it('opens the legs for a reader, once per volunteer', () => {
    expect(openCallRung(call(meta), admin)).toEqual({ state: 'rung', userIds: ['u1', 'u2'] });
    expect(openCallAnswerer(call(meta), admin)).toEqual({ state: 'answered', userId: 'u2' });
  });
  it('says why it cannot: locked, not shared, not sealed yet', () => {
    expect(openCallRung(call(meta), null)).toEqual({ state: 'locked' });
    expect(openCallRung(call(meta), other)).toEqual({ state: 'not-shared' });
    expect(openCallRung(call(null), admin)).toEqual({ state: 'plain' });
    expect(openCallRung(call({ ...meta, legs: 'x' }), admin)).toEqual({ state: 'failed' });
  });
});
