/**
 * "Taken by <name>": a call ringing for this member that a colleague answers stays on the card
 * for a few seconds, saying who took it, instead of vanishing; also when a refresh dropped the
 * call just before the event arrived.
 */
import type { ActiveCallsResponse, CallView } from '@llamenos/protocol';
import { describe, expect, it, vi } from 'vitest';
import { hubEvent, ringingCall, startCallsEachTest } from './calls-store-fixture.js';

let serverRinging: CallView[] = [];

vi.mock('../src/lib/realtime/index.js', async () => (await import('./calls-store-fixture.js')).realtimeMock);
vi.mock('../src/lib/calls/api.js', () => ({
  fetchActiveCalls: async (): Promise<ActiveCallsResponse> => ({ ringing: serverRinging, mine: null }),
  fetchOnShiftNow: async () => null,
  answerCall: async () => null,
  banCaller: async () => null,
  hangUpCall: async () => null,
}));
vi.mock('../src/lib/calls/notify.js', async () => (await import('./calls-store-fixture.js')).notifyMock);
vi.mock('../src/lib/calls/ringtone.js', async () => (await import('./calls-store-fixture.js')).ringtoneMock);

const store = await import('../src/lib/calls/store.js');
const { callsState, refreshCalls, TAKEN_CARD_MS } = store;

const CALL = ringingCall('simulator');
const VERA = 'b'.repeat(64);
const answered = (name?: string) =>
  hubEvent({
    type: 'call:answered',
    callId: CALL.id,
    answeredBy: VERA,
    ...(name ? { answeredByName: name } : {}),
  });

startCallsEachTest(store, () => (serverRinging = [CALL]), [CALL.id]);

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
    hubEvent({
      type: 'call:answered',
      callId: 'other',
      answeredBy: VERA,
      answeredByName: 'X',
    });
    expect(callsState().taken).toEqual([]);
  });
});
