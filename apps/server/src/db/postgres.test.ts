/**
 * The PostgreSQL driver runs statements with parameters as named prepared statements (one round
 * trip after the first run on a connection), and `?prepare=false` on the URL (for a
 * transaction-mode pooler) turns them off; `ordered` statements reach the server in the order they
 * were made. PostgreSQL only (LLAMENOS_TEST_DATABASE_URL).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPostgresBin, startPostgres } from '../../../../scripts/postgres.mjs';
import { openTestDatabase, TEST_PG_URL } from '../../test/helpers.js';
import type { Database } from './database.js';
import { openPostgres, reconnectDelaySeconds } from './postgres.js';

describe.skipIf(!TEST_PG_URL)('PostgreSQL statements', () => {
  let url: string;
  let drop: () => Promise<void>;
  let testDb: Database;
  beforeEach(async () => {
    const opened = await openTestDatabase();
    [testDb, url, drop] = [opened.db, opened.url!, opened.drop];
  });
  afterEach(async () => {
    await testDb.close();
    await drop();
  });

  /** The session's prepared statements, asked inside one transaction (so on one connection). */
  const preparedOnOneConnection = async (db: Database) =>
    db.transaction(async (tx) => {
      for (let i = 0; i < 3; i++) await tx.query('select $1::int + 1 as next', [i]);
      const rows = await tx.query<{ statement: string }>(
        'select statement from pg_prepared_statements where statement like $1',
        ['select $1::int + 1%'],
      );
      return rows.map((r) => r.statement);
    });

  it('prepares a statement with parameters once per connection and reuses it', async () => {
    const db = await openPostgres(url, 1);
    try {
      expect(await preparedOnOneConnection(db)).toEqual(['select $1::int + 1 as next']);
      expect(await db.query('select $1::text as echo', ['same answer'])).toEqual([{ echo: 'same answer' }]);
    } finally {
      await db.close();
    }
  });

  it('prepares nothing when the URL says prepare=false', async () => {
    const db = await openPostgres(`${url}${url.includes('?') ? '&' : '?'}prepare=false`, 1);
    try {
      expect(await preparedOnOneConnection(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('runs ordered statements in the order they were made, a slow one holding back the next', async () => {
    const db = await openPostgres(url, 4);
    try {
      await db.exec('create table lane_probe (id serial primary key, n int not null)');
      const insert = (n: number, sleep: number, ordered: boolean) =>
        db.query('insert into lane_probe (n) select $1::int from pg_sleep($2::float8)', [n, sleep], {
          ordered,
        });
      const order = async () => {
        const rows = await db.query<{ id: number; n: number }>('delete from lane_probe returning id, n');
        return rows.sort((a, b) => a.id - b.id).map((r) => r.n);
      };
      // Side by side on the pool, the quick one is done first ...
      await Promise.all([insert(1, 0.2, false), insert(2, 0, false)]);
      expect(await order()).toEqual([2, 1]);
      // ... in the lane it waits for the one made before it.
      await Promise.all([insert(1, 0.2, true), insert(2, 0, true), insert(3, 0, true)]);
      expect(await order()).toEqual([1, 2, 3]);
    } finally {
      await db.close();
    }
  });

  it('takes another connection for the lane when its connection was lost', async () => {
    const db = await openPostgres(url, 4);
    try {
      const pid = async () =>
        (await db.query<{ pid: number }>('select pg_backend_pid() as pid', [], { ordered: true }))[0]!.pid;
      const first = await pid();
      expect(await pid()).toBe(first);
      await db.query('select pg_terminate_backend($1::int)', [first]);
      // The statement that finds it gone may fail; the lane is then made again.
      await pid().catch(() => null);
      const next = await pid();
      expect(next).not.toBe(first);
      expect(await db.query<{ n: number }>('select $1::int as n', [7], { ordered: true })).toEqual([
        { n: 7 },
      ]);
    } finally {
      await db.close();
    }
  });

  // postgres.js 3.4.9 threw from a timer (an uncaught TypeError: the whole process ended) when a
  // statement went out on a pinned connection whose socket had closed; scripts/mend-dependencies.mjs
  // mends it at install. Without the mend this test ends the test run with that TypeError.
  it('fails the statements of a transaction and of the lane whose connection died, and lives on', async () => {
    const db = await openPostgres(url, 4);
    const gone = () => new Promise((resolve) => setTimeout(resolve, 300));
    try {
      const inTx = db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
        await testDb.query('select pg_terminate_backend($1::int)', [row!.pid]);
        await gone();
        await Promise.all([tx.query('select 1'), tx.query('select 2')]);
      });
      await expect(inTx).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });

      const lanePid = async () =>
        (await db.query<{ pid: number }>('select pg_backend_pid() as pid', [], { ordered: true }))[0]!.pid;
      await testDb.query('select pg_terminate_backend($1::int)', [await lanePid()]);
      await gone();
      const after = await Promise.allSettled([lanePid(), lanePid()]);
      expect(after.map((r) => r.status)).toContain('rejected');
      expect(await lanePid()).toBeGreaterThan(0);
      expect(await db.query('select $1::int as n', [5])).toEqual([{ n: 5 }]);
    } finally {
      await db.close();
    }
  });
});

