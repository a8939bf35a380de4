import { PGlite, type Transaction } from '@electric-sql/pglite';
import { type LockRequestHandler, lockDataDir } from './data-dir-lock.js';
import type { Database, Queryable, QueryOptions } from './database.js';
import { PreparedStatements } from './pglite-statements.js';

/**
 * PGlite runs each statement in this thread, and a finished statement hands the lock to the next
 * waiting one as a promise continuation: a queue of statements runs back to back in microtasks,
 * and the event loop never reaches its I/O phase meanwhile. Under a storm that queue never
 * empties, so no connection was accepted for seconds: the kernel's accept queue overflowed, and
 * the carrier's new connections waited for SYN-ACK retransmissions (1, 2, 4, 8 s): 10 % of the
 * inbound calls of a 40 calls/s storm were answered 12–19 s late, while the server's own timing
 * of each request said a few hundred milliseconds. So a statement that finds the event loop has
 * not turned for MAX_TURN_MS first lets it turn (accepts, socket reads, timers), then runs.
 */
export const MAX_TURN_MS = 10;

/**
 * Whose turn it is on PGlite's one connection: one statement (outside a transaction) or one whole
 * transaction at a time, urgent ones first (QueryOptions.urgent: a caller waiting on the phone),
 * each lane in the order it was asked. PGlite's own locks, taken inside a turn, still order
 * everything else (exec, LISTEN/NOTIFY). Handing the turn to the next is a resolved promise, as
 * PGlite's own lock hands it, so letEventLoopTurn still decides when I/O comes in between.
 */
export class Turns {
  private held = false;
  private readonly urgent: (() => void)[] = [];
  private readonly normal: (() => void)[] = [];
  /** When the pending marker of an event-loop turn was set; null once the loop turned. */
  private turnMarkedAt: number | null = null;
  private readonly turned = () => {
    this.turnMarkedAt = null;
  };

  /** Resolves at once while the event loop turns often enough (MAX_TURN_MS); else after it turns once. */
  async letEventLoopTurn(): Promise<void> {
    if (this.turnMarkedAt !== null && performance.now() - this.turnMarkedAt > MAX_TURN_MS)
      await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.turnMarkedAt === null) {
      this.turnMarkedAt = performance.now();
      setImmediate(this.turned);
    }
  }

  async run<T>(urgent: boolean, work: () => Promise<T>): Promise<T> {
    if (this.held) await new Promise<void>((resolve) => (urgent ? this.urgent : this.normal).push(resolve));
    else this.held = true;
    try {
      return await work();
    } finally {
      const next = this.urgent.shift() ?? this.normal.shift();
      if (next) next();
      else this.held = false;
    }
  }
}

/**
 * Statements run as named prepared statements kept per instance (./pglite-statements.ts), under
 * PGlite's own locks, taken as its query() takes them: outside a transaction the transaction lock
 * (so no statement runs inside someone else's open transaction) and then the query lock; inside
 * one, the transaction already holds the first.
 */
const wrap = (pg: PGlite, statements: PreparedStatements, turns: Turns, tx?: Transaction): Queryable => ({
  async query<T>(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}) {
    const generic = options.plan === 'generic';
    // Under the lock: the statements already waiting for it would otherwise run back to back.
    if (tx) {
      if (tx.closed) throw new Error('Transaction is closed');
      return await pg._runExclusiveQuery(async () => {
        await turns.letEventLoopTurn();
        return await statements.run<T>(sql, params, { inTransaction: true, generic });
      });
    }
    // Asked for its turn at once (no await before it), so each lane keeps the order of asking.
    return await turns.run(options.urgent === true, async () => {
      await pg._checkReady();
      return await pg._runExclusiveTransaction(() =>
        pg._runExclusiveQuery(async () => {
          await turns.letEventLoopTurn();
          const rows = await statements.run<T>(sql, params, { inTransaction: false, generic });
          await pg.syncToFs();
          return rows;
        }),
      );
    });
  },
  async exec(sql: string) {
    try {
      await (tx ?? pg).exec(sql);
    } finally {
      // exec is the path of migrations and other DDL, after which a statement's columns may differ.
      statements.forget();
    }
  },
});

