import { randomUUID } from 'node:crypto';
import {
  decryptBuffer,
  fromBase64url,
  hashPhone,
  PURPOSES,
  type SealedEnvelope,
  toBase64url,
  unwrapKey,
  wrapForNewReader,
  wrapKey,
} from '@llamenos/crypto';
import {
  type ConversationDetail,
  type ConversationListResponse,
  messageMediaRecordId,
  messageRecordId,
  type RewrapRequestsResponse,
} from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelSendError,
  clearShifts,
  contactNumber,
  type FakeChannel,
  fakeChannel,
  inbound,
  openMessage,
  putOnShift,
  sealReply,
  setSettings,
  settle,
} from '../../test/conversations-helpers.js';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { captureHubEvents } from '../../test/realtime-helpers.js';
import { blobStore } from '../blobs/store.js';
import { createContext } from '../context.js';
import { createLogger } from '../logging.js';
import { ChannelInputError } from '../messaging/channel.js';
import { currentReaders } from './access.js';
import { purgeExpiredConversations, tickConversationTimers } from './timers.js';

/**
 * The conversations module end to end, in-process: a fake channel hands messages to
 * ctx.conversations.receive as a verified webhook would; members use the HTTP API; the test
 * does the browser's cryptography.
 */

let h: TestHotline;
let admin: TestUser;
let sms: FakeChannel;

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin'], 'Admin');
  sms = fakeChannel();
  h.ctx.conversations.channels.set(sms.id, sms);
});
afterAll(() => h?.close());

async function detail(id: string, as: TestUser): Promise<ConversationDetail> {
  const res = await h.request('GET', `/api/conversations/${id}`, { as });
  expect(res.status).toBe(200);
  return (await res.json()) as ConversationDetail;
}

async function conversationOf(
  from: string,
): Promise<{ id: string; assigned_to: string | null; status: string }> {
  const [row] = await h.ctx.db.query<{ id: string; assigned_to: string | null; status: string }>(
    'select id, assigned_to, status from conversations where contact_hash = $1',
    [hashPhone(h.ctx.keys.hashKey, from)],
  );
  if (!row) throw new Error('no conversation');
  return row;
}

/** A volunteer on shift (and only them, so round robin is predictable). */
async function onlyOnShift(...users: TestUser[]) {
  await clearShifts(h);
  if (users.length)
    await putOnShift(
      h,
      users.map((u) => u.id),
    );
}

