/** NCCO rendering: the exact documents, hostile text, and refusals. */
import { describe, expect, it } from 'vitest';
import { TelephonyInputError } from '../errors.js';
import type { Instruction } from '../provider.js';
import { buildNcco, renderNcco } from './ncco.js';

const A = 'https://hotline.example/api/telephony/vonage';

describe('renderNcco', () => {
  it('screens a volunteer: prompts with bargeIn, then a one-digit DTMF input', () => {
    const response = renderNcco([
      {
        kind: 'gather-digit',
        prompt: [
          { kind: 'say', text: 'Press 1 to take this call.', language: 'en-US' },
          { kind: 'play', url: `${A}/beep.mp3` },
        ],
        actionUrl: `${A}/screen?call=c1`,
        timeoutSeconds: 8,
      },
      { kind: 'hangup' },
    ]);
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual([
      { action: 'talk', text: '<speak>Press 1 to take this call.</speak>', language: 'en-US', bargeIn: true },
      { action: 'stream', streamUrl: [`${A}/beep.mp3`], loop: 1, bargeIn: true },
      {
        action: 'input',
        type: ['dtmf'],
        dtmf: { maxDigits: 1, timeOut: 8 },
        eventUrl: [`${A}/screen?call=c1`],
        eventMethod: 'POST',
      },
    ]);
  });

  it('queue and connect: one named conversation, caller waits (startOnEnter false), volunteer starts and ends it', () => {
    expect(
      buildNcco([
        { kind: 'say', text: 'Please hold.', language: 'es-MX' },
        {
          kind: 'enqueue-caller',
          queue: 'call-c1',
          waitUrl: `${A}/wait`,
          holdAudioUrl: `${A}/hold.mp3`,
          actionUrl: `${A}/left`,
        },
      ]),
    ).toEqual([
      { action: 'talk', text: '<speak>Please hold.</speak>', language: 'es-MX' },
      { action: 'conversation', name: 'call-c1', startOnEnter: false, musicOnHoldUrl: [`${A}/hold.mp3`] },
      { action: 'notify', payload: { event: 'left-queue' }, eventUrl: [`${A}/left`], eventMethod: 'POST' },
    ]);
    expect(buildNcco([{ kind: 'connect-to-caller', queue: 'call-c1' }])).toEqual([
      { action: 'conversation', name: 'call-c1', startOnEnter: true, endOnExit: false },
    ]);
  });

  it('voicemail: record with beep, # and silence ending, then the action URL continues the call', () => {
    expect(
      buildNcco([
        { kind: 'record-voicemail', maxSeconds: 120, actionUrl: `${A}/vm-done`, statusUrl: `${A}/vm-file` },
      ]),
    ).toEqual([
      {
        action: 'record',
        format: 'mp3',
        beepStart: true,
        endOnKey: '#',
        endOnSilence: 10,
        timeOut: 120,
        eventUrl: [`${A}/vm-file`],
        eventMethod: 'POST',
      },
      {
        action: 'notify',
        payload: { event: 'recording-stopped' },
        eventUrl: [`${A}/vm-done`],
        eventMethod: 'POST',
      },
    ]);
  });

  it('pause, hold music loop, redirect; nothing after a redirect or hangup is rendered', () => {
    expect(
      buildNcco([
        { kind: 'pause', seconds: 2 },
        { kind: 'play', url: `${A}/music.mp3`, loop: 0 },
        { kind: 'redirect', url: `${A}/next` },
        { kind: 'say', text: 'unreachable', language: 'en' },
      ]),
    ).toEqual([
      { action: 'wait', timeout: 2 },
      { action: 'stream', streamUrl: [`${A}/music.mp3`], loop: 0 },
      { action: 'notify', payload: { event: 'redirect' }, eventUrl: [`${A}/next`], eventMethod: 'POST' },
    ]);
    expect(buildNcco([{ kind: 'hangup' }, { kind: 'say', text: 'x', language: 'en' }])).toEqual([]);
  });

  it('hostile text stays text: no SSML, no extra actions, and the JSON stays one array', () => {
    const hostile =
      '</speak><break time="10s"/>"},{"action":"connect","endpoint":[{"type":"phone","number":"15550001111"}]}, & \u0000\u0007 <speak>';
    const response = renderNcco([{ kind: 'say', text: hostile, language: 'en-US' }]);
    const parsed = JSON.parse(response.body) as { action: string; text: string }[];
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.action).toBe('talk');
    expect(parsed[0]!.text).toBe(
      '<speak>&lt;/speak&gt;&lt;break time=&quot;10s&quot;/&gt;&quot;},{&quot;action&quot;:&quot;connect&quot;,&quot;endpoint&quot;:[{&quot;type&quot;:&quot;phone&quot;,&quot;number&quot;:&quot;15550001111&quot;}]}, &amp;  &lt;speak&gt;</speak>',
    );
    expect(response.body).toMatchInlineSnapshot(
      `"[{"action":"talk","text":"<speak>&lt;/speak&gt;&lt;break time=&quot;10s&quot;/&gt;&quot;},{&quot;action&quot;:&quot;connect&quot;,&quot;endpoint&quot;:[{&quot;type&quot;:&quot;phone&quot;,&quot;number&quot;:&quot;15550001111&quot;}]}, &amp;  &lt;speak&gt;</speak>","language":"en-US"}]"`,
    );
  });

  it('clamps the DTMF timeout to Vonage’s 10 s and the record length to its 3 s minimum', () => {
    const [input] = buildNcco([
      { kind: 'gather-digit', prompt: [], actionUrl: `${A}/s`, timeoutSeconds: 30 },
    ]);
    expect(input).toMatchObject({ dtmf: { maxDigits: 1, timeOut: 10 } });
    const [record] = buildNcco([
      { kind: 'record-voicemail', maxSeconds: 1, actionUrl: `${A}/a`, statusUrl: `${A}/b` },
    ]);
    expect(record).toMatchObject({ timeOut: 3 });
  });

  it('refuses bad URLs, queue names, languages and over-long text before rendering anything', () => {
    const bad: Instruction[] = [
      { kind: 'play', url: 'javascript:alert(1)' },
      { kind: 'play', url: 'https://user:pw@x.example/a.mp3' },
      { kind: 'redirect', url: '/relative' },
      { kind: 'enqueue-caller', queue: 'a b', waitUrl: `${A}/w` },
      { kind: 'connect-to-caller', queue: 'x'.repeat(65) },
      { kind: 'say', text: 'hi', language: 'en_US"' },
      { kind: 'say', text: 'x'.repeat(1501), language: 'en' },
      { kind: 'pause', seconds: 0 },
      { kind: 'gather-digit', prompt: [], actionUrl: `${A}/s`, timeoutSeconds: 61 },
      { kind: 'enqueue-caller', queue: 'q', waitUrl: `${A}/w`, holdAudioUrl: 'ftp://x.example/a.mp3' },
    ];
    for (const step of bad)
      expect(() => renderNcco([step]), JSON.stringify(step)).toThrow(TelephonyInputError);
  });
});
