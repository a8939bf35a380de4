/**
 * Browser SDK credentials per provider, checked offline against the providers' own code: the
 * `twilio` package's AccessToken and the jsonwebtoken verifier its SDKs use, the `plivo`
 * package's token request (Plivo signs its own), @vonage/jwt's verifySignature; SignalWire and Asterisk against local
 * fakes of their REST APIs (loopback, fetch injected).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { BrowserCredentialSchema } from '@llamenos/protocol';
import { verifySignature } from '@vonage/jwt';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { createAsteriskAdapter } from '../asterisk/adapter.js';
import { createPlivoAdapter } from '../plivo/adapter.js';
import { createSignalWireAdapter } from '../signalwire/adapter.js';
import { createTwilioAdapter } from '../twilio/adapter.js';
import { createVonageAdapter } from '../vonage/adapter.js';
import { BrowserCallingNotConfiguredError } from './credential.js';
import { browserIdentityOf } from './identity.js';

const require = createRequire(import.meta.url);
const jsonwebtoken = require('jsonwebtoken') as {
  verify(token: string, key: string, options?: Record<string, unknown>): Record<string, unknown>;
};
const { TokenInterface: PlivoTokenInterface } = require('plivo/dist/resources/token.js') as {
  TokenInterface: new (
    client: (method: string, action: string, params: Record<string, unknown>) => Promise<unknown>,
  ) => { create(iss: string, options: Record<string, unknown>): Promise<unknown> };
};

const NOW = new Date('2026-12-05T01:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const identity = browserIdentityOf(new Uint8Array(32).fill(7), '0b6f7a52-4b4e-4c1e-9f5e-5b8f0f6b2a11');
const partOf = (token: string, i: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[i]!, 'base64url').toString());
/** The tokens carry real times; the oracles verify them at NOW. */
const clock = { clockTimestamp: NOW_S + 5 };

describe('the browser identity', () => {
  it('is opaque, stable per user and install, and differs between users and installs', () => {
    expect(identity).toMatch(/^v[0-9a-f]{24}$/);
    const secret = new Uint8Array(32).fill(7);
    expect(browserIdentityOf(secret, '0b6f7a52-4b4e-4c1e-9f5e-5b8f0f6b2a11')).toBe(identity);
    expect(browserIdentityOf(secret, 'another-user')).not.toBe(identity);
    expect(browserIdentityOf(new Uint8Array(32).fill(8), '0b6f7a52-4b4e-4c1e-9f5e-5b8f0f6b2a11')).not.toBe(
      identity,
    );
  });
});

describe('Twilio Voice JS SDK access token', () => {
  const account = {
    accountSid: `AC${'a'.repeat(32)}`,
    authToken: 'auth-token-0123456789',
    apiKeySid: `SK${'b'.repeat(32)}`,
    apiKeySecret: 'api-key-secret-0123456789',
    twimlAppSid: `AP${'c'.repeat(32)}`,
  };

  it('verifies under the API key secret and has the shape of the twilio package’s own token', async () => {
    const adapter = createTwilioAdapter(account);
    const credential = await adapter.browserCredential!({ identity }, NOW);
    expect(BrowserCredentialSchema.parse(credential)).toEqual(credential);
    const claims = jsonwebtoken.verify(
      credential.provider === 'twilio' ? credential.token : '',
      account.apiKeySecret,
      {
        algorithms: ['HS256'],
        ...clock,
      },
    );
    expect(claims).toMatchObject({
      iss: account.apiKeySid,
      sub: account.accountSid,
      exp: NOW_S + 3600,
      grants: {
        identity,
        voice: { incoming: { allow: true }, outgoing: { application_sid: account.twimlAppSid } },
      },
    });
    // The oracle: the official package's token for the same grant.
    const theirs = new twilio.jwt.AccessToken(account.accountSid, account.apiKeySid, account.apiKeySecret, {
      identity,
      ttl: 3600,
    });
    theirs.addGrant(
      new twilio.jwt.AccessToken.VoiceGrant({
        incomingAllow: true,
        outgoingApplicationSid: account.twimlAppSid,
      }),
    );
    const theirToken = theirs.toJwt();
    const token = (credential as { token: string }).token;
    expect(partOf(token, 0)).toEqual(partOf(theirToken, 0));
    expect(Object.keys(claims).sort()).toEqual(Object.keys(partOf(theirToken, 1)).sort());
    expect(claims.grants).toEqual(partOf(theirToken, 1).grants);
    expect(() => jsonwebtoken.verify(token, 'another-secret-0123456', clock)).toThrow();
    // Expired an hour later.
    expect(() => jsonwebtoken.verify(token, account.apiKeySecret, { clockTimestamp: NOW_S + 3601 })).toThrow(
      /expired/,
    );
  });

  it('is absent without the API key, and names what is missing when half configured', async () => {
    expect(
      createTwilioAdapter({ accountSid: account.accountSid, authToken: account.authToken }).browserCredential,
    ).toBeUndefined();
    const half = createTwilioAdapter({ ...account, twimlAppSid: undefined });
    await expect(half.browserCredential!({ identity }, NOW)).rejects.toThrow(
      BrowserCallingNotConfiguredError,
    );
    await expect(half.browserCredential!({ identity }, NOW)).rejects.toThrow(/TwiML app SID/);
  });

  it('is never issued by the simulated carrier (it has its own browser signalling)', () => {
    expect(createTwilioAdapter({ ...account, provider: 'simulator' }).browserCredential).toBeUndefined();
  });
});