describe('encrypt on arrival', () => {
  it('seals the body for the assignee and the admins, stores ciphertext only, dedupes provider retries', async () => {
    const volunteer = await h.addUser(['volunteer'], 'Vol');
    await onlyOnShift(volunteer);
    const from = contactNumber();
    const message = inbound(from, 'I need to talk to someone tonight');
    await h.ctx.conversations.receive(sms, message);
    // The provider retries the same delivery (and a restarted server sees it again): one message.
    await h.ctx.conversations.receive(sms, message);
    await settle(h);

    const conversation = await conversationOf(from);
    expect(conversation).toMatchObject({ assigned_to: volunteer.id, status: 'active' });
    const thread = await detail(conversation.id, volunteer);
    const inboundMessages = thread.messages.filter((m) => m.direction === 'in');
    expect(inboundMessages).toHaveLength(1);
    const first = inboundMessages[0]!;
    expect(first.envelope.wraps.map((w) => w.reader)).toEqual([volunteer.pubkey]);
    expect(openMessage(first.envelope as SealedEnvelope, first.id, volunteer)).toBe(
      'I need to talk to someone tonight',
    );
    const asAdmin = await detail(conversation.id, admin);
    const adminCopy = asAdmin.messages.find((m) => m.id === first.id)!;
    expect(openMessage(adminCopy.envelope as SealedEnvelope, first.id, admin)).toBe(
      'I need to talk to someone tonight',
    );
    expect(thread.conversation.contactLast4).toBe(from.slice(-4));

    // The message's wraps (assignee + admin) share one ephemeral key (PROTOCOL.md §6); the next
    // text may share it too if sealed within the same quarter second (seal.ts, MESSAGE_KEY_REUSE),
    // while the server's first-contact reply is sealed under a key of its own.
    await h.ctx.conversations.receive(sms, inbound(from, 'a second message'));
    await settle(h);
    const ephemerals = await h.ctx.db.query<{ record_id: string; wrap: string }>(
      'select record_id, wrap from conversation_wraps where conversation_id = $1 order by record_id',
      [conversation.id],
    );
    const byRecord = new Map<string, Set<string>>();
    for (const { record_id, wrap } of ephemerals) {
      const set = byRecord.get(record_id) ?? new Set<string>();
      set.add(toBase64url(fromBase64url(wrap).subarray(1, 34)));
      byRecord.set(record_id, set);
    }
    // (The two texts and the first-contact reply the server sealed, each for both readers.)
    expect(ephemerals.length).toBe(byRecord.size * 2);
    expect([...byRecord.values()].every((set) => set.size === 1)).toBe(true);
    const distinct = new Set([...byRecord.values()].map((set) => [...set][0])).size;
    expect(distinct).toBeGreaterThanOrEqual(byRecord.size - 1);
    expect(distinct).toBeGreaterThanOrEqual(2);

    // Nothing in the database holds the text or the number in clear.
    for (const table of ['conversations', 'conversation_messages', 'conversation_wraps', 'audit_log']) {
      const rows = JSON.stringify(await h.ctx.db.query(`select * from ${table}`));
      expect(rows, table).not.toContain('talk to someone');
      expect(rows, table).not.toContain(from);
      expect(rows, table).not.toContain(from.slice(1));
    }
  });

  it('the same delivery twice at once (a provider retry racing the first): stored once, both answered', async () => {
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'first'));
    const message = inbound(from, 'raced');
    await Promise.all([h.ctx.conversations.receive(sms, message), h.ctx.conversations.receive(sms, message)]);
    await settle(h);
    const rows = await h.ctx.db.query<{ n: number }>(
      'select count(*)::int as n from conversation_messages where provider_message_id = $1',
      [message.providerMessageId],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('an oversized inbound message is refused with a clear error and nothing is stored', async () => {
    const from = contactNumber();
    await expect(h.ctx.conversations.receive(sms, inbound(from, 'x'.repeat(20_000)))).rejects.toBeInstanceOf(
      ChannelInputError,
    );
    const rows = await h.ctx.db.query('select 1 from conversations where contact_hash = $1', [
      hashPhone(h.ctx.keys.hashKey, from),
    ]);
    expect(rows).toHaveLength(0);
  });
});

describe('assignment', () => {
  it('round robin within capacity; nobody free → the queue, the automatic replies and the waiting time', async () => {
    const a = await h.addUser(['volunteer'], 'A');
    const b = await h.addUser(['volunteer'], 'B');
    await onlyOnShift(a, b);
    await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, capacityPerVolunteer: 1 } }));
    try {
      const first = contactNumber();
      const second = contactNumber();
      const third = contactNumber();
      await h.ctx.conversations.receive(sms, inbound(first, 'one'));
      await h.ctx.conversations.receive(sms, inbound(second, 'two'));
      await h.ctx.conversations.receive(sms, inbound(third, 'three'));
      await settle(h);
      const holders = [(await conversationOf(first)).assigned_to, (await conversationOf(second)).assigned_to];
      expect(holders.sort()).toEqual([a.id, b.id].sort());
      const waiting = await conversationOf(third);
      expect(waiting).toMatchObject({ assigned_to: null, status: 'waiting' });
      // The third contact was told about privacy and that everyone is busy.
      const toThird = sms.sent.filter((m) => m.to === third).map((m) => m.body);
      expect(toThird).toHaveLength(2);
      expect(toThird[1]).toContain('Everyone is busy');
      const listed = await h.request('GET', '/api/conversations?status=waiting', { as: admin });
      const list = (await listed.json()) as ConversationListResponse;
      expect(listed.status, JSON.stringify(list)).toBe(200);
      const row = list.conversations.find((c) => c.id === waiting.id)!;
      expect(row.waitingSince).not.toBeNull();
      expect(row.unread).toBe(1);
    } finally {
      await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, capacityPerVolunteer: 3 } }));
    }
  });

  it('two volunteers claiming at once: exactly one wins', async () => {
    await onlyOnShift();
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'anyone there?'));
    await settle(h);
    const { id } = await conversationOf(from);
    const a = await h.addUser(['volunteer'], 'A');
    const b = await h.addUser(['volunteer'], 'B');
    // Off shift, the queue is not theirs to see.
    expect((await h.request('POST', `/api/conversations/${id}/claim`, { as: a })).status).toBe(404);
    await onlyOnShift(a, b);
    const results = await Promise.all([
      h.request('POST', `/api/conversations/${id}/claim`, { as: a }),
      h.request('POST', `/api/conversations/${id}/claim`, { as: b }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    // Whether the loser read the conversation before or after the winner's commit, it hears
    // that it was taken; a volunteer off shift, who never saw the queue, still hears not-found.
    const late = await h.addUser(['volunteer'], 'Late');
    await onlyOnShift(a, b, late);
    const lost = await h.request('POST', `/api/conversations/${id}/claim`, { as: late });
    expect(lost.status).toBe(409);
    expect((await lost.json()).error.message).toMatch(/already taken/);
    await onlyOnShift(a, b);
    expect((await h.request('POST', `/api/conversations/${id}/claim`, { as: late })).status).toBe(404);
    const audit = await h.ctx.db.query<{ details: { how: string } }>(
      `select details from audit_log where action = 'conversations.assigned' and target = $1`,
      [`conversation:${id}`],
    );
    expect(audit.map((r) => r.details.how)).toEqual(['claim']);
  });
});

