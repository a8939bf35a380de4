import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { testProviderCredentials } from './test-connection.js';

/**
 * The provider connection test against a local fake provider: what it asks for, with which
 * credentials, and every way it refuses to be pointed somewhere else (SSRF).
 */

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** A local stand-in for every provider's API: answers by path, records what it was asked. */
class FakeProvider {
  readonly seen: Seen[] = [];
  status = 200;
  headers: Record<string, string> = { 'content-type': 'application/json' };
  delayMs = 0;
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res) => {
      this.seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
      });
      setTimeout(() => {
        res.writeHead(this.status, this.headers);
        res.end(JSON.stringify(this.status < 300 ? { ok: true } : { message: 'nope', code: 20003 }));
      }, this.delayMs);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.seen.length = 0;
    this.status = 200;
    this.headers = { 'content-type': 'application/json' };
    this.delayMs = 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const fake = new FakeProvider();
let fakeOrigin = '';
/** Every URL the code under test asked fetch for, before the fake answered. */
const requested: string[] = [];

/** Sends a request meant for a provider's public host to the local fake instead. */
const toFake: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  requested.push(url.href);
  return fetch(`${fakeOrigin}${url.pathname}${url.search}`, init);
};

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const TWILIO = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'f00dfeedcafe4b1d9a8e7c6b5a4d3c2b',
  phoneNumbers: ['+15550001111'],
};
const SIGNALWIRE = {
  projectId: '0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d',
  apiToken: 'PTsignalwireapitoken0123456789',
  spaceUrl: 'https://example.signalwire.com',
  signingKey: 'PSKsigningkeyvalue0123456789',
  phoneNumbers: [],
};
const VONAGE = {
  apiKey: 'a1b2c3d4',
  apiSecret: 'S3cr3tVonageApiSecretValue',
  applicationId: '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
  signatureSecret: 'VonageSignatureSecretValue1234',
  phoneNumbers: [],
};
const PLIVO = {
  authId: 'MAXXXXXXXXXXXXXXXXXX',
  authToken: 'plivoAuthTokenValue0123456789',
  phoneNumbers: [],
};
const asterisk = (ariUrl: string) => ({
  ariUrl,
  username: 'llamenos',
  password: 'ari-password-123',
  app: 'llamenos',
  phoneNumbers: [],
});

beforeAll(async () => {
  fakeOrigin = await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.reset();
  requested.length = 0;
});

describe('a harmless authenticated read per provider', () => {
  it('Twilio: GET the account at api.twilio.com with the account sid and token', async () => {
    const result = await testProviderCredentials('twilio', TWILIO, { fetch: toFake });
    expect(result.ok).toBe(true);
    expect(requested).toEqual([`https://api.twilio.com/2010-04-01/Accounts/${TWILIO.accountSid}.json`]);
    expect(fake.seen).toEqual([
      {
        method: 'GET',
        path: `/2010-04-01/Accounts/${TWILIO.accountSid}.json`,
        authorization: basic(TWILIO.accountSid, TWILIO.authToken),
      },
    ]);
  });

  it('SignalWire: GET the project on its own space', async () => {
    const result = await testProviderCredentials('signalwire', SIGNALWIRE, { fetch: toFake });
    expect(result.ok).toBe(true);
    expect(requested).toEqual([
      `https://example.signalwire.com/api/laml/2010-04-01/Accounts/${SIGNALWIRE.projectId}.json`,
    ]);
    expect(fake.seen[0]?.authorization).toBe(basic(SIGNALWIRE.projectId, SIGNALWIRE.apiToken));
  });

  it('Vonage: GET the application at api.nexmo.com', async () => {
    const result = await testProviderCredentials('vonage', VONAGE, { fetch: toFake });
    expect(result.ok).toBe(true);
    expect(requested).toEqual([`https://api.nexmo.com/v2/applications/${VONAGE.applicationId}`]);
    expect(fake.seen[0]?.authorization).toBe(basic(VONAGE.apiKey, VONAGE.apiSecret));
  });

  it('Plivo: GET the account at api.plivo.com', async () => {
    const result = await testProviderCredentials('plivo', PLIVO, { fetch: toFake });
    expect(result.ok).toBe(true);
    expect(requested).toEqual([`https://api.plivo.com/v1/Account/${PLIVO.authId}/`]);
    expect(fake.seen[0]?.authorization).toBe(basic(PLIVO.authId, PLIVO.authToken));
  });

  it('Asterisk: GET /ari/asterisk/info on a loopback ARI', async () => {
    const result = await testProviderCredentials('asterisk', asterisk(`${fakeOrigin}/ari`));
    expect(result.ok).toBe(true);
    expect(fake.seen).toEqual([
      { method: 'GET', path: '/ari/asterisk/info', authorization: basic('llamenos', 'ari-password-123') },
    ]);
  });
});