describe('Plivo browser SDK access token', () => {
  const authId = 'MAXXXXXXXXXXXXXXXXXX';
  const authToken = 'plivo-auth-token-0123456789';

  it('is asked of Plivo’s REST API (its SIP side takes only tokens Plivo signed), as the plivo package asks', async () => {
    const seen: { url: string; auth: string | null; body: Record<string, unknown> }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      seen.push({
        url,
        auth: new Headers(init.headers).get('authorization'),
        body: JSON.parse(String(init.body)),
      });
      return Response.json({ api_id: 'a1', token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2In0.c2ln' });
    }) as unknown as typeof globalThis.fetch;
    const adapter = createPlivoAdapter({ authId, authToken, apiBaseUrl: 'http://127.0.0.1:9', fetch });
    const credential = await adapter.browserCredential!({ identity }, NOW);
    expect(BrowserCredentialSchema.parse(credential)).toEqual({
      provider: 'plivo',
      identity,
      token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2In0.c2ln',
      expiresAt: '2026-12-05T02:00:00.000Z',
    });
    expect(seen[0]!.url).toBe(`http://127.0.0.1:9/v1/Account/${authId}/JWT/Token/`);
    expect(seen[0]!.auth).toBe(`Basic ${Buffer.from(`${authId}:${authToken}`).toString('base64')}`);
    // The oracle: the request the plivo package's own TokenInterface makes for the same token.
    let theirs: { method: string; action: string; params: Record<string, unknown> } | null = null;
    const tokens = new PlivoTokenInterface(
      (method: string, action: string, params: Record<string, unknown>) => {
        theirs = { method, action, params };
        return Promise.resolve({ body: {} });
      },
    );
    await tokens.create(authId, { sub: identity, nbf: NOW_S, exp: NOW_S + 3600, incoming_allow: true });
    expect(theirs!.method).toBe('POST');
    expect(seen[0]!.url.endsWith(theirs!.action)).toBe(true);
    // Ours also says outgoing_allow: false, which the package leaves out when false.
    expect(seen[0]!.body).toEqual({
      ...theirs!.params,
      per: { voice: { incoming_allow: true, outgoing_allow: false } },
    });
    expect(theirs!.params.per).toEqual({ voice: { incoming_allow: true } });
  });

  it('refuses an answer without a JWT', async () => {
    const fetch = (async () => Response.json({ api_id: 'a1' })) as unknown as typeof globalThis.fetch;
    const adapter = createPlivoAdapter({ authId, authToken, apiBaseUrl: 'http://127.0.0.1:9', fetch });
    await expect(adapter.browserCredential!({ identity }, NOW)).rejects.toThrow(/no JWT/);
  });
});