describe('who sees what', () => {
  it('a volunteer lists their own and, only while on shift, the queue; admins list everything', async () => {
    const mine = await h.addUser(['volunteer'], 'Mine');
    const other = await h.addUser(['volunteer'], 'Other');
    await onlyOnShift(mine);
    const ownContact = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(ownContact, 'mine'));
    await onlyOnShift(other);
    const othersContact = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(othersContact, 'theirs'));
    await onlyOnShift();
    const queuedContact = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(queuedContact, 'waiting'));
    await settle(h);
    const [own, others, queued] = await Promise.all(
      [ownContact, othersContact, queuedContact].map((n) => conversationOf(n)),
    );
    const ids = async (as: TestUser, query = '') => {
      const res = await h.request('GET', `/api/conversations${query}`, { as });
      expect(res.status).toBe(200);
      return ((await res.json()) as ConversationListResponse).conversations.map((c) => c.id);
    };
    // Off shift: only their own.
    let seen = await ids(mine);
    expect(seen).toContain(own!.id);
    expect(seen).not.toContain(others!.id);
    expect(seen).not.toContain(queued!.id);
    expect((await h.request('GET', `/api/conversations/${others!.id}`, { as: mine })).status).toBe(404);
    // On shift: the queue too, but still not someone else's.
    await onlyOnShift(mine);
    seen = await ids(mine);
    expect(seen).toEqual(expect.arrayContaining([own!.id, queued!.id]));
    expect(seen).not.toContain(others!.id);
    expect(await ids(mine, '?scope=queue')).not.toContain(own!.id);
    // A volunteer cannot move someone else's conversation; an admin can.
    expect(
      (
        await h.request('POST', `/api/conversations/${others!.id}/transfer`, {
          as: mine,
          body: { to: mine.id },
        })
      ).status,
    ).toBe(404);
    expect((await h.request('POST', `/api/conversations/${others!.id}/close`, { as: mine })).status).toBe(
      404,
    );
    expect(await ids(admin)).toEqual(expect.arrayContaining([own!.id, others!.id, queued!.id]));
    const moved = await h.request('POST', `/api/conversations/${others!.id}/transfer`, {
      as: admin,
      body: { to: mine.id },
    });
    expect(moved.status).toBe(200);
    const audit = await h.ctx.db.query<{ action: string }>(
      `select action from audit_log where target = $1 and action = 'conversations.transferred'`,
      [`conversation:${others!.id}`],
    );
    expect(audit).toHaveLength(1);
  });
});

/** What an admin's (or previous assignee's) browser does with a re-wrap request. */
async function rewrapAs(member: TestUser, conversationId: string): Promise<number> {
  const res = await h.request('GET', `/api/conversations/${conversationId}/rewrap-requests`, { as: member });
  expect(res.status).toBe(200);
  const { requests } = (await res.json()) as RewrapRequestsResponse;
  let stored = 0;
  for (const request of requests) {
    const wraps = request.items.map((item) => {
      const purpose = item.purpose === 'message' ? PURPOSES.message : PURPOSES.attachment;
      const key = unwrapKey(fromBase64url(item.wrap), member.secretKey, {
        label: purpose.wrap,
        recordId: item.recordId,
      });
      const wrap = toBase64url(
        wrapKey(key, request.recipient, { label: purpose.wrap, recordId: item.recordId }),
      );
      key.fill(0);
      return { recordId: item.recordId, wrap };
    });
    if (!wraps.length) continue;
    const posted = await h.request('POST', `/api/conversations/${conversationId}/wraps`, {
      as: member,
      body: { recipient: request.recipient, wraps },
    });
    expect(posted.status).toBe(200);
    stored += ((await posted.json()) as { stored: number }).stored;
  }
  return stored;
}

