import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { appendAudit, emptyAuditHeadCache, verifyAuditLog } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import { appendOnGuess, assignLeastRecentInOrder, insertConversationsLocking } from './placement-store.js';
import { assignLeastRecent, insertConversation, lockAssignments } from './store.js';

/**
 * A batch of first contacts' placement statements (placement-store.ts), on both databases: the
 * rows inserted with the lock after them, the round robin for the whole batch in one statement
 * (which must give exactly what one assignLeastRecent after another gives), and the audit
 * entries on a guess, right or wrong.
 */
let h: TestHotline;
let volunteers: TestUser[];
const CHANNEL = 'twilio-sms';
const HOTLINE = '+15550100900';
const at = (ms: number) => new Date(Date.UTC(2026, 0, 5, 12, 0, 0, ms));
const row = (contactHash: string, last4: string | null, ms: number) => ({
  id: randomUUID(),
  channel: CHANNEL,
  kind: 'sms' as const,
  hotlineAddress: HOTLINE,
  contactHash,
  contactLast4: last4,
  contactEnc: 'sealed',
  at: at(ms),
});
const hash = (n: number) => n.toString(16).padStart(64, '0');
let contacts = 1000;

/** Runs `work` in a transaction that is rolled back afterwards; returns what it returned. */
async function rolledBack<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
  let result: T | undefined;
  const undo = new Error('rolled back on purpose');
  await h.ctx.db
    .transaction(async (tx) => {
      result = await work(tx);
      throw undo;
    })
    .catch((error: unknown) => {
      if (error !== undo) throw error;
    });
  return result as T;
}

beforeAll(async () => {
  h = await createTestHotline();
  await h.addUser(['admin']);
  volunteers = [];
  for (let i = 0; i < 5; i++) volunteers.push(await h.addUser(['volunteer']));
});
afterAll(() => h?.close());

describe('insertConversationsLocking', () => {
  it('inserts several in one statement, each at its own time, a contact without last four digits too; a contact who has one (or appears twice) gets none', async () => {
    const existing = row(hash(1), '9999', 0);
    await insertConversation(h.ctx.db, existing, existing.at);
    const rows = [
      row(hash(2), '1234', 1),
      row(hash(3), null, 2),
      row(hash(2), '1234', 3), // the same contact again
      row(hash(1), '9999', 4), // has one already
    ];
    const { inserted, locked } = await insertConversationsLocking(h.ctx.db, rows, false);
    expect(locked).toBe(false);
    expect([...inserted.keys()]).toEqual([rows[0]!.id, rows[1]!.id]);
    const second = inserted.get(rows[1]!.id);
    expect(second).toMatchObject({ contact_last4: null, status: 'waiting', assigned_to: null });
    expect(second?.created_at).toEqual(at(2));
    expect(second?.waiting_since).toEqual(at(2));
    expect(second).not.toHaveProperty('locked');
    expect(await insertConversationsLocking(h.ctx.db, [], true)).toEqual({
      inserted: new Map(),
      locked: false,
    });
  });

  it('takes the assignment lock in the same statement when asked and a row was inserted; with none inserted, no lock', async () => {
    const locked = await rolledBack((tx) =>
      insertConversationsLocking(tx, [row(hash(contacts++), null, 5)], true),
    );
    expect(locked.locked).toBe(true);
    const none = await rolledBack((tx) => insertConversationsLocking(tx, [row(hash(1), '9999', 6)], true));
    expect(none).toEqual({ inserted: new Map(), locked: false });
  });

  it('holds the lock until its transaction ends: another transaction taking it waits', async () => {
    if (h.ctx.db.kind === 'pglite') return; // one connection: transactions never overlap there
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lockedSignal!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      lockedSignal = resolve;
    });
    const first = rolledBack(async (tx) => {
      const { locked } = await insertConversationsLocking(tx, [row(hash(contacts++), null, 7)], true);
      order.push(`locked ${locked}`);
      lockedSignal();
      await held;
      order.push('first ends');
    });
    await isLocked;
    const second = rolledBack(async (tx) => {
      await lockAssignments(tx);
      order.push('second locked');
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['locked true', 'first ends', 'second locked']);
  });
});

