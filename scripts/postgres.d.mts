// Types of postgres.mjs for its TypeScript callers (bench/*.ts).

/** A throwaway cluster: `url` reaches the `postgres` database as the superuser; `stop()` removes it. */
export interface PostgresCluster {
  url: string;
  dir: string;
  stop(): void;
  /** A crash-like stop (`pg_ctl stop -m immediate`), `downMs` (0) down, and a start on the same port. */
  restart(options?: { downMs?: number }): Promise<void>;
}

export declare function findPostgresBin(): string | null;
export declare function startPostgres(options?: {
  bin?: string | null;
  quiet?: boolean;
}): Promise<PostgresCluster>;