describe('Vonage Client SDK token', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const applicationId = '2a8e8a3f-1c1b-4a6e-9a8a-6a0d8d1f3b7c';

  it('creates the user once, verifies with @vonage/jwt, and carries sub, application_id and the client ACL only', async () => {
    const requests: { method: string; url: string; body: unknown }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      requests.push({ method: init.method ?? 'GET', url, body: JSON.parse(String(init.body)) });
      // The second creation finds the user there already.
      return new Response(JSON.stringify({}), { status: requests.length === 1 ? 201 : 409 });
    }) as unknown as typeof globalThis.fetch;
    const adapter = createVonageAdapter({
      apiKey: 'key',
      applicationId,
      privateKey,
      signatureSecret: 'signature-secret',
      apiBaseUrl: 'http://127.0.0.1:9',
      fetch,
    });
    // The oracle checks the expiry against the wall clock, so this token is issued now.
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const issuedS = issuedAt.getTime() / 1000;
    const credential = await adapter.browserCredential!({ identity }, issuedAt);
    await adapter.browserCredential!({ identity }, issuedAt);
    expect(requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', 'http://127.0.0.1:9/v1/users', { name: identity }],
      ['POST', 'http://127.0.0.1:9/v1/users', { name: identity }],
    ]);
    const token = (credential as { token: string }).token;
    expect(verifySignature(token, publicKey)).toBe(true);
    expect(partOf(token, 0)).toEqual({ alg: 'RS256', typ: 'JWT' });
    const claims = partOf(token, 1);
    expect(claims).toMatchObject({
      application_id: applicationId,
      sub: identity,
      iat: issuedS,
      exp: issuedS + 3600,
    });
    expect(Object.keys(claims.acl.paths).sort()).toEqual(
      ['/*/conversations/**', '/*/devices/**', '/*/knocking/**', '/*/legs/**', '/*/sessions/**'].sort(),
    );
    expect(JSON.stringify(claims.acl)).not.toContain('users');
  });
});

describe('SignalWire RELAY browser token', () => {
  it('asks the space’s REST API for a JWT for the identity, with basic auth, and returns it', async () => {
    const seen: { url: string; auth: string | null; body: unknown }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      seen.push({
        url,
        auth: new Headers(init.headers).get('authorization'),
        body: JSON.parse(String(init.body)),
      });
      return Response.json({
        jwt_token: 'eyJhbGciOiJSUzI1NiJ9.eyJyIjoidiJ9.c2ln',
        refresh_token: 'refresh-me',
      });
    }) as unknown as typeof globalThis.fetch;
    const projectId = '9f3b0d4e-3c1e-4b8a-9f77-0c2b1a6b5d4e';
    const adapter = createSignalWireAdapter({
      projectId,
      apiToken: 'PTxxxxxxxxxxxx',
      signingKey: 'signing-key-0123',
      spaceUrl: 'http://127.0.0.1:9',
      fetch,
    });
    const credential = await adapter.browserCredential!({ identity }, NOW);
    // The project id rides along: the RELAY browser SDK's blade.connect names it beside the JWT.
    expect(credential).toEqual({
      provider: 'signalwire',
      identity,
      token: 'eyJhbGciOiJSUzI1NiJ9.eyJyIjoidiJ9.c2ln',
      project: projectId,
      expiresAt: '2026-12-05T02:00:00.000Z',
    });
    expect(BrowserCredentialSchema.parse(credential)).toEqual(credential);
    expect(JSON.stringify(credential)).not.toContain('PTxxxxxxxxxxxx');
    expect(JSON.stringify(credential)).not.toContain('refresh-me');
    expect(seen).toEqual([
      {
        url: 'http://127.0.0.1:9/api/relay/rest/jwt',
        auth: `Basic ${Buffer.from(`${projectId}:PTxxxxxxxxxxxx`).toString('base64')}`,
        body: { resource: identity, expires_in: 60 },
      },
    ]);
  });

  it('is a SignalWire credential only with its project id, and only SignalWire’s carries one', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJyIjoidiJ9.c2ln';
    const expiresAt = '2026-12-05T02:00:00.000Z';
    const project = '9f3b0d4e-3c1e-4b8a-9f77-0c2b1a6b5d4e';
    const ok = { provider: 'signalwire', identity, token, project, expiresAt };
    expect(BrowserCredentialSchema.parse(ok)).toEqual(ok);
    expect(BrowserCredentialSchema.safeParse({ ...ok, project: undefined }).success).toBe(false);
    expect(BrowserCredentialSchema.safeParse({ ...ok, project: 'not-a-project' }).success).toBe(false);
    // The other token credentials are unchanged: a project id there is refused (strict shapes).
    expect(BrowserCredentialSchema.safeParse({ ...ok, provider: 'twilio' }).success).toBe(false);
    expect(
      BrowserCredentialSchema.safeParse({ provider: 'twilio', identity, token, expiresAt }).success,
    ).toBe(true);
  });

  it('refuses an answer without a JWT', async () => {
    const fetch = (async () => Response.json({ error: 'nope' })) as unknown as typeof globalThis.fetch;
    const adapter = createSignalWireAdapter({
      projectId: '9f3b0d4e-3c1e-4b8a-9f77-0c2b1a6b5d4e',
      apiToken: 'PTxxxxxxxxxxxx',
      signingKey: 'signing-key-0123',
      spaceUrl: 'http://127.0.0.1:9',
      fetch,
    });
    await expect(adapter.browserCredential!({ identity }, NOW)).rejects.toThrow(/no JWT/);
  });
});

