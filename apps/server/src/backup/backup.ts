import { open, rename, rm, stat } from 'node:fs/promises';
import type { Database, Queryable } from '../db/database.js';
import { MIGRATIONS_TABLE, readCatalog, type TableInfo } from './catalog.js';
import { BackupError } from './errors.js';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupHeader,
  ident,
  type RowLine,
  STABLE_TEXT_SETTINGS,
  type TrailerLine,
} from './format.js';
import { createProgress, type ProgressStream } from './progress.js';
import { BackupSealer } from './sealed.js';

const FETCH_ROWS = 1000;
const FLUSH_BYTES = 1 << 20;

interface BackupSummary {
  file: string;
  tables: number;
  rows: number;
  bytes: number;
}

/** Reads one table through a cursor, so a large table never sits in memory at once. */
async function* tableRows(
  tx: Queryable,
  table: TableInfo,
  where: string,
): AsyncGenerator<(string | null)[][]> {
  const select = table.columns.map(([name], i) => `${ident(name)}::text as c${i}`).join(', ');
  const order = table.primaryKey.length ? ` order by ${table.primaryKey.map(ident).join(', ')}` : '';
  await tx.exec(
    `declare llamenos_backup no scroll cursor for select ${select} from ${ident(table.name)}${where}${order}`,
  );
  for (;;) {
    const rows = await tx.query<Record<string, string | null>>(
      `fetch forward ${FETCH_ROWS} from llamenos_backup`,
    );
    if (rows.length) yield rows.map((row) => table.columns.map((_, i) => row[`c${i}`] ?? null));
    if (rows.length < FETCH_ROWS) break;
  }
  await tx.exec('close llamenos_backup');
}

type FileHandle = Awaited<ReturnType<typeof open>>;

/**
 * Writes one JSON value per line, buffered and flushed in megabyte steps (or when forced),
 * through the sealer when the backup is encrypted; counts the bytes handed on.
 */
function lineWriter(out: FileHandle, sealer: BackupSealer | null) {
  let buffer = '';
  let bytes = 0;
  return {
    bytes: () => bytes,
    async write(value: unknown, force = false) {
      buffer += `${JSON.stringify(value)}\n`;
      if (buffer.length >= FLUSH_BYTES || force) {
        bytes += Buffer.byteLength(buffer);
        if (sealer) await sealer.push(buffer);
        else await out.write(buffer);
        buffer = '';
      }
    },
  };
}

/** Inside the snapshot: the applied migrations, the tables and their row counts, as the file's header. */
async function snapshotHeader(
  tx: Queryable,
  database: Database['kind'],
  createdAt: string,
  whereOf: (t: TableInfo) => string,
): Promise<{ header: BackupHeader; tables: TableInfo[] }> {
  const [registry] = await tx.query<{ t: string | null }>(
    `select to_regclass('${MIGRATIONS_TABLE}')::text as t`,
  );
  if (!registry?.t) throw new BackupError('this database has no Llamenos schema; nothing to back up');
  const migrations = (
    await tx.query<{ id: string }>(`select id from ${MIGRATIONS_TABLE} order by applied_at, id`)
  ).map((r) => r.id);
  const tables = await readCatalog(tx);
  const rowCounts: Record<string, number> = {};
  for (const t of tables) {
    const [row] = await tx.query<{ n: number }>(
      `select count(*)::int8 as n from ${ident(t.name)}${whereOf(t)}`,
    );
    rowCounts[t.name] = Number(row?.n ?? 0);
  }
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt,
    database,
    migrations,
    tables: tables.map((t) => t.name),
    columns: Object.fromEntries(tables.map((t) => [t.name, t.columns])),
    rowCounts,
  };
  return { header, tables };
}

/**
 * Writes a consistent logical dump of the database to `file` (format: ./format.ts). Every
 * table is read inside one REPEATABLE READ, read-only transaction, so the dump is one
 * snapshot even while the server keeps writing. The file appears only when complete: it is
 * written under a temporary name, flushed to disk, then renamed.
 */
export async function writeBackup(
  db: Database,
  file: string,
  options: {
    progress?: ProgressStream;
    now?: Date;
    /** Encrypt the file (./sealed.ts) under `key` for backup run `run`. */
    seal?: { key: Uint8Array; run: string };
    /** Rows to leave out, as a fixed SQL condition per table (never from input). */
    skip?: Record<string, string>;
  } = {},
): Promise<BackupSummary> {
  if (await stat(file).catch(() => null))
    throw new BackupError(`${file} already exists; choose a new file name`);
  const partial = `${file}.partial`;
  const out = await open(partial, 'wx', 0o600);
  const createdAt = (options.now ?? new Date()).toISOString();
  const sealer = options.seal
    ? new BackupSealer(options.seal.key, options.seal.run, async (text) => {
        await out.write(text);
      })
    : null;
  const { write, bytes } = lineWriter(out, sealer);
  const started = Date.now();
  const whereOf = (t: TableInfo) => (options.skip?.[t.name] ? ` where not (${options.skip[t.name]})` : '');
  await sealer?.header(createdAt);
  try {
    const summary = await db.transaction(async (tx) => {
      // Must be the transaction's first statement.
      await tx.exec('set transaction isolation level repeatable read, read only');
      for (const setting of STABLE_TEXT_SETTINGS) await tx.exec(setting);
      const { header, tables } = await snapshotHeader(tx, db.kind, createdAt, whereOf);
      await write(header);
      const total = Object.values(header.rowCounts).reduce((a, b) => a + b, 0);
      const progress = createProgress('backup', total, options.progress ?? process.stderr);
      let rows = 0;
      for (const table of tables) {
        for await (const batch of tableRows(tx, table, whereOf(table))) {
          for (const r of batch) await write({ t: table.name, r } satisfies RowLine);
          rows += batch.length;
          progress.advance(batch.length);
        }
      }
      await write({ end: true, rows } satisfies TrailerLine, true);
      await sealer?.end();
      await out.sync();
      progress.finish(
        `backup: ${rows} rows from ${tables.length} tables written to ${file} (${bytes()} bytes, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      return { file, tables: tables.length, rows, bytes: bytes() };
    });
    await out.close();
    // A rename within one directory is atomic: readers see no file or the whole file.
    await rename(partial, file);
    return summary;
  } catch (error) {
    await out.close().catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
}
