import { randomBytes } from 'node:crypto';
import { createAuthHeader, LABEL_PROVIDER_SECRET } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestHotline,
  PUBLIC_URL,
  type TestHotline,
  type TestUser,
  testConfig,
} from '../../test/helpers.js';
import { listAudit, verifyAuditLog } from '../audit/service.js';
import { createContext } from '../context.js';
import { createApp } from '../http/app.js';
import { createLogger } from '../logging.js';
import { openAtRest } from '../secrets/at-rest.js';
import { loadProviderCredentials, UnreadableCredentialsError } from './service.js';

const TWILIO = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'f00dfeedcafe4b1d9a8e7c6b5a4d3c2b',
  phoneNumbers: ['+15550001111', '+15550002222'],
};

const VONAGE_KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKB',
  'xIuOAiQdAL1XmEIxWv4kLQrk5tGbd2Vq1pz3dF6Wc0p1cEDXzxx0xq3wM8XYQ0aa',
  '-----END PRIVATE KEY-----',
  '',
].join('\n');

const VONAGE = {
  apiKey: 'a1b2c3d4',
  apiSecret: 'S3cr3tVonageApiSecretValue',
  applicationId: '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  privateKey: VONAGE_KEY,
  signatureSecret: 'VonageSignatureSecretValue1234',
  phoneNumbers: ['+4930111222333'],
};

const ALL_VALID = {
  signalwire: {
    projectId: '0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d',
    apiToken: 'PTsignalwireapitoken0123456789',
    spaceUrl: 'https://example.signalwire.com',
    signingKey: 'PSKsigningkeyvalue0123456789',
    phoneNumbers: ['+15550003333'],
  },
  plivo: { authId: 'MAXXXXXXXXXXXXXXXXXX', authToken: 'plivoAuthTokenValue0123456789', phoneNumbers: [] },
  asterisk: {
    ariUrl: 'https://pbx.example.org:8089/ari',
    username: 'llamenos',
    password: 'ari-password-123',
    app: 'llamenos',
    phoneNumbers: ['+15550004444'],
  },
  simulator: { phoneNumbers: ['+15550009999'] },
};

