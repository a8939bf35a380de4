import { randomUUID } from 'node:crypto';
import { messageRecordId } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { scheduleFingerprint } from '../shifts/store.js';
import {
  assignConversation,
  type ConversationRow,
  closeConversationRow,
  insertConversation,
  lookupInbound,
  storeHeldText,
} from './store.js';

/**
 * The inbound fast path's two statements (ingest.ts): the first look (duplicate? banned? the
 * contact's attempt counted; which conversation? who reads it?) and the one-statement store of a text in a held conversation,
 * which must do nothing at all when the conversation changed hands or closed, and store no
 * wrap and move no time when the provider message id is already stored.
 */
let h: TestHotline;
let admin: TestUser;
let volunteer: TestUser;
let other: TestUser;
let conversation: ConversationRow;
const CHANNEL = 'twilio-sms';
const HOTLINE = '+15550100800';
const CONTACT_HASH = 'c'.repeat(64);

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin']);
  volunteer = await h.addUser(['volunteer']);
  other = await h.addUser(['volunteer']);
  const now = h.ctx.now();
  const id = randomUUID();
  await insertConversation(
    h.ctx.db,
    {
      id,
      channel: CHANNEL,
      kind: 'sms',
      hotlineAddress: HOTLINE,
      contactHash: CONTACT_HASH,
      contactLast4: '0001',
      contactEnc: 'sealed-contact',
    },
    now,
  );
  conversation = (await assignConversation(h.ctx.db, id, volunteer.id, now)) as ConversationRow;
});
afterAll(() => h?.close());

