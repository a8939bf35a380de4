/**
 * What the tests of the calls store (lib/calls/store.ts) share: a hub whose handlers the test
 * holds (deliver an event with `hubEvent`), quiet notifications and ringtone, a ringing call,
 * the member, and the store started before each test once the server's ringing calls show.
 * A test file mocks the modules with these, from its own vi.mock calls (hoisted there):
 *   vi.mock('../src/lib/realtime/index.js', async () => (await import('./calls-store-fixture.js')).realtimeMock);
 */
import type { CallView, HubEventPayload } from '@llamenos/protocol';
import { afterEach, beforeEach, expect, vi } from 'vitest';

const handlers = new Map<string, (payload: HubEventPayload) => void>();

export const realtimeMock = {
  onHubEvent: (type: string, handler: (payload: HubEventPayload) => void) => {
    handlers.set(type, handler);
    return () => handlers.delete(type);
  },
  onResync: () => () => {},
  setOnCall: () => {},
};
export const notifyMock = { closeAllCallNotifications: () => {}, closeCallNotification: () => {} };
export const ringtoneMock = { startRingtone: () => {}, stopRingtone: () => {} };

/** Delivers a hub event to the store, as the relay would. */
export function hubEvent(payload: HubEventPayload): void {
  const handler = handlers.get(payload.type);
  if (!handler) throw new Error(`the store does not follow ${payload.type}`);
  handler(payload);
}

export const ringingCall = (provider: string): CallView => ({
  id: 'call-1',
  provider,
  hotlineNumber: '+15550000000',
  callerLast4: '4567',
  status: 'ringing',
  language: 'en',
  answeredBy: null,
  answeredAt: null,
  endedAt: null,
  createdAt: new Date().toISOString(),
  queueDeadline: null,
  hasVoicemail: false,
});

export const ME = { id: 'u-victor', pubkey: 'a'.repeat(64), permissions: ['calls:answer', 'calls:read'] };

interface CallsStore {
  startCalls: (me: never) => () => void;
  callsState: () => { ringing: { id: string }[] };
}

/**
 * Before each test: `reset` sets the server's answers, the store starts for ME (with the
 * document it listens to stubbed) and the test begins once `ringing` calls ring. After each:
 * stopped, real timers back. `restart()` starts the store again within a test.
 */
export function startCallsEachTest(store: CallsStore, reset: () => void, ringing: string[]) {
  let stop: () => void = () => {};
  const start = async (expected: string[]) => {
    stop = store.startCalls(ME as never);
    await vi.waitFor(() => expect(store.callsState().ringing.map((c) => c.id)).toEqual(expected));
  };
  beforeEach(async () => {
    vi.stubGlobal('document', {
      addEventListener() {},
      removeEventListener() {},
      visibilityState: 'visible',
    });
    reset();
    await start(ringing);
  });
  afterEach(() => {
    stop();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  return {
    restart: async (expected: string[]) => {
      stop();
      await start(expected);
    },
  };
}
