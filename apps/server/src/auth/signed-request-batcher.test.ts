/**
 * SignedRequestBatcher's grouping, on a stand-in database that counts statements: an idle server
 * sends a token at once, the tokens that arrive meanwhile go together in the next statement (a
 * copy of an id waits for the one after), and a failed statement fails only its own batch.
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../db/database.js';
import { SignedRequestBatcher, type VerifiedToken } from './signed-requests.js';

function countingDb(failFirst = false) {
  const statements: string[][] = [];
  const texts: string[] = [];
  let release: (() => void) | undefined;
  const db: Queryable = {
    async query<T>(sql: string, params?: readonly unknown[]) {
      texts.push(sql);
      // flushReplayCache: one id, no rows.
      if (sql.startsWith('insert into auth_replay')) return [];
      const ids = params![0] as string[];
      statements.push(ids);
      // The first statement is held until released, so the tokens behind it queue up.
      if (statements.length === 1) await new Promise<void>((r) => (release = r));
      if (failFirst && statements.length === 1) throw new Error('connection lost');
      return ids.map((event_id) => ({
        event_id,
        fresh: true,
        generation: '1',
        passkeys_required: false,
        looked_up: true,
        user_id: null,
        roles: null,
        custom_permissions: null,
        has_passkey: null,
      })) as T[];
    },
    async exec() {},
  };
  return { db, statements, texts, release: () => release!() };
}

const token = (eventId: string, mutating = false): VerifiedToken => ({
  eventId,
  pubkey: 'a'.repeat(64),
  rememberUntil: new Date(0),
  mutating,
});

const deferred = (sql: string) => sql.includes('synchronous_commit');

describe('SignedRequestBatcher', () => {
  it('sends an idle request at once and the ones that arrive meanwhile together', async () => {
    const { db, statements, release } = countingDb();
    const batcher = new SignedRequestBatcher(db);
    const ahead = batcher.standing(token('t0'));
    const behind = ['t1', 't2', 't1', 't3'].map((id) => batcher.standing(token(id)));
    expect(statements).toEqual([['t0']]);
    release();
    await Promise.all([ahead, ...behind]);
    expect(statements).toEqual([['t0'], ['t1', 't2', 't3'], ['t1']]);
  });

  it('fails only the batch whose statement failed', async () => {
    const { db, release } = countingDb(true);
    const batcher = new SignedRequestBatcher(db);
    const ahead = batcher.standing(token('t0'));
    const behind = batcher.standing(token('t1'));
    release();
    await expect(ahead).rejects.toThrow('connection lost');
    await expect(behind).resolves.toMatchObject({ fresh: true, user: null });
  });

  it('defers the log write only for a batch of mutating requests, and only when asked (PGlite)', async () => {
    const { db, statements, texts, release } = countingDb();
    const batcher = new SignedRequestBatcher(db, { deferFlush: true });
    const ahead = batcher.standing(token('t0', true));
    const mixed = [batcher.standing(token('t1', true)), batcher.standing(token('t2'))];
    release();
    const [first, ...rest] = await Promise.all([ahead, ...mixed]);
    expect(statements).toEqual([['t0'], ['t1', 't2']]);
    expect(texts.map(deferred)).toEqual([true, false]);
    expect([first, ...rest].map((s) => s.flushPending)).toEqual([true, false, false]);

    const plain = countingDb();
    const ordinary = new SignedRequestBatcher(plain.db);
    const one = ordinary.standing(token('t3', true));
    plain.release();
    expect((await one).flushPending).toBe(false);
    expect(plain.texts.map(deferred)).toEqual([false]);
  });

  it('shares one durability check among the requests waiting for the next one', async () => {
    const { db, texts, release } = countingDb();
    const batcher = new SignedRequestBatcher(db, { deferFlush: true });
    const ahead = batcher.standing(token('t0', true));
    release();
    await ahead;
    await Promise.all([batcher.durable(token('t0', true)), batcher.durable(token('t1', true))]);
    await batcher.durable(token('t2', true));
    expect(texts.filter((t) => t.startsWith('insert into auth_replay'))).toHaveLength(2);
  });
});
