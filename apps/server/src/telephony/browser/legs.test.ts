/**
 * The browser leg per provider: the documents each adapter renders for `dial-browser`
 * (TwiML/LaML <Dial><Client>, Plivo <Dial><User>, Vonage connect to an `app` endpoint) and the
 * REST requests that ring a browser as a volunteer leg (the leg the router races against phone
 * legs in the same compare-and-set), against fetch stand-ins on loopback addresses.
 */
import { describe, expect, it } from 'vitest';
import { createAsteriskAdapter } from '../asterisk/adapter.js';
import { TelephonyInputError } from '../errors.js';
import { createPlivoAdapter } from '../plivo/adapter.js';
import { renderPlivoXml } from '../plivo/plivo-xml.js';
import type { Instruction, VolunteerLegRequest } from '../provider.js';
import { createSignalWireAdapter, LAML, lamlFor, spaceNameOf } from '../signalwire/adapter.js';
import { createTwilioAdapter } from '../twilio/adapter.js';
import { renderMarkup, TWIML } from '../twilio/twiml.js';
import { createVonageAdapter } from '../vonage/adapter.js';
import { renderNcco } from '../vonage/ncco.js';

const IDENTITY = 'v0123456789abcdef01234567';
const ACTION = 'https://hotline.example.org/api/telephony/twilio/leg-status?call=c1&leg=l1';
const dial: Instruction = { kind: 'dial-browser', identity: IDENTITY, timeoutSeconds: 30, actionUrl: ACTION };
const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const escapedAction = ACTION.replace('&', '&amp;');

describe('dial-browser documents', () => {
  it('TwiML: <Dial> with the timeout and action, around <Client>identity</Client>', () => {
    const expected = `${XML}<Response><Dial timeout="30" action="${escapedAction}" method="POST"><Client>${IDENTITY}</Client></Dial></Response>`;
    expect(renderMarkup(TWIML, [dial]).body).toBe(expected);
    expect(renderMarkup(TWIML, [{ ...dial, actionUrl: undefined }]).body).toBe(
      `${XML}<Response><Dial timeout="30"><Client>${IDENTITY}</Client></Dial></Response>`,
    );
  });

  it('LaML: <Dial> around <Verto>identity@<space>.verto.signalwire.com</Verto>; refused without a space', () => {
    expect(spaceNameOf('https://example-hotline.signalwire.com')).toBe('example-hotline');
    expect(spaceNameOf('http://127.0.0.1:9')).toBeNull();
    expect(renderMarkup(lamlFor('example-hotline'), [dial]).body).toBe(
      `${XML}<Response><Dial timeout="30" action="${escapedAction}" method="POST"><Verto>${IDENTITY}@example-hotline.verto.signalwire.com</Verto></Dial></Response>`,
    );
    expect(() => renderMarkup(lamlFor(null), [dial])).toThrow(/cannot ring a browser/);
    expect(() => renderMarkup(LAML, [dial])).toThrow(/cannot ring a browser/);
  });

  it('Plivo XML: <Dial> around <User>sip:identity@phone.plivo.com</User>', () => {
    expect(renderPlivoXml([dial]).body).toBe(
      `${XML}<Response><Dial timeout="30" action="${escapedAction}" method="POST" redirect="true"><User>sip:${IDENTITY}@phone.plivo.com</User></Dial></Response>`,
    );
  });

  it('NCCO: connect to the app user, then a notify of how the dial ended', () => {
    expect(JSON.parse(renderNcco([dial]).body)).toEqual([
      { action: 'connect', timeout: 30, endpoint: [{ type: 'app', user: IDENTITY }] },
      { action: 'notify', payload: { event: 'dial-ended' }, eventUrl: [ACTION], eventMethod: 'POST' },
    ]);
  });

  it.each(['alice', `${IDENTITY}</Client><Hangup/>`, 'v0123', `sip:${IDENTITY}@evil.example`])(
    'refuses %s as an identity before rendering anything',
    (identity) => {
      const bad: Instruction = { ...dial, identity };
      expect(() => renderMarkup(TWIML, [bad])).toThrow(TelephonyInputError);
      expect(() => renderPlivoXml([bad])).toThrow(TelephonyInputError);
      expect(() => renderNcco([bad])).toThrow(TelephonyInputError);
    },
  );
});

/** A fetch that records each request and answers with `reply`. */
function recorder(reply: unknown) {
  const seen: { url: string; method: string; body: string }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, method: init.method ?? 'GET', body: String(init.body ?? '') });
    return Response.json(reply, { status: 201 });
  }) as unknown as typeof globalThis.fetch;
  return { seen, fetch };
}

const leg: VolunteerLegRequest = {
  to: '',
  browser: IDENTITY,
  from: '+15550001111',
  answerUrl: 'https://hotline.example.org/api/telephony/x/screen?call=c1&leg=l1',
  statusUrl: 'https://hotline.example.org/api/telephony/x/leg-status?call=c1&leg=l1',
  timeoutSeconds: 30,
};

