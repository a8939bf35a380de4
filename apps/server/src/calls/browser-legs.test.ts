import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePlivoApi } from '../../test/fakes/plivo-api.js';
import { FakeVonageApi } from '../../test/fakes/vonage-api.js';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from '../../test/helpers.js';
import { plivoCallFields, plivoInboundFields, plivoRequest, TEST_PLIVO } from '../../test/plivo-webhooks.js';
import {
  testVonageAccount,
  vonageCallFields,
  vonageInboundFields,
  vonageRequest,
} from '../../test/vonage-webhooks.js';
import { sealPhone } from '../identity/phone.js';
import { deleteProviderCredentials } from '../settings/providers.js';
import { saveProviderCredentials } from '../settings/service.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';
import { twilioSignature } from '../telephony/twilio/signature.js';
import { settleCallWork } from './index.js';

/**
 * A volunteer who answers in the browser is rung, on every webhook provider, as a leg of that
 * provider's browser SDK beside the phone legs: the exact request each provider's local fake
 * receives, then the same race as phone legs (first pickup wins, the loser is cancelled at the
 * provider, whichever kind of leg wins). Asterisk's PJSIP browser leg is in browser-legs-ari.test.ts.
 */

const { credentials: VONAGE, publicKeyPem: VONAGE_PUBLIC_KEY } = testVonageAccount();
const TWILIO = {
  accountSid: `AC${randomBytes(16).toString('hex')}`,
  authToken: randomBytes(16).toString('hex'),
  apiKeySid: `SK${randomBytes(16).toString('hex')}`,
  apiKeySecret: randomBytes(16).toString('hex'),
  twimlAppSid: `AP${randomBytes(16).toString('hex')}`,
};
const SIGNALWIRE = {
  projectId: randomUUID(),
  apiToken: `PT${randomBytes(12).toString('hex')}`,
  spaceUrl: 'https://example-hotline.signalwire.com',
  signingKey: randomBytes(16).toString('hex'),
};
const PLIVO = TEST_PLIVO;
const NUMBERS = {
  twilio: '+15550166001',
  signalwire: '+15550166002',
  vonage: '+15550166003',
  plivo: '+15550166004',
} as const;
const PHONE = '+15550167001';
type Name = keyof typeof NUMBERS;

let h: TestHotline;
let twilio: FakeTwilioApi;
let signalwire: FakeTwilioApi;
let vonage: FakeVonageApi;
let plivo: FakePlivoApi;
/** Answers only in the browser. */
let bea: TestUser;
/** Answers only on the phone. */
let pat: TestUser;
let identity: string;

interface LegRequest {
  /** Where the provider was asked to ring. */
  to: unknown;
  /** The rest of the request, with our leg id replaced by "LEG" (so two legs compare equal). */
  rest: unknown;
}

/** What differs between the providers; the race below is shared. */
interface Driver {
  name: Name;
  /** A signed webhook to PUBLIC_URL + path. */
  send(path: string, fields: Record<string, unknown>): Response | Promise<Response>;
  liveCaller(): string;
  inbound(caller: string): Record<string, unknown>;
  about(providerId: string, more?: { status?: string; digits?: string }): Record<string, unknown>;
  /** The leg requests the fake received since `from`, in order. */
  legRequests(from: number): LegRequest[];
  requestCount(): number;
  stateAtFake(providerId: string): string | undefined;
  /** The address the provider's browser SDK logged in as `identity` is rung at. */
  browserAddress: (identity: string, callId: string) => unknown;
  phoneAddress: unknown;
  canceledWord: string;
}

const withoutLeg = (text: string, legId: string) => text.split(legId).join('LEG');

