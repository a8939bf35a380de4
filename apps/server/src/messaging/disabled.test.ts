import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealReply, settle } from '../../test/conversations-helpers.js';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from '../../test/helpers.js';
import { listAudit } from '../audit/service.js';
import { twilioSignature } from '../telephony/twilio/signature.js';

/**
 * An admin takes a channel out of service without deleting its credentials: while disabled its
 * webhooks answer 404 as a channel with nothing stored does (the provider is told there is no
 * such endpoint; nothing is read or stored), replies through it are refused with 409 before
 * anything is stored, and enabling it again restores both with the stored credentials.
 */
let h: TestHotline;
let admin: TestUser;
let volunteer: TestUser;
const HOTLINE = '+15550100700';
const TWILIO = {
  accountSid: `AC${'ef'.repeat(16)}`,
  authToken: randomBytes(16).toString('hex'),
  phoneNumbers: [HOTLINE],
};
const INBOUND = '/api/messaging/twilio-sms/inbound';

function inbound(body: string) {
  const params = {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: TWILIO.accountSid,
    From: '+15550177001',
    To: HOTLINE,
    Body: body,
    NumMedia: '0',
  };
  return h.request('POST', INBOUND, {
    body: new URLSearchParams(params).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(
        TWILIO.authToken,
        `${PUBLIC_URL}${INBOUND}`,
        Object.entries(params),
      ),
    },
  });
}

const setDisabled = (disabled: boolean, as: TestUser = admin) =>
  h.request('PUT', '/api/settings/channels/twilio-sms/disabled', { as, body: { disabled } });

async function reply(conversationId: string) {
  const id = randomUUID();
  const readers = (await h.ctx.db.query<{ pubkey: string }>('select pubkey from users')).map((u) => u.pubkey);
  return h.request('POST', `/api/conversations/${conversationId}/messages`, {
    as: admin,
    body: { id, body: 'are you safe now?', sealed: sealReply(id, 'are you safe now?', readers) },
  });
}

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin']);
  volunteer = await h.addUser(['volunteer']);
  expect(
    (await h.request('PUT', '/api/settings/channels/twilio-sms', { as: admin, body: TWILIO })).status,
  ).toBe(200);
});
afterAll(() => h?.close());

describe('a disabled channel', () => {
  it('is refused for a volunteer and for a channel with nothing stored, with a strict body', async () => {
    expect((await setDisabled(true, volunteer)).status).toBe(403);
    const none = await h.request('PUT', '/api/settings/channels/signal/disabled', {
      as: admin,
      body: { disabled: true },
    });
    expect(none.status).toBe(404);
    const bad = await h.request('PUT', '/api/settings/channels/twilio-sms/disabled', {
      as: admin,
      body: { disabled: 'yes' },
    });
    expect(bad.status).toBe(400);
  });

  it('answers its webhooks as not configured, refuses replies, and keeps its credentials', async () => {
    expect((await inbound('first')).status).toBe(200);
    await settle(h);
    const [conversation] = await h.ctx.db.query<{ id: string }>('select id from conversations');
    expect(conversation).toBeDefined();
    const before = await h.ctx.db.query('select id from conversation_messages');

    const off = await setDisabled(true);
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({
      configured: true,
      disabled: true,
      fields: { accountSid: TWILIO.accountSid, authToken: { set: true } },
    });
    // A correctly signed delivery: 404, as for a channel with nothing stored; nothing stored.
    const refused = await inbound('while disabled');
    expect(refused.status).toBe(404);
    expect((await refused.json()).error.message).toMatch(/twilio-sms is not configured/);
    expect((await h.ctx.db.query('select id from conversation_messages')).length).toBe(before.length);

    const answer = await reply(conversation!.id);
    expect(answer.status).toBe(409);
    expect((await answer.json()).error.message).toMatch(/twilio-sms channel is disabled by an admin/);
    expect((await h.ctx.db.query('select id from conversation_messages')).length).toBe(before.length);

    const list = await (await h.request('GET', '/api/settings/channels', { as: admin })).json();
    expect(list.channels['twilio-sms']).toMatchObject({ configured: true, disabled: true });
    expect(list.channels.signal).toMatchObject({ configured: false, disabled: false });
  });

  it('receives and sends again once enabled, with the stored credentials; both changes audited', async () => {
    const on = await setDisabled(false);
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({ configured: true, disabled: false });
    expect((await inbound('back again')).status).toBe(200);
    await settle(h);
    const audit = await listAudit(h.ctx.db, { action: 'settings.channel-updated', limit: 10 });
    expect(audit.slice(0, 2).map((a) => a.details)).toEqual([
      { channel: 'twilio-sms', disabled: false },
      { channel: 'twilio-sms', disabled: true },
    ]);
    // Saving the configuration again leaves the flag as it is.
    await setDisabled(true);
    const saved = await h.request('PUT', '/api/settings/channels/twilio-sms', {
      as: admin,
      body: { phoneNumbers: [HOTLINE] },
    });
    expect(await saved.json()).toMatchObject({ disabled: true });
  });
});
