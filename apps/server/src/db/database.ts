/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/** How a statement is run, where the caller knows better than the engine's default. */
export interface QueryOptions {
  /**
   * 'generic': planned once, whatever the parameters, for a statement whose plans made for each
   * run's values are no better than the generic one yet always win PostgreSQL's comparison, so
   * every run pays for planning: an `unnest` of array parameters (a custom plan sees the arrays'
   * length, the generic plan guesses 100 rows and is costed as if it joined 100). PGlite honours
   * it (./pglite-statements.ts); on PostgreSQL the server chooses as it always does.
   */
  plan?: 'generic';
  /**
   * Someone is waiting on the phone for this statement (an arriving call's first answer, and the
   * settings it reads): on PGlite, where every statement and transaction takes turns on one
   * connection, it goes before those of webhooks and timers still waiting, so that a caller is
   * answered fast however loaded the process is (./pglite.ts). PostgreSQL runs statements side by
   * side on its pool and ignores it.
   */
  urgent?: boolean;
  /**
   * The statement must reach the database after every `ordered` one this process made before it:
   * a chain of one-statement audit appends, each guessing that the head is the entry the one
   * before it made (audit/service.ts guessedAppendParts). Sent side by side on a pool they arrive
   * in any order, and every one that overtakes its predecessor finds the wrong head, so under
   * load most guesses failed and fell back to transactions that held the head's lock across
   * round trips. On PostgreSQL they go, pipelined, over one connection the pool keeps for them;
   * PGlite runs statements in the order they were asked for anyway.
   */
  ordered?: boolean;
}

/** How a transaction is run: `urgent` as for one statement (QueryOptions). */
export interface TransactionOptions {
  urgent?: boolean;
}

/** What every module's queries run against: the database itself or an open transaction. */
export interface Queryable {
  /** One parameterized statement ($1, $2, …). JSON parameters are passed as text and cast with ::jsonb. */
  query<T = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The one storage interface: PGlite (embedded, the default) or a PostgreSQL server. The same
 * SQL and migrations run on both; anything that must happen once across server processes is
 * decided here, in a transaction, never in process memory.
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * How many statements may run at once: a PostgreSQL pool's size (connections are opened as
   * they are needed, up to it); PGlite's one.
   */
  readonly connections: number;
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * LISTEN on `channel`: `onPayload` gets every NOTIFY payload (from any process, this one
   * included); `onReconnect` runs when the listening connection was re-established, because
   * notifications sent while it was down are lost. Resolves to an unlisten function.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  /** NOTIFY `channel` (payload below 8000 bytes, PostgreSQL's limit). */
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** `db` with every statement urgent (QueryOptions.urgent): for reads that an arriving call waits on. */
export const urgently = (db: Queryable): Queryable => ({
  query: (sql, params, options) => db.query(sql, params, { ...options, urgent: true }),
  exec: (sql) => db.exec(sql),
});

/**
 * True when the statement returned a row: a `select 1 …` found one, or a conditional write
 * (`update … where … returning`, `insert … on conflict do nothing returning`, `delete … returning`)
 * took effect. The store functions that answer "did it happen?" state their SQL and nothing else.
 */
export async function returnsRow(db: Queryable, sql: string, params: readonly unknown[]): Promise<boolean> {
  return (await db.query(sql, params)).length > 0;
}

/**
 * The one row a lookup names (by id, or by a provider's reference), mapped to the store's type,
 * or null when there is none. The store functions that find one thing state their SQL and mapper
 * and nothing else.
 */
export async function oneRow<R, T>(
  db: Queryable,
  sql: string,
  params: readonly unknown[],
  map: (row: R) => T,
): Promise<T | null> {
  const [row] = await db.query<R>(sql, params);
  return row ? map(row) : null;
}
