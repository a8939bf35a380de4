import postgres from 'postgres';
import type { Database, Queryable } from './database.js';

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * Statements with parameters run as named prepared statements, kept per connection by the driver
 * (our SQL texts are a fixed set): after a statement's first run on a connection, it is one
 * Bind/Execute round trip, with no parse and no describe first; unprepared, every statement is two
 * round trips and two socket writes (describe for the parameter types, then execute), parsed and
 * planned again each time. A transaction-mode pooler older than PgBouncer 1.21 cannot carry named
 * statements: `?prepare=false` on DATABASE_URL turns them off (the driver's option wins over this
 * one; docs/OPERATIONS.md). Statements without parameters use the simple protocol either way.
 */
const PREPARED = { prepare: true } as const;

const wrap = (sql: Sql): Queryable => ({
  // options.plan is PGlite's: per statement it would cost PostgreSQL a SET round trip each way.
  async query<T>(text: string, params: readonly unknown[] = []) {
    return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], PREPARED)) as unknown as T[];
  },
  async exec(text: string) {
    await sql.unsafe(text);
  },
});

/** A PostgreSQL server reached through `url` (DATABASE_URL). */
export async function openPostgres(url: string, maxConnections = 10): Promise<Database> {
  const sql = postgres(url, {
    max: maxConnections,
    onnotice: () => {},
    // int8 (counts, sequences) as JavaScript numbers, as PGlite returns them; our int8 values stay far below 2^53.
    types: {
      int8: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) },
      // JSON parameters arrive as JSON text (`$1::jsonb`), as PGlite takes them; the driver's default
      // would JSON.stringify that text again and store a JSON string instead of the object.
      json: {
        to: 114,
        from: [114, 3802],
        serialize: (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)),
        parse: (v: string) => JSON.parse(v),
      },
    },
  });
  await sql`select 1`;
  const base = wrap(sql);
  return {
    kind: 'postgres',
    connections: maxConnections,
    ...base,
    transaction: (fn) => sql.begin((tx) => fn(wrap(tx))) as Promise<never>,
    // postgres.js keeps one dedicated connection for every LISTEN and re-listens after a drop;
    // its onlisten callback runs on each (re)connect, the first one included.
    async listen(channel, onPayload, onReconnect) {
      let connected = false;
      const sub = await sql.listen(channel, onPayload, () => {
        if (connected) onReconnect?.();
        connected = true;
      });
      return () => sub.unlisten();
    },
    notify: async (channel, payload) => {
      await sql.notify(channel, payload);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
