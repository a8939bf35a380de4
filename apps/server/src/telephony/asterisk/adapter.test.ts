/**
 * The ARI adapter against the local fake ARI: every REST operation's method, path, query and
 * auth; perform() as ARI calls; events over the WebSocket as neutral events; reconnection;
 * typed errors.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAri } from '../../../test/fakes/ari.js';
import { recordingBytes } from '../../../test/recordings.js';
import {
  ProviderHttpError,
  ProviderTimeoutError,
  TelephonyInputError,
  TelephonyNotConfiguredError,
} from '../errors.js';
import type { EventTelephony, Instruction, TelephonyEvent } from '../provider.js';
import { type AsteriskAdapterOptions, createAsteriskAdapter } from './adapter.js';
import { LEG_APP_ARG } from './events.js';

const ACCOUNT = { username: 'llamenos', password: 'ari-password-0123', app: 'llamenos-hotline' };
let fake: FakeAri;
let adapter: EventTelephony;
const stops: (() => void)[] = [];
const options = (): AsteriskAdapterOptions => ({
  ariUrl: fake.baseUrl,
  ...ACCOUNT,
  phoneNumbers: ['+15559870002'],
  timeoutMs: 500,
  playbackWaitMs: 200,
  reconnect: { minDelayMs: 20, maxDelayMs: 80 },
});

beforeAll(async () => {
  fake = await FakeAri.start(ACCOUNT);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  adapter = createAsteriskAdapter(options());
});
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const waitFor = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`);

function listen(): TelephonyEvent[] {
  const events: TelephonyEvent[] = [];
  stops.push(adapter.subscribe((event) => events.push(event)));
  return events;
}

describe('Asterisk ARI adapter', () => {
  it('refuses a public ARI address when built', () => {
    expect(() => createAsteriskAdapter({ ...options(), ariUrl: 'http://198.51.100.4:8088' })).toThrow(
      TelephonyNotConfiguredError,
    );
    expect(() => createAsteriskAdapter({ ...options(), ariUrl: 'http://pbx.example.com:8088' })).toThrow(
      /private-network/,
    );
  });

  it('createVolunteerLeg: POST /ari/channels with endpoint, app, appArgs, callerId, timeout and basic auth', async () => {
    const { legId } = await adapter.createVolunteerLeg({
      to: '+15551230001',
      from: '+15559870002',
      answerUrl: 'https://h.example/a',
      statusUrl: 'https://h.example/s',
      timeoutSeconds: 25,
    });
    expect(fake.channels.has(legId)).toBe(true);
    expect(fake.requests.at(-1)).toEqual({
      method: 'POST',
      path: '/ari/channels',
      query: {
        endpoint: 'PJSIP/+15551230001@llamenos',
        app: ACCOUNT.app,
        appArgs: LEG_APP_ARG,
        callerId: '+15559870002',
        timeout: '25',
      },
      authorized: true,
    });
    await expect(
      adapter.createVolunteerLeg({
        to: '555',
        from: '+15559870002',
        answerUrl: 'https://h.example/a',
        statusUrl: 'https://h.example/s',
        timeoutSeconds: 25,
      }),
    ).rejects.toThrow(TelephonyInputError);
  });

  it('cancelLeg: ringing → canceled, answered → completed, gone → already-ended; hangUp tolerates gone', async () => {
    const ringing = fake.addChannel('Ringing');
    expect(await adapter.cancelLeg(ringing.id)).toBe('canceled');
    expect(calls().slice(-2)).toEqual([
      `GET /ari/channels/${ringing.id}`,
      `DELETE /ari/channels/${ringing.id}`,
    ]);
    expect(await adapter.cancelLeg(fake.addChannel('Up').id)).toBe('completed');
    expect(await adapter.cancelLeg(ringing.id)).toBe('already-ended');
    await expect(adapter.hangUp(ringing.id)).resolves.toBeUndefined();
    await expect(adapter.cancelLeg('../bridges/x')).rejects.toThrow(TelephonyInputError);
  });

  it('recordings: GET …/stored/{name}/file and DELETE; names are checked', async () => {
    fake.recordings.set('llamenos-vm-1.2-3', new Uint8Array([5, 6]));
    expect(await recordingBytes(adapter.fetchRecording('llamenos-vm-1.2-3'))).toEqual({
      bytes: new Uint8Array([5, 6]),
      contentType: 'audio/wav',
    });
    expect(calls().at(-1)).toBe('GET /ari/recordings/stored/llamenos-vm-1.2-3/file');
    await adapter.deleteRecording('llamenos-vm-1.2-3');
    await adapter.deleteRecording('llamenos-vm-1.2-3');
    expect(calls().slice(-2)).toEqual([
      'DELETE /ari/recordings/stored/llamenos-vm-1.2-3',
      'DELETE /ari/recordings/stored/llamenos-vm-1.2-3',
    ]);
    await expect(adapter.fetchRecording('../../ari/channels')).rejects.toThrow(TelephonyInputError);
  });

  it('perform: greeting then queue = answer, play, holding bridge with the caller and music on hold', async () => {
    const caller = fake.addChannel('Ring');
    await adapter.perform(caller.id, [
      { kind: 'say', text: 'Please hold', language: 'en-US', sound: 'please-hold' },
      { kind: 'enqueue-caller', queue: 'c1', waitUrl: 'https://h.example/wait' },
    ]);
    expect(calls()).toEqual([
      `POST /ari/channels/${caller.id}/answer`,
      `POST /ari/channels/${caller.id}/play`,
      'POST /ari/bridges/llamenos-hold-c1',
      'POST /ari/bridges/llamenos-hold-c1/addChannel',
      'POST /ari/bridges/llamenos-hold-c1/moh',
    ]);
    expect(fake.requests[1]!.query).toEqual({ media: 'sound:please-hold' });
    expect(fake.bridges.get('llamenos-hold-c1')).toMatchObject({
      type: 'holding',
      channels: [caller.id],
      moh: 'default',
    });

    // The volunteer answers: both into a mixing bridge, the holding bridge gone.
    const volunteer = fake.addChannel('Up');
    await adapter.perform(volunteer.id, [{ kind: 'connect-to-caller', queue: 'c1' }]);
    expect(fake.bridges.get('llamenos-call-c1')).toMatchObject({
      type: 'mixing',
      channels: [caller.id, volunteer.id],
    });
    expect(fake.bridges.has('llamenos-hold-c1')).toBe(false);
    await expect(
      adapter.perform(fake.addChannel('Up').id, [{ kind: 'connect-to-caller', queue: 'c1' }]),
    ).rejects.toThrow(/no longer waiting/);
  });

  it('perform: voicemail records to a stored name; hangup; hostile or unusable input is refused before any call', async () => {
    const caller = fake.addChannel('Up');
    await adapter.perform(caller.id, [
      {
        kind: 'record-voicemail',
        maxSeconds: 120,
        actionUrl: 'https://h.example/a',
        statusUrl: 'https://h.example/s',
      },
    ]);
    const record = fake.requests.at(-1)!;
    expect(record.path).toBe(`/ari/channels/${caller.id}/record`);
    expect(record.query).toMatchObject({
      format: 'wav',
      beep: 'true',
      terminateOn: '#',
      ifExists: 'fail',
      maxDurationSeconds: '120',
    });
    expect(record.query.name).toMatch(new RegExp(`^llamenos-vm-${caller.id.replace('.', '\\.')}-\\d+$`));
    await adapter.perform(caller.id, [{ kind: 'hangup' }]);
    expect(fake.channels.has(caller.id)).toBe(false);

    fake.requests.length = 0;
    for (const bad of [
      [{ kind: 'say', text: 'x', language: 'en', sound: '../../../etc/passwd' }],
      [{ kind: 'say', text: 'x', language: 'en', sound: 'a,b' }],
      [{ kind: 'play', url: 'file:///etc/passwd' }],
      [{ kind: 'redirect', url: 'https://h.example/x' }],
      [{ kind: 'enqueue-caller', queue: 'a/b', waitUrl: 'https://h.example/w' }],
    ] as const)
      await expect(adapter.perform('1.1', [...bad] as never), JSON.stringify(bad)).rejects.toThrow(
        TelephonyInputError,
      );
    expect(fake.requests).toEqual([]);
    await expect(adapter.redirectCall('1.1', 'https://h.example/x')).rejects.toThrow(
      TelephonyNotConfiguredError,
    );
  });

  it('events: Stasis events arrive as neutral events over the WebSocket (api_key auth)', async () => {
    const events = listen();
    await waitFor(() => fake.openSockets === 1);
    fake.emit({
      type: 'StasisStart',
      args: [],
      channel: {
        id: '9.1',
        state: 'Ring',
        caller: { number: '+15551230001' },
        dialplan: { exten: '+15559870002' },
      },
    });
    fake.emit({ type: 'ChannelStateChange', channel: { id: '9.2', state: 'Ringing' } });
    fake.emit({ type: 'ChannelDestroyed', cause: 17, channel: { id: '9.2', state: 'Down' } });
    fake.emit({
      type: 'RecordingFinished',
      recording: { name: 'llamenos-vm-9.1-5', target_uri: 'channel:9.1', duration: 12 },
    });
    await waitFor(() => events.length === 4);
    expect(events).toEqual([
      { kind: 'inbound-call', providerCallId: '9.1', from: '+15551230001', to: '+15559870002' },
      { kind: 'leg-status', legId: '9.2', status: 'ringing' },
      { kind: 'leg-status', legId: '9.2', status: 'busy' },
      { kind: 'recording-ready', callId: '9.1', recordingRef: 'llamenos-vm-9.1-5', durationSeconds: 12 },
    ]);
  });

  it('screening: a key during the prompt is the answer and stops it; silence after the prompt is an empty answer', async () => {
    const events = listen();
    await waitFor(() => fake.openSockets === 1);
    const leg = fake.addChannel('Up');
    const gather: Instruction = {
      kind: 'gather-digit',
      prompt: [{ kind: 'say', text: 'Press 1', language: 'en', sound: 'press-1' }],
      actionUrl: 'https://h.example/g',
      timeoutSeconds: 1,
    };
    await adapter.perform(leg.id, [gather]);
    // A key before the screening is armed elsewhere is ignored; this one answers it.
    fake.emit({ type: 'ChannelDtmfReceived', digit: '1', channel: { id: leg.id } });
    fake.emit({ type: 'ChannelDtmfReceived', digit: '2', channel: { id: leg.id } });
    await waitFor(() => events.length === 1);
    expect(events[0]).toEqual({ kind: 'digits', legId: leg.id, digits: '1' });
    await waitFor(() => calls().some((c) => c.startsWith('DELETE /ari/playbacks/')));

    // Second screening: nothing is counted until the prompt ends; then silence for the
    // timeout (1 s) gives an empty answer.
    await adapter.perform(leg.id, [gather]);
    expect(fake.requests.filter((r) => r.path.endsWith('/play')).at(-1)!.query.media).toBe('sound:press-1');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(events).toHaveLength(1);
    fake.emit({ type: 'PlaybackFinished', playback: { id: fake.playbacks.at(-1) } });
    await waitFor(() => events.length === 2, 2500);
    expect(events[1]).toEqual({ kind: 'digits', legId: leg.id, digits: '' });
  });

  it('reconnects with backoff after the events socket drops', async () => {
    const events = listen();
    await waitFor(() => fake.openSockets === 1);
    const before = fake.connections;
    fake.dropSockets();
    await waitFor(() => fake.connections === before + 1 && fake.openSockets === 1);
    fake.emit({ type: 'StasisEnd', channel: { id: '7.7' } });
    await waitFor(() => events.length === 1);
    expect(events[0]).toEqual({ kind: 'leg-status', legId: '7.7', status: 'completed' });
  });

  it('wrong password: REST is a 401 ProviderHttpError without the password; the socket keeps retrying', async () => {
    const wrong = createAsteriskAdapter({ ...options(), password: 'not-the-password' });
    const error = await wrong.hangUp('1.1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 401, provider: 'asterisk' });
    expect((error as Error).message).not.toContain('not-the-password');
    const before = fake.connections;
    const stop = wrong.subscribe(() => {});
    await new Promise((resolve) => setTimeout(resolve, 150));
    stop();
    expect(fake.connections).toBe(before);
  });

  it('a slow ARI is a ProviderTimeoutError', async () => {
    fake.setDelay(1000);
    try {
      await expect(adapter.hangUp('1.1')).rejects.toThrow(ProviderTimeoutError);
    } finally {
      fake.setDelay(0);
    }
  });
});

describe('Asterisk browser legs', () => {
  it('names the hotline call (a UUID, the router’s one rule) to the browser: PJSIP_HEADER(add,X-Llamenos-Call) from the answer URL, only on browser legs', async () => {
    const seen: { url: string; body: string }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, body: String(init.body ?? '') });
      return Response.json({ id: `chan-${seen.length}` });
    }) as unknown as typeof globalThis.fetch;
    const browserAdapter = createAsteriskAdapter({
      ...options(),
      ariUrl: 'http://127.0.0.1:8088',
      sipWebSocketUrl: 'wss://pbx.example.org:8089/ws',
      fetch,
    });
    const leg = {
      to: '',
      from: '+15559870002',
      answerUrl:
        'https://h.example/api/telephony/asterisk/screen?call=3f2c1a0b-9d8e-4f7a-8b6c-5d4e3f2a1b0c&leg=l1',
      statusUrl: 'https://h.example/s',
      timeoutSeconds: 25,
    };
    await browserAdapter.createVolunteerLeg({ ...leg, browser: `v${'a'.repeat(24)}` });
    expect(new URL(seen[0]!.url).searchParams.get('endpoint')).toBe(`PJSIP/v${'a'.repeat(24)}`);
    expect(JSON.parse(seen[0]!.body)).toEqual({
      variables: { 'PJSIP_HEADER(add,X-Llamenos-Call)': '3f2c1a0b-9d8e-4f7a-8b6c-5d4e3f2a1b0c' },
    });
    // A call id that is not one (a header injection attempt) is left out, never passed along.
    await browserAdapter.createVolunteerLeg({
      ...leg,
      browser: `v${'a'.repeat(24)}`,
      answerUrl: 'https://h.example/screen?call=x%0d%0aVia:%20evil',
    });
    expect(seen[1]!.body).toBe('');
    // Nor is an id of another form than the router's calls (it would match no card).
    await browserAdapter.createVolunteerLeg({
      ...leg,
      browser: `v${'a'.repeat(24)}`,
      answerUrl: 'https://h.example/screen?call=3f2c-call-1',
    });
    expect(seen[2]!.body).toBe('');
    // A phone leg has no such header.
    await browserAdapter.createVolunteerLeg({ ...leg, to: '+15551230001' });
    expect(seen[3]!.body).toBe('');
  });
});
