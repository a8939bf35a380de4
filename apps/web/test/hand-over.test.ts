/**
 * A colleague hands this member a call through the provider's browser phone (lib/calls/hand-over.ts):
 * the dock offers it only when the server said so (`call:transfer-invite` for this member) and the
 * browser phone rings for that very call; never for a queue call ringing as usual, another member's
 * invite, or a call already answered here. Answer picks up the provider's leg; Decline rejects it.
 */

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderPhoneState } from '../src/lib/calls/provider-phone/types.js';
import { hubEvent } from './calls-store-fixture.js';

const phone = {
  answer: vi.fn(async (_callId: string, _provider: string): Promise<boolean> => true),
  end: vi.fn((_callId: string) => {}),
};
vi.mock('../src/lib/realtime/index.js', async () => (await import('./calls-store-fixture.js')).realtimeMock);
vi.mock('../src/lib/calls/provider-phone/link.js', () => ({ providerPhoneLink: phone }));

const { declineHandOver, followHandOvers, handOverOf, takeHandOver } = await import(
  '../src/lib/calls/hand-over.js'
);

const ME = 'a'.repeat(64);
const CALL = '3f0c2a9e-6b1d-4c55-9a7e-0d2b8c1e4f60';

function ringing(callId: string | null, answered = false): ProviderPhoneState {
  return {
    registered: ['asterisk'],
    call: { provider: 'asterisk', callId } as ProviderPhoneState['call'],
    callId,
    answered,
    connected: false,
    muted: false,
    notice: null,
  };
}

let stop: () => void = () => {};
beforeEach(() => {
  phone.answer.mockClear();
  phone.end.mockClear();
  stop = followHandOvers(ME);
});
afterEach(() => stop());

describe('a hand-over through the provider', () => {
  it('is offered when the server invited this member and the phone rings for that call', () => {
    expect(handOverOf(ringing(CALL))).toBeNull();
    hubEvent({ type: 'call:transfer-invite', callId: CALL, to: ME });
    expect(handOverOf(ringing(CALL))).toEqual({ callId: CALL, provider: 'asterisk' });
    // Not once answered here, nor for a ringing leg of another call or one the provider did not name.
    expect(handOverOf(ringing(CALL, true))).toBeNull();
    expect(handOverOf(ringing('7d1e0f5a-2c3b-4a69-8e7d-1f2a3b4c5d6e'))).toBeNull();
    expect(handOverOf(ringing(null))).toBeNull();
  });

  it('pairs an unnamed Vonage ringing with the one invite waiting, never with two', () => {
    const vonage = (callId: string | null) => {
      const state = ringing(callId);
      return { ...state, call: { provider: 'vonage', callId } as ProviderPhoneState['call'] };
    };
    expect(handOverOf(vonage(null))).toBeNull();
    hubEvent({ type: 'call:transfer-invite', callId: CALL, to: ME });
    expect(handOverOf(vonage(null))).toEqual({ callId: CALL, provider: 'vonage' });
    hubEvent({ type: 'call:transfer-invite', callId: '7d1e0f5a-2c3b-4a69-8e7d-1f2a3b4c5d6e', to: ME });
    expect(handOverOf(vonage(null))).toBeNull();
  });

  it("ignores another member's invite, and forgets one whose call was answered or ended", () => {
    hubEvent({ type: 'call:transfer-invite', callId: CALL, to: 'b'.repeat(64) });
    expect(handOverOf(ringing(CALL))).toBeNull();
    hubEvent({ type: 'call:transfer-invite', callId: CALL, to: ME });
    hubEvent({ type: 'call:ended', callId: CALL, outcome: 'completed' });
    expect(handOverOf(ringing(CALL))).toBeNull();
    hubEvent({ type: 'call:transfer-invite', callId: CALL, to: ME });
    hubEvent({ type: 'call:answered', callId: CALL, answeredBy: 'c'.repeat(64) });
    expect(handOverOf(ringing(CALL))).toBeNull();
  });

  it("Answer picks up the provider's leg; Decline rejects it", async () => {
    hubEvent({ type: 'call:transfer-invite', callId: CALL, to: ME });
    expect(await takeHandOver(CALL, 'asterisk')).toBe(true);
    expect(phone.answer).toHaveBeenCalledWith(CALL, 'asterisk');
    expect(handOverOf(ringing(CALL))).toBeNull();
    hubEvent({ type: 'call:transfer-invite', callId: CALL, to: ME });
    declineHandOver(CALL);
    expect(phone.end).toHaveBeenCalledWith(CALL);
    expect(handOverOf(ringing(CALL))).toBeNull();
  });
});