const text = (sealedFor: string | null, providerMessageId = `SM${randomUUID()}`) => {
  const messageId = randomUUID();
  return {
    conversationId: conversation.id,
    sealedFor,
    messageId,
    recordId: messageRecordId(messageId),
    channel: CHANNEL,
    providerMessageId,
    ciphertext: 'ciphertext',
    wraps: [
      { reader: volunteer.pubkey, wrap: 'wrap-v' },
      { reader: admin.pubkey, wrap: 'wrap-a' },
    ],
  };
};
const advance = (ms: number) => h.setNow(new Date(h.ctx.now().getTime() + ms));
const count = async (table: string) =>
  (await h.ctx.db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;

const RULE = { limit: 3, windowSeconds: 3600, blockSeconds: 600 };
const admission = (rateKey = `messages:contact:${randomUUID()}`) => ({
  now: h.ctx.now(),
  rateKey,
  rule: RULE,
  schedule: { fromDate: '2026-01-01', toDate: '2026-01-04' },
});
const counter = async (key: string) =>
  (
    await h.ctx.db.query<{ count: number; blocked_until: Date | null }>(
      'select count, blocked_until from rate_limits where key = $1',
      [key],
    )
  )[0] ?? null;

describe('lookupInbound', () => {
  const key = {
    channel: CHANNEL,
    providerMessageId: 'SMnone',
    hotlineAddress: HOTLINE,
    contactHash: CONTACT_HASH,
  };

  it('finds the conversation and the active members, and sees a stored provider message id', async () => {
    const first = await lookupInbound(h.ctx.db, key, admission());
    expect(first.duplicate).toBe(false);
    expect(first.banned).toBe(false);
    expect(first.blockedUntil).toBeNull();
    expect(first.conversation?.id).toBe(conversation.id);
    expect(first.conversation?.assigned_to).toBe(volunteer.id);
    expect(first.conversation?.last_message_at).toBeInstanceOf(Date);
    expect(first.members.map((m) => m.pubkey).sort()).toEqual(
      [admin.pubkey, volunteer.pubkey, other.pubkey].sort(),
    );
    // The schedule's fingerprint is read only for a text that will be placed (shifts/store.ts).
    expect(first.scheduleFingerprint).toBeNull();
    const none = await lookupInbound(h.ctx.db, { ...key, contactHash: 'd'.repeat(64) }, admission());
    expect(none.conversation).toBeNull();
    const { fromDate, toDate } = admission().schedule;
    expect(none.scheduleFingerprint).toBe(await scheduleFingerprint(h.ctx.db, fromDate, toDate));

    const stored = text(volunteer.id);
    await storeHeldText(h.ctx.db, stored, h.ctx.now());
    expect(
      (await lookupInbound(h.ctx.db, { ...key, providerMessageId: stored.providerMessageId }, admission()))
        .duplicate,
    ).toBe(true);
  });

  it("counts the contact's attempt against the limit (the same rule as hitRateLimit) and reports the block", async () => {
    const rateKey = `messages:contact:${randomUUID()}`;
    for (const n of [1, 2, 3]) {
      expect(
        (await lookupInbound(h.ctx.db, key, admission(rateKey))).blockedUntil,
        `attempt ${n}`,
      ).toBeNull();
      expect((await counter(rateKey))?.count).toBe(n);
    }
    const fourth = admission(rateKey);
    const blocked = await lookupInbound(h.ctx.db, key, fourth);
    expect(blocked.blockedUntil?.getTime()).toBe(fourth.now.getTime() + RULE.blockSeconds * 1000);
    // The block holds past the window's end until it expires, then a new window starts.
    advance(RULE.blockSeconds * 1000 - 1000);
    expect((await lookupInbound(h.ctx.db, key, admission(rateKey))).blockedUntil).not.toBeNull();
    advance(RULE.windowSeconds * 1000);
    expect((await lookupInbound(h.ctx.db, key, admission(rateKey))).blockedUntil).toBeNull();
    expect((await counter(rateKey))?.count).toBe(1);
  });

  it('a retried delivery and a banned contact are not counted', async () => {
    const stored = text(volunteer.id);
    await storeHeldText(h.ctx.db, stored, h.ctx.now());
    const retryKey = `messages:contact:${randomUUID()}`;
    const retry = await lookupInbound(
      h.ctx.db,
      { ...key, providerMessageId: stored.providerMessageId },
      admission(retryKey),
    );
    expect(retry.duplicate).toBe(true);
    expect(await counter(retryKey)).toBeNull();

    const bannedHash = 'e'.repeat(64);
    await h.ctx.db.query(
      `insert into call_bans (caller_hash, caller_last4, reason, created_by, created_at, expires_at)
       values ($1, '0002', 'test', null, $2, null)`,
      [bannedHash, h.ctx.now()],
    );
    const bannedKey = `messages:contact:${bannedHash}`;
    const banned = await lookupInbound(h.ctx.db, { ...key, contactHash: bannedHash }, admission(bannedKey));
    expect(banned.banned).toBe(true);
    expect(await counter(bannedKey)).toBeNull();
    // An expired ban no longer counts as one.
    await h.ctx.db.query('update call_bans set expires_at = $2 where caller_hash = $1', [
      bannedHash,
      h.ctx.now(),
    ]);
    const lifted = await lookupInbound(h.ctx.db, { ...key, contactHash: bannedHash }, admission(bannedKey));
    expect(lifted.banned).toBe(false);
    expect((await counter(bannedKey))?.count).toBe(1);
  });
});

describe('storeHeldText', () => {
  it('stores the message, its wraps and moves the times while the assignee still holds it', async () => {
    const [messages, wraps] = [await count('conversation_messages'), await count('conversation_wraps')];
    advance(60_000);
    const now = h.ctx.now();
    const outcome = await storeHeldText(h.ctx.db, text(volunteer.id), now);
    expect(outcome).not.toBe('moved');
    expect(outcome).not.toBe('duplicate');
    const touched = outcome as ConversationRow;
    expect(touched.last_inbound_at?.getTime()).toBe(now.getTime());
    expect(touched.last_message_at.getTime()).toBe(now.getTime());
    expect(await count('conversation_messages')).toBe(messages + 1);
    expect(await count('conversation_wraps')).toBe(wraps + 2);
  });

  it('a duplicate provider message id stores nothing and moves no time', async () => {
    const first = text(volunteer.id);
    await storeHeldText(h.ctx.db, first, h.ctx.now());
    const [messages, wraps] = [await count('conversation_messages'), await count('conversation_wraps')];
    advance(60_000);
    const again = await storeHeldText(h.ctx.db, text(volunteer.id, first.providerMessageId), h.ctx.now());
    expect(again).toBe('duplicate');
    expect(await count('conversation_messages')).toBe(messages);
    expect(await count('conversation_wraps')).toBe(wraps);
    const [row] = await h.ctx.db.query<{ last_inbound_at: Date }>(
      'select last_inbound_at from conversations where id = $1',
      [conversation.id],
    );
    expect(new Date(row!.last_inbound_at).getTime()).toBeLessThan(h.ctx.now().getTime());
  });

  it('does nothing when the conversation changed hands or closed: the caller seals again', async () => {
    const [messages, wraps] = [await count('conversation_messages'), await count('conversation_wraps')];
    await assignConversation(h.ctx.db, conversation.id, other.id, h.ctx.now());
    expect(await storeHeldText(h.ctx.db, text(volunteer.id), h.ctx.now())).toBe('moved');
    await closeConversationRow(h.ctx.db, conversation.id, h.ctx.now());
    expect(await storeHeldText(h.ctx.db, text(other.id), h.ctx.now())).toBe('moved');
    expect(await count('conversation_messages')).toBe(messages);
    expect(await count('conversation_wraps')).toBe(wraps);
  });
});