describe('history re-wrap when a conversation changes hands (lesson 15)', () => {
  it('claim → an admin re-wraps → the new assignee opens every earlier message; the previous one gets no new wraps', async () => {
    await onlyOnShift();
    const from = contactNumber();
    for (const text of ['first', 'second', 'third'])
      await h.ctx.conversations.receive(sms, inbound(from, text));
    await settle(h);
    const { id } = await conversationOf(from);
    const first = await h.addUser(['volunteer'], 'First');
    await onlyOnShift(first);
    expect((await h.request('POST', `/api/conversations/${id}/claim`, { as: first })).status).toBe(200);

    // Before the re-wrap the history is unreadable to the new assignee.
    let thread = await detail(id, first);
    expect(
      thread.messages.filter((m) => m.direction === 'in').every((m) => m.envelope.wraps.length === 0),
    ).toBe(true);
    expect(await rewrapAs(admin, id)).toBeGreaterThanOrEqual(3);
    thread = await detail(id, first);
    const texts = thread.messages
      .filter((m) => m.direction === 'in')
      .map((m) => openMessage(m.envelope as SealedEnvelope, m.id, first));
    expect(texts).toEqual(['first', 'second', 'third']);
    expect(
      (await h
        .request('GET', `/api/conversations/${id}/rewrap-requests`, { as: admin })
        .then((r) => r.json())) as RewrapRequestsResponse,
    ).toEqual({ requests: [] });

    // Transfer to a second volunteer; the previous assignee re-wraps for them.
    const second = await h.addUser(['volunteer'], 'Second');
    const moved = await h.request('POST', `/api/conversations/${id}/transfer`, {
      as: first,
      body: { to: second.id },
    });
    expect(moved.status).toBe(200);
    expect(await rewrapAs(first, id)).toBeGreaterThanOrEqual(3);
    await h.ctx.conversations.receive(sms, inbound(from, 'fourth'));
    await settle(h);
    thread = await detail(id, second);
    const all = thread.messages.filter((m) => m.direction === 'in');
    expect(all.map((m) => openMessage(m.envelope as SealedEnvelope, m.id, second))).toEqual([
      'first',
      'second',
      'third',
      'fourth',
    ]);
    // The previous assignee is no reader of the new message (and no longer sees the thread).
    const newest = all[3]!;
    const readers = await h.ctx.db.query<{ reader: string }>(
      'select reader from conversation_wraps where record_id = $1',
      [messageRecordId(newest.id)],
    );
    expect(readers.map((r) => r.reader)).not.toContain(first.pubkey);
    expect(readers.map((r) => r.reader).sort()).toEqual([admin.pubkey, second.pubkey].sort());
    expect((await h.request('GET', `/api/conversations/${id}`, { as: first })).status).toBe(404);
  });

  it('refuses wraps for anyone but the current assignee and for records the poster cannot open', async () => {
    await onlyOnShift();
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
    const { id } = await conversationOf(from);
    const volunteer = await h.addUser(['volunteer']);
    await onlyOnShift(volunteer);
    expect((await h.request('POST', `/api/conversations/${id}/claim`, { as: volunteer })).status).toBe(200);
    const thread = await detail(id, admin);
    const message = thread.messages[0]!;
    const good = wrapForNewReader(message.envelope as SealedEnvelope, admin.secretKey, volunteer.pubkey, {
      purpose: PURPOSES.message,
      recordId: messageRecordId(message.id),
    });
    const other = await h.addUser(['volunteer']);
    const wrongRecipient = await h.request('POST', `/api/conversations/${id}/wraps`, {
      as: admin,
      body: { recipient: other.pubkey, wraps: [{ recordId: messageRecordId(message.id), wrap: good.wrap }] },
    });
    expect(wrongRecipient.status).toBe(409);
    const notInConversation = await h.request('POST', `/api/conversations/${id}/wraps`, {
      as: admin,
      body: {
        recipient: volunteer.pubkey,
        wraps: [{ recordId: messageRecordId(randomUUID()), wrap: good.wrap }],
      },
    });
    expect(notInConversation.status).toBe(403);
    const stranger = await h.request('POST', `/api/conversations/${id}/wraps`, {
      as: other,
      body: {
        recipient: volunteer.pubkey,
        wraps: [{ recordId: messageRecordId(message.id), wrap: good.wrap }],
      },
    });
    expect(stranger.status).toBe(404);
    const ok = await h.request('POST', `/api/conversations/${id}/wraps`, {
      as: admin,
      body: {
        recipient: volunteer.pubkey,
        wraps: [{ recordId: messageRecordId(message.id), wrap: good.wrap }],
      },
    });
    expect(await ok.json()).toMatchObject({ stored: 1 });
    // One wrap per record and reader: a second is ignored.
    const again = await h.request('POST', `/api/conversations/${id}/wraps`, {
      as: admin,
      body: {
        recipient: volunteer.pubkey,
        wraps: [{ recordId: messageRecordId(message.id), wrap: good.wrap }],
      },
    });
    expect(await again.json()).toMatchObject({ stored: 0 });
  });

  it('announces accepted wraps (ids only) so the new assignee re-reads the thread at once', async () => {
    await onlyOnShift();
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'are you there'));
    await settle(h);
    const { id } = await conversationOf(from);
    const volunteer = await h.addUser(['volunteer']);
    await onlyOnShift(volunteer);
    expect((await h.request('POST', `/api/conversations/${id}/claim`, { as: volunteer })).status).toBe(200);
    const events = await captureHubEvents(h.ctx);
    try {
      expect(await rewrapAs(admin, id)).toBeGreaterThanOrEqual(1);
      expect(events.list).toContainEqual({ type: 'conversation:updated', conversationId: id });
      // Nothing new stored, nothing to announce.
      events.list.length = 0;
      const thread = await detail(id, admin);
      const message = thread.messages[0]!;
      const wrap = wrapForNewReader(message.envelope as SealedEnvelope, admin.secretKey, volunteer.pubkey, {
        purpose: PURPOSES.message,
        recordId: messageRecordId(message.id),
      });
      const again = await h.request('POST', `/api/conversations/${id}/wraps`, {
        as: admin,
        body: {
          recipient: volunteer.pubkey,
          wraps: [{ recordId: messageRecordId(message.id), wrap: wrap.wrap }],
        },
      });
      expect(await again.json()).toMatchObject({ stored: 0 });
      expect(events.list.filter((e) => e.type === 'conversation:updated')).toEqual([]);
    } finally {
      events.stop();
    }
  });
});