describe('assignLeastRecentInOrder', () => {
  /**
   * Five volunteers, capacity 3: one never given a conversation, the others given one at
   * different times, one with a place left, one full, one inactive; then twelve new ones.
   */
  async function arrange(tx: Queryable): Promise<string[]> {
    const [v0, v1, v2, v3, v4] = volunteers.map((v) => v.id) as [string, string, string, string, string];
    await tx.query('delete from conversation_assignees');
    await tx.query(`update conversations set status = 'closed', assigned_to = null`);
    for (const [id, ms] of [
      [v1, 30],
      [v2, 10],
      [v3, 20],
      [v4, 5],
    ] as const)
      await tx.query('insert into conversation_assignees (user_id, last_assigned_at) values ($1, $2)', [
        id,
        at(ms),
      ]);
    // v1 holds two (one place left), v3 three (full).
    for (const [id, n] of [
      [v1, 2],
      [v3, 3],
    ] as const)
      for (let i = 0; i < n; i++) {
        const held = row(hash(contacts++), null, 1);
        await insertConversation(tx, held, held.at);
        await tx.query(`update conversations set status = 'active', assigned_to = $2 where id = $1`, [
          held.id,
          id,
        ]);
      }
    await tx.query('update users set active = false where id = $1', [v4]);
    const fresh: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = row(hash(contacts++), null, 100 + i);
      await insertConversation(tx, r, r.at);
      fresh.push(r.id);
    }
    void v0;
    return fresh;
  }

  const queueOrder = (tx: Queryable) =>
    tx.query<{ user_id: string }>(
      'select user_id from conversation_assignees order by last_assigned_at, user_id collate "C"',
    );

  it('gives what one assignLeastRecent after another gives, places full and inactive members left out, and leaves the queue in the same order', async () => {
    const candidates = volunteers.map((v) => v.id);
    const now = at(500);
    const oneByOne = await rolledBack(async (tx) => {
      const fresh = await arrange(tx);
      await lockAssignments(tx);
      const given: (string | null)[] = [];
      for (const id of fresh)
        given.push((await assignLeastRecent(tx, id, candidates, 3, now))?.assignee ?? null);
      return { given, queue: await queueOrder(tx) };
    });
    const together = await rolledBack(async (tx) => {
      const fresh = await arrange(tx);
      await lockAssignments(tx);
      const map = await assignLeastRecentInOrder(tx, fresh, candidates, 3, now);
      const rows = await tx.query<{ id: string; assigned_to: string | null; status: string }>(
        'select id, assigned_to, status from conversations where id = any($1::text[])',
        [fresh],
      );
      return {
        given: fresh.map((id) => map.get(id)?.assignee ?? null),
        stored: fresh.map((id) => rows.find((r) => r.id === id)),
        conversations: fresh.map((id) => map.get(id)?.conversation),
        queue: await queueOrder(tx),
      };
    });
    // Never given first (v0), then least recent (v2, v1 with its one place); v3 full, v4 inactive;
    // then turns among those with places until they are full; the rest wait.
    const [v0, v1, v2] = volunteers.map((v) => v.id);
    expect(oneByOne.given).toEqual([v0, v2, v1, v0, v2, v0, v2, null, null, null, null, null]);
    expect(together.given).toEqual(oneByOne.given);
    expect(together.queue).toEqual(oneByOne.queue);
    for (const [i, assignee] of together.given.entries()) {
      expect(together.stored[i]).toMatchObject(
        assignee ? { assigned_to: assignee, status: 'active' } : { assigned_to: null, status: 'waiting' },
      );
      if (assignee)
        expect(together.conversations[i]).toMatchObject({ assigned_to: assignee, status: 'active' });
    }
  });

  it('notes each assignee strictly after every earlier offer, the later conversations later, even within one millisecond', async () => {
    const times = await rolledBack(async (tx) => {
      const fresh = await arrange(tx);
      // An earlier offer in the future of this batch's time: the batch still comes after it.
      await tx.query('update conversation_assignees set last_assigned_at = $2 where user_id = $1', [
        volunteers[2]!.id,
        at(900),
      ]);
      await assignLeastRecentInOrder(
        tx,
        fresh.slice(0, 3),
        [volunteers[0]!.id, volunteers[1]!.id],
        3,
        at(500),
      );
      return tx.query<{ user_id: string; last_assigned_at: Date }>(
        'select user_id, last_assigned_at from conversation_assignees where user_id = any($1::text[]) order by last_assigned_at',
        [[volunteers[0]!.id, volunteers[1]!.id]],
      );
    });
    // v0 first and third (v1 second, with its one place): v1 then v0, a microsecond apart at most
    // in the millisecond after the latest earlier offer.
    expect(times.map((t) => t.user_id)).toEqual([volunteers[1]!.id, volunteers[0]!.id]);
    for (const t of times)
      expect(new Date(t.last_assigned_at).getTime()).toBeGreaterThanOrEqual(at(900).getTime());
  });

  it('nobody to give to, or nothing to give: no statement', async () => {
    expect(await assignLeastRecentInOrder(h.ctx.db, [], ['x'], 3, at(0))).toEqual(new Map());
    expect(await assignLeastRecentInOrder(h.ctx.db, ['x'], [], 3, at(0))).toEqual(new Map());
  });
});

describe('appendOnGuess', () => {
  const entry = (n: number) => ({
    action: 'conversations.assigned',
    target: `conversation:${n}`,
    details: { conversationId: String(n), how: 'round-robin', assignee: 'v' },
  });

  it('appends on a right guess, on a wrong one (another appender moved the head), and with none; the chain verifies', async () => {
    const head = emptyAuditHeadCache();
    const count = async () =>
      Number((await h.ctx.db.query<{ n: number }>('select count(*)::int as n from audit_log'))[0]?.n);
    const before = await count();
    // No guess: as appendAuditEntriesInTx.
    await h.ctx.db.transaction((tx) => appendOnGuess(tx, [entry(1), entry(2)], at(1), head));
    expect(head.kept).not.toBeNull();
    // Right guess.
    await h.ctx.db.transaction((tx) => appendOnGuess(tx, [entry(3), entry(4)], at(2), head));
    // Wrong guess: an append this cache never saw.
    await appendAudit(h.ctx.db, entry(5), at(3));
    await h.ctx.db.transaction((tx) => appendOnGuess(tx, [entry(6), entry(7)], at(4), head));
    await h.ctx.db.transaction((tx) => appendOnGuess(tx, [], at(5), head));
    expect(await count()).toBe(before + 7);
    const verdict = await verifyAuditLog(h.ctx.db);
    expect(verdict.ok).toBe(true);
  });
});
