import { randomInt, randomUUID } from 'node:crypto';
import { fromBase64url, PURPOSES, toBase64url, unwrapKey, wrapKey } from '@llamenos/crypto';
import type { ConversationDetail } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, waitFor } from './calls-helpers.js';
import { fakeChannel, inbound, openMessage, sealReply, settle } from './conversations-helpers.js';
import { recordRelayFrames, scanDatabase, scanDirectory, scanLines } from './leak-scan-helpers.js';

/**
 * Nothing of a text conversation leaks: a contact with one distinctive full number writes
 * messages carrying unique markers, sends an attachment carrying a marker (announced under a
 * provider URL carrying another), a volunteer replies with a marker, the conversation changes
 * hands and its history is re-wrapped. Then the whole database, every log line, every file under
 * DATA_DIR and in the attachment store, and every relay frame a member received are searched for
 * the markers and the number (E.164, digits only, national digits), plain and encoded: zero
 * hits. Only the last four digits may appear. Runs on PGlite and PostgreSQL like leak-scan.test.ts.
 */

const MESSAGE_MARKER = `message-leak-${randomUUID()}`;
const MEDIA_MARKER = `media-leak-${randomUUID()}`;
const MEDIA_REF_MARKER = `media-ref-leak-${randomUUID()}`;
const REPLY_MARKER = `reply-leak-${randomUUID()}`;
const CONTACT = `+15558${String(randomInt(1e8)).padStart(8, '0')}`;
const NEEDLES = [
  MESSAGE_MARKER,
  MEDIA_MARKER,
  MEDIA_REF_MARKER,
  REPLY_MARKER,
  CONTACT,
  CONTACT.slice(1),
  CONTACT.slice(2),
];

let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

describe('no message content and no full contact number anywhere', () => {
  it('after messages, an attachment, a reply, a transfer and a history re-wrap', async () => {
    const admin = await s.addUser(['admin']);
    const alice = await s.addUser(['volunteer']);
    const bob = await s.addUser(['volunteer']);
    await s.putOnShift([alice.id]);
    const sms = fakeChannel();
    s.ctx.conversations.channels.set(sms.id, sms);
    const relay = await recordRelayFrames(`${s.url.replace(/^http/, 'ws')}/nostr`, alice.secretKey);

    try {
      const ref = `https://media.example/${MEDIA_REF_MARKER}/${CONTACT}`;
      sms.media.set(ref, Buffer.from(`\u0089PNG${MEDIA_MARKER}`));
      await s.ctx.conversations.receive(
        sms,
        inbound(CONTACT, `hello ${MESSAGE_MARKER} my number is ${CONTACT}`),
      );
      await s.ctx.conversations.receive(
        sms,
        inbound(CONTACT, MESSAGE_MARKER, { media: [{ ref, contentType: 'image/png' }] }),
      );
      await settle(s);
      const [row] = await s.db.query<{ id: string }>('select id from conversations');
      const id = row!.id;

      // Alice replies; the plaintext goes to the provider only.
      const replyId = randomUUID();
      const reply = await s.request('POST', `/api/conversations/${id}/messages`, {
        as: alice,
        body: {
          id: replyId,
          body: `I hear you ${REPLY_MARKER}`,
          sealed: sealReply(replyId, `I hear you ${REPLY_MARKER}`, [alice.pubkey, admin.pubkey]),
        },
      });
      expect(reply.status, await reply.clone().text()).toBe(201);
      expect(sms.sent.some((m) => m.body.includes(REPLY_MARKER) && m.to === CONTACT)).toBe(true);

      // Alice hands over to Bob and re-wraps the history for him.
      expect(
        (await s.request('POST', `/api/conversations/${id}/transfer`, { as: alice, body: { to: bob.id } }))
          .status,
      ).toBe(200);
      const { requests } = await (
        await s.request('GET', `/api/conversations/${id}/rewrap-requests`, { as: alice })
      ).json();
      expect(requests).toHaveLength(1);
      const wraps = requests[0].items.map((item: { recordId: string; purpose: string; wrap: string }) => {
        const purpose = item.purpose === 'message' ? PURPOSES.message : PURPOSES.attachment;
        const key = unwrapKey(fromBase64url(item.wrap), alice.secretKey, {
          label: purpose.wrap,
          recordId: item.recordId,
        });
        return {
          recordId: item.recordId,
          wrap: toBase64url(wrapKey(key, bob.pubkey, { label: purpose.wrap, recordId: item.recordId })),
        };
      });
      const posted = await s.request('POST', `/api/conversations/${id}/wraps`, {
        as: alice,
        body: { recipient: bob.pubkey, wraps },
      });
      expect(await posted.json()).toMatchObject({ remaining: 0 });
      const thread = (await (
        await s.request('GET', `/api/conversations/${id}`, { as: bob })
      ).json()) as ConversationDetail;
      expect(openMessage(thread.messages[0]!.envelope as never, thread.messages[0]!.id, bob)).toContain(
        MESSAGE_MARKER,
      );
      expect(thread.messages.some((m) => m.media.some((x) => x.state === 'stored' && x.wrap))).toBe(true);
      // The relay carried this conversation's events (so scanning the frames means something).
      await waitFor(() => relay.frames.filter((f) => f.startsWith('["EVENT"')).length >= 3, 'hub events');
    } finally {
      relay.close();
    }

    const blobScan = await scanDirectory(s.ctx.config.blobDir, NEEDLES);
    expect(blobScan.files).toBe(1);
    const hits = [
      ...(await scanDatabase(s.db, NEEDLES)),
      ...scanLines('log', s.logs, NEEDLES),
      ...(await scanDirectory(s.ctx.config.DATA_DIR, NEEDLES)).hits,
      ...blobScan.hits,
      ...scanLines('relay frame', relay.frames, NEEDLES),
    ];
    expect(hits).toEqual([]);
    expect(s.logs.length).toBeGreaterThan(0);
    expect((await s.db.query('select 1 from conversation_messages')).length).toBeGreaterThanOrEqual(3);
    expect(
      (
        await s.db.query(
          `select 1 from attachments where owner_kind = 'conversation-message' and state = 'complete'`,
        )
      ).length,
    ).toBe(1);
  });
});