describe('browser volunteer legs over REST', () => {
  it('Twilio rings client:<identity> with the same answer and status URLs as a phone leg', async () => {
    const { seen, fetch } = recorder({ sid: `CA${'e'.repeat(32)}` });
    const adapter = createTwilioAdapter({
      accountSid: `AC${'a'.repeat(32)}`,
      authToken: 'auth-token-0123',
      apiBaseUrl: 'http://127.0.0.1:9',
      fetch,
    });
    expect(await adapter.createVolunteerLeg(leg)).toEqual({ legId: `CA${'e'.repeat(32)}` });
    const form = new URLSearchParams(seen[0]!.body);
    expect(form.get('To')).toBe(`client:${IDENTITY}`);
    expect(form.get('Url')).toBe(leg.answerUrl);
    expect(form.get('StatusCallback')).toBe(leg.statusUrl);
  });

  it('SignalWire rings verto:<identity>@<space>.verto.signalwire.com, and renders <Verto> in its documents', async () => {
    const { seen, fetch } = recorder({ sid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' });
    const adapter = createSignalWireAdapter({
      projectId: '9f3b0d4e-3c1e-4b8a-9f77-0c2b1a6b5d4e',
      apiToken: 'PTxxxxxxxxxxxx',
      signingKey: 'signing-key-0123',
      spaceUrl: 'http://127.0.0.1:9',
      spaceName: 'example-hotline',
      fetch,
    });
    await adapter.createVolunteerLeg(leg);
    expect(new URLSearchParams(seen[0]!.body).get('To')).toBe(
      `verto:${IDENTITY}@example-hotline.verto.signalwire.com`,
    );
    expect(adapter.render([dial]).body).toContain(
      `<Verto>${IDENTITY}@example-hotline.verto.signalwire.com</Verto>`,
    );
  });

  it('Plivo rings sip:<identity>@phone.plivo.com', async () => {
    const { seen, fetch } = recorder({ request_uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' });
    const adapter = createPlivoAdapter({
      authId: 'MAXXXXXXXXXXXXXXXXXX',
      authToken: 'auth-token-0123',
      apiBaseUrl: 'http://127.0.0.1:9',
      fetch,
    });
    await adapter.createVolunteerLeg(leg);
    expect(JSON.parse(seen[0]!.body)).toMatchObject({
      to: `sip:${IDENTITY}@phone.plivo.com`,
      from: '15550001111',
    });
  });

  it('Vonage rings the app user', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const { seen, fetch } = recorder({ uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' });
    const adapter = createVonageAdapter({
      apiKey: 'key',
      applicationId: '2a8e8a3f-1c1b-4a6e-9a8a-6a0d8d1f3b7c',
      privateKey,
      signatureSecret: 'signature-secret',
      apiBaseUrl: 'http://127.0.0.1:9',
      fetch,
    });
    await adapter.createVolunteerLeg(leg);
    expect(JSON.parse(seen[0]!.body).to).toEqual([{ type: 'app', user: IDENTITY }]);
  });

  it('Asterisk originates PJSIP/<identity> into our application, as a leg; perform dial-browser too', async () => {
    const { seen, fetch } = recorder({ id: 'chan-1' });
    const adapter = createAsteriskAdapter({
      ariUrl: 'http://127.0.0.1:8088',
      username: 'ari',
      password: 'ari-password',
      app: 'llamenos',
      phoneNumbers: ['+15550001111'],
      sipWebSocketUrl: 'wss://pbx.example.org:8089/ws',
      fetch,
    });
    await adapter.createVolunteerLeg(leg);
    await adapter.perform('caller-1', [{ kind: 'dial-browser', identity: IDENTITY, timeoutSeconds: 30 }]);
    // perform answers the caller's channel first; the originates are the legs.
    const originates = seen.filter((r) => new URL(r.url).pathname === '/ari/channels');
    for (const request of originates) {
      const url = new URL(request.url);
      expect(url.pathname).toBe('/ari/channels');
      expect(url.searchParams.get('endpoint')).toBe(`PJSIP/${IDENTITY}`);
      expect(url.searchParams.get('app')).toBe('llamenos');
    }
    expect(originates).toHaveLength(2);
  });

  it('refuses a malformed identity before any request', async () => {
    const { seen, fetch } = recorder({});
    const adapter = createTwilioAdapter({
      accountSid: `AC${'a'.repeat(32)}`,
      authToken: 'auth-token-0123',
      apiBaseUrl: 'http://127.0.0.1:9',
      fetch,
    });
    await expect(adapter.createVolunteerLeg({ ...leg, browser: 'alice&To=+15551234567' })).rejects.toThrow(
      TelephonyInputError,
    );
    expect(seen).toHaveLength(0);
  });
});
