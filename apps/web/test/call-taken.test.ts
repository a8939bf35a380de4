/**
 * "Taken by <name>": a call ringing for this member that a colleague answers stays on the card
 * for a few seconds, saying who took it, instead of vanishing; also when a refresh dropped the
 * call just before the event arrived.
 */
import type { ActiveCallsResponse, CallView, HubEventPayload } from '@llamenos/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const handlers = new Map<string, (payload: HubEventPayload) => void>();
let serverRinging: CallView[] = [];

vi.mock('../src/lib/realtime/index.js', () => ({
  onHubEvent: (type: string, handler: (payload: HubEventPayload) => void) => {
    handlers.set(type, handler);
    return () => handlers.delete(type);
  },
  onResync: () => () => {},
  setOnCall: () => {},
}));
vi.mock('../src/lib/calls/api.js', () => ({
  fetchActiveCalls: async (): Promise<ActiveCallsResponse> => ({ ringing: serverRinging, mine: null }),
  fetchOnShiftNow: async () => null,
  answerCall: async () => null,
  banCaller: async () => null,
  hangUpCall: async () => null,
}));
vi.mock('../src/lib/calls/notify.js', () => ({
  closeAllCallNotifications: () => {},
  closeCallNotification: () => {},
}));
vi.mock('../src/lib/calls/ringtone.js', () => ({ startRingtone: () => {}, stopRingtone: () => {} }));

const { callsState, refreshCalls, startCalls, TAKEN_CARD_MS } = await import('../src/lib/calls/store.js');

const CALL: CallView = {
  id: 'call-1',
  provider: 'simulator',
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
};
const ME = { id: 'u-victor', pubkey: 'a'.repeat(64), permissions: ['calls:answer', 'calls:read'] };
const VERA = 'b'.repeat(64);
const answered = (name?: string) =>
  handlers.get('call:answered')!({
    type: 'call:answered',
    callId: CALL.id,
    answeredBy: VERA,
    ...(name ? { answeredByName: name } : {}),
  });

let stop: () => void = () => {};
beforeEach(async () => {
  vi.stubGlobal('document', { addEventListener() {}, removeEventListener() {}, visibilityState: 'visible' });
  serverRinging = [CALL];
  stop = startCalls(ME as never);
  await vi.waitFor(() => expect(callsState().ringing.map((c) => c.id)).toEqual([CALL.id]));
});
afterEach(() => {
  stop();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('a call a colleague answered', () => {
  it('leaves the ringing list and says who took it, for a few seconds', async () => {
    vi.useFakeTimers();
    serverRinging = [];
    answered('Vera Volunteer');
    expect(callsState().ringing).toEqual([]);
    expect(callsState().taken).toEqual([{ id: CALL.id, callerLast4: '4567', by: 'Vera Volunteer' }]);
    vi.advanceTimersByTime(TAKEN_CARD_MS - 100);
    expect(callsState().taken).toHaveLength(1);
    vi.advanceTimersByTime(200);
    expect(callsState().taken).toEqual([]);
  });

  it('is still named when a refresh dropped the call before the event', async () => {
    serverRinging = [];
    await refreshCalls();
    expect(callsState().ringing).toEqual([]);
    answered('Vera Volunteer');
    expect(callsState().taken.map((c) => c.by)).toEqual(['Vera Volunteer']);
  });

  it('without a name (an older server) says "another volunteer"', () => {
    answered();
    expect(callsState().taken.map((c) => c.by)).toEqual([null]);
  });

  it('shows nothing for a call that never rang for this member', () => {
    handlers.get('call:answered')!({
      type: 'call:answered',
      callId: 'other',
      answeredBy: VERA,
      answeredByName: 'X',
    });
    expect(callsState().taken).toEqual([]);
  });
});
