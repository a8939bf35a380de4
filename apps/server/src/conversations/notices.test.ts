import { hashPhone } from '@llamenos/crypto';
import { type ConversationDetail, DEFAULT_SETTINGS } from '@llamenos/protocol';
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
  setSettings,
  settle,
} from '../../test/conversations-helpers.js';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { createContext } from '../context.js';
import type { Database } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { createLogger } from '../logging.js';
import { NOTICE_LEASE_MS, NOTICE_RETRY_DELAYS_MS, sendDueNotices } from './replies.js';
import { tickConversationTimers } from './timers.js';

/**
 * The automatic replies' outbox (replies.ts): a first-contact notice reaches the contact once
 * even when the process that took the text dies before sending it, when the provider is down
 * for a while, and when several processes' timers look for it at once.
 */

const FIRST_CONTACT = DEFAULT_SETTINGS.messaging.firstContactReply.en as string;
const NOBODY = DEFAULT_SETTINGS.messaging.noVolunteerReply.en as string;

let h: TestHotline;
let admin: TestUser;
let volunteer: TestUser;
let sms: FakeChannel;
/** Every process of these tests reads this clock; timers are ticked at it. */
let clock = Date.now();
const advance = (ms: number): Date => {
  clock += ms;
  h.setNow(new Date(clock));
  return new Date(clock);
};

beforeAll(async () => {
  h = await createTestHotline();
  h.setNow(new Date(clock));
  admin = await h.addUser(['admin'], 'Admin');
  volunteer = await h.addUser(['volunteer'], 'Vol');
  await onShiftAllWeek();
  // Room for every contact of the file: each one is assigned, and owed the first notice only.
  await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, capacityPerVolunteer: 50 } }));
  sms = fakeChannel();
  h.ctx.conversations.channels.set(sms.id, sms);
});
afterAll(() => h?.close());

/** The volunteer on shift all day, every day: the tests move the clock by hours. */
async function onShiftAllWeek(): Promise<void> {
  await clearShifts(h);
  for (let day = 0; day < 7; day++) {
    advance(24 * 3600_000);
    await putOnShift(h, [volunteer.id]);
  }
}

/**
 * Another server process on the same database (its own context, the same keys) that dies once a
 * statement matching `last` has run: nothing after it reaches the database, and its provider
 * hears nothing more from it. `only`: the statements matching it are the only ones refused (the
 * process stays up, but never gets that work done); `mute`: its provider never hears from it.
 */
