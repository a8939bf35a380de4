/**
 * Silent supervision of a provider call (lib/calls/supervision.ts): where the server lists the
 * call `throughProvider`, the admin's tab asks the server to ring its browser phone and picks the
 * leg up at once with the microphone muted; no WebRTC offer is made. Stop ends the leg and tells
 * the server; a refusal from the server ends the leg too.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const api = {
  startSupervision: vi.fn(async () => {}),
  startSupervisionByPhone: vi.fn(async () => {}),
  stopSupervision: vi.fn(async () => {}),
  fetchSupervision: vi.fn(async () => ({ active: true, answer: null })),
  fetchSupervisionRequest: vi.fn(),
  answerSupervision: vi.fn(),
};
const phone = {
  answer: vi.fn(async (_callId: string, _provider: string) => true),
  setMuted: vi.fn((_muted: boolean) => {}),
  end: vi.fn((_callId: string) => {}),
};
vi.mock('../src/lib/api/supervision.js', () => api);
vi.mock('../src/lib/calls/provider-phone/link.js', () => ({ providerPhoneLink: phone }));

const { listenTo } = await import('../src/lib/calls/supervision.js');
const CALL = '3f0c2a9e-6b1d-4c55-9a7e-0d2b8c1e4f60';

beforeEach(() => {
  for (const f of [...Object.values(api), ...Object.values(phone)]) f.mockClear();
});

describe('listening through the browser phone', () => {
  it('asks the server and picks up the leg, muted; stop ends both', async () => {
    const listening = await listenTo(CALL, [], () => {}, 'asterisk');
    expect(api.startSupervisionByPhone).toHaveBeenCalledWith(CALL);
    expect(api.startSupervision).not.toHaveBeenCalled();
    expect(phone.answer).toHaveBeenCalledWith(CALL, 'asterisk');
    expect(phone.setMuted).toHaveBeenCalledWith(true);
    await listening.stop();
    expect(phone.end).toHaveBeenCalledWith(CALL);
    expect(api.stopSupervision).toHaveBeenCalledWith(CALL);
  });

  it('ends the leg when the server refuses', async () => {
    api.startSupervisionByPhone.mockRejectedValueOnce(new Error('409'));
    await expect(listenTo(CALL, [], () => {}, 'asterisk')).rejects.toThrow('409');
    expect(phone.end).toHaveBeenCalledWith(CALL);
  });
});
