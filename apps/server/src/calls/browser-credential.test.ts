import { BrowserCredentialsResponseSchema } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { BROWSER_CREDENTIAL_RATE } from './browser-credential.js';

/**
 * POST /api/calls/browser-credential: what a volunteer's browser gets for the providers' SDKs,
 * from the provider configuration admins save (settings), through the adapters' capability.
 */

const TWILIO = {
  accountSid: `AC${'1'.repeat(32)}`,
  authToken: 'twilio-auth-token-0123',
  phoneNumbers: ['+15550188001'],
};
const BROWSER_KEYS = {
  apiKeySid: `SK${'2'.repeat(32)}`,
  apiKeySecret: 'twilio-api-key-secret-0123',
  twimlAppSid: `AP${'3'.repeat(32)}`,
};
const PLIVO = {
  authId: 'MAZDQ1ZJIYMDZKMTU2NZ',
  authToken: 'plivo-auth-token-0123',
  phoneNumbers: ['+15550188002'],
};

let h: TestHotline;
let admin: TestUser;
let volunteer: TestUser;

const issue = (as?: TestUser) => h.request('POST', '/api/calls/browser-credential', as ? { as } : {});
const saveProvider = (provider: string, body: unknown) =>
  h.request('PUT', `/api/settings/providers/${provider}`, { as: admin, body });

/** Plivo's token endpoint, on no network: it answers every request with a JWT for the subject. */
const plivoTokens: string[] = [];
const plivoFetch = (async (_url: string, init: RequestInit) => {
  const { sub } = JSON.parse(String(init.body)) as { sub: string };
  plivoTokens.push(sub);
  return Response.json({
    api_id: 'a1',
    token: `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(sub).toString('base64url')}.c2ln`,
  });
}) as unknown as typeof fetch;

beforeAll(async () => {
  h = await createTestHotline(
    {},
    { telephony: { plivo: { apiBaseUrl: 'http://127.0.0.1:9', fetch: plivoFetch } } },
  );
  admin = await h.addUser(['admin'], 'Admin');
  volunteer = await h.addUser(['volunteer'], 'Volunteer');
});
afterAll(() => h.close());

describe('browser credentials', () => {
  it('is refused to anonymous callers (401)', async () => {
    expect((await issue()).status).toBe(401);
  });

  it('refuses a body other than {} with a 400 before anything is issued', async () => {
    const res = await h.request('POST', '/api/calls/browser-credential', {
      as: volunteer,
      body: { provider: 'twilio' },
    });
    expect(res.status).toBe(400);
    expect(
      (await h.request('POST', '/api/calls/browser-credential', { as: volunteer, body: [] })).status,
    ).toBe(400);
  });

  it('is 404 with a clear message while no provider can ring a browser (the simulator has its own signalling)', async () => {
    const res = await issue(volunteer);
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/no telephony provider.*browser calling/);
    // An empty object is the same as no body.
    expect(
      (await h.request('POST', '/api/calls/browser-credential', { as: volunteer, body: {} })).status,
    ).toBe(404);
  });

  it('answers {ifAvailable: true} with an empty 204 instead (the web app asks at every sign-in)', async () => {
    const res = await h.request('POST', '/api/calls/browser-credential', {
      as: volunteer,
      body: { ifAvailable: true },
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const other = { as: volunteer, body: { ifAvailable: false } };
    expect((await h.request('POST', '/api/calls/browser-credential', other)).status).toBe(400);
  });

  it('is 404 for Twilio saved as the admin form sends it, browser fields empty; they stay unset', async () => {
    const saved = await saveProvider('twilio', {
      ...TWILIO,
      apiKeySid: '',
      apiKeySecret: '',
      twimlAppSid: '',
    });
    expect(saved.status).toBe(200);
    const summary = await saved.json();
    expect(Object.keys(summary.fields).sort()).toEqual(['accountSid', 'authToken']);
    expect((await issue(volunteer)).status).toBe(404);
  });

  it('rejects a malformed API key SID with a 400 that names it', async () => {
    const res = await saveProvider('twilio', { ...TWILIO, ...BROWSER_KEYS, apiKeySid: 'SK-nope' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('API key SID');
  });

  it('is 409 naming what is missing when Twilio is half configured', async () => {
    const { twimlAppSid: _, ...half } = BROWSER_KEYS;
    expect((await saveProvider('twilio', { ...TWILIO, ...half })).status).toBe(200);
    const res = await issue(volunteer);
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toMatch(/TwiML app SID/);
  });

  it('issues one credential per configured provider, named by the opaque identity, never cached', async () => {
    const saved = await saveProvider('twilio', { ...TWILIO, ...BROWSER_KEYS });
    expect((await saved.json()).fields).toMatchObject({
      apiKeySid: BROWSER_KEYS.apiKeySid,
      apiKeySecret: { set: true, last4: '0123' },
      twimlAppSid: BROWSER_KEYS.twimlAppSid,
    });
    expect((await saveProvider('plivo', PLIVO)).status).toBe(200);
    const res = await issue(volunteer);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = BrowserCredentialsResponseSchema.parse(await res.json());
    expect(body.credentials.map((c) => c.provider).sort()).toEqual(['plivo', 'twilio']);
    const identity = browserIdentityOf(h.ctx.config.serverSecret, volunteer.id);
    expect(plivoTokens.at(-1)).toBe(identity);
    for (const credential of body.credentials) expect(credential.identity).toBe(identity);
    const text = JSON.stringify(body);
    expect(text).not.toContain(volunteer.id);
    expect(text).not.toContain('Volunteer');
    // Another volunteer gets another identity.
    const other = await h.addUser(['volunteer'], 'Other');
    const theirs = BrowserCredentialsResponseSchema.parse(await (await issue(other)).json());
    expect(theirs.credentials[0]!.identity).not.toBe(identity);
  });

  it('is rate limited per member (429 with Retry-After) once the hour’s allowance is used', async () => {
    const busy = await h.addUser(['volunteer'], 'Busy');
    for (let i = 0; i < BROWSER_CREDENTIAL_RATE.limit; i++) expect((await issue(busy)).status).toBe(200);
    const refused = await issue(busy);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Others are not affected.
    expect((await issue(volunteer)).status).toBe(200);
  });
});