async function otherProcess(death?: { last?: RegExp; only?: RegExp; mute?: boolean }) {
  let dead = false;
  const refuse = (sql: string) => dead || (death?.only?.test(sql) ?? false);
  const db = new Proxy(h.ctx.db, {
    get(object, prop) {
      const value = Reflect.get(object, prop, object);
      if (prop === 'query')
        return async (sql: string, params?: readonly unknown[]) => {
          if (refuse(sql)) throw new Error('process killed');
          const rows = await (value as Database['query']).call(object, sql, params);
          if (death?.last?.test(sql)) dead = true;
          return rows;
        };
      if (prop === 'transaction')
        return (fn: Parameters<Database['transaction']>[0]) => {
          if (dead) throw new Error('process killed');
          return (value as Database['transaction']).call(object, fn);
        };
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
  const ctx = await createContext(h.ctx.config, createLogger('silent'), { db, now: () => new Date(clock) });
  const channel = fakeChannel();
  const send = channel.send.bind(channel);
  channel.send = async (message) => {
    if (dead || death?.mute) throw new Error('process killed');
    return send(message);
  };
  ctx.conversations.channels.set(channel.id, channel);
  return { ctx, channel };
}

async function conversationOf(from: string): Promise<string> {
  const [row] = await h.ctx.db.query<{ id: string }>('select id from conversations where contact_hash = $1', [
    hashPhone(h.ctx.keys.hashKey, from),
  ]);
  if (!row) throw new Error('no conversation');
  return row.id;
}

const outbox = (conversationId: string) =>
  h.ctx.db.query<{ kind: string; attempts: number }>(
    'select kind, attempts from conversation_notices where conversation_id = $1 order by kind',
    [conversationId],
  );

/** The hotline's messages in the conversation, as stored. */
const replies = (conversationId: string) =>
  h.ctx.db.query<{ id: string; delivery: string; error_code: string | null; retryable: boolean }>(
    `select id, delivery, error_code, retryable from conversation_messages
      where conversation_id = $1 and direction = 'out' order by created_at, id`,
    [conversationId],
  );

const sentTo = (channel: FakeChannel, to: string) =>
  channel.sent.filter((m) => m.to === to).map((m) => m.body);

/** What the member reads in the thread for the message `id` (the browser's decryption). */
async function readAs(user: TestUser, conversationId: string, id: string): Promise<string> {
  const res = await h.request('GET', `/api/conversations/${conversationId}`, { as: user });
  expect(res.status).toBe(200);
  const message = ((await res.json()) as ConversationDetail).messages.find((m) => m.id === id);
  if (!message) throw new Error('no such message');
  return openMessage(message.envelope, id, user);
}

const tick = (ctx: ServerContext, at: Date) => tickConversationTimers(ctx, at);

describe('the automatic replies outbox', { timeout: 90_000 }, () => {
  it('a process killed after the text is stored and before the notice is: another process sends it once, when due', async () => {
    const dying = await otherProcess({ last: /^\s*with held as/ });
    const from = contactNumber();
    // The webhook's answer goes out: the text is stored, with the notice it earns.
    await dying.ctx.conversations.receive(dying.channel, inbound(from, 'hello'));
    await settle(dying);
    expect(dying.channel.sent).toEqual([]);
    const id = await conversationOf(from);
    expect(await outbox(id)).toEqual([{ kind: 'first-contact', attempts: 0 }]);
    expect(await replies(id)).toEqual([]);

    // Not before its lease lapses (the process might still be working on it).
    await tick(h.ctx, advance(NOTICE_LEASE_MS - 1000));
    expect(sentTo(sms, from)).toEqual([]);
    await tick(h.ctx, advance(2000));
    expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
    const [reply] = await replies(id);
    expect(reply).toMatchObject({ delivery: 'queued', error_code: null });
    expect(await outbox(id)).toEqual([]);
    // Sealed for the conversation's readers, as the process that died would have.
    expect(await readAs(volunteer, id, reply!.id)).toBe(FIRST_CONTACT);
    expect(await readAs(admin, id, reply!.id)).toBe(FIRST_CONTACT);
    await tick(h.ctx, advance(NOTICE_LEASE_MS * 10));
    expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
    expect(await replies(id)).toHaveLength(1);
  });

  it('a process killed after the notice is stored and before it is handed over: sent as stored, once', async () => {
    const dying = await otherProcess({ last: /^\s*with message as/ });
    const from = contactNumber();
    await dying.ctx.conversations.receive(dying.channel, inbound(from, 'hello'));
    await settle(dying);
    expect(dying.channel.sent).toEqual([]);
    const id = await conversationOf(from);
    const [stored] = await replies(id);
    expect(stored).toMatchObject({ delivery: 'pending', error_code: null });
    expect(await outbox(id)).toEqual([{ kind: 'first-contact', attempts: 1 }]);
    // The notice is edited meanwhile: the contact gets what the volunteer reads, the stored one.
    await setSettings(h, (s) => ({
      ...s,
      messaging: { ...s.messaging, firstContactReply: { en: 'Edited.' } },
    }));
    try {
      await tick(h.ctx, advance(NOTICE_LEASE_MS + 1000));
      expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
      expect(await replies(id)).toEqual([{ ...stored, delivery: 'queued' }]);
      expect(await readAs(volunteer, id, stored!.id)).toBe(FIRST_CONTACT);
      expect(await outbox(id)).toEqual([]);
      await tick(h.ctx, advance(NOTICE_LEASE_MS * 10));
      expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
    } finally {
      await setSettings(h, (s) => ({
        ...s,
        messaging: { ...s.messaging, firstContactReply: DEFAULT_SETTINGS.messaging.firstContactReply },
      }));
    }
  });

  it('the provider down: shown pending with its error and retried by the timer, then failed for good after the last attempt', async () => {
    const attempts = NOTICE_RETRY_DELAYS_MS.length + 1;
    sms.sendFailures.push(
      ...Array.from({ length: attempts }, () => new ChannelSendError('unreachable', 'provider down', true)),
    );
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
    await settle(h);
    const id = await conversationOf(from);
    expect(await replies(id)).toEqual([
      { id: expect.any(String), delivery: 'pending', error_code: 'unreachable', retryable: false },
    ]);
    expect(sms.sendFailures).toHaveLength(attempts - 1);
    for (const [i, delay] of NOTICE_RETRY_DELAYS_MS.entries()) {
      // Not before the wait.
      await tick(h.ctx, advance(delay - 1000));
      expect(sms.sendFailures).toHaveLength(attempts - 1 - i);
      await tick(h.ctx, advance(1000));
      expect(sms.sendFailures).toHaveLength(attempts - 2 - i);
    }
    // The last attempt failed: left failed on the message, for an admin to send again.
    expect(await replies(id)).toEqual([
      { id: expect.any(String), delivery: 'failed', error_code: 'unreachable', retryable: true },
    ]);
    expect(await outbox(id)).toEqual([]);
    await tick(h.ctx, advance(24 * 3600_000));
    expect(sentTo(sms, from)).toEqual([]);
  });

  it('a provider back after a failure: the retry sends it, once', async () => {
    sms.sendFailures.push(new ChannelSendError('provider-refused', 'busy (503)', true));
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
    await settle(h);
    const id = await conversationOf(from);
    expect(await replies(id)).toMatchObject([{ delivery: 'pending', error_code: 'provider-refused' }]);
    await tick(h.ctx, advance(NOTICE_RETRY_DELAYS_MS[0] as number));
    expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
    expect(await replies(id)).toMatchObject([{ delivery: 'queued', error_code: null }]);
    await tick(h.ctx, advance(24 * 3600_000));
    expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
  });

  it('a refusal no retry mends is failed at once, as a volunteer reply is', async () => {
    sms.sendFailures.push(new ChannelSendError('invalid-message', 'cannot send this', false));
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
    await settle(h);
    const id = await conversationOf(from);
    expect(await replies(id)).toMatchObject([
      { delivery: 'failed', error_code: 'invalid-message', retryable: false },
    ]);
    expect(await outbox(id)).toEqual([]);
  });

  it("two processes' timers at once: each notice is sent once", async () => {
    // A process whose notices never get stored (its work after the answer never runs), and one
    // that stores them and dies before it hands them over.
    const deaf = await otherProcess({ only: /^\s*with message as/ });
    const mute = await otherProcess({ only: /^\s*with outbox as/, mute: true });
    const contacts = Array.from({ length: 8 }, () => contactNumber());
    for (const [i, from] of contacts.entries()) {
      const taker = i % 2 ? deaf : mute;
      await taker.ctx.conversations.receive(taker.channel, inbound(from, 'hello'));
    }
    await settle(deaf);
    await settle(mute);
    expect(
      (
        await Promise.all(
          contacts.map(async (from) => (await outbox(await conversationOf(from)))[0]?.attempts),
        )
      ).sort(),
    ).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    const other = await otherProcess();
    other.ctx.conversations.channels.set(sms.id, sms);
    const at = advance(NOTICE_LEASE_MS + 1000);
    // The outbox's part of each timer, started together so that their claims meet in the database.
    await Promise.all([h.ctx, other.ctx, h.ctx, other.ctx].map((ctx) => sendDueNotices(ctx, at)));
    await Promise.all([tick(h.ctx, at), tick(other.ctx, at)]);
    for (const from of contacts) {
      expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
      const id = await conversationOf(from);
      expect(await replies(id)).toMatchObject([{ delivery: 'queued' }]);
      expect(await outbox(id)).toEqual([]);
    }
    expect(deaf.channel.sent).toEqual([]);
    expect(mute.channel.sent).toEqual([]);
    await Promise.all([tick(h.ctx, advance(NOTICE_LEASE_MS * 2)), tick(other.ctx, new Date(clock))]);
    for (const from of contacts) expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
  });

  it('a notice waits while its process is taking in another text, and goes once none is (arrivals.ts)', async () => {
    // Another text being taken in (its webhook not yet answered) for the whole wait.
    const taking = h.ctx.conversations.arrivals.begin();
    const from = contactNumber();
    try {
      await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sentTo(sms, from)).toEqual([]);
    } finally {
      taking();
    }
    await settle(h);
    expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
  });

  it("a provider's retry of a first text racing the first delivery: the first-contact notice is sent once, whichever stores the text", async () => {
    const contacts = Array.from({ length: 12 }, () => contactNumber());
    await Promise.all(
      contacts.map((from) => {
        const message = inbound(from, 'hello');
        return Promise.all([
          h.ctx.conversations.receive(sms, message),
          h.ctx.conversations.receive(sms, { ...message }),
        ]);
      }),
    );
    await settle(h);
    for (const from of contacts) expect(sentTo(sms, from)).toEqual([FIRST_CONTACT]);
  });

  it('owed and not stored when the contact said STOP, or a volunteer took a waiting conversation: not sent', async () => {
    await clearShifts(h);
    try {
      const deaf = await otherProcess({ only: /^\s*with message as/ });
      const stops = contactNumber();
      const waits = contactNumber();
      await deaf.ctx.conversations.receive(deaf.channel, inbound(stops, 'hello'));
      await deaf.ctx.conversations.receive(deaf.channel, inbound(waits, 'hello'));
      await settle(deaf);
      // Nobody on shift: both are owed the first notice and "nobody is available".
      expect(await outbox(await conversationOf(waits))).toEqual([
        { kind: 'first-contact', attempts: 0 },
        { kind: 'no-volunteer', attempts: 0 },
      ]);
      await h.ctx.conversations.receive(sms, inbound(stops, 'STOP'));
      await onShiftAllWeek();
      const claimed = await h.request('POST', `/api/conversations/${await conversationOf(waits)}/claim`, {
        as: volunteer,
      });
      expect(claimed.status).toBe(200);
      await settle(h);
      await tick(h.ctx, advance(NOTICE_LEASE_MS + 1000));
      expect(sentTo(sms, stops)).toEqual([]);
      // The privacy notice still applies; "everyone is busy" no longer does.
      expect(sentTo(sms, waits)).toEqual([FIRST_CONTACT]);
      expect(sentTo(sms, waits)).not.toContain(NOBODY);
      expect(await outbox(await conversationOf(stops))).toEqual([]);
      expect(await outbox(await conversationOf(waits))).toEqual([]);
    } finally {
      await onShiftAllWeek();
    }
  });
});
