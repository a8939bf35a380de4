import { hashPhone } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { captureHubEvents } from '../../test/realtime-helpers.js';
import { recordingStatements } from '../../test/statement-log.js';
import { verifyAuditLog } from '../audit/service.js';
import { PLACEMENTS_AT_ONCE } from './ingest.js';

/**
 * What an inbound text costs the database (issue 10: statements per text), counted at the
 * context's database until the webhook could answer: a text to a held conversation, and a
 * contact's first text, whose conversation is placed under the assignment lock that serialises
 * every placement across processes, so what is done while holding it is pinned apart. The
 * messaging bench (`npm run bench -- messaging`) shows the whole storm; these pin the paths.
 */

describe('statements per inbound text', { timeout: 90_000 }, () => {
  let h: TestHotline;
  let sms: FakeChannel;
  let volunteer: TestUser;
  let statements: string[] = [];
  /** Transactions asked for and not yet finished (waiting for the connection included), and the most at once. */
  const transactions = { open: 0, most: 0 };

  beforeAll(async () => {
    h = await createTestHotline();
    await h.addUser(['admin'], 'Admin');
    volunteer = await h.addUser(['volunteer'], 'Vol');
    await putOnShift(h, [volunteer.id]);
    sms = fakeChannel();
    h.ctx.conversations.channels.set(sms.id, sms);
    // No automatic replies: their sends are work after the answer, counted by nobody here.
    await setSettings(h, (s) => ({
      ...s,
      messaging: { ...s.messaging, firstContactReply: {}, noVolunteerReply: {} },
    }));
    // Every statement the context's database runs from here on, marked "tx" inside a
    // transaction, whose begin and commit are counted as one "transaction" line each.
    (h.ctx as { db: typeof h.ctx.db }).db = recordingStatements(h.ctx.db, (line) => statements.push(line), {
      begin() {
        statements.push('transaction');
        transactions.open += 1;
        transactions.most = Math.max(transactions.most, transactions.open);
      },
      end() {
        transactions.open -= 1;
      },
    });
    // Warm the per-process copies (settings, who is on shift) as a running server has them.
    await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'warm-up'));
    await settle(h);
  });
  afterAll(() => h?.close());

  /**
   * The statements `receive` runs before it resolves (the webhook's answer), background work
   * excluded, and apart from them the checks of the per-process copies other modules keep:
   * the settings (re-read once a second, settings/cache.ts) and who is on shift (its
   * fingerprint, shifts/cache.ts, when it is not read with the first look).
   */
  const kept = (q: string) => /hotline_settings|from shift_assig/.test(q);
  const count = async (work: () => Promise<unknown>): Promise<{ own: string[]; kept: string[] }> => {
    await settle(h);
    statements = [];
    let seen: string[] = [];
    await work().then(() => {
      seen = statements;
    });
    statements = [];
    await settle(h);
    // The store is the webhook's last statement: what follows it is the work it leaves behind
    // (hub events), which may start before the answer's promise is seen here.
    const stored = seen.map((q) => q.startsWith('db: with held as')).lastIndexOf(true);
    if (stored >= 0) seen = seen.slice(0, stored + 1);
    return { own: seen.filter((q) => !kept(q)), kept: seen.filter(kept) };
  };

  it("a contact's first text: one look, the placement's transaction, one store; two statements under the lock, the audit entry one", async () => {
    const from = contactNumber();
    const { own: seen, kept: checks } = await count(() =>
      h.ctx.conversations.receive(sms, inbound(from, 'hello')),
    );
    // Who is on shift is checked against the fingerprint the first look read: no statement.
    expect(checks.filter((q) => !q.includes('hotline_settings'))).toEqual([]);
    expect(seen[0]).toMatch(/^db: with duplicate as/);
    expect(seen.at(-1)).toMatch(/^db: with held as/);
    const placement = seen.slice(1, -1);
    expect(placement[0]).toBe('transaction');
    // The row is inserted (no look first: the first look saw none) and the lock taken after it
    // in one statement (placement-store.ts), then one statement chooses and assigns, and the
    // audit entry commits with it: one statement, the chain head this process last moved (the
    // warm-up's entry) checked and moved in it.
    expect(placement.slice(1)).toEqual([
      expect.stringMatching(/^tx: with inserted as \(\s*insert into conversations/),
      expect.stringMatching(/^tx: with candidate as/),
      expect.stringMatching(/^tx: with audit_head as \(\s*select seq, hash from audit_chain_head/),
    ]);
    // Five statements and a transaction's begin and commit: seven on the wire.
    expect(seen).toHaveLength(6);
    const [row] = await h.ctx.db.query<{ assigned_to: string | null; status: string }>(
      'select assigned_to, status from conversations where contact_hash = $1',
      [hashPhone(h.ctx.keys.hashKey, from)],
    );
    expect(row).toEqual({ assigned_to: volunteer.id, status: 'active' });
  });

  it("a contact's first text is announced by one hub event, message:new; a reopened one's new holder by conversation:assigned", async () => {
    await settle(h);
    const events = await captureHubEvents(h.ctx);
    try {
      const from = contactNumber();
      await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
      await settle(h);
      expect(events.list.map((e) => e.type)).toEqual(['message:new']);
      // Closed and back in the queue, then a new text: reopened and assigned, so both.
      const [row] = await h.ctx.db.query<{ id: string }>(
        'select id from conversations where contact_hash = $1',
        [hashPhone(h.ctx.keys.hashKey, from)],
      );
      const release = () =>
        h.ctx.db.query(`update conversations set status = 'closed', assigned_to = null where id = $1`, [
          row?.id,
        ]);
      await release();
      events.list.length = 0;
      await h.ctx.conversations.receive(sms, inbound(from, 'again'));
      await settle(h);
      expect(events.list.map((e) => e.type)).toEqual(['conversation:assigned', 'message:new']);
      // The volunteer's place back for the tests after this one (their capacity).
      await release();
    } finally {
      events.stop();
    }
  });

  it('a text to a held conversation: two statements, no transaction', async () => {
    const from = contactNumber();
    await h.ctx.conversations.receive(sms, inbound(from, 'first'));
    const { own: seen, kept: checks } = await count(() =>
      h.ctx.conversations.receive(sms, inbound(from, 'second')),
    );
    expect(checks.length).toBeLessThanOrEqual(1);
    expect(seen).toEqual([
      expect.stringMatching(/^db: with duplicate as/),
      expect.stringMatching(/^db: with held as/),
    ]);
  });

  it("a first contact's automatic reply: recorded by the text's own statement (none more before the answer); after it one statement stores it with its wraps (no transaction, no member read), one records its send", async () => {
    const notice = 'We read every message.';
    // The volunteer's places free (their capacity), so the contact is assigned and the reply
    // sealed for two readers.
    const release = () =>
      h.ctx.db.query(
        `update conversations set status = 'closed', assigned_to = null where assigned_to is not null`,
      );
    await release();
    // What the webhook's answer waits for: a first contact that earns no reply, and (below) one
    // that does, whose reply the outbox must hold before the answer (notices.test.ts).
    const upToAnswer = (lines: string[]) =>
      lines
        .slice(0, lines.map((q) => q.startsWith('db: with held as')).lastIndexOf(true) + 1)
        .filter((q) => !kept(q));
    await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'warm-up'));
    const { own: withoutReply } = await count(() =>
      h.ctx.conversations.receive(sms, inbound(contactNumber(), 'hi')),
    );
    await release();
    await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, firstContactReply: { en: notice } } }));
    const from = contactNumber();
    try {
      // Warm the kept settings after the edit, then count from the text to its reply's last statement.
      await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'warm-up'));
      await settle(h);
      statements = [];
      await h.ctx.conversations.receive(sms, inbound(from, 'hello'));
      await settle(h);
      const all = statements;
      statements = [];
      expect(upToAnswer(all)).toEqual(withoutReply);
      const afterAnswer = all.slice(all.map((q) => q.startsWith('db: with held as')).lastIndexOf(true) + 1);
      // Sealed for the readers the text was sealed for (no read of the members), stored in one
      // statement, handed to the provider, its outcome recorded (and the outbox emptied) in one.
      expect(afterAnswer.filter((q) => !kept(q) && !/hub_keys/.test(q))).toEqual([
        expect.stringMatching(/^db: with message as \(\s*insert into conversation_messages/),
        expect.stringMatching(/^db: with outbox as \(delete from conversation_notices/),
      ]);
      expect(sms.sent.filter((m) => m.to === from && m.body === notice)).toHaveLength(1);
      const [conversation] = await h.ctx.db.query<{ id: string }>(
        'select id from conversations where contact_hash = $1',
        [hashPhone(h.ctx.keys.hashKey, from)],
      );
      const rows = await h.ctx.db.query<{ direction: string; delivery: string; wraps: number }>(
        `select m.direction, m.delivery,
           (select count(*)::int from conversation_wraps w where w.conversation_id = m.conversation_id
              and w.record_id = 'message:' || m.id) as wraps
           from conversation_messages m where m.conversation_id = $1 order by m.direction`,
        [conversation?.id],
      );
      // The text and the reply, each sealed for the admin and the assignee.
      expect(rows).toEqual([
        { direction: 'in', delivery: 'received', wraps: 2 },
        { direction: 'out', delivery: 'queued', wraps: 2 },
      ]);
    } finally {
      await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, firstContactReply: {} } }));
      await release();
    }
  });

  it('a text that waits (nobody has a free place) wakes those on shift as its placement worked them out: no statement after the answer', async () => {
    await h.ctx.db.query(
      `update conversations set status = 'closed', assigned_to = null where assigned_to is not null`,
    );
    await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, capacityPerVolunteer: 1 } }));
    const woken: string[][] = [];
    const off = h.ctx.events.on('conversation:message-arrived', (arrived) => {
      woken.push([...arrived.userIds]);
    });
    try {
      // The volunteer's one place taken, then a text that waits, to warm the kept copies.
      await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'taken'));
      await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'waits'));
      await settle(h);
      woken.length = 0;
      statements = [];
      await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'waits too'));
      await settle(h);
      const all = statements;
      statements = [];
      const afterAnswer = all.slice(all.map((q) => q.startsWith('db: with held as')).lastIndexOf(true) + 1);
      expect(afterAnswer.filter((q) => !/hub_keys/.test(q))).toEqual([]);
      // Nobody holds it: those on shift are woken (Web Push), the volunteer among them.
      expect(woken).toEqual([[volunteer.id]]);
    } finally {
      off();
      await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, capacityPerVolunteer: 3 } }));
      await h.ctx.db.query(
        `update conversations set status = 'closed', assigned_to = null where assigned_to is not null`,
      );
    }
  });

  it('a burst of first contacts: one placement of this process at a time asks for a connection', async () => {
    await settle(h);
    transactions.most = 0;
    const burst = Array.from({ length: 8 }, () =>
      h.ctx.conversations.receive(sms, inbound(contactNumber(), 'first of many')),
    );
    await Promise.all(burst);
    await settle(h);
    expect(transactions.most).toBe(PLACEMENTS_AT_ONCE);
    expect(PLACEMENTS_AT_ONCE).toBe(1);
    const [row] = await h.ctx.db.query<{ n: number }>(
      `select count(*)::int as n from conversation_messages where direction = 'in'`,
    );
    expect(row!.n).toBeGreaterThanOrEqual(8);
  });

  it('first contacts waiting together share one transaction of three statements whatever their number: the rows and the lock, the round robin for all, the audit entries; round robin and the audit chain intact', async () => {
    await settle(h);
    // A second volunteer, so the round robin has a choice to make (two places each).
    const second = await h.addUser(['volunteer'], 'Vol 2');
    await putOnShift(h, [volunteer.id, second.id]);
    await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, capacityPerVolunteer: 50 } }));
    // Warm the kept copies after the edits, then count.
    await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'warm-up again'));
    await settle(h);
    const before = await h.ctx.db.query<{ assigned_to: string; n: number }>(
      `select assigned_to, count(*)::int as n from conversations where assigned_to is not null group by assigned_to`,
    );
    const { own: seen } = await count(() =>
      Promise.all(
        Array.from({ length: 10 }, () => h.ctx.conversations.receive(sms, inbound(contactNumber(), 'hi'))),
      ),
    );
    const transactions = seen.filter((q) => q === 'transaction').length;
    // The first starts at once (PLACEMENTS_AT_ONCE), alone; those that wait meanwhile go
    // together (placement-queue.test.ts pins the batching itself).
    expect(transactions).toBeLessThan(10);
    const statements = (pattern: RegExp) => seen.filter((q) => pattern.test(q)).length;
    expect(statements(/^tx: with inserted as/)).toBe(transactions);
    expect(statements(/^tx: with candidate as/)).toBe(transactions);
    expect(statements(/^tx: (with chosen as|select id from conversation_assign_lock)/)).toBe(0);
    // The audit entries of a transaction: one statement on the chain head this process guessed
    // (after the settings' edits above, which this process appended without keeping the head,
    // the first guess is wrong: one more statement, chained from the head it locked).
    const audits = statements(
      /^tx: (with audit_head as|with head as|select seq, hash from audit_chain_head|with entry as)/,
    );
    expect(audits).toBeGreaterThanOrEqual(transactions);
    expect(audits).toBeLessThanOrEqual(transactions + 1);
    expect(seen.filter((q) => q.startsWith('tx:') || q === 'transaction').length).toBe(
      3 * transactions + audits,
    );
    // Round robin: the ten go five and five (the two volunteers took turns), each with its audit entry.
    const after = await h.ctx.db.query<{ assigned_to: string; n: number }>(
      `select assigned_to, count(*)::int as n from conversations where assigned_to is not null group by assigned_to`,
    );
    const gained = after.map((r) => r.n - (before.find((b) => b.assigned_to === r.assigned_to)?.n ?? 0));
    expect(gained.sort()).toEqual([5, 5]);
    const verdict = await verifyAuditLog(h.ctx.db);
    expect(verdict.ok).toBe(true);
    await clearShifts(h);
    await putOnShift(h, [volunteer.id]);
  });

  it('with nobody on shift the first text takes no assignment lock', async () => {
    await h.ctx.db.query('delete from shifts');
    try {
      // The first text after the change reads the new schedule; the next is counted.
      await h.ctx.conversations.receive(sms, inbound(contactNumber(), 'anyone there?'));
      const { own: seen } = await count(() =>
        h.ctx.conversations.receive(sms, inbound(contactNumber(), 'anyone?')),
      );
      // The look, the transaction with its insert, the store (sealed for the admins alone).
      expect(seen).toEqual([
        expect.stringMatching(/^db: with duplicate as/),
        'transaction',
        expect.stringMatching(/^tx: with inserted as \(\s*insert into conversations/),
        expect.stringMatching(/^db: with held as/),
      ]);
    } finally {
      await putOnShift(h, [volunteer.id]);
    }
  });
});
