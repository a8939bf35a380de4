/**
 * SignedRequestBatcher's grouping, on a stand-in database that counts statements: an idle server
 * sends the tokens of one turn of the event loop together as soon as that turn is over (the
 * signature worker answers many requests in one message: they are one statement, not a statement
 * of one and one of the rest), the tokens that arrive meanwhile go together in the next statement
 * (a copy of an id waits for the one after), and a failed statement fails only its own batch.
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../db/database.js';
import { SignedRequestBatcher, type VerifiedToken } from './signed-requests.js';

function countingDb(failFirst = false) {
  const statements: string[][] = [];
  let release: (() => void) | undefined;
  const db: Queryable = {
    async query<T>(_sql: string, params?: readonly unknown[]) {
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
  return { db, statements, release: () => release!() };
}

const token = (eventId: string): VerifiedToken => ({
  eventId,
  pubkey: 'a'.repeat(64),
  rememberUntil: new Date(0),
});

describe('SignedRequestBatcher', () => {
  it('sends the requests of one turn together once it is over, and those arriving meanwhile together', async () => {
    const { db, statements, release } = countingDb();
    const batcher = new SignedRequestBatcher(db);
    const ahead = ['t0', 't4'].map((id) => batcher.standing(token(id)));
    expect(statements).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(statements).toEqual([['t0', 't4']]);
    const behind = ['t1', 't2', 't1', 't3'].map((id) => batcher.standing(token(id)));
    await new Promise((r) => setImmediate(r));
    expect(statements).toEqual([['t0', 't4']]);
    release();
    await Promise.all([...ahead, ...behind]);
    expect(statements).toEqual([['t0', 't4'], ['t1', 't2', 't3'], ['t1']]);
  });

  it('fails only the batch whose statement failed', async () => {
    const { db, release } = countingDb(true);
    const batcher = new SignedRequestBatcher(db);
    const ahead = batcher.standing(token('t0'));
    await new Promise((r) => setImmediate(r));
    const behind = batcher.standing(token('t1'));
    release();
    await expect(ahead).rejects.toThrow('connection lost');
    await expect(behind).resolves.toMatchObject({ fresh: true, user: null });
  });
});
