import { describe, expect, it } from 'vitest';
import { TelephonyInputError } from '../errors.js';
import type { Instruction } from '../provider.js';
import { LAML } from '../signalwire/adapter.js';
import { escapeXml } from '../xml.js';
import { renderMarkup, TWIML } from './twiml.js';

const BASE = 'https://hotline.example/api/telephony/twilio';

/** The whole vocabulary, as the call flow uses it. */
const FLOW: Instruction[] = [
  { kind: 'say', text: 'Gracias por llamar.', language: 'es-MX' },
  {
    kind: 'enqueue-caller',
    queue: 'call-42',
    waitUrl: `${BASE}/hold?call=42`,
    actionUrl: `${BASE}/left?call=42`,
  },
  { kind: 'play', url: 'https://hotline.example/audio/hold.mp3', loop: 0 },
  { kind: 'pause', seconds: 2 },
  {
    kind: 'gather-digit',
    prompt: [{ kind: 'say', text: 'Press 1 to take this call.', language: 'en-US' }],
    actionUrl: `${BASE}/screen?call=42&leg=7`,
    timeoutSeconds: 8,
  },
  { kind: 'connect-to-caller', queue: 'call-42', actionUrl: `${BASE}/bridged?call=42` },
  {
    kind: 'record-voicemail',
    maxSeconds: 120,
    actionUrl: `${BASE}/vm-done?call=42`,
    statusUrl: `${BASE}/vm?call=42`,
  },
  { kind: 'redirect', url: `${BASE}/voicemail?call=42` },
  { kind: 'hangup' },
];

const EXPECTED =
  '<?xml version="1.0" encoding="UTF-8"?><Response>' +
  '<Say language="es-MX">Gracias por llamar.</Say>' +
  '<Enqueue action="https://hotline.example/api/telephony/twilio/left?call=42" method="POST" waitUrl="https://hotline.example/api/telephony/twilio/hold?call=42" waitUrlMethod="POST">call-42</Enqueue>' +
  '<Play loop="0">https://hotline.example/audio/hold.mp3</Play>' +
  '<Pause length="2"/>' +
  '<Gather input="dtmf" numDigits="1" timeout="8" action="https://hotline.example/api/telephony/twilio/screen?call=42&amp;leg=7" method="POST" actionOnEmptyResult="true"><Say language="en-US">Press 1 to take this call.</Say></Gather>' +
  '<Dial action="https://hotline.example/api/telephony/twilio/bridged?call=42" method="POST"><Queue>call-42</Queue></Dial>' +
  '<Record maxLength="120" playBeep="true" finishOnKey="#" action="https://hotline.example/api/telephony/twilio/vm-done?call=42" method="POST" recordingStatusCallback="https://hotline.example/api/telephony/twilio/vm?call=42" recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed absent"/>' +
  '<Redirect method="POST">https://hotline.example/api/telephony/twilio/voicemail?call=42</Redirect>' +
  '<Hangup/>' +
  '</Response>';