describe('Asterisk per-volunteer PJSIP endpoint', () => {
  const base = {
    ariUrl: 'http://127.0.0.1:8088',
    username: 'ari',
    password: 'ari-password',
    app: 'llamenos',
    phoneNumbers: ['+15550001111'],
  };

  it('is absent without a SIP WebSocket URL', () => {
    expect(createAsteriskAdapter(base).browserCredential).toBeUndefined();
  });

  it('pushes auth, AOR and a WebRTC endpoint through ARI dynamic config, with a new random password each time', async () => {
    const puts: { url: string; fields: Record<string, string> }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      const { fields } = JSON.parse(String(init.body)) as { fields: { attribute: string; value: string }[] };
      expect(init.method).toBe('PUT');
      puts.push({ url, fields: Object.fromEntries(fields.map((f) => [f.attribute, f.value])) });
      return Response.json(fields);
    }) as unknown as typeof globalThis.fetch;
    const adapter = createAsteriskAdapter({
      ...base,
      sipWebSocketUrl: 'wss://pbx.example.org:8089/ws',
      fetch,
    });
    const first = await adapter.browserCredential!({ identity }, NOW);
    const second = await adapter.browserCredential!({ identity }, NOW);
    expect(BrowserCredentialSchema.parse(first)).toEqual(first);
    if (first.provider !== 'asterisk' || second.provider !== 'asterisk') throw new Error('not SIP');
    expect(first).toMatchObject({
      webSocketUrl: 'wss://pbx.example.org:8089/ws',
      sipUri: `sip:${identity}@pbx.example.org`,
      username: identity,
    });
    expect(first.password).not.toBe(second.password);
    const root = 'http://127.0.0.1:8088/ari/asterisk/config/dynamic/res_pjsip';
    expect(puts.slice(0, 3).map((p) => p.url)).toEqual([
      `${root}/auth/${identity}`,
      `${root}/aor/${identity}`,
      `${root}/endpoint/${identity}`,
    ]);
    expect(puts[0]!.fields).toEqual({ auth_type: 'userpass', username: identity, password: first.password });
    expect(puts[3]!.fields.password).toBe(second.password);
    expect(puts[1]!.fields).toEqual({ max_contacts: '1', remove_existing: 'yes' });
    expect(puts[2]!.fields).toMatchObject({
      webrtc: 'yes',
      transport: 'transport-wss',
      aors: identity,
      auth: identity,
    });
  });
});
