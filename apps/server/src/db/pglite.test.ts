/**
 * PGlite runs every statement as a named prepared statement kept per instance: parsed once, then
 * one Bind/Execute per run. Pinned here: a text is prepared once; values go in and come out as
 * PGlite's own query() gives them; a statement whose result columns changed (DDL) is prepared
 * again rather than failing; the cache stays bounded, closing what it evicts; errors keep their
 * code; a statement asked to be planned generically is, and nothing else is; and a statement
 * outside a transaction never runs inside another caller's open one; a queue of statements lets
 * the event loop turn; urgent statements go first. PGlite only: the PostgreSQL
 * pass (LLAMENOS_TEST_DATABASE_URL) has its own driver's test, postgres.test.ts.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PG_URL } from '../../test/helpers.js';
import type { Database } from './database.js';
import { MAX_TURN_MS, openPglite } from './pglite.js';
import { MAX_PREPARED, PreparedStatements } from './pglite-statements.js';

describe.skipIf(TEST_PG_URL)('PGlite statements', () => {
  // One driver and one bare PGlite for the whole file: starting an instance takes seconds.
  let db: Database;
  let pg: PGlite;
  beforeAll(async () => {
    [db, pg] = await Promise.all([openPglite(), PGlite.create()]);
  });
  afterAll(async () => {
    await Promise.all([db?.close(), pg?.close()]);
  });
  beforeEach(async () => {
    await db.exec('drop table if exists t; create table t (id int primary key, note text)');
    // Each test's PreparedStatements numbers its statements from 0 again.
    await pg.exec('deallocate all; drop table if exists t');
  });

  const prepared = async (like: string) =>
    (
      await db.query<{ statement: string }>(
        'select statement from pg_prepared_statements where statement like $1',
        [like],
      )
    ).map((r) => r.statement);

  it('prepares a text once and runs it again without parsing', async () => {
    for (let i = 0; i < 3; i++) await db.query('select $1::int + 1 as next', [i]);
    expect(await db.query('select $1::int + 1 as next', [41])).toEqual([{ next: 42 }]);
    expect(await prepared('select $1::int + 1%')).toEqual(['select $1::int + 1 as next']);
    await db.transaction(async (tx) => {
      expect(await tx.query('select $1::int + 1 as next', [1])).toEqual([{ next: 2 }]);
    });
    expect(await prepared('select $1::int + 1%')).toHaveLength(1);
  });

  it('takes and returns values as PGlite does', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const sql = `select $1::text as text, $2::int as int, $3::boolean as bool, $4::timestamptz as at,
      $5::jsonb as json, $6::text[] as list, $7::bytea as bytes, $8::text as nothing, 7::int8 as big`;
    const params = ['ü', 5, true, at, '{"a":[1,"x"]}', ['a', 'b,c'], new Uint8Array([0, 255]), null];
    const unnamed = (await pg.query(sql, params)).rows;
    const [row] = await db.query(sql, params);
    expect(row).toEqual(unnamed[0]);
    expect(row).toMatchObject({
      text: 'ü',
      int: 5,
      bool: true,
      at,
      json: { a: [1, 'x'] },
      big: 7,
      nothing: null,
    });
    // A statement with no rows to return (an insert) and one returning none.
    expect(await db.query('insert into t (id) values ($1)', [1])).toEqual([]);
    expect(await db.query('select id from t where id = $1', [2])).toEqual([]);
  });

  it('prepares a statement again when DDL changed its result columns', async () => {
    await db.query('insert into t (id, note) values (1, $1)', ['a']);
    expect(await db.query('select * from t')).toEqual([{ id: 1, note: 'a' }]);
    // Through exec, as migrations run: the cache is dropped.
    await db.exec('alter table t add column extra int default 3');
    expect(await db.query('select * from t')).toEqual([{ id: 1, note: 'a', extra: 3 }]);
  });

  it('retries a statement whose columns changed behind it, outside a transaction only', async () => {
    const statements = new PreparedStatements(pg);
    await pg.exec('create table t (id int); insert into t values (1)');
    expect(await statements.run('select * from t', [], { inTransaction: false })).toEqual([{ id: 1 }]);
    // Another connection's migration, as far as this cache knows (not through its exec).
    await pg.exec('alter table t add column more int');
    expect(await statements.run('select * from t', [], { inTransaction: false })).toEqual([
      { id: 1, more: null },
    ]);
    await pg.exec('alter table t add column most int');
    await pg.exec('begin');
    await expect(statements.run('select * from t', [], { inTransaction: true })).rejects.toMatchObject({
      code: '0A000',
    });
    await pg.exec('rollback');
    expect(await statements.run('select * from t', [], { inTransaction: false })).toEqual([
      { id: 1, more: null, most: null },
    ]);
    expect(statements.parses).toBe(3);
  });

  it('keeps at most MAX_PREPARED statements, closing the ones it drops', async () => {
    const statements = new PreparedStatements(pg);
    for (let i = 0; i < MAX_PREPARED + 20; i++)
      await statements.run(`select ${i} as n`, [], { inTransaction: false });
    expect(statements.size).toBe(MAX_PREPARED);
    // The count is itself a statement, sent after the last closes.
    const [row] = await statements.run<{ n: number }>(
      'select count(*)::int as n from pg_prepared_statements',
      [],
      { inTransaction: false },
    );
    expect(row?.n).toBe(MAX_PREPARED);
    // The oldest was dropped: it is prepared again; the newest was kept.
    const parses = statements.parses;
    await statements.run(`select ${MAX_PREPARED + 19} as n`, [], { inTransaction: false });
    expect(statements.parses).toBe(parses);
    expect(await statements.run('select 0 as n', [], { inTransaction: false })).toEqual([{ n: 0 }]);
    expect(statements.parses).toBe(parses + 1);
  });

  it('plans a statement generically when asked, and only that statement', async () => {
    const plans = async (like: string) =>
      (
        await db.query<{ generic_plans: number; custom_plans: number }>(
          'select generic_plans::int, custom_plans::int from pg_prepared_statements where statement like $1',
          [like],
        )
      )[0];
    const mode = async () =>
      (await db.query<{ plan_cache_mode: string }>('show plan_cache_mode'))[0]?.plan_cache_mode;
    for (let i = 0; i < 3; i++) {
      expect(await db.query('select $1::int * 2 as n', [i], { plan: 'generic' })).toEqual([{ n: i * 2 }]);
      await db.query('select $1::int * 3 as n', [i]);
    }
    expect(await plans('select $1::int * 2%')).toEqual({ generic_plans: 3, custom_plans: 0 });
    expect(await plans('select $1::int * 3%')).toEqual({ generic_plans: 0, custom_plans: 3 });
    expect(await mode()).toBe('auto');
    // A statement that fails takes the setting back with its transaction, implicit or explicit.
    await expect(db.query('select 1 / $1::int as n', [0], { plan: 'generic' })).rejects.toMatchObject({
      code: '22012',
    });
    expect(await mode()).toBe('auto');
    await expect(
      db.transaction(async (tx) => {
        expect(await tx.query('select 2 / $1::int as n', [1], { plan: 'generic' })).toEqual([{ n: 2 }]);
        await tx.query('select 1 / $1::int as n', [0], { plan: 'generic' });
      }),
    ).rejects.toMatchObject({ code: '22012' });
    expect(await mode()).toBe('auto');
  });

  it("keeps the database's error and its code, and goes on after it", async () => {
    await db.query('insert into t (id) values ($1)', [1]);
    await expect(db.query('insert into t (id) values ($1)', [1])).rejects.toMatchObject({
      code: '23505',
      query: 'insert into t (id) values ($1)',
    });
    await expect(db.query('select nonsense from', [])).rejects.toMatchObject({ code: '42601' });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into t (id) values ($1)', [2]);
        await tx.query('insert into t (id) values ($1)', [1]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await db.query('select id from t order by id')).toEqual([{ id: 1 }]);
  });

  it('never runs a statement inside another caller’s open transaction', async () => {
    let opened!: () => void;
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const rolledBack = db.transaction(async (tx) => {
      await tx.query('insert into t (id) values ($1)', [1]);
      opened();
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('roll back');
    });
    await open;
    // Issued while the transaction is open: it waits for it, so the rollback cannot take it along.
    const outside = db.query('insert into t (id) values ($1)', [2]);
    await expect(rolledBack).rejects.toThrow('roll back');
    await outside;
    expect(await db.query('select id from t order by id')).toEqual([{ id: 2 }]);
  });

  it('lets the event loop turn while a queue of statements runs (accepting connections, reading sockets)', async () => {
    // 3,000 statements issued at once wait on PGlite's lock; each hands it to the next as a
    // promise continuation. A callback of the loop's I/O phase (setImmediate runs right after
    // it) queued now must run long before the last of them, not after the whole queue.
    const total = 3000;
    let done = 0;
    let doneWhenTurned = -1;
    setImmediate(() => {
      doneWhenTurned = done;
    });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: total }, () =>
        db.query('select 1 as one').then(() => {
          done++;
        }),
      ),
    );
    const took = performance.now() - started;
    // The queue must outlast the allowance for the check to mean anything.
    expect(took).toBeGreaterThan(3 * MAX_TURN_MS);
    expect(doneWhenTurned).toBeGreaterThanOrEqual(0);
    expect(doneWhenTurned).toBeLessThan(total / 2);
  });

  it('runs urgent statements and transactions before the waiting others, each lane in order', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const holding = new Promise<void>((resolve) => {
      started = resolve;
    });
    const order: string[] = [];
    // A transaction holds the one connection; meanwhile webhooks' statements and a caller's queue up.
    const first = db.transaction(async (tx) => {
      await tx.query('insert into t (id) values (0)');
      started();
      await held;
    });
    await holding;
    const queued = [
      db.query('select 1').then(() => order.push('normal 1')),
      db.query('select 1').then(() => order.push('normal 2')),
      db.query('select 1', [], { urgent: true }).then(() => order.push('urgent 1')),
      db.query('select 1').then(() => order.push('normal 3')),
      db
        .transaction(async (tx) => tx.query('insert into t (id) values (1)'), { urgent: true })
        .then(() => order.push('urgent 2')),
    ];
    release();
    await Promise.all([first, ...queued]);
    expect(order).toEqual(['urgent 1', 'urgent 2', 'normal 1', 'normal 2', 'normal 3']);
  });

  it('makes a new WAL segment without writing zeros into it first, and writes into it', async () => {
    // openPglite's wal_init_zero=off (pglite.ts says why); the bare instance keeps the default.
    const setting = async (q: Pick<Database, 'query'>) =>
      (await q.query<{ wal_init_zero: string }>('show wal_init_zero'))[0]?.wal_init_zero;
    expect(await setting(db)).toBe('off');
    expect((await pg.query<{ wal_init_zero: string }>('show wal_init_zero')).rows[0]?.wal_init_zero).toBe(
      'on',
    );
    const segment = async () =>
      (await db.query<{ name: string }>('select pg_walfile_name(pg_current_wal_insert_lsn()) as name'))[0]
        ?.name;
    const before = await segment();
    await db.query('select pg_switch_wal()');
    // The first write after the switch makes the next segment.
    await db.query("insert into t (id, note) values (7, 'after the switch')");
    expect(await segment()).not.toBe(before);
    expect(await db.query('select note from t where id = 7')).toEqual([{ note: 'after the switch' }]);
  });
});