describe('transfer targets', () => {
  it('names the colleagues on shift who may hold conversations, and nothing else, to whoever may transfer', async () => {
    const holder = await h.addUser(['volunteer'], 'Holder');
    const colleague = await h.addUser(['volunteer'], 'Ana Colleague');
    const reporter = await h.addUser(['reporter'], 'Reporter On Shift');
    const offShift = await h.addUser(['volunteer'], 'Off Shift');
    await onlyOnShift(holder);
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'hello?'));
    await settle(h);
    const { id, assigned_to } = await conversationOf(from);
    expect(assigned_to).toBe(holder.id);
    await onlyOnShift(holder, colleague, reporter);

    const res = await h.request('GET', `/api/conversations/${id}/transfer-targets`, { as: holder });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ targets: [{ id: colleague.id, displayName: 'Ana Colleague' }] });
    // No keys, no numbers: only ids and names.
    expect(JSON.stringify(body)).not.toContain(colleague.pubkey);
    expect(JSON.stringify(body)).not.toContain(offShift.id);

    // The admin (who may assign) gets the same list; a colleague who does not hold it gets nothing.
    const asAdmin = await h.request('GET', `/api/conversations/${id}/transfer-targets`, { as: admin });
    expect(await asAdmin.json()).toEqual(body);
    expect(
      (await h.request('GET', `/api/conversations/${id}/transfer-targets`, { as: colleague })).status,
    ).toBe(404);
    expect(
      (await h.request('GET', `/api/conversations/${randomUUID()}/transfer-targets`, { as: holder })).status,
    ).toBe(404);
    expect(
      (await h.request('GET', `/api/conversations/${id}/transfer-targets?x=1`, { as: holder })).status,
    ).toBe(400);
  });
});

describe('replies', () => {
  async function activeConversation(): Promise<{ id: string; from: string; volunteer: TestUser }> {
    const volunteer = await h.addUser(['volunteer']);
    await onlyOnShift(volunteer);
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'hi'));
    await settle(h);
    const { id } = await conversationOf(from);
    return { id, from, volunteer };
  }

  it('hands the body to the channel, stores only the sealed copy, follows delivery statuses', async () => {
    const { id, from, volunteer } = await activeConversation();
    const messageId = randomUUID();
    const sealed = sealReply(messageId, 'You are not alone. I am here.', [volunteer.pubkey, admin.pubkey]);
    const res = await h.request('POST', `/api/conversations/${id}/messages`, {
      as: volunteer,
      body: { id: messageId, body: 'You are not alone. I am here.', sealed },
    });
    expect(res.status).toBe(201);
    const sent = sms.sent.at(-1)!;
    expect(sent).toMatchObject({ to: from, body: 'You are not alone. I am here.' });
    const rows = JSON.stringify(
      await h.ctx.db.query('select * from conversation_messages where id = $1', [messageId]),
    );
    expect(rows).not.toContain('not alone');
    const [row] = await h.ctx.db.query<{ provider_message_id: string; delivery: string }>(
      'select provider_message_id, delivery from conversation_messages where id = $1',
      [messageId],
    );
    expect(row!.delivery).toBe('queued');
    await h.ctx.conversations.applyStatus(sms.id, {
      providerMessageId: row!.provider_message_id,
      status: 'delivered',
      errorCode: null,
    });
    // A late "sent" does not move it back.
    await h.ctx.conversations.applyStatus(sms.id, {
      providerMessageId: row!.provider_message_id,
      status: 'sent',
      errorCode: null,
    });
    const thread = await detail(id, volunteer);
    const mine = thread.messages.find((m) => m.id === messageId)!;
    expect(mine).toMatchObject({ direction: 'out', delivery: 'delivered', author: volunteer.id });
    expect(openMessage(mine.envelope as SealedEnvelope, messageId, volunteer)).toBe(
      'You are not alone. I am here.',
    );
  });

  it('refuses an envelope not sealed for exactly the assignee and the admins', async () => {
    const { id, volunteer } = await activeConversation();
    const messageId = randomUUID();
    const res = await h.request('POST', `/api/conversations/${id}/messages`, {
      as: volunteer,
      body: { id: messageId, body: 'hello', sealed: sealReply(messageId, 'hello', [volunteer.pubkey]) },
    });
    expect(res.status).toBe(400);
    expect(
      await h.ctx.db.query('select 1 from conversation_messages where id = $1', [messageId]),
    ).toHaveLength(0);
  });

  it('shows a provider refusal on the message (WhatsApp 24-hour window), and retries a retryable one', async () => {
    const { id, volunteer } = await activeConversation();
    sms.sendFailures.push(new ChannelSendError('outside-24h-window', 'the 24-hour window is closed', false));
    const refused = randomUUID();
    const res = await h.request('POST', `/api/conversations/${id}/messages`, {
      as: volunteer,
      body: {
        id: refused,
        body: 'hello?',
        sealed: sealReply(refused, 'hello?', [volunteer.pubkey, admin.pubkey]),
      },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { message: unknown }).message).toMatchObject({
      delivery: 'failed',
      errorCode: 'outside-24h-window',
      retryable: false,
    });
    expect(
      (
        await h.request('POST', `/api/conversations/${id}/messages/${refused}/retry`, {
          as: volunteer,
          body: { body: 'hello?' },
        })
      ).status,
    ).toBe(409);

    sms.sendFailures.push(new ChannelSendError('unreachable', 'provider timed out', true));
    const flaky = randomUUID();
    await h.request('POST', `/api/conversations/${id}/messages`, {
      as: volunteer,
      body: {
        id: flaky,
        body: 'still here',
        sealed: sealReply(flaky, 'still here', [volunteer.pubkey, admin.pubkey]),
      },
    });
    const retried = await h.request('POST', `/api/conversations/${id}/messages/${flaky}/retry`, {
      as: volunteer,
      body: { body: 'still here' },
    });
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { message: unknown }).message).toMatchObject({
      delivery: 'queued',
      errorCode: null,
    });
  });

  it('STOP opts the contact out (no sends) until START', async () => {
    const { id, from, volunteer } = await activeConversation();
    await h.ctx.conversations.receive(sms, inbound(from, ' stop '));
    const blocked = randomUUID();
    const res = await h.request('POST', `/api/conversations/${id}/messages`, {
      as: volunteer,
      body: { id: blocked, body: 'hi', sealed: sealReply(blocked, 'hi', [volunteer.pubkey, admin.pubkey]) },
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('STOP');
    await h.ctx.conversations.receive(sms, inbound(from, 'START'));
    const allowed = randomUUID();
    const again = await h.request('POST', `/api/conversations/${id}/messages`, {
      as: volunteer,
      body: { id: allowed, body: 'hi', sealed: sealReply(allowed, 'hi', [volunteer.pubkey, admin.pubkey]) },
    });
    expect(again.status).toBe(201);
  });

  it('close, then a new message from the contact reopens it', async () => {
    const { id, from, volunteer } = await activeConversation();
    expect((await h.request('POST', `/api/conversations/${id}/close`, { as: volunteer })).status).toBe(200);
    expect((await h.request('POST', `/api/conversations/${id}/close`, { as: volunteer })).status).toBe(409);
    await h.ctx.conversations.receive(sms, inbound(from, 'me again'));
    expect(await conversationOf(from)).toMatchObject({ status: 'active', assigned_to: volunteer.id });
    const actions = (
      await h.ctx.db.query<{ action: string }>(
        `select action from audit_log where target = $1 order by seq`,
        [`conversation:${id}`],
      )
    ).map((r) => r.action);
    expect(actions).toEqual(['conversations.assigned', 'conversations.closed', 'conversations.reopened']);
  });
});