describe('TwiML and LaML rendering', () => {
  it('renders every instruction (TwiML)', () => {
    const response = renderMarkup(TWIML, FLOW);
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('text/xml; charset=utf-8');
    expect(response.body).toBe(EXPECTED);
  });

  it("LaML has the same verbs and attributes; SignalWire's volunteer does not end the conference on leaving", () => {
    const twilio = renderMarkup({ ...TWIML, conferenceBridge: { volunteerEndsConference: true } }, FLOW).body;
    // SignalWire cannot change the flag for a hand-over: the router hangs up the caller instead.
    expect(renderMarkup(LAML, FLOW).body).toBe(
      twilio.replace(
        'startConferenceOnEnter="true" endConferenceOnExit="true"',
        'startConferenceOnEnter="true" endConferenceOnExit="false"',
      ),
    );
    expect(renderMarkup({ ...TWIML, conferenceBridge: undefined }, FLOW).body).toBe(EXPECTED);
  });

  it("Twilio's calls meet in a conference named after the waiting room (hold and hand-over at Twilio)", () => {
    const body = renderMarkup({ ...TWIML, conferenceBridge: { volunteerEndsConference: true } }, FLOW).body;
    // The caller waits with the wait document until a volunteer starts it, and ends it on leaving.
    expect(body).toContain(
      '<Dial action="https://hotline.example/api/telephony/twilio/left?call=42" method="POST">' +
        '<Conference beep="false" startConferenceOnEnter="false" endConferenceOnExit="true" ' +
        'waitUrl="https://hotline.example/api/telephony/twilio/hold?call=42" waitMethod="POST">call-42</Conference></Dial>',
    );
    // The volunteer starts it; their leaving ends it too, so the caller is never left alone.
    expect(body).toContain(
      '<Dial action="https://hotline.example/api/telephony/twilio/bridged?call=42" method="POST">' +
        '<Conference beep="false" startConferenceOnEnter="true" endConferenceOnExit="true">call-42</Conference></Dial>',
    );
    expect(body).not.toContain('<Enqueue');
    expect(body).not.toContain('<Queue>');
    // Everything else is as without it.
    expect(body.replace(/<Dial[^>]*><Conference[^>]*>call-42<\/Conference><\/Dial>/g, '')).toBe(
      EXPECTED.replace(/<Enqueue[^>]*>call-42<\/Enqueue>|<Dial[^>]*><Queue>call-42<\/Queue><\/Dial>/g, ''),
    );
    expect(() =>
      renderMarkup({ ...TWIML, conferenceBridge: { volunteerEndsConference: true } }, [
        { kind: 'connect-to-caller', queue: 'q</Conference><Dial>' },
      ]),
    ).toThrow(TelephonyInputError);
  });

  it('an acknowledgement is an empty Response', () => {
    expect(renderMarkup(TWIML, []).body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it('a dialect can choose a voice per language', () => {
    const body = renderMarkup(
      { provider: 'twilio', voiceFor: (l) => (l === 'es-MX' ? 'Polly.Mia' : undefined) },
      [
        { kind: 'say', text: 'hola', language: 'es-MX' },
        { kind: 'say', text: 'hi', language: 'en-US' },
      ],
    ).body;
    expect(body).toContain(
      '<Say language="es-MX" voice="Polly.Mia">hola</Say><Say language="en-US">hi</Say>',
    );
  });
});

describe('hostile text', () => {
  const HOSTILE = `</Say><Dial>+15550000000</Dial><Say>"&'\u0000\u0007\u001b\uFFFE\uD800`;

  it('cannot add a verb: markup characters are escaped, characters XML forbids are dropped', () => {
    const body = renderMarkup(TWIML, [{ kind: 'say', text: HOSTILE, language: 'en-US' }]).body;
    expect(body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">' +
        '&lt;/Say&gt;&lt;Dial&gt;+15550000000&lt;/Dial&gt;&lt;Say&gt;&quot;&amp;&apos;' +
        '</Say></Response>',
    );
    expect(body).not.toContain('<Dial>');
  });

  it('escapes attribute values too', () => {
    const body = renderMarkup(TWIML, [
      { kind: 'redirect', url: 'https://h.example/x?a=1&b="><Hangup/>' },
    ]).body;
    expect(body).toContain(
      '<Redirect method="POST">https://h.example/x?a=1&amp;b=&quot;&gt;&lt;Hangup/&gt;</Redirect>',
    );
    expect(escapeXml('a"b\'c<d>e&f')).toBe('a&quot;b&apos;c&lt;d&gt;e&amp;f');
  });

  it('keeps what XML allows: tabs, newlines, accents, emoji', () => {
    expect(escapeXml('a\tb\nc\r é 🙂')).toBe('a\tb\nc\r é 🙂');
  });

  it('refuses what would change the document rather than escape it', () => {
    const bad: Instruction[] = [
      { kind: 'enqueue-caller', queue: 'q</Enqueue><Dial>', waitUrl: 'https://h.example/w' },
      { kind: 'say', text: 'x', language: 'en" voice="x' },
      { kind: 'redirect', url: '/relative' },
      { kind: 'redirect', url: 'javascript:alert(1)' },
      { kind: 'play', url: 'https://user:pw@h.example/a.mp3' },
      { kind: 'pause', seconds: 0 },
      { kind: 'gather-digit', prompt: [], actionUrl: 'https://h.example/g', timeoutSeconds: 1.5 },
      {
        kind: 'record-voicemail',
        maxSeconds: 99999,
        actionUrl: 'https://h.example/a',
        statusUrl: 'https://h.example/s',
      },
    ];
    for (const step of bad) expect(() => renderMarkup(TWIML, [step]), step.kind).toThrow(TelephonyInputError);
  });
});