describe('failures are short and never echo secrets', () => {
  it('refused credentials', async () => {
    fake.status = 401;
    const result = await testProviderCredentials('twilio', TWILIO, { fetch: toFake });
    expect(result).toEqual({ ok: false, reason: 'the provider refused the credentials (HTTP 401)' });
    expect(JSON.stringify(result)).not.toContain(TWILIO.authToken);
  });

  it('a provider that does not answer in time', async () => {
    fake.delayMs = 500;
    const result = await testProviderCredentials('plivo', PLIVO, { fetch: toFake, timeoutMs: 100 });
    expect(result).toEqual({ ok: false, reason: 'no answer within 0.1 s' });
  });

  it('an ARI nobody listens on', async () => {
    const result = await testProviderCredentials('asterisk', asterisk('http://127.0.0.1:9/ari'));
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^unreachable/);
    expect(JSON.stringify(result)).not.toContain('ari-password-123');
  });
});

describe('SSRF guard: refused before any request', () => {
  const refusedWithoutRequest = async (result: Promise<{ ok: boolean; reason: string }>) => {
    const r = await result;
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/^refused: /);
    expect(requested).toEqual([]);
    expect(fake.seen).toEqual([]);
    return r;
  };

  it('Asterisk on the cloud metadata address 169.254.169.254', async () => {
    await refusedWithoutRequest(
      testProviderCredentials('asterisk', asterisk('http://169.254.169.254/latest/meta-data'), {
        fetch: toFake,
      }),
    );
  });

  it('Asterisk on a public address or a host name (DNS could point it anywhere)', async () => {
    await refusedWithoutRequest(
      testProviderCredentials('asterisk', asterisk('http://8.8.8.8:8088/ari'), { fetch: toFake }),
    );
    await refusedWithoutRequest(
      testProviderCredentials('asterisk', asterisk('http://metadata.google.internal/ari'), { fetch: toFake }),
    );
    await refusedWithoutRequest(
      testProviderCredentials('asterisk', asterisk('http://pbx.example.org:8088/ari'), { fetch: toFake }),
    );
  });

  it('SignalWire over http://, on another host, a look-alike host, or with a port', async () => {
    for (const spaceUrl of [
      'http://example.signalwire.com',
      'https://169.254.169.254',
      'https://example.signalwire.com.evil.org',
      'https://evil.org/?.signalwire.com',
      'https://example.signalwire.com:8443',
      'https://user:pw@example.signalwire.com',
    ])
      await refusedWithoutRequest(
        testProviderCredentials('signalwire', { ...SIGNALWIRE, spaceUrl }, { fetch: toFake }),
      );
  });

  it('a redirect to another host is not followed', async () => {
    fake.status = 302;
    fake.headers = { location: 'http://169.254.169.254/latest/meta-data', 'content-type': 'text/plain' };
    const result = await testProviderCredentials('twilio', TWILIO, { fetch: toFake });
    expect(result).toEqual({
      ok: false,
      reason: 'the provider answered with a redirect (HTTP 302), which is not followed',
    });
    // One request, to the provider's own host; nothing went to the redirect's target.
    expect(requested).toEqual([`https://api.twilio.com/2010-04-01/Accounts/${TWILIO.accountSid}.json`]);
    expect(fake.seen).toHaveLength(1);
  });

  it('a redirect from a loopback ARI is not followed either', async () => {
    fake.status = 307;
    fake.headers = { location: 'http://169.254.169.254/', 'content-type': 'text/plain' };
    const result = await testProviderCredentials('asterisk', asterisk(`${fakeOrigin}/ari`));
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/redirect \(HTTP 307\)/);
    expect(fake.seen).toHaveLength(1);
  });
});

describe('POST /api/settings/providers/:provider/test', () => {
  let h: TestHotline;
  let admin: TestUser;
  let volunteer: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin']);
    volunteer = await h.addUser(['volunteer']);
  });
  afterAll(() => h.close());

  const test = (provider: string, as: TestUser) =>
    h.request('POST', `/api/settings/providers/${provider}/test`, { as });

  it('needs settings:write', async () => {
    expect((await test('twilio', volunteer)).status).toBe(403);
  });

  it('404 when nothing is stored; 400 for an unknown provider', async () => {
    expect((await test('twilio', admin)).status).toBe(404);
    expect((await test('nokia', admin)).status).toBe(400);
  });

  it('tests the stored credentials and never returns them', async () => {
    const put = await h.request('PUT', '/api/settings/providers/asterisk', {
      as: admin,
      body: asterisk(`${fakeOrigin}/ari`),
    });
    expect(put.status).toBe(200);
    const res = await test('asterisk', admin);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ ok: true, reason: 'connected: the credentials were accepted' });
    expect(fake.seen).toHaveLength(1);
    expect(JSON.stringify(body)).not.toContain('ari-password-123');
  });

  it('refuses a stored ARI URL on the metadata address without sending anything', async () => {
    await h.request('PUT', '/api/settings/providers/asterisk', {
      as: admin,
      body: asterisk('http://169.254.169.254/ari'),
    });
    const body = await (await test('asterisk', admin)).json();
    expect(body.ok).toBe(false);
    expect(body.reason).toMatch(/^refused: /);
    expect(fake.seen).toEqual([]);
  });

  it('the simulated carrier needs no connection', async () => {
    expect(await (await test('simulator', admin)).json()).toMatchObject({ ok: true });
  });
});