describe('settings', () => {
  it('a message reads the settings as stored now: an edited automatic reply is sent at once', async () => {
    await onlyOnShift();
    const before = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(before, 'hello'));
    await setSettings(h, (s) => ({
      ...s,
      messaging: { ...s.messaging, firstContactReply: { en: 'Edited privacy notice.' } },
    }));
    const after = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(after, 'hello'));
    await settle(h);
    expect(sms.sent.filter((m) => m.to === before).map((m) => m.body)).not.toContain(
      'Edited privacy notice.',
    );
    expect(sms.sent.filter((m) => m.to === after).map((m) => m.body)).toContain('Edited privacy notice.');
  });
});

describe('export', () => {
  it('an admin exports a conversation as JSON lines with their own wraps only, audited; a volunteer may not', async () => {
    const volunteer = await h.addUser(['volunteer'], 'Vol');
    await onlyOnShift(volunteer);
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'please keep this'));
    await h.ctx.conversations.receive(sms, inbound(from, 'and this'));
    await settle(h);
    const { id } = await conversationOf(from);

    expect((await h.request('GET', `/api/conversations/${id}/export`, { as: volunteer })).status).toBe(403);
    const res = await h.request('GET', `/api/conversations/${id}/export`, { as: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const text = await res.text();
    expect(text).not.toContain('please keep this');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(lines[0]).toMatchObject({ type: 'conversation', conversation: { id } });
    const messages = lines.filter((l) => l.type === 'message') as unknown as {
      message: { id: string; direction: string; envelope: SealedEnvelope };
    }[];
    const inboundBodies = messages
      .filter((m) => m.message.direction === 'in')
      .map((m) => {
        expect(m.message.envelope.wraps.map((w) => w.reader)).toEqual([admin.pubkey]);
        return openMessage(m.message.envelope, m.message.id, admin);
      });
    expect(inboundBodies).toEqual(['please keep this', 'and this']);
    expect(lines.at(-1)).toEqual({ type: 'end', count: messages.length });
    const audit = await h.ctx.db.query<{ actor_pubkey: string; details: { messages: number } }>(
      `select actor_pubkey, details from audit_log where action = 'conversations.exported' and target = $1`,
      [`conversation:${id}`],
    );
    expect(audit).toEqual([
      { actor_pubkey: admin.pubkey, details: expect.objectContaining({ messages: messages.length }) },
    ]);
  });
});

