import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_PG_URL } from '../../test/helpers.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openPostgres } from '../db/postgres.js';
import { ALL_MIGRATIONS } from '../modules.js';
import {
  type AuditHeadCache,
  appendAudit,
  appendAuditInTx,
  emptyAuditHeadCache,
  verifyAuditLog,
} from './service.js';

describe('audit chain', () => {
  let db: Database;
  let url: string | undefined;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    ({ db, url, drop } = await openTestDatabase());
    await migrate(db, ALL_MIGRATIONS);
  });
  afterEach(async () => {
    await db.close();
    await drop();
  });

  const appendMany = async (n: number) => {
    for (let i = 1; i <= n; i++)
      await appendAudit(db, { action: 'test.step', details: { i } }, new Date(Date.UTC(2025, 0, 1, 0, i)));
  };
  const seqs = async () =>
    (await db.query<{ seq: number }>('select seq from audit_log order by seq')).map((r) => Number(r.seq));

  it('links every entry to the one before and verifies', async () => {
    const first = await appendAudit(db, { action: 'test.first' }, new Date());
    const second = await appendAudit(db, { action: 'test.second', details: { n: 2 } }, new Date());
    expect(first.seq).toBe(1);
    expect(second.seq).toBe(2);
    expect(second.previousHash).toBe(first.hash);
    expect(await verifyAuditLog(db)).toEqual({ ok: true, count: 2, headHash: second.hash });
  });

  it('appends an entry in two statements: the head locked, then the entry and the head together', async () => {
    await appendMany(2);
    let statements = 0;
    const entry = await db.transaction((tx) => {
      const counted = {
        query: ((...args: Parameters<typeof tx.query>) => {
          statements++;
          return tx.query(...args);
        }) as typeof tx.query,
        exec: tx.exec.bind(tx),
      };
      return appendAuditInTx(counted as typeof tx, { action: 'test.counted' }, new Date());
    });
    expect(statements).toBe(2);
    expect(entry.seq).toBe(3);
    expect(await verifyAuditLog(db)).toEqual({ ok: true, count: 3, headHash: entry.hash });
  });

  it("appends in one statement when the head is this process's guess, and as without it when not", async () => {
    await appendMany(2);
    const head: AuditHeadCache = emptyAuditHeadCache();
    const counted = async (action: string, cache: AuditHeadCache | undefined = head) => {
      const seen: string[] = [];
      const entry = await db.transaction((tx) => {
        const wrapped = {
          query: ((...args: Parameters<typeof tx.query>) => {
            seen.push(String(args[0]).trim().slice(0, 20));
            return tx.query(...args);
          }) as typeof tx.query,
          exec: tx.exec.bind(tx),
        };
        return appendAuditInTx(wrapped as typeof tx, { action }, new Date(), cache);
      });
      return { entry, statements: seen.length };
    };
    // No guess yet: the plain two statements, and the head kept.
    expect(await counted('test.first')).toMatchObject({ statements: 2, entry: { seq: 3 } });
    expect(head.kept).toMatchObject({ seq: 3 });
    // The guess holds: one statement.
    expect(await counted('test.guessed')).toMatchObject({ statements: 1, entry: { seq: 4 } });
    // Another appender (no cache: another process, another module) moved the head: the guess
    // misses, the entry follows the real head.
    await appendAudit(db, { action: 'test.other' }, new Date());
    expect(await counted('test.missed')).toMatchObject({ statements: 2, entry: { seq: 6 } });
    expect(await counted('test.guessed-again')).toMatchObject({ statements: 1, entry: { seq: 7 } });
    // A transaction that appended and then rolled back leaves a guess ahead of the head.
    await expect(
      db.transaction(async (tx) => {
        await appendAuditInTx(tx, { action: 'test.rolled-back' }, new Date(), head);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(head.kept).toMatchObject({ seq: 8 });
    expect(await counted('test.after-rollback')).toMatchObject({ statements: 2, entry: { seq: 8 } });
    expect(await seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await verifyAuditLog(db)).toMatchObject({ ok: true, count: 8 });
  });

  it('serializes 50 concurrent appends sharing one guess: contiguous sequence, one chain', async () => {
    const head = emptyAuditHeadCache();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db.transaction((tx) =>
          appendAuditInTx(tx, { action: 'test.race', details: { i } }, new Date(), head),
        ),
      ),
    );
    expect(await seqs()).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const forks = await db.query(
      'select previous_hash from audit_log group by previous_hash having count(*) > 1',
    );
    expect(forks).toEqual([]);
    expect(await verifyAuditLog(db)).toMatchObject({ ok: true, count: 50 });
  });

  it('verifies an empty log', async () => {
    expect(await verifyAuditLog(db)).toMatchObject({ ok: true, count: 0 });
  });

  it('verifies across page boundaries', async () => {
    await appendMany(7);
    expect(await verifyAuditLog(db, 3)).toMatchObject({ ok: true, count: 7 });
  });

  it('reports an altered row as the first broken link', async () => {
    await appendMany(5);
    await db.query(`update audit_log set details = '{"i": 99}'::jsonb where seq = 3`);
    expect(await verifyAuditLog(db, 2)).toMatchObject({
      ok: false,
      brokenAt: 3,
      count: 2,
      reason: /altered/,
    });
  });

  it('reports a changed timestamp', async () => {
    await appendMany(3);
    await db.query(`update audit_log set created_at = created_at + interval '1 second' where seq = 2`);
    expect(await verifyAuditLog(db)).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('reports a deleted last entry through the chain head', async () => {
    await appendMany(4);
    await db.query('delete from audit_log where seq = 4');
    expect(await verifyAuditLog(db)).toMatchObject({
      ok: false,
      brokenAt: 4,
      count: 3,
      reason: /chain head/,
    });
  });

  it('reports a deleted middle entry', async () => {
    await appendMany(5);
    await db.query('delete from audit_log where seq = 3');
    expect(await verifyAuditLog(db)).toMatchObject({ ok: false, brokenAt: 3, count: 2, reason: /missing/ });
  });

  it('reports a re-linked forgery whose hashes were recomputed but head not moved', async () => {
    await appendMany(3);
    // Rewriting the head too would be a full rewrite, which only an external anchor can catch.
    await db.query(`update audit_log set previous_hash = repeat('1', 64) where seq = 2`);
    expect(await verifyAuditLog(db)).toMatchObject({ ok: false, brokenAt: 2, reason: /link/ });
  });

  it('serializes 50 concurrent appends: contiguous sequence, one chain', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        appendAudit(db, { action: 'test.race', details: { i } }, new Date()),
      ),
    );
    expect(await seqs()).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await verifyAuditLog(db)).toMatchObject({ ok: true, count: 50 });
  });

  it.skipIf(!TEST_PG_URL)(
    'serializes appends from two pools, each with its own guess of the head',
    async () => {
      const other = await openPostgres(url!, 10);
      const heads = [emptyAuditHeadCache(), emptyAuditHeadCache()];
      try {
        await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            (i % 2 ? db : other).transaction((tx) =>
              appendAuditInTx(tx, { action: 'test.guesses', details: { i } }, new Date(), heads[i % 2]),
            ),
          ),
        );
      } finally {
        await other.close();
      }
      expect(await seqs()).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      const forks = await db.query(
        'select previous_hash from audit_log group by previous_hash having count(*) > 1',
      );
      expect(forks).toEqual([]);
      expect(await verifyAuditLog(db)).toMatchObject({ ok: true, count: 60 });
    },
  );

  it.skipIf(!TEST_PG_URL)('serializes appends from two separate connection pools', async () => {
    const other = await openPostgres(url!, 10);
    try {
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          appendAudit(i % 2 ? db : other, { action: 'test.pools', details: { i } }, new Date()),
        ),
      );
    } finally {
      await other.close();
    }
    expect(await seqs()).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const forks = await db.query(
      'select previous_hash from audit_log group by previous_hash having count(*) > 1',
    );
    expect(forks).toEqual([]);
    expect(await verifyAuditLog(db)).toMatchObject({ ok: true, count: 60 });
  });
});
