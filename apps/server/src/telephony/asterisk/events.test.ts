/** ARI events → neutral events (shapes from the ARI data models: StasisStart, ChannelDestroyed, …). */
import { describe, expect, it } from 'vitest';
import { LEG_APP_ARG, mapAriEvent } from './events.js';

const ctx = { defaultTo: '+15559870002' };
const channel = (extra: Record<string, unknown> = {}) => ({
  id: '1700000000.42',
  name: 'PJSIP/trunk-00000001',
  state: 'Ring',
  caller: { name: '', number: '+15551230001' },
  dialplan: { context: 'from-trunk', exten: '15559870002', priority: 1 },
  ...extra,
});

describe('mapAriEvent', () => {
  it('StasisStart: a caller, or our answered leg', () => {
    expect(mapAriEvent({ type: 'StasisStart', args: [], channel: channel() }, ctx)).toEqual({
      kind: 'inbound-call',
      providerCallId: '1700000000.42',
      from: '+15551230001',
      to: '+15559870002',
    });
    expect(
      mapAriEvent(
        {
          type: 'StasisStart',
          args: [],
          channel: channel({ caller: { number: 'anonymous' }, dialplan: { exten: 's' } }),
        },
        { defaultTo: '+15550000000' },
      ),
    ).toMatchObject({ from: null, to: '+15550000000' });
    expect(mapAriEvent({ type: 'StasisStart', args: [LEG_APP_ARG], channel: channel() }, ctx)).toEqual({
      kind: 'leg-status',
      legId: '1700000000.42',
      status: 'in-progress',
    });
    expect(mapAriEvent({ type: 'StasisStart', args: [], channel: channel({ id: '../x' }) }, ctx)).toBeNull();
  });

  it('states, hangup causes, StasisEnd', () => {
    const status = (event: Record<string, unknown>) =>
      (mapAriEvent(event, ctx) as { status?: string } | null)?.status ?? null;
    expect(status({ type: 'ChannelStateChange', channel: channel({ state: 'Ringing' }) })).toBe('ringing');
    // Up comes from StasisStart only (a leg may be played to once it is in our application).
    expect(status({ type: 'ChannelStateChange', channel: channel({ state: 'Up' }) })).toBeNull();
    expect(status({ type: 'ChannelStateChange', channel: channel({ state: 'Down' }) })).toBeNull();
    expect(
      status({ type: 'ChannelDestroyed', cause: 16, cause_txt: 'Normal Clearing', channel: channel() }),
    ).toBe('completed');
    expect(status({ type: 'ChannelDestroyed', cause: 17, channel: channel() })).toBe('busy');
    expect(status({ type: 'ChannelDestroyed', cause: 19, channel: channel() })).toBe('no-answer');
    expect(status({ type: 'ChannelDestroyed', cause: 34, channel: channel() })).toBe('failed');
    expect(status({ type: 'StasisEnd', channel: channel() })).toBe('completed');
  });

  it('digits and recordings; junk is ignored', () => {
    expect(
      mapAriEvent({ type: 'ChannelDtmfReceived', digit: '1', duration_ms: 100, channel: channel() }, ctx),
    ).toEqual({ kind: 'digits', legId: '1700000000.42', digits: '1' });
    expect(mapAriEvent({ type: 'ChannelDtmfReceived', digit: '12', channel: channel() }, ctx)).toBeNull();
    expect(
      mapAriEvent(
        {
          type: 'RecordingFinished',
          recording: {
            name: 'llamenos-vm-1700000000.42-1',
            format: 'wav',
            state: 'done',
            target_uri: 'channel:1700000000.42',
            duration: 31,
          },
        },
        ctx,
      ),
    ).toEqual({
      kind: 'recording-ready',
      callId: '1700000000.42',
      recordingRef: 'llamenos-vm-1700000000.42-1',
      durationSeconds: 31,
    });
    expect(
      mapAriEvent(
        { type: 'RecordingFinished', recording: { name: '../../etc/passwd', target_uri: 'channel:1' } },
        ctx,
      ),
    ).toBeNull();
    for (const junk of [null, 'x', 42, { type: 'Dial' }, { type: 'StasisStart' }])
      expect(mapAriEvent(junk, ctx)).toBeNull();
  });
});
