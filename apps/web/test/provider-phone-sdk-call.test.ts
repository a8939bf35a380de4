import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  asError,
  hotlineCallIdOf,
  microphoneConstraint,
  onceOnly,
} from '../src/lib/calls/provider-phone/sdk-call.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('provider SDK adapters: shared pieces', () => {
  it('keeps a hotline call id only when it is one', () => {
    expect(hotlineCallIdOf('0b5c9a8e-3f2d-4c1b-9a7e-6d5f4e3c2b1a')).toBe(
      '0b5c9a8e-3f2d-4c1b-9a7e-6d5f4e3c2b1a',
    );
    for (const junk of [undefined, null, '', 'CA123', '<script>', 42, { id: 'x' }])
      expect(hotlineCallIdOf(junk)).toBeNull();
  });

  it('asks for exactly the chosen microphone, or the default', () => {
    expect(microphoneConstraint('mic-1')).toEqual({ deviceId: { exact: 'mic-1' } });
    expect(microphoneConstraint(undefined)).toBe(true);
    expect(microphoneConstraint('')).toBe(true);
  });

  it('reports an end once however many SDK events say so', () => {
    const report = vi.fn();
    const ended = onceOnly(report);
    ended();
    ended();
    expect(report).toHaveBeenCalledTimes(1);
  });

  it('turns whatever an SDK throws into an Error with a message', () => {
    expect(asError('Plivo', 'bad token').message).toBe('Plivo: bad token');
    expect(asError('Vonage', { code: 1, message: 'expired' }).message).toBe('Vonage: expired');
    expect(asError('Twilio', new Error('31204')).message).toBe('Twilio: 31204');
    expect(asError('Twilio', 7).message).toBe('Twilio: unknown error');
  });
});

describe('provider phone module map', () => {
  it('loads the Twilio, SignalWire, Plivo and Vonage adapters, each with its factory', async () => {
    const { PHONE_MODULES } = await import('../src/lib/calls/provider-phone/index.js');
    for (const provider of ['twilio', 'signalwire', 'plivo', 'vonage'] as const) {
      const load = PHONE_MODULES[provider];
      expect(load, provider).toBeTypeOf('function');
      const module = await load?.();
      expect(module?.createProviderPhone, provider).toBeTypeOf('function');
    }
  });
});