/**
 * The embedded database: PostgreSQL compiled to WASM, in `dataDir` (or memory when omitted).
 *
 * Durability: on Node, PGlite's filesystem passes every write straight to the host file
 * (a synchronous write) before a commit returns, so acknowledged writes survive the process
 * being killed (test/crash.test.ts). Its fsync is a no-op, though, so a power cut or kernel
 * crash can lose the last commits, and PGlite has no option to change that
 * (relaxedDurability only concerns browser filesystems). Use PostgreSQL where that matters.
 *
 * Exclusivity: PGlite has no postmaster to keep a second process out of `dataDir`, and two
 * processes on the same files lose each other's writes. The directory is locked for as long as
 * the database is open (./data-dir-lock.ts); a second opener gets DataDirLockedError naming the
 * holder. `requests`, when given, answers other processes' requests through the lock (backup).
 */
/** An embedded database that can also dump its data directory (a tar archive), e.g. as a template. */
export type PgliteDatabase = Database & { dumpDataDir(): Promise<Blob> };

export async function openPglite(
  dataDir?: string,
  options: {
    requests?: (db: Database) => LockRequestHandler;
    /** Start an in-memory database from a dumped data directory instead of an empty cluster. */
    from?: Blob;
  } = {},
): Promise<PgliteDatabase> {
  const lock = dataDir ? await lockDataDir(dataDir) : null;
  try {
    const db = await start(dataDir, options.from, lock ? () => lock.release() : async () => {});
    if (lock && options.requests) lock.takeRequests(options.requests(db));
    return db;
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

async function start(
  dataDir: string | undefined,
  from: Blob | undefined,
  unlock: () => Promise<void>,
): Promise<PgliteDatabase> {
  // Memory: PGlite's shared_buffers default (128MB) lives in its WASM heap, and PostgreSQL zeroes
  // it at start, so all of it is resident at once. A hotline's working set is far smaller, and a
  // buffer miss is only a read of the host file (usually from the OS page cache), so 16MB keeps
  // the idle server ~150 MB smaller (bench/server.ts: idle RSS). The WASM heap itself cannot be
  // made smaller than PGlite's 128 MiB initial size; only its touched pages count.
  //
  // WAL segments are made without writing 16 MB of zeros first (wal_init_zero=off). PGlite runs
  // in the server's thread and never checkpoints on its own, so no finished segment is recycled:
  // every 16 MB of WAL (about 12 s of a storm of 200 texts/s, ~6.7 KB each) a new one is made,
  // and with the zeros written (through PGlite's filesystem, which grows a file by copying it) the
  // statement that made it held the event loop for tens of milliseconds in a data directory, hundreds in memory: the webhooks' slow
  // seconds at a regular spacing (issue 10). The zeros only make sure the space is there before
  // an fsync, and PGlite's fsync does nothing (see Durability below), so nothing is lost.
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB', '-c', 'wal_init_zero=off'];
  const pg = await PGlite.create(
    dataDir ? { dataDir, startParams } : { startParams, ...(from ? { loadDataDir: from } : {}) },
  );
  const statements = new PreparedStatements(pg);
  const turns = new Turns();
  const base = wrap(pg, statements, turns);
  return {
    kind: 'pglite',
    connections: 1,
    ...base,
    transaction: (fn, options) =>
      turns.run(options?.urgent === true, () => pg.transaction((tx) => fn(wrap(pg, statements, turns, tx)))),
    // In-process: PGlite is one connection, so notifications never get lost to a reconnect.
    listen: (channel, onPayload) => pg.listen(channel, onPayload),
    notify: async (channel, payload) => {
      await pg.query('select pg_notify($1, $2)', [channel, payload]);
    },
    dumpDataDir: async () => await pg.dumpDataDir('none'),
    close: async () => {
      try {
        await pg.close();
      } finally {
        await unlock();
      }
    },
  };
}