function twilioLike(name: 'twilio' | 'signalwire', fake: () => FakeTwilioApi, key: string): Driver {
  return {
    name,
    send: (path, fields) => {
      const params = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
      return h.app.request(`${PUBLIC_URL}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          [`x-${name}-signature`]: twilioSignature(key, `${PUBLIC_URL}${path}`, Object.entries(params)),
        },
        body: new URLSearchParams(params).toString(),
      });
    },
    liveCaller: () =>
      fake().state.createCall({
        to: NUMBERS[name],
        from: '+15551239876',
        url: `${PUBLIC_URL}/x`,
        statusCallback: null,
        statusCallbackEvents: [],
        timeoutSeconds: 60,
      }).sid,
    inbound: (caller) => ({
      CallSid: caller,
      From: '+15551239876',
      To: NUMBERS[name],
      CallStatus: 'ringing',
    }),
    about: (id, more = {}) => ({
      CallSid: id,
      ...(more.status ? { CallStatus: more.status } : {}),
      ...(more.digits !== undefined ? { Digits: more.digits } : {}),
    }),
    legRequests: (from) =>
      fake()
        .requests.slice(from)
        .filter((r) => r.method === 'POST' && r.path.endsWith('/Calls.json'))
        .map((r) => {
          const to = r.form.find(([k]) => k === 'To')?.[1];
          const leg = new URL(r.form.find(([k]) => k === 'Url')![1]).searchParams.get('leg')!;
          return {
            to,
            rest: r.form.filter(([k]) => k !== 'To').map(([k, v]) => [k, withoutLeg(v, leg)]),
          };
        }),
    requestCount: () => fake().requests.length,
    stateAtFake: (id) => fake().call(id)?.status,
    browserAddress:
      name === 'twilio'
        ? (id, callId) => `client:${id}?callId=${callId}`
        : (id) => `verto:${id}@example-hotline.verto.signalwire.com`,
    phoneAddress: PHONE,
    canceledWord: 'canceled',
  };
}

const vonageDriver: Driver = {
  name: 'vonage',
  send: (path, fields) => h.app.request(`${PUBLIC_URL}${path}`, vonageRequest(VONAGE, fields)),
  liveCaller: () => vonage.addCall('answered').uuid,
  inbound: (caller) => vonageInboundFields(caller, '+15551239876', NUMBERS.vonage),
  about: vonageCallFields,
  legRequests: (from) =>
    vonage.requests
      .slice(from)
      .filter((r) => r.method === 'POST' && r.path === '/v1/calls')
      .map((r) => {
        const { to, ...rest } = r.json as { to: unknown; answer_url: string[] };
        const leg = new URL(rest.answer_url[0]!).searchParams.get('leg')!;
        return { to, rest: JSON.parse(withoutLeg(JSON.stringify(rest), leg)) };
      }),
  requestCount: () => vonage.requests.length,
  stateAtFake: (id) => vonage.calls.get(id)?.status,
  browserAddress: (id) => [{ type: 'app', user: id }],
  phoneAddress: [{ type: 'phone', number: PHONE.slice(1) }],
  canceledWord: 'cancelled',
};

const plivoDriver: Driver = {
  name: 'plivo',
  send: (path, fields) => {
    const url = `${PUBLIC_URL}${path}`;
    const params = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
    return h.app.request(url, plivoRequest(PLIVO.authToken, url, params));
  },
  liveCaller: () => plivo.addCall('in-progress').uuid,
  inbound: (caller) => plivoInboundFields(caller, '+15551239876', NUMBERS.plivo),
  about: plivoCallFields,
  legRequests: (from) =>
    plivo.requests
      .slice(from)
      .filter((r) => r.method === 'POST' && r.path === `/v1/Account/${PLIVO.authId}/Call/`)
      .map((r) => {
        // The browser leg's header naming the hotline call goes with its address.
        const { to, sip_headers, ...rest } = r.json as {
          to: unknown;
          answer_url: string;
          sip_headers?: string;
        };
        const leg = new URL(rest.answer_url).searchParams.get('leg')!;
        return {
          to: sip_headers === undefined ? to : { to, sip_headers },
          rest: JSON.parse(withoutLeg(JSON.stringify(rest), leg)),
        };
      }),
  requestCount: () => plivo.requests.length,
  stateAtFake: (id) => plivo.calls.get(id)?.state,
  browserAddress: (id, callId) => ({
    to: `sip:${id}@phone.plivo.com`,
    sip_headers: `callId=${callId.replaceAll('-', '')}`,
  }),
  phoneAddress: PHONE.slice(1),
  canceledWord: 'canceled',
};

const drivers: Driver[] = [
  twilioLike('twilio', () => twilio, TWILIO.authToken),
  twilioLike('signalwire', () => signalwire, SIGNALWIRE.signingKey),
  vonageDriver,
  plivoDriver,
];

beforeAll(async () => {
  twilio = await FakeTwilioApi.start(TWILIO);
  signalwire = await FakeTwilioApi.start({
    accountSid: SIGNALWIRE.projectId,
    authToken: SIGNALWIRE.apiToken,
    apiPath: '/api/laml/2010-04-01',
    idStyle: 'uuid',
  });
  vonage = await FakeVonageApi.start({
    applicationId: VONAGE.applicationId,
    publicKeyPem: VONAGE_PUBLIC_KEY,
  });
  plivo = await FakePlivoApi.start(PLIVO);
  h = await createTestHotline(
    {},
    {
      telephony: {
        twilio: { apiBaseUrl: twilio.baseUrl },
        signalwire: { apiBaseUrl: signalwire.baseUrl },
        vonage: { apiBaseUrl: vonage.baseUrl },
        plivo: { apiBaseUrl: plivo.baseUrl },
      },
    },
  );
  const actor = { pubkey: null, ipHash: null };
  await saveProviderCredentials(h.ctx, actor, 'twilio', { ...TWILIO, phoneNumbers: [NUMBERS.twilio] });
  await saveProviderCredentials(h.ctx, actor, 'signalwire', {
    ...SIGNALWIRE,
    phoneNumbers: [NUMBERS.signalwire],
  });
  await saveProviderCredentials(h.ctx, actor, 'vonage', { ...VONAGE, phoneNumbers: [NUMBERS.vonage] });
  await saveProviderCredentials(h.ctx, actor, 'plivo', { ...PLIVO, phoneNumbers: [NUMBERS.plivo] });
  const shiftId = randomUUID();
  await h.ctx.db.query(
    `insert into shifts (id, name, weekday, start_time, duration_minutes, active, created_at, updated_at)
     values ($1, 'All day', $2, '00:00', 1440, true, now(), now())`,
    [shiftId, (new Date().getUTCDay() + 6) % 7],
  );
  bea = await h.addUser(['volunteer'], 'Bea');
  pat = await h.addUser(['volunteer'], 'Pat');
  await h.ctx.db.query(`update users set call_preference = 'browser' where id = $1`, [bea.id]);
  const sealed = sealPhone(h.ctx.keys.settingsKey, 'users', pat.id, PHONE);
  await h.ctx.db.query(
    `update users set phone_enc = $2, phone_last4 = $3, call_preference = 'phone' where id = $1`,
    [pat.id, sealed.phoneEnc, sealed.phoneLast4],
  );
  for (const user of [bea, pat])
    await h.ctx.db.query('insert into shift_assignments (shift_id, user_id) values ($1, $2)', [
      shiftId,
      user.id,
    ]);
  identity = browserIdentityOf(h.ctx.config.serverSecret, bea.id);
});
afterAll(async () => {
  await settleCallWork(h.ctx);
  await Promise.all([twilio?.close(), signalwire?.close(), vonage?.close(), plivo?.close()]);
  await h?.close();
});

interface LegsRow {
  id: string;
  user_id: string;
  kind: 'phone' | 'browser';
  provider_leg_id: string;
  status: string;
}

/** A caller reaches the hotline on `d`: both volunteers rung, one leg each, placed at the fake. */
async function arrive(d: Driver) {
  const caller = d.liveCaller();
  const before = d.requestCount();
  const res = await d.send(`/api/telephony/${d.name}/inbound`, d.inbound(caller));
  expect(res.status).toBe(200);
  await settleCallWork(h.ctx);
  const [call] = await h.ctx.db.query<{ id: string; status: string }>(
    'select * from calls where provider = $1 and provider_call_id = $2',
    [d.name, caller],
  );
  expect(call?.status).toBe('ringing');
  const legs = await h.ctx.db.query<LegsRow>('select * from call_legs where call_id = $1', [call!.id]);
  const browser = legs.find((l) => l.kind === 'browser')!;
  const phone = legs.find((l) => l.kind === 'phone')!;
  expect(legs).toHaveLength(2);
  expect([browser.user_id, phone.user_id]).toEqual([bea.id, pat.id]);
  expect([browser.status, phone.status]).toEqual(['queued', 'queued']);
  const requests = d.legRequests(before);
  expect(requests).toHaveLength(2);
  return { caller, call: call!, browser, phone, requests };
}

const answered = async (callId: string) =>
  (
    await h.ctx.db.query<{ status: string; answered_leg_id: string | null }>(
      'select status, answered_leg_id from calls where id = $1',
      [callId],
    )
  )[0]!;

for (const d of drivers) {
  describe(`a browser leg at ${d.name}`, () => {
    it('is requested like the phone leg, to the browser identity; answering it in the browser cancels the phone', async () => {
      const { call, browser, phone, requests } = await arrive(d);
      // The same request as the phone leg's (answer URL, status URL, timeout, from), only the
      // address differs: the identity the credential route issues to Bea's browser.
      expect(identity).toMatch(/^v[0-9a-f]{24}$/);
      const tos = requests.map((r) => r.to);
      expect(tos).toContainEqual(d.browserAddress(identity, call.id));
      expect(tos).toContainEqual(d.phoneAddress);
      expect(requests[0]!.rest).toEqual(requests[1]!.rest);

      // Bea clicks Answer: the SDK takes the leg and the provider fetches its answer document,
      // which connects her at once. No "press 1": the click was the volunteer's choice.
      const base = `/api/telephony/${d.name}`;
      const q = `call=${call.id}&leg=${browser.id}`;
      const connect = await (await d.send(`${base}/screen?${q}`, d.about(browser.provider_leg_id))).text();
      expect(connect).toContain(`call-${call.id}`);
      expect(connect).not.toContain('/answer?');
      expect(connect).not.toContain('press 1');
      expect(await answered(call.id)).toEqual({ status: 'answered', answered_leg_id: browser.id });
      await settleCallWork(h.ctx);
      expect(await answered(call.id)).toEqual({ status: 'answered', answered_leg_id: browser.id });
      expect(d.stateAtFake(phone.provider_leg_id)).toBe(d.canceledWord);
      const [audit] = await h.ctx.db.query<{ details: { via: string } }>(
        `select details from audit_log where action = 'calls.answered' and details->>'callId' = $1`,
        [call.id],
      );
      expect(audit!.details.via).toBe('browser');

      // Bea hangs up in the browser: the provider reports her leg completed and the call ends.
      await d.send(`${base}/leg-status?${q}`, d.about(browser.provider_leg_id, { status: 'completed' }));
      await settleCallWork(h.ctx);
      expect((await answered(call.id)).status).toBe('completed');
    });

    it('is cancelled at the provider when the phone leg wins', async () => {
      const { call, browser, phone } = await arrive(d);
      const base = `/api/telephony/${d.name}`;
      const q = `call=${call.id}&leg=${phone.id}`;
      // Pat's phone picking up is not an answer (it may be his voicemail): it is screened.
      const screen = await (await d.send(`${base}/screen?${q}`, d.about(phone.provider_leg_id))).text();
      expect(screen).toContain(`/answer?call=${call.id}`);
      expect((await answered(call.id)).status).toBe('ringing');
      await d.send(`${base}/answer?${q}`, d.about(phone.provider_leg_id, { digits: '1' }));
      await settleCallWork(h.ctx);
      expect(await answered(call.id)).toEqual({ status: 'answered', answered_leg_id: phone.id });
      expect(d.stateAtFake(browser.provider_leg_id)).toBe(d.canceledWord);
      // Bea's late pickup in the browser: taken, and the call stays Pat's.
      const late = await d.send(
        `${base}/screen?call=${call.id}&leg=${browser.id}`,
        d.about(browser.provider_leg_id),
      );
      expect(await late.text()).toContain('Another volunteer took this call');
      expect((await answered(call.id)).answered_leg_id).toBe(phone.id);
      await d.send(`${base}/leg-status?${q}`, d.about(phone.provider_leg_id, { status: 'completed' }));
      await settleCallWork(h.ctx);
      expect((await answered(call.id)).status).toBe('completed');
    });
  });
}

describe('a provider that cannot ring browsers', () => {
  it('Twilio without the browser keys rings only the phone', async () => {
    // Stored anew: a save without the browser keys would keep the stored ones.
    await deleteProviderCredentials(h.ctx, { pubkey: null, ipHash: null }, 'twilio');
    await saveProviderCredentials(h.ctx, { pubkey: null, ipHash: null }, 'twilio', {
      accountSid: TWILIO.accountSid,
      authToken: TWILIO.authToken,
      phoneNumbers: [NUMBERS.twilio],
    });
    const d = drivers[0]!;
    const caller = d.liveCaller();
    const before = d.requestCount();
    await d.send('/api/telephony/twilio/inbound', d.inbound(caller));
    await settleCallWork(h.ctx);
    const [call] = await h.ctx.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
      caller,
    ]);
    const legs = await h.ctx.db.query<LegsRow>('select * from call_legs where call_id = $1', [call!.id]);
    expect(legs.map((l) => [l.kind, l.user_id])).toEqual([['phone', pat.id]]);
    expect(d.legRequests(before).map((r) => r.to)).toEqual([PHONE]);
    await d.send('/api/telephony/twilio/status', d.about(caller, { status: 'completed' }));
    await settleCallWork(h.ctx);
  });
});
