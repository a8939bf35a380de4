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

/**
 * Seconds a connection waits before reconnecting, given the pool's count of connections lost with
 * an error since one last connected. The driver's default (3^n / 100 s, at most 20, with jitter)
 * counts every connection of the pool: a PostgreSQL restart closes all ten at once, so each then
 * waited 10-20 s, and every webhook with them (measured: inbound p99 10.8 s after a 0.4 s outage,
 * `npm run bench -- calls-faults`). Here: 50 ms doubling to at most 1 s, with jitter (half to
 * all of it) so the pool does not knock all at once. A database down for long sees one attempt per
 * connection a second or so, which costs it nothing.
 */
export const reconnectDelaySeconds = (lost: number): number =>
  (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** Math.max(0, lost - 1), 1);

/** A PostgreSQL server reached through `url` (DATABASE_URL). */
export async function openPostgres(url: string, maxConnections = 10): Promise<Database> {
  const sql = postgres(url, {
    max: maxConnections,
    backoff: reconnectDelaySeconds,
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
  // A pool of one keeps no connection aside: its statements are in order already.
  const ordered = maxConnections < 2 ? null : orderedLane(sql);
  return {
    kind: 'postgres',
    connections: maxConnections,
    ...base,
    query: (text, params, how) => (how?.ordered && ordered ? ordered : base).query(text, params),
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
    close: async () => {
      ordered?.close();
      await sql.end({ timeout: 5 });
    },
  };
}

/** Errors after which a connection is gone (postgres.js's codes, and the socket's). */
const CONNECTION_LOST = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
]);
/** ... or the server's: class 08 (connection exception), 57P01-57P03 (shut down, terminated). */
const connectionLost = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (CONNECTION_LOST.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code))
  );
};

/**
 * QueryOptions.ordered on PostgreSQL: statements sent in call order over one connection reserved
 * from the pool, where the driver pipelines them, so the server runs them in that order. Reserved
 * at the first such statement, and again after it was lost (a restarted server: the driver does
 * not bring a reserved connection back).
 */
function orderedLane(sql: postgres.Sql) {
  let lane: Promise<postgres.ReservedSql> | null = null;
  const reserve = () => {
    const reserved = sql.reserve();
    // A failed reservation is tried again by the next statement.
    reserved.catch(() => {
      if (lane === reserved) lane = null;
    });
    return reserved;
  };
  return {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      // Every caller awaits the same promise, so they resume, and send, in the order they came.
      lane ??= reserve();
      const current = lane;
      const reserved = await current;
      try {
        return (await reserved.unsafe(
          text,
          params as postgres.ParameterOrJSON<never>[],
          PREPARED,
        )) as unknown as T[];
      } catch (error) {
        // A lost connection is not handed back (the pool would give it out again); the next
        // statement reserves another. (The driver's end then waits its timeout for the lost
        // one: a process that lost its lane closes in 5 s.)
        if (connectionLost(error) && lane === current) lane = null;
        throw error;
      }
    },
    /** Hands the connection back, so that the pool's end does not wait for it. */
    close() {
      const current = lane;
      lane = null;
      current?.then((reserved) => reserved.release()).catch(() => {});
    },
  };
}
