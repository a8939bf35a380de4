/** Plivo XML rendering: exact documents, hostile text, refusals. */
import { describe, expect, it } from 'vitest';
import { TelephonyInputError } from '../errors.js';
import type { Instruction } from '../provider.js';
import { renderPlivoXml } from './plivo-xml.js';

const A = 'https://hotline.example/api/telephony/plivo';
const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

describe('renderPlivoXml', () => {
  it('screening: GetInput around the prompts, then a Redirect to the same action for "no key"', () => {
    const { body, contentType } = renderPlivoXml([
      {
        kind: 'gather-digit',
        prompt: [{ kind: 'say', text: 'Press 1 to take this call.', language: 'en-US' }],
        actionUrl: `${A}/screen?call=c1&leg=2`,
        timeoutSeconds: 8,
      },
    ]);
    expect(contentType).toBe('text/xml; charset=utf-8');
    expect(body).toBe(
      `${DECL}<Response><GetInput action="${A}/screen?call=c1&amp;leg=2" method="POST" inputType="dtmf" numDigits="1" executionTimeout="8" digitEndTimeout="auto" redirect="true"><Speak language="en-US">Press 1 to take this call.</Speak></GetInput><Redirect method="POST">${A}/screen?call=c1&amp;leg=2</Redirect></Response>`,
    );
  });

  it('queue and connect: one conference per call; only the volunteer ends it; two and a listener at most', () => {
    expect(
      renderPlivoXml([
        { kind: 'enqueue-caller', queue: 'call-c1', waitUrl: `${A}/wait`, actionUrl: `${A}/left` },
        { kind: 'connect-to-caller', queue: 'call-c1' },
      ]).body,
    ).toBe(
      `${DECL}<Response><Conference startConferenceOnEnter="false" endConferenceOnExit="false" waitSound="${A}/wait" maxMembers="3" enterSound="" exitSound="" action="${A}/left" method="POST" redirect="true">call-c1</Conference><Conference startConferenceOnEnter="true" endConferenceOnExit="true" maxMembers="3" enterSound="" exitSound="">call-c1</Conference></Response>`,
    );
  });

  it('join: the held caller hears the wait document alone; back, a colleague and a listener by their flags', () => {
    const join = (step: Instruction) => renderPlivoXml([step]).body.slice(DECL.length);
    expect(join({ kind: 'join-conference', room: 'call-c1-held', role: 'held', waitUrl: `${A}/wait` })).toBe(
      `<Response><Conference startConferenceOnEnter="false" endConferenceOnExit="false" waitSound="${A}/wait" maxMembers="3" enterSound="" exitSound="">call-c1-held</Conference></Response>`,
    );
    expect(join({ kind: 'join-conference', room: 'call-c1', role: 'caller' })).toBe(
      '<Response><Conference startConferenceOnEnter="false" endConferenceOnExit="false" maxMembers="3" enterSound="" exitSound="">call-c1</Conference></Response>',
    );
    expect(join({ kind: 'join-conference', room: 'call-c1-0123456789ab', role: 'colleague' })).toBe(
      '<Response><Conference startConferenceOnEnter="true" endConferenceOnExit="true" maxMembers="3" enterSound="" exitSound="">call-c1-0123456789ab</Conference></Response>',
    );
    expect(join({ kind: 'join-conference', room: 'call-c1', role: 'listener' })).toBe(
      '<Response><Conference startConferenceOnEnter="true" endConferenceOnExit="false" muted="true" maxMembers="3" enterSound="" exitSound="">call-c1</Conference></Response>',
    );
    for (const bad of [
      { kind: 'join-conference', room: 'call-c1', role: 'caller', waitUrl: `${A}/wait` },
      { kind: 'join-conference', room: 'call-c1-held', role: 'held' },
      { kind: 'join-conference', room: 'call c1', role: 'caller' },
      { kind: 'join-conference', room: 'call-c1', role: 'admin' },
    ] as Instruction[])
      expect(() => renderPlivoXml([bad]), JSON.stringify(bad)).toThrow(TelephonyInputError);
  });

  it('voicemail, pause, play, redirect, hangup', () => {
    expect(
      renderPlivoXml([
        { kind: 'pause', seconds: 1 },
        { kind: 'play', url: `${A}/music.mp3`, loop: 0 },
        { kind: 'record-voicemail', maxSeconds: 120, actionUrl: `${A}/vm-done`, statusUrl: `${A}/vm-file` },
        { kind: 'redirect', url: `${A}/next` },
        { kind: 'hangup' },
      ]).body,
    ).toBe(
      `${DECL}<Response><Wait length="1"/><Play loop="0">${A}/music.mp3</Play><Record action="${A}/vm-done" method="POST" redirect="true" maxLength="120" playBeep="true" finishOnKey="#" fileFormat="mp3" callbackUrl="${A}/vm-file" callbackMethod="POST"/><Redirect method="POST">${A}/next</Redirect><Hangup/></Response>`,
    );
  });

  it('hostile text is escaped and cannot add an element', () => {
    const hostile = '</Speak><Dial><Number>15550001111</Number></Dial><Speak>"\'& \u0007';
    expect(renderPlivoXml([{ kind: 'say', text: hostile, language: 'es-MX' }]).body).toMatchInlineSnapshot(
      `"<?xml version="1.0" encoding="UTF-8"?><Response><Speak language="es-MX">&lt;/Speak&gt;&lt;Dial&gt;&lt;Number&gt;15550001111&lt;/Number&gt;&lt;/Dial&gt;&lt;Speak&gt;&quot;&apos;&amp; </Speak></Response>"`,
    );
  });

  it('acknowledgement is an empty document; bad input is refused', () => {
    expect(renderPlivoXml([]).body).toBe(`${DECL}<Response/>`);
    const bad: Instruction[] = [
      { kind: 'play', url: 'javascript:x' },
      { kind: 'redirect', url: '/x' },
      { kind: 'enqueue-caller', queue: '<x>', waitUrl: `${A}/w` },
      { kind: 'say', text: 'x', language: 'en US' },
      { kind: 'record-voicemail', maxSeconds: 0, actionUrl: `${A}/a`, statusUrl: `${A}/b` },
    ];
    for (const step of bad)
      expect(() => renderPlivoXml([step]), JSON.stringify(step)).toThrow(TelephonyInputError);
  });
});
