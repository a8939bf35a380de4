import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { listAudit } from '../audit/service.js';

/**
 * Admins connect channels through /api/settings/channels: the configuration is validated per
 * channel, sealed at rest (no secret in any column), never returned, kept when an update leaves
 * a secret out, audited by channel name only.
 */
let h: TestHotline;
let admin: TestUser;
let volunteer: TestUser;
const TOKEN = randomBytes(16).toString('hex');
const TWILIO = { accountSid: `AC${'ab'.repeat(16)}`, authToken: TOKEN, phoneNumbers: ['+15550100100'] };

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin']);
  volunteer = await h.addUser(['volunteer']);
});
afterAll(() => h?.close());

describe('channel configuration', () => {
  it('saves a channel sealed at rest and shows it back with secrets masked', async () => {
    const put = await h.request('PUT', '/api/settings/channels/twilio-sms', { as: admin, body: TWILIO });
    expect(put.status).toBe(200);
    const summary = await put.json();
    expect(summary).toMatchObject({
      configured: true,
      readable: true,
      addresses: ['+15550100100'],
      fields: { accountSid: TWILIO.accountSid, authToken: { set: true } },
    });
    const list = await (await h.request('GET', '/api/settings/channels', { as: admin })).json();
    expect(list.channels['twilio-sms'].configured).toBe(true);
    expect(list.channels.signal).toMatchObject({ configured: false });
    expect(JSON.stringify(list)).not.toContain(TOKEN);
    const rows = await h.ctx.db.query<Record<string, unknown>>('select * from channel_configs');
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
    expect(JSON.stringify(rows)).not.toContain(TWILIO.accountSid);
  });

  it('keeps a stored secret when an update leaves it out, and audits the channel name only', async () => {
    const put = await h.request('PUT', '/api/settings/channels/twilio-sms', {
      as: admin,
      body: { phoneNumbers: ['+15550100100', '+15550100101'] },
    });
    expect(put.status).toBe(200);
    expect((await put.json()).addresses).toEqual(['+15550100100', '+15550100101']);
    const audit = await listAudit(h.ctx.db, { action: 'settings.channel-updated', limit: 10 });
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(audit[0]!.details).toMatchObject({ channel: 'twilio-sms' });
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('clears an optional field sent as null (Vonage apiKey) and keeps it when left out', async () => {
    const vonage = {
      applicationId: randomUUID(),
      apiKey: 'abcd1234',
      signatureSecret: randomBytes(16).toString('hex'),
      privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      phoneNumbers: ['+15550100300'],
    };
    const put = (body: object) => h.request('PUT', '/api/settings/channels/vonage', { as: admin, body });
    expect((await (await put(vonage)).json()).fields.apiKey).toBe('abcd1234');
    expect((await (await put({ phoneNumbers: ['+15550100300'] })).json()).fields.apiKey).toBe('abcd1234');
    const cleared = await put({ apiKey: null });
    expect(cleared.status).toBe(200);
    expect((await cleared.json()).fields).not.toHaveProperty('apiKey');
    // null is not a way to drop a required field.
    expect((await put({ applicationId: null })).status).toBe(400);
  });

  it('refuses invalid configurations with 400 naming the field, and non-admins with 403', async () => {
    const bad = await h.request('PUT', '/api/settings/channels/whatsapp', {
      as: admin,
      body: {
        phoneNumberId: 'abc',
        accessToken: 'x',
        appSecret: 'y',
        verifyToken: 'z',
        outsideWindowTemplate: null,
      },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/whatsapp configuration at phoneNumberId/);
    expect((await h.request('PUT', '/api/settings/channels/nope', { as: admin, body: {} })).status).toBe(400);
    expect(
      (await h.request('PUT', '/api/settings/channels/twilio-sms', { as: volunteer, body: TWILIO })).status,
    ).toBe(403);
    expect((await h.request('GET', '/api/settings/channels', { as: volunteer })).status).toBe(403);
  });

  it('deletes a channel, after which its webhooks do not exist', async () => {
    expect((await h.request('DELETE', '/api/settings/channels/twilio-sms', { as: admin })).status).toBe(204);
    expect((await h.request('DELETE', '/api/settings/channels/twilio-sms', { as: admin })).status).toBe(404);
    const res = await h.request('POST', '/api/messaging/twilio-sms/inbound', {
      body: 'MessageSid=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(404);
  });
});