describe('safety', () => {
  it('a banned number (the ban list calls use) is not stored', async () => {
    const from = contactNumber();
    const ban = await h.request('POST', '/api/bans', {
      as: admin,
      body: { numbers: [from], reason: 'abuse' },
    });
    expect(ban.status).toBe(201);
    await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
    expect(
      await h.ctx.db.query('select 1 from conversations where contact_hash = $1', [
        hashPhone(h.ctx.keys.hashKey, from),
      ]),
    ).toHaveLength(0);
  });

  it('a contact over the per-hour limit is dropped', async () => {
    await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, messagesPerContactPerHour: 2 } }));
    try {
      const from = contactNumber();
      for (const text of ['a', 'b', 'c']) await h.ctx.conversations.receive(sms, inbound(from, text));
      const { id } = await conversationOf(from);
      const rows = await h.ctx.db.query(
        `select 1 from conversation_messages where conversation_id = $1 and direction = 'in'`,
        [id],
      );
      expect(rows).toHaveLength(2);
    } finally {
      await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, messagesPerContactPerHour: 60 } }));
    }
  });
});

describe('bad input is a 4xx, never a 5xx', () => {
  it('answers malformed ids, bodies and unknown conversations with 400/404', async () => {
    const volunteer = await h.addUser(['volunteer']);
    const cases: [string, string, unknown?][] = [
      ['GET', '/api/conversations/not-a-uuid'],
      ['GET', `/api/conversations/${randomUUID()}`],
      ['GET', '/api/conversations?status=nope'],
      ['GET', '/api/conversations?limit=100000'],
      ['POST', `/api/conversations/${randomUUID()}/claim`],
      ['POST', `/api/conversations/${randomUUID()}/transfer`, { to: 5 }],
      ['POST', `/api/conversations/${randomUUID()}/messages`, { id: 'x', body: '', sealed: {} }],
      [
        'POST',
        `/api/conversations/${randomUUID()}/messages`,
        { id: randomUUID(), body: 'y'.repeat(5000), sealed: { v: 1, ciphertext: 'AA', wraps: [] } },
      ],
      ['POST', `/api/conversations/${randomUUID()}/wraps`, { recipient: 'zz', wraps: [] }],
      ['GET', `/api/conversations/${randomUUID()}/media/${randomUUID()}`],
      ['GET', `/api/conversations/${randomUUID()}/rewrap-requests`],
    ];
    for (const [method, path, body] of cases) {
      for (const as of [admin, volunteer]) {
        const res = await h.request(method, path, { as, body });
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }
    }
  });
});

const picture = new Uint8Array(5000).map((_, i) => (i * 7) % 251);

