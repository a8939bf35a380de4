/**
 * Answer, taken and End call with a provider's browser phone registered in the tab
 * (lib/calls/store.ts with lib/calls/provider-phone): Answer picks up the provider's ringing leg
 * instead of the app's answer route, falls back to the route when no leg reached the tab, says
 * "gone" when the leg ended first; a call taken by a colleague or ended ends the leg; End call
 * ends the leg and the hotline call.
 */
import type { ActiveCallsResponse } from '@llamenos/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { hubEvent, ME, ringingCall, startCallsEachTest } from './calls-store-fixture.js';

let server: ActiveCallsResponse = { ringing: [], mine: null };
const api = { answered: [] as string[], hungUp: [] as string[] };
const phone = {
  rings: (provider: string) => provider === 'asterisk',
  answer: vi.fn(async (_callId: string, _provider: string): Promise<boolean> => true),
  end: vi.fn((_callId: string) => {}),
};

vi.mock('../src/lib/realtime/index.js', async () => (await import('./calls-store-fixture.js')).realtimeMock);
vi.mock('../src/lib/calls/api.js', () => ({
  fetchActiveCalls: async (): Promise<ActiveCallsResponse> => server,
  fetchOnShiftNow: async () => null,
  answerCall: async (id: string) => {
    api.answered.push(id);
    return { ...CALL, status: 'answered' };
  },
  banCaller: async () => null,
  hangUpCall: async (id: string) => {
    api.hungUp.push(id);
    return null;
  },
}));
vi.mock('../src/lib/calls/provider-phone/link.js', () => ({
  providerPhoneLink: phone,
  followProviderPhones: () => () => {},
}));
vi.mock('../src/lib/calls/notify.js', async () => (await import('./calls-store-fixture.js')).notifyMock);
vi.mock('../src/lib/calls/ringtone.js', async () => (await import('./calls-store-fixture.js')).ringtoneMock);

const store = await import('../src/lib/calls/store.js');
const { answer, callsState, hangUp } = store;

const CALL = ringingCall('asterisk');

beforeEach(() => {
  api.answered = [];
  api.hungUp = [];
  phone.answer.mockReset().mockResolvedValue(true);
  phone.end.mockReset();
});
const calls = startCallsEachTest(store, () => (server = { ringing: [CALL], mine: null }), [CALL.id]);

describe('answering through a provider’s browser phone', () => {
  it('picks up the provider’s leg, not the app’s answer route; the hub’s call:answered opens the card', async () => {
    await answer(CALL.id);
    expect(phone.answer).toHaveBeenCalledWith(CALL.id, 'asterisk');
    expect(api.answered).toEqual([]);
    expect(callsState()).toMatchObject({ busy: false, ringing: [], error: null, notice: null });
    server = { ringing: [], mine: { ...CALL, status: 'answered', answeredBy: ME.pubkey } };
    hubEvent({ type: 'call:answered', callId: CALL.id, answeredBy: ME.pubkey });
    await vi.waitFor(() => expect(callsState().active?.id).toBe(CALL.id));
    // End call: the leg and the hotline call.
    await hangUp();
    expect(phone.end).toHaveBeenCalledWith(CALL.id);
    expect(api.hungUp).toEqual([CALL.id]);
  });

  it('falls back to the answer route when no leg reached this tab', async () => {
    phone.answer.mockResolvedValue(false);
    await answer(CALL.id);
    expect(api.answered).toEqual([CALL.id]);
    expect(callsState().active?.id).toBe(CALL.id);
  });

  it('says the call is gone when the leg ended before it was picked up', async () => {
    phone.answer.mockRejectedValue(new Error('Canceled'));
    await answer(CALL.id);
    expect(api.answered).toEqual([]);
    expect(callsState()).toMatchObject({ busy: false, notice: 'gone', ringing: [] });
  });

  it('ends the leg when a colleague takes the call, or the call ends', async () => {
    hubEvent({ type: 'call:answered', callId: CALL.id, answeredBy: 'b'.repeat(64) });
    expect(phone.end).toHaveBeenCalledWith(CALL.id);
    phone.end.mockReset();
    hubEvent({ type: 'call:ended', callId: 'call-2', outcome: 'completed' });
    expect(phone.end).toHaveBeenCalledWith('call-2');
  });

  it('answers a simulated carrier’s call through the app’s route, as before', async () => {
    server = { ringing: [{ ...CALL, id: 'sim-1', provider: 'simulator' }], mine: null };
    await calls.restart(['sim-1']);
    await answer('sim-1');
    expect(phone.answer).not.toHaveBeenCalled();
    expect(api.answered).toEqual(['sim-1']);
  });
});
