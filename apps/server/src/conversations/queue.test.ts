import { hashPhone } from '@llamenos/crypto';
import { type ConversationDetail, messageRecordId } from '@llamenos/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  clearShifts,
  contactNumber,
  type FakeChannel,
  fakeChannel,
  inbound,
  putOnShift,
  setSettings,
  settle,
} from '../../test/conversations-helpers.js';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { wireEvents } from '../server.js';
import { rebalanceConversations } from './queue.js';
import { tickConversationTimers } from './timers.js';

/**
 * The queue moves without a new message: a volunteer coming on shift (an edit, or the clock), a
 * place freed by a close, and a holder who can no longer hold (deactivated, grants lost).
 */

let h: TestHotline;
let admin: TestUser;
let sms: FakeChannel;
let unwire: () => void;

beforeAll(async () => {
  h = await createTestHotline();
  unwire = wireEvents(h.ctx);
  admin = await h.addUser(['admin'], 'Admin');
  sms = fakeChannel();
  h.ctx.conversations.channels.set(sms.id, sms);
  await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, capacityPerVolunteer: 1 } }));
});
afterAll(async () => {
  unwire?.();
  await h?.close();
});

beforeEach(async () => {
  await clearShifts(h);
  // Each test starts with an empty inbox.
  await h.ctx.db.query('delete from conversations');
});

async function conversationOf(from: string) {
  const [row] = await h.ctx.db.query<{ id: string; assigned_to: string | null; status: string }>(
    'select id, assigned_to, status from conversations where contact_hash = $1',
    [hashPhone(h.ctx.keys.hashKey, from)],
  );
  if (!row) throw new Error('no conversation');
  return row;
}

/** Two contacts text while nobody is on shift: both wait, the first one longer. */
async function twoWaiting(): Promise<[string, string]> {
  const first = contactNumber();
  const second = contactNumber();
  h.setNow(new Date(Date.now() - 60_000));
  await h.ctx.conversations.receive(sms, inbound(first, 'first'));
  h.setNow(new Date(Date.now() - 30_000));
  await h.ctx.conversations.receive(sms, inbound(second, 'second'));
  h.setNow(null as unknown as Date);
  await settle(h);
  expect((await conversationOf(first)).status).toBe('waiting');
  expect((await conversationOf(second)).status).toBe('waiting');
  return [first, second];
}

describe('the queue is offered when someone can take from it', () => {
  it('a volunteer coming on shift gets the longest-waiting conversation, within capacity, with a re-wrap request', async () => {
    const [first, second] = await twoWaiting();
    const volunteer = await h.addUser(['volunteer'], 'Vol');
    await putOnShift(h, [volunteer.id]);
    h.ctx.events.emit('shifts:changed', { kind: 'assignments', action: 'updated', id: 'all-day' });
    await settle(h);

    const given = await conversationOf(first);
    expect(given).toMatchObject({ assigned_to: volunteer.id, status: 'active' });
    // Capacity 1: the second keeps waiting.
    expect(await conversationOf(second)).toMatchObject({ assigned_to: null, status: 'waiting' });
    // The earlier messages are sealed for the admins only: someone who can read them must re-wrap.
    const requests = await h.ctx.db.query<{ recipient: string }>(
      'select recipient from conversation_rewraps where conversation_id = $1',
      [given.id],
    );
    expect(requests.map((r) => r.recipient)).toEqual([volunteer.pubkey]);
    const audit = await h.ctx.db.query<{ details: { how: string; assignee: string } }>(
      `select details from audit_log where action = 'conversations.assigned' and target = $1`,
      [`conversation:${given.id}`],
    );
    expect(audit.map((r) => r.details)).toEqual([
      expect.objectContaining({ how: 'from-queue', assignee: volunteer.id }),
    ]);

    // Closing frees the place: the next waiting conversation is offered at once.
    const closed = await h.request('POST', `/api/conversations/${given.id}/close`, { as: volunteer });
    expect(closed.status).toBe(200);
    await settle(h);
    expect(await conversationOf(second)).toMatchObject({ assigned_to: volunteer.id, status: 'active' });
  });

  it('a shift that starts with the clock (no edit) is picked up by the timer tick', async () => {
    const [first] = await twoWaiting();
    const volunteer = await h.addUser(['volunteer'], 'Vol');
    await putOnShift(h, [volunteer.id]); // written straight to the table: no event
    await settle(h);
    expect((await conversationOf(first)).assigned_to).toBeNull();
    await tickConversationTimers(h.ctx, h.ctx.now());
    await settle(h);
    expect((await conversationOf(first)).assigned_to).toBe(volunteer.id);
  });
});

describe('a holder who can no longer hold', () => {
  it('deactivated: their conversations go back to the queue, audited, and new messages are not sealed for them', async () => {
    const volunteer = await h.addUser(['volunteer'], 'Leaving');
    await putOnShift(h, [volunteer.id]);
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
    await settle(h);
    const { id } = await conversationOf(from);
    expect((await conversationOf(from)).assigned_to).toBe(volunteer.id);

    const res = await h.request('POST', `/api/users/${volunteer.id}/deactivate`, { as: admin });
    expect(res.status).toBe(200);
    await settle(h);
    expect(await conversationOf(from)).toMatchObject({ assigned_to: null, status: 'waiting' });
    const audit = await h.ctx.db.query<{ details: { from: string } }>(
      `select details from audit_log where action = 'conversations.unassigned' and target = $1`,
      [`conversation:${id}`],
    );
    expect(audit.map((r) => r.details.from)).toEqual([volunteer.id]);

    await h.ctx.conversations.receive(sms, inbound(from, 'are you still there?'));
    await settle(h);
    const thread = (await (
      await h.request('GET', `/api/conversations/${id}`, { as: admin })
    ).json()) as ConversationDetail;
    const latest = thread.messages.at(-1)!;
    const readers = await h.ctx.db.query<{ reader: string }>(
      'select reader from conversation_wraps where record_id = $1',
      [messageRecordId(latest.id)],
    );
    expect(readers.map((r) => r.reader)).toEqual([admin.pubkey]);
  });

  it('grants lost (no conversations:read-assigned): no wraps even before the queue pass, then back to the queue', async () => {
    await h.ctx.db.query(
      `insert into custom_roles (id, name, permissions, created_at, updated_at)
       values ('listener', 'Listener', '["calls:answer"]'::jsonb, now(), now()) on conflict do nothing`,
    );
    const volunteer = await h.addUser(['volunteer'], 'Vol');
    await putOnShift(h, [volunteer.id]);
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
    await settle(h);
    const { id } = await conversationOf(from);
    expect((await conversationOf(from)).assigned_to).toBe(volunteer.id);

    // Their roles change behind the API's back (no event): the next message is still not theirs.
    await h.ctx.db.query(`update users set roles = '["listener"]'::jsonb where id = $1`, [volunteer.id]);
    await h.ctx.conversations.receive(sms, inbound(from, 'second message'));
    await settle(h);
    const wrapped = await h.ctx.db.query<{ n: number }>(
      `select count(*)::int as n from conversation_wraps w join conversation_messages m
         on w.record_id = 'message:' || m.id where m.conversation_id = $1 and m.direction = 'in' and w.reader = $2`,
      [id, volunteer.pubkey],
    );
    expect(wrapped[0]?.n).toBe(1); // the first inbound message only

    await rebalanceConversations(h.ctx);
    expect(await conversationOf(from)).toMatchObject({ assigned_to: null, status: 'waiting' });
  });
});