describe('attachments', () => {
  async function openMedia(
    conversationId: string,
    mediaId: string,
    wrap: string,
    as: TestUser,
  ): Promise<Uint8Array> {
    const res = await h.request('GET', `/api/conversations/${conversationId}/media/${mediaId}`, { as });
    expect(res.status).toBe(200);
    const recordId = messageMediaRecordId(mediaId);
    const key = unwrapKey(fromBase64url(wrap), as.secretKey, { label: PURPOSES.attachment.wrap, recordId });
    return decryptBuffer(key, new Uint8Array(await res.arrayBuffer()), {
      label: PURPOSES.attachment.content,
      recordId,
    });
  }

  it('streams the file into the encrypted store for the message readers, then deletes it at the provider', async () => {
    const volunteer = await h.addUser(['volunteer']);
    await onlyOnShift(volunteer);
    const from = contactNumber();
    const ref = `https://media.example/${randomUUID()}`;
    sms.media.set(ref, picture);
    await h.ctx.conversations.receive(sms, inbound(from, '', { media: [{ ref, contentType: 'image/png' }] }));
    await settle(h);
    const { id } = await conversationOf(from);
    const [message] = (await detail(id, volunteer)).messages.filter((m) => m.direction === 'in');
    const media = message!.media[0]!;
    expect(media).toMatchObject({ state: 'stored', contentType: 'image/png', sizeBucket: 8192 });
    expect(await openMedia(id, media.id, media.wrap!, volunteer)).toEqual(picture);
    const adminMedia = (await detail(id, admin)).messages.find((m) => m.id === message!.id)!.media[0]!;
    expect(await openMedia(id, media.id, adminMedia.wrap!, admin)).toEqual(picture);
    expect(sms.deleted).toContain(ref);
    const [row] = await h.ctx.db.query<{ provider_ref_enc: string | null }>(
      'select provider_ref_enc from attachments where id = $1',
      [media.id],
    );
    expect(row!.provider_ref_enc).toBeNull();
  });

  it('a failed fetch keeps the message and retries; a restarted server does not duplicate the message', async () => {
    const volunteer = await h.addUser(['volunteer']);
    await onlyOnShift(volunteer);
    const from = contactNumber();
    const ref = `https://media.example/${randomUUID()}`;
    sms.media.set(ref, 'fail');
    const message = inbound(from, 'see attached', { media: [{ ref, contentType: 'image/jpeg' }] });
    await h.ctx.conversations.receive(sms, message);
    await settle(h);
    const { id } = await conversationOf(from);
    let thread = await detail(id, volunteer);
    expect(thread.messages.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(thread.messages[0]!.media[0]).toMatchObject({ state: 'pending', wrap: null });
    expect(sms.deleted).not.toContain(ref);

    // "Restart": a second process on the same database; the provider delivers the webhook again.
    let now = new Date();
    const restarted = await createContext(h.ctx.config, createLogger('silent'), {
      db: h.ctx.db,
      now: () => now,
    });
    restarted.conversations.channels.set(sms.id, sms);
    await restarted.conversations.receive(sms, message);
    // Not due yet: nothing happens.
    expect(await tickConversationTimers(restarted, now)).toBe(0);
    sms.media.set(ref, picture);
    now = new Date(Date.now() + 31_000);
    expect(await tickConversationTimers(restarted, now)).toBe(1);
    thread = await detail(id, volunteer);
    expect(thread.messages.filter((m) => m.direction === 'in')).toHaveLength(1);
    const media = thread.messages[0]!.media[0]!;
    expect(media.state).toBe('stored');
    expect(await openMedia(id, media.id, media.wrap!, volunteer)).toEqual(picture);
    expect(sms.deleted).toContain(ref);
  });

  it('after the last attempt the attachment is marked failed and audited, never dropped silently', async () => {
    await onlyOnShift();
    const from = contactNumber();
    const ref = `https://media.example/${randomUUID()}`;
    sms.media.set(ref, 'fail');
    await h.ctx.conversations.receive(sms, inbound(from, '', { media: [{ ref, contentType: null }] }));
    await settle(h);
    let at = Date.now();
    for (let i = 0; i < 10; i++) {
      at += 2 * 3600_000;
      await tickConversationTimers(h.ctx, new Date(at));
    }
    const { id } = await conversationOf(from);
    const [media] = (await detail(id, admin)).messages[0]!.media;
    expect(media!.state).toBe('failed');
    const audit = await h.ctx.db.query(
      `select 1 from audit_log where action = 'conversations.media-failed' and target = $1`,
      [`conversation:${id}`],
    );
    expect(audit).toHaveLength(1);
  });
});

describe('retention and notifications', () => {
  it('wakes the assignee for a new message (push), ids only', async () => {
    const volunteer = await h.addUser(['volunteer']);
    await onlyOnShift(volunteer);
    const heard: { conversationId: string; userIds: readonly string[] }[] = [];
    const off = h.ctx.events.on('conversation:message-arrived', (arrived) => {
      heard.push(arrived);
    });
    try {
      await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'hello'));
      await settle(h);
      expect(heard).toHaveLength(1);
      expect(heard[0]!.userIds).toEqual([volunteer.id]);
    } finally {
      off();
    }
  });

  it('deletes closed conversations past messaging.retentionDays, with their files', async () => {
    const volunteer = await h.addUser(['volunteer']);
    await onlyOnShift(volunteer);
    const from = contactNumber();
    const ref = `https://media.example/${randomUUID()}`;
    sms.media.set(ref, picture);
    await h.ctx.conversations.receive(sms, inbound(from, 'bye', { media: [{ ref, contentType: null }] }));
    await settle(h);
    const { id } = await conversationOf(from);
    expect((await h.request('POST', `/api/conversations/${id}/close`, { as: volunteer })).status).toBe(200);
    const [blob] = await h.ctx.db.query<{ blob_id: string }>(
      'select blob_id from attachments where conversation_id = $1',
      [id],
    );
    expect(await purgeExpiredConversations(h.ctx, new Date(Date.now() + 40 * 86400_000))).toBe(0);
    await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, retentionDays: 30 } }));
    try {
      expect(await purgeExpiredConversations(h.ctx, new Date(Date.now() + 10 * 86400_000))).toBe(0);
      expect(
        await purgeExpiredConversations(h.ctx, new Date(Date.now() + 40 * 86400_000)),
      ).toBeGreaterThanOrEqual(1);
      expect(await h.ctx.db.query('select 1 from conversations where id = $1', [id])).toHaveLength(0);
      expect(
        await h.ctx.db.query('select 1 from conversation_messages where conversation_id = $1', [id]),
      ).toHaveLength(0);
      expect(await blobStore(h.ctx).read(blob!.blob_id)).toBeNull();
    } finally {
      await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, retentionDays: 0 } }));
    }
  });
});

describe('who a message is sealed for', () => {
  it('a custom role holding conversations:read-all reads every conversation; one without it does not', async () => {
    const at = h.ctx.now();
    const [supervisor, listener] = [randomUUID(), randomUUID()];
    await h.ctx.db.query(
      `insert into custom_roles (id, name, description, permissions, created_at, updated_at)
       values ($1, 'Supervisor', '', $3::jsonb, $5, $5), ($2, 'Listener', '', $4::jsonb, $5, $5)`,
      [
        supervisor,
        listener,
        JSON.stringify(['conversations:read-assigned', 'conversations:read-all']),
        JSON.stringify(['conversations:read-assigned']),
        at,
      ],
    );
    const lead = await h.addUser([supervisor], 'Lead');
    const other = await h.addUser([listener], 'Listener');
    const readers = await currentReaders(h.ctx.db, other.id);
    expect(readers).toContain(lead.pubkey);
    expect(readers).toContain(admin.pubkey);
    // The listener is a reader only as the assignee.
    expect(readers).toContain(other.pubkey);
    expect(await currentReaders(h.ctx.db, null)).not.toContain(other.pubkey);
    await h.ctx.db.query('update users set active = false where id = any($1::text[])', [[lead.id, other.id]]);
  });
});
