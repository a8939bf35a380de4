/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/** What every module's queries run against: the database itself or an open transaction. */
export interface Queryable {
  /** One parameterized statement ($1, $2, …). JSON parameters are passed as text and cast with ::jsonb. */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
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
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