// Its own cluster (scripts/postgres.mjs), stopped and started again: the shared one cannot be.
describe.skipIf(!TEST_PG_URL || !findPostgresBin())('PostgreSQL restarted', () => {
  it('answers what was asked during an outage within seconds of coming back, however often the pool was refused', {
    timeout: 120_000,
  }, async () => {
    const cluster = await startPostgres();
    const db = await openPostgres(cluster.url, 10);
    const ask = () =>
      Promise.all(Array.from({ length: 10 }, () => db.query('select 1'))).then(
        () => true,
        () => false,
      );
    try {
      // All ten connections open, then the server stops like a crash for 1.5 s while statements
      // keep arriving (each refused attempt counts against the pool), then starts again.
      await Promise.all(Array.from({ length: 10 }, () => db.query('select pg_sleep(0.05)')));
      // Not awaited: each refused one ends its connection with an error, and the pool counts them.
      const meanwhile: Promise<boolean>[] = [];
      const asking = setInterval(() => meanwhile.push(ask()), 100);
      await cluster.restart({ downMs: 1500 });
      const up = performance.now();
      clearInterval(asking);
      // What was asked while it was down is answered (or refused) soon after it is back: a webhook
      // that arrived during the outage waits for exactly this.
      await Promise.all(meanwhile);
      const back = performance.now() - up;
      // And every connection is usable: ten transactions at once, each holding one of its own
      // (asked again if one met a connection only now seeing its end).
      let everyConnection = false;
      for (let i = 0; i < 5 && !everyConnection; i++)
        everyConnection = await Promise.all(
          Array.from({ length: 10 }, () => db.transaction((tx) => tx.query('select pg_sleep(0.1)'))),
        ).then(
          () => true,
          () => false,
        );
      expect(everyConnection).toBe(true);
      // With the driver's own delays, statements sent meanwhile waited 10-20 s.
      expect(back).toBeLessThan(6000);
    } finally {
      await db.close();
      cluster.stop();
    }
  });
});

describe('reconnectDelaySeconds', () => {
  it('starts at 25-50 ms, doubles, and stays at most 1 s however many connections were lost', () => {
    for (let i = 0; i < 200; i++) {
      const first = reconnectDelaySeconds(1);
      expect(first).toBeGreaterThanOrEqual(0.025);
      expect(first).toBeLessThanOrEqual(0.05);
      expect(reconnectDelaySeconds(0)).toBeLessThanOrEqual(0.05);
      for (const lost of [5, 10, 50, 1000]) {
        const delay = reconnectDelaySeconds(lost);
        expect(delay).toBeGreaterThanOrEqual(0.5 * Math.min(0.05 * 2 ** (lost - 1), 1));
        expect(delay).toBeLessThanOrEqual(1);
      }
    }
  });
});
