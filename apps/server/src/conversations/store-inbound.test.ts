import { randomUUID } from 'node:crypto';
import { messageRecordId } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import {
  assignConversation,
  type ConversationRow,
  closeConversationRow,
  insertConversation,
  lookupInbound,
  storeHeldText,
} from './store.js';

/**
 * The inbound fast path's two statements (ingest.ts): the first look (duplicate? which
 * conversation? who reads it?) and the one-statement store of a text in a held conversation,
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

describe('lookupInbound', () => {
  it('finds the conversation and the active members, and sees a stored provider message id', async () => {
    const key = {
      channel: CHANNEL,
      providerMessageId: 'SMnone',
      hotlineAddress: HOTLINE,
      contactHash: CONTACT_HASH,
    };
    const first = await lookupInbound(h.ctx.db, key);
    expect(first.duplicate).toBe(false);
    expect(first.conversation?.id).toBe(conversation.id);
    expect(first.conversation?.assigned_to).toBe(volunteer.id);
    expect(first.conversation?.last_message_at).toBeInstanceOf(Date);
    expect(first.members.map((m) => m.pubkey).sort()).toEqual(
      [admin.pubkey, volunteer.pubkey, other.pubkey].sort(),
    );
    const none = await lookupInbound(h.ctx.db, { ...key, contactHash: 'd'.repeat(64) });
    expect(none.conversation).toBeNull();

    const stored = text(volunteer.id);
    await storeHeldText(h.ctx.db, stored, h.ctx.now());
    expect(
      (await lookupInbound(h.ctx.db, { ...key, providerMessageId: stored.providerMessageId })).duplicate,
    ).toBe(true);
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