describe('provider credentials', () => {
  let h: TestHotline;
  let admin: TestUser;
  let volunteer: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin']);
    volunteer = await h.addUser(['volunteer']);
  });
  afterAll(() => h.close());

  const putProvider = (provider: string, body: unknown) =>
    h.request('PUT', `/api/settings/providers/${provider}`, { as: admin, body });
  const list = async () => {
    const res = await h.request('GET', '/api/settings/providers', { as: admin });
    expect(res.status).toBe(200);
    return (await res.json()).providers;
  };
  /** Every row of the tables a dump would reveal, as one string. */
  const dump = async () => {
    const tables = ['provider_credentials', 'hotline_settings', 'audit_log'];
    const rows = await Promise.all(tables.map((t) => h.ctx.db.query(`select * from ${t}`)));
    return JSON.stringify(rows);
  };

  it('lists every provider as unconfigured on a fresh hotline', async () => {
    const providers = await list();
    expect(Object.keys(providers).sort()).toEqual([
      'asterisk',
      'plivo',
      'signalwire',
      'simulator',
      'twilio',
      'vonage',
    ]);
    expect(providers.twilio).toEqual({
      configured: false,
      readable: true,
      updatedAt: null,
      phoneNumbers: [],
      fields: {},
    });
    expect(await loadProviderCredentials(h.ctx, 'twilio')).toBeNull();
  });

  it('stores credentials sealed, returns them masked and opens them for server code', async () => {
    const res = await putProvider('twilio', TWILIO);
    expect(res.status).toBe(200);
    const summary = await res.json();
    expect(summary).toMatchObject({
      configured: true,
      readable: true,
      phoneNumbers: TWILIO.phoneNumbers,
      fields: { accountSid: TWILIO.accountSid, authToken: { set: true, last4: TWILIO.authToken.slice(-4) } },
    });
    expect(JSON.stringify(summary)).not.toContain(TWILIO.authToken);
    expect(JSON.stringify(await list())).not.toContain(TWILIO.authToken);

    // Neither the token nor any other secret appears anywhere a database dump would show.
    expect(await dump()).not.toContain(TWILIO.authToken);
    expect(await dump()).not.toContain(TWILIO.authToken.slice(0, 12));

    expect(await loadProviderCredentials(h.ctx, 'twilio')).toEqual(TWILIO);
  });

  it('masks passwords and keys without a hint, and accepts every provider', async () => {
    expect((await putProvider('vonage', VONAGE)).status).toBe(200);
    for (const [provider, body] of Object.entries(ALL_VALID))
      expect((await putProvider(provider, body)).status, provider).toBe(200);
    const providers = await list();
    expect(providers.vonage.fields).toEqual({
      apiKey: VONAGE.apiKey,
      applicationId: VONAGE.applicationId,
      apiSecret: { set: true, last4: VONAGE.apiSecret.slice(-4) },
      privateKey: { set: true },
      signatureSecret: { set: true, last4: VONAGE.signatureSecret.slice(-4) },
    });
    expect(providers.asterisk.fields.password).toEqual({ set: true });
    expect(providers.simulator).toMatchObject({
      configured: true,
      fields: {},
      phoneNumbers: ['+15550009999'],
    });
    const everything = await dump();
    for (const secret of [
      VONAGE.apiSecret,
      VONAGE.signatureSecret,
      'MIIEvQIBADAN',
      ALL_VALID.asterisk.password,
    ])
      expect(everything).not.toContain(secret);
  });

  it('keeps stored secrets an update leaves out', async () => {
    const res = await putProvider('twilio', {
      accountSid: TWILIO.accountSid,
      phoneNumbers: ['+15550001111'],
    });
    expect(res.status).toBe(200);
    expect(await loadProviderCredentials(h.ctx, 'twilio')).toEqual({
      ...TWILIO,
      phoneNumbers: ['+15550001111'],
    });
    // A provider with nothing stored must be given every field.
    await h.request('DELETE', '/api/settings/providers/plivo', { as: admin });
    const missing = await putProvider('plivo', { authId: 'MAXXXXXXXXXXXXXXXXXX', phoneNumbers: [] });
    expect(missing.status).toBe(400);
    expect(JSON.stringify((await missing.json()).error.details)).toContain('authToken');
  });

  it('refuses malformed credentials with 400 and keeps what was stored', async () => {
    const before = await h.ctx.db.query('select * from provider_credentials order by provider');
    const bad: [string, unknown, string][] = [
      ['twilio', { ...TWILIO, accountSid: 'AC123' }, 'accountSid'],
      ['twilio', { ...TWILIO, phoneNumbers: ['5550001111'] }, 'phoneNumbers.0'],
      ['twilio', { ...TWILIO, phoneNumbers: ['+15550001111', '+15550001111'] }, 'phoneNumbers'],
      ['twilio', { ...TWILIO, region: 'us1' }, ''],
      ['signalwire', { ...ALL_VALID.signalwire, spaceUrl: 'https://example.evil.com' }, 'spaceUrl'],
      ['signalwire', { ...ALL_VALID.signalwire, spaceUrl: 'http://example.signalwire.com' }, 'spaceUrl'],
      ['vonage', { ...VONAGE, applicationId: 'not-a-uuid' }, 'applicationId'],
      ['vonage', { ...VONAGE, privateKey: 'just text' }, 'privateKey'],
      ['asterisk', { ...ALL_VALID.asterisk, ariUrl: 'ftp://pbx.example.org' }, 'ariUrl'],
      ['asterisk', { ...ALL_VALID.asterisk, ariUrl: 'https://user:pw@pbx.example.org' }, 'ariUrl'],
      ['simulator', { phoneNumbers: ['+15550009999'], authToken: 'x' }, ''],
      ['fax', { phoneNumbers: [] }, 'provider'],
    ];
    for (const [provider, body, path] of bad) {
      const res = await putProvider(provider, body);
      expect(res.status, `${provider} ${path}`).toBe(400);
      const error = (await res.json()).error;
      expect(error.code).toBe('validation_failed');
      expect(JSON.stringify(error.details)).toContain(`"path":"${path}`);
    }
    expect(await h.ctx.db.query('select * from provider_credentials order by provider')).toEqual(before);
  });

  it('refuses a number another provider already holds with 409', async () => {
    const res = await putProvider('plivo', {
      authId: 'MAXXXXXXXXXXXXXXXXXX',
      authToken: 'plivoAuthTokenValue0123456789',
      phoneNumbers: ['+15550001111'],
    });
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toMatch(/twilio/);
  });

  it('audits updates and deletions with field names only, in a chain that verifies', async () => {
    const updates = await listAudit(h.ctx.db, { action: 'settings.provider-updated', limit: 100 });
    const first = updates.at(-1);
    expect(first?.details).toEqual({
      provider: 'twilio',
      created: true,
      fields: ['accountSid', 'authToken', 'phoneNumbers'],
    });
    expect(
      updates.find((e) => e.details.provider === 'twilio' && e.details.created === false)?.details.fields,
    ).toEqual(['phoneNumbers']);
    expect((await h.request('DELETE', '/api/settings/providers/signalwire', { as: admin })).status).toBe(204);
    expect((await h.request('DELETE', '/api/settings/providers/signalwire', { as: admin })).status).toBe(404);
    expect((await list()).signalwire.configured).toBe(false);
    const [deleted] = await listAudit(h.ctx.db, { action: 'settings.provider-deleted', limit: 1 });
    expect(deleted?.details).toEqual({ provider: 'signalwire' });
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('refuses volunteers', async () => {
    expect(
      (await h.request('PUT', '/api/settings/providers/simulator', { as: volunteer, body: {} })).status,
    ).toBe(403);
    expect((await h.request('DELETE', '/api/settings/providers/twilio', { as: volunteer })).status).toBe(403);
  });

  it('gives a server with another SERVER_SECRET a clear error and leaves the row untouched', async () => {
    const [before] = await h.ctx.db.query<{ sealed: string }>(
      "select * from provider_credentials where provider = 'twilio'",
    );
    expect(() => openAtRest(randomBytes(32), LABEL_PROVIDER_SECRET, 'twilio', before!.sealed)).toThrow();

    // A second server over the same database, started with another secret.
    const other = await createContext(testConfig(), createLogger('silent'), { db: h.ctx.db });
    await expect(loadProviderCredentials(other, 'twilio')).rejects.toBeInstanceOf(UnreadableCredentialsError);
    await expect(loadProviderCredentials(other, 'twilio')).rejects.toThrow(/SERVER_SECRET/);

    const app = createApp(other);
    const signed = (method: string, path: string, body?: unknown) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      return app.request(`${PUBLIC_URL}${path}`, {
        method,
        headers: {
          authorization: createAuthHeader(
            { url: `${PUBLIC_URL}${path}`, method, body: text },
            admin.secretKey,
          ),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: text }),
      });
    };
    const res = await signed('GET', '/api/settings/providers');
    expect(res.status).toBe(200);
    const twilio = (await res.json()).providers.twilio;
    expect(twilio).toMatchObject({ configured: true, readable: false, fields: {} });
    expect(twilio.error).toMatch(/SERVER_SECRET/);

    // Keeping the stored token is impossible, so a partial update is refused; nothing is rewritten.
    const partial = await signed('PUT', '/api/settings/providers/twilio', {
      accountSid: TWILIO.accountSid,
      phoneNumbers: [],
    });
    expect(partial.status).toBe(400);
    expect((await partial.json()).error.message).toMatch(/authToken/);
    const [after] = await h.ctx.db.query("select * from provider_credentials where provider = 'twilio'");
    expect(after).toEqual(before);
    // The original server still reads it.
    expect((await loadProviderCredentials(h.ctx, 'twilio'))?.authToken).toBe(TWILIO.authToken);
  });

  it('refuses a sealed blob moved to another provider', async () => {
    const [twilio] = await h.ctx.db.query<{ sealed: string }>(
      "select sealed from provider_credentials where provider = 'twilio'",
    );
    await h.ctx.db.query(
      `insert into provider_credentials (provider, sealed, updated_at) values ('plivo', $1, now())
       on conflict (provider) do update set sealed = excluded.sealed`,
      [twilio!.sealed],
    );
    await expect(loadProviderCredentials(h.ctx, 'plivo')).rejects.toThrow(/cannot be decrypted/);
  });
});
