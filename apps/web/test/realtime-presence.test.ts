import { describe, expect, it } from 'vitest';
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, backoffDelay } from '../src/lib/realtime/backoff.js';
import { ownStatus } from '../src/lib/realtime/presence.js';
import { PRESENCE_TTL_MS, PresenceStore } from '../src/lib/realtime/presence-store.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const at = (ms: number) => new Date(ms).toISOString();
const T0 = Date.parse('2025-01-01T00:00:00Z');

describe('backoffDelay', () => {
  it('doubles from 1 s up to 30 s without jitter in the middle of the range', () => {
    const schedule = Array.from({ length: 8 }, (_, i) => backoffDelay(i, () => 0.5));
    expect(schedule).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('stays within 1 s … 30 s and within ±25 % whatever the jitter', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      for (const r of [0, 0.25, 0.999999]) {
        const delay = backoffDelay(attempt, () => r);
        expect(delay).toBeGreaterThanOrEqual(BACKOFF_INITIAL_MS);
        expect(delay).toBeLessThanOrEqual(BACKOFF_MAX_MS);
        const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(attempt, 16));
        expect(delay).toBeGreaterThanOrEqual(
          Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_INITIAL_MS, base * 0.75)) - 1,
        );
        expect(delay).toBeLessThanOrEqual(base * 1.25 + 1);
      }
    }
  });

  it('spreads clients that drop together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('treats odd attempts as the first', () => {
    expect(backoffDelay(-3, () => 0.5)).toBe(1_000);
    expect(backoffDelay(Number.POSITIVE_INFINITY, () => 0.5)).toBe(30_000);
  });
});

describe('PresenceStore', () => {
  it('keeps the latest status per member and orders them stably', () => {
    const store = new PresenceStore();
    expect(store.apply(B, 'available', at(T0), T0)).toEqual({ changed: true, arrived: true });
    expect(store.apply(A, 'on-break', at(T0), T0)).toEqual({ changed: true, arrived: true });
    expect(store.list().map((e) => [e.pubkey, e.status])).toEqual([
      [A, 'on-break'],
      [B, 'available'],
    ]);
    expect(store.apply(B, 'on-call', at(T0 + 1_000), T0 + 1_000)).toEqual({ changed: true, arrived: false });
    expect(store.statusOf(B)).toBe('on-call');
  });

  it('ignores an announcement older than the one held (events that crossed)', () => {
    const store = new PresenceStore();
    store.apply(A, 'on-break', at(T0 + 5_000), T0);
    expect(store.apply(A, 'available', at(T0), T0 + 10).changed).toBe(false);
    expect(store.statusOf(A)).toBe('on-break');
  });

  it('lets an offline with the same time as the last heartbeat win (prepared farewell)', () => {
    const store = new PresenceStore();
    store.apply(A, 'available', at(T0), T0);
    expect(store.apply(A, 'offline', at(T0), T0 + 20_000).changed).toBe(true);
    expect(store.list()).toEqual([]);
  });

  it('forgets a member not heard from for 75 s, and a heartbeat keeps them', () => {
    const store = new PresenceStore();
    store.apply(A, 'available', at(T0), T0);
    store.apply(B, 'available', at(T0), T0);
    // B's heartbeat arrives; A's never does.
    store.apply(B, 'available', at(T0 + 30_000), T0 + 30_000);
    expect(store.prune(T0 + PRESENCE_TTL_MS)).toBe(false);
    expect(store.prune(T0 + PRESENCE_TTL_MS + 1)).toBe(true);
    expect(store.list().map((e) => e.pubkey)).toEqual([B]);
    // A comes back later: that is an arrival again, even with an old-looking clock.
    expect(store.apply(A, 'available', at(T0 - 60_000), T0 + 100_000).arrived).toBe(true);
  });

  it('expires by arrival time, not by the sender clock', () => {
    const store = new PresenceStore();
    // A sender whose clock runs an hour ahead cannot stay online by claiming a future time.
    store.apply(A, 'available', at(T0 + 3_600_000), T0);
    store.prune(T0 + PRESENCE_TTL_MS + 1);
    expect(store.list()).toEqual([]);
  });

  it('notifies on changes only, and returns the same list until one', () => {
    const store = new PresenceStore();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.apply(A, 'available', at(T0), T0);
    const first = store.list();
    store.apply(A, 'available', at(T0 + 30_000), T0 + 30_000);
    expect(calls).toBe(1);
    expect(store.list()).toBe(first);
    store.apply(A, 'offline', at(T0 + 31_000), T0 + 31_000);
    expect(calls).toBe(2);
    off();
    store.apply(B, 'available', at(T0), T0);
    expect(calls).toBe(2);
  });

  it('drops an unparseable time and an offline for an unknown member', () => {
    const store = new PresenceStore();
    expect(store.apply(A, 'available', 'yesterday', T0).changed).toBe(false);
    expect(store.apply(A, 'offline', at(T0), T0).changed).toBe(false);
    expect(store.list()).toEqual([]);
  });
});

describe('ownStatus', () => {
  it('on a call beats on a break beats available', () => {
    expect(ownStatus({ onBreak: false, onCall: false })).toBe('available');
    expect(ownStatus({ onBreak: true, onCall: false })).toBe('on-break');
    expect(ownStatus({ onBreak: true, onCall: true })).toBe('on-call');
  });
});
