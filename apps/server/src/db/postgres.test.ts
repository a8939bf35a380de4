/**
 * The PostgreSQL driver runs statements with parameters as named prepared statements (one round
 * trip after the first run on a connection), and `?prepare=false` on the URL (for a
 * transaction-mode pooler) turns them off. PostgreSQL only (LLAMENOS_TEST_DATABASE_URL).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_PG_URL } from '../../test/helpers.js';
import type { Database } from './database.js';
import { openPostgres } from './postgres.js';

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
});
