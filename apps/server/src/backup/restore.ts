import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type AuditVerdict, verifyAuditLog } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import { type Migration, migrate } from '../db/migrate.js';
import { MIGRATIONS_TABLE, readCatalog, type TableInfo } from './catalog.js';
import { BackupError } from './errors.js';
import { BackupHeader, ident, STABLE_TEXT_SETTINGS } from './format.js';
import { createProgress, type ProgressStream } from './progress.js';
import { openSealedLines, sealedHeaderOf } from './sealed.js';

const INSERT_BATCH = 500;

/**
 * Rows a database may hold and still count as empty: what migrations seed and transient
 * state a server writes on its first start before anyone uses it. The condition selects
 * the rows that would be real data.
 */
const REAL_ROWS: Record<string, string> = {
  audit_chain_head: 'seq <> 0', // the genesis head row is inserted by the audit migration
  bootstrap_tokens: 'false', // an unused first-admin code printed by a server that was started once
  conversation_assign_lock: 'false', // the one lock row, inserted by its migration
  auth_replay: 'false', // replay-cache entries only refuse reused request signatures
  auth_request_key_seed: 'false', // the request-key seed every server makes on its first start (auth/003)
  member_generation: 'false', // the one row of a value that only marks changes (identity/005)
  rate_limits: 'false', // counters that expire on their own
};

interface RestoreOptions {
  /** The server's migrations: applied up to the backup's schema before loading, the rest after. */
  migrations: readonly Migration[];
  /** Replace whatever the target holds. */
  force?: boolean;
  progress?: ProgressStream;
  /** The server settings key, to open an encrypted (scheduled) backup. */
  key?: Uint8Array;
}

interface RestoreSummary {
  tables: number;
  rows: number;
  verdict: AuditVerdict;
}

/** The plain backup's lines: read as they are, or opened with `key` when the file is encrypted. */
async function* lines(file: string, key?: Uint8Array): AsyncGenerator<string> {
  const reader = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  try {
    const it = reader[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    const rest = { [Symbol.asyncIterator]: () => it };
    const sealed = sealedHeaderOf(first.value);
    if (!sealed) {
      yield first.value;
      yield* rest;
      return;
    }
    if (!key)
      throw new BackupError(
        `${file} is encrypted: restore it with the SERVER_SECRET of the server that wrote it`,
      );
    yield* openSealedLines(rest, sealed, key);
  } finally {
    reader.close();
  }
}

function parseLine(text: string, lineNo: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BackupError(`line ${lineNo} is not valid JSON: the file is truncated or corrupted`);
  }
}

/** Reads and validates the first line. */
async function readBackupHeader(file: string, key?: Uint8Array): Promise<BackupHeader> {
  if (!(await stat(file).catch(() => null))) throw new BackupError(`${file} does not exist`);
  let first: string | undefined;
  for await (const line of lines(file, key)) {
    first = line;
    break;
  }
  if (!first) throw new BackupError(`${file} is empty`);
  const parsed = BackupHeader.safeParse(parseLine(first, 1));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupError(
      `${file} is not a Llamenos backup (version 1): header ${issue?.path.join('.') || ''} ${issue?.message ?? ''}`.replace(
        /\s+/g,
        ' ',
      ),
    );
  }
  return parsed.data;
}

/** Every header table and column must exist here with the same type; every column here must be in the backup. */
function checkSchema(header: BackupHeader, catalog: Map<string, TableInfo>): void {
  for (const name of header.tables) {
    const table = catalog.get(name);
    if (!table) throw new BackupError(`the backup holds unknown table "${name}"; nothing was restored`);
    const here = new Map(table.columns);
    const there = header.columns[name]!;
    for (const [column, type] of there) {
      if (!here.has(column))
        throw new BackupError(`the backup holds unknown column "${name}.${column}"; nothing was restored`);
      if (here.get(column) !== type)
        throw new BackupError(
          `column "${name}.${column}" is ${type} in the backup but ${here.get(column)} here; nothing was restored`,
        );
    }
    const missing = table.columns.filter(([c]) => !there.some(([b]) => b === c)).map(([c]) => c);
    if (missing.length)
      throw new BackupError(`the backup lacks column(s) ${missing.map((c) => `"${name}.${c}"`).join(', ')}`);
  }
}

async function tablesWithData(tx: Queryable, tables: TableInfo[]): Promise<string[]> {
  const used: string[] = [];
  for (const t of tables) {
    const condition = REAL_ROWS[t.name] ?? 'true';
    const rows = await tx.query(`select 1 from ${ident(t.name)} where ${condition} limit 1`);
    if (rows.length) used.push(t.name);
  }
  return used;
}

async function refuseIfUsed(db: Queryable, tables: TableInfo[]): Promise<void> {
  const used = await tablesWithData(db, tables);
  if (used.length)
    throw new BackupError(
      `the target database is not empty (rows in ${used.join(', ')}); restore into a new database, or pass --force to replace its content`,
    );
}

/** Inserts rows given as PostgreSQL text forms, cast back to each column's type in SQL. */
async function insertRows(tx: Queryable, table: TableInfo, columns: string[], rows: (string | null)[][]) {
  const types = new Map(table.columns);
  const casts = columns.map((c, i) => `(e.r->>${i})::${types.get(c)}`).join(', ');
  await tx.query(
    `insert into ${ident(table.name)} (${columns.map(ident).join(', ')}) overriding system value
     select ${casts} from jsonb_array_elements($1::jsonb) as e(r)`,
    [JSON.stringify(rows)],
  );
}

/** Reads the rows after the header, checks each line, and inserts them in batches. */
async function loadRows(
  tx: Queryable,
  file: string,
  header: BackupHeader,
  catalog: Map<string, TableInfo>,
  onRows: (n: number) => void,
  key?: Uint8Array,
): Promise<number> {
  const order = new Map(header.tables.map((t, i) => [t, i]));
  const counts = new Map<string, number>();
  let current = -1;
  let batch: (string | null)[][] = [];
  let total = 0;
  let trailer: { rows: number } | null = null;
  const flush = async () => {
    if (!batch.length) return;
    const name = header.tables[current]!;
    await insertRows(
      tx,
      catalog.get(name)!,
      header.columns[name]!.map(([c]) => c),
      batch,
    );
    onRows(batch.length);
    batch = [];
  };
  let lineNo = 0;
  for await (const text of lines(file, key)) {
    lineNo++;
    if (lineNo === 1) continue; // the header, already validated
    if (trailer) throw new BackupError(`line ${lineNo} follows the end marker: the file is corrupted`);
    const value = parseLine(text, lineNo) as Record<string, unknown> | null;
    if (value && typeof value === 'object' && value.end === true) {
      if (typeof value.rows !== 'number') throw new BackupError(`line ${lineNo}: malformed end marker`);
      trailer = { rows: value.rows };
      continue;
    }
    const table = value?.t;
    const row = value?.r;
    if (typeof table !== 'string' || !Array.isArray(row))
      throw new BackupError(`line ${lineNo} is not a row: expected {"t": table, "r": [values]}`);
    const index = order.get(table);
    if (index === undefined)
      throw new BackupError(
        `line ${lineNo}: unknown table "${table}" (not in the header); nothing was restored`,
      );
    const width = header.columns[table]!.length;
    if (row.length !== width || !row.every((v) => v === null || typeof v === 'string'))
      throw new BackupError(`line ${lineNo}: a "${table}" row must hold ${width} text-or-null values`);
    if (index !== current) {
      if (index < current) throw new BackupError(`line ${lineNo}: rows of "${table}" are out of order`);
      await flush();
      current = index;
    }
    batch.push(row as (string | null)[]);
    counts.set(table, (counts.get(table) ?? 0) + 1);
    total++;
    if (batch.length >= INSERT_BATCH) await flush();
  }
  await flush();
  if (!trailer)
    throw new BackupError('the file ends without its end marker: it is truncated; nothing was restored');
  if (trailer.rows !== total)
    throw new BackupError(`the end marker counts ${trailer.rows} rows but the file holds ${total}`);
  for (const name of header.tables) {
    const expected = header.rowCounts[name]!;
    if ((counts.get(name) ?? 0) !== expected)
      throw new BackupError(
        `"${name}" should have ${expected} rows but the file holds ${counts.get(name) ?? 0}`,
      );
  }
  return total;
}

/**
 * Restores a backup into an empty database (or, with `force`, replaces its content):
 * migrations up to the backup's schema, then every row in one transaction, then the newer
 * migrations, then the audit chain is verified. Any problem with the file rolls the whole
 * load back, so the target is never left half-restored.
 */
export async function restoreBackup(
  db: Database,
  file: string,
  options: RestoreOptions,
): Promise<RestoreSummary> {
  const started = Date.now();
  const header = await readBackupHeader(file, options.key);
  const known = new Set(options.migrations.map((m) => m.id));
  const unknown = header.migrations.filter((id) => !known.has(id));
  if (unknown.length)
    throw new BackupError(
      `the backup was made by a newer Llamenos (unknown migrations: ${unknown.join(', ')}); upgrade first`,
    );
  const inBackup = new Set(header.migrations);
  const [registry] = await db.query<{ t: string | null }>(
    `select to_regclass('${MIGRATIONS_TABLE}')::text as t`,
  );
  if (registry?.t) {
    const applied = (await db.query<{ id: string }>(`select id from ${MIGRATIONS_TABLE}`)).map((r) => r.id);
    const newer = applied.filter((id) => !inBackup.has(id));
    if (newer.length)
      throw new BackupError(
        `the target database has migrations the backup lacks (${newer.join(', ')}); restore into a new, empty database`,
      );
    // Refuse before migrating anything, so a refused restore changes nothing at all.
    if (!options.force) await refuseIfUsed(db, await readCatalog(db));
  }
  await migrate(
    db,
    options.migrations.filter((m) => inBackup.has(m.id)),
  );

  const total = Object.values(header.rowCounts).reduce((a, b) => a + b, 0);
  const progress = createProgress('restore', total, options.progress ?? process.stderr);
  const rows = await db.transaction(async (tx) => {
    for (const setting of STABLE_TEXT_SETTINGS) await tx.exec(setting);
    await tx.exec('set constraints all deferred');
    // The rows come with the member_generation value they were backed up with: the triggers that
    // change it on every member change stay still while they load (identity/005).
    await tx.exec(`set local llamenos.restoring = 'on'`);
    const tables = await readCatalog(tx);
    const catalog = new Map(tables.map((t) => [t.name, t]));
    checkSchema(header, catalog);
    // No server may write while we check and load.
    if (tables.length)
      await tx.exec(`lock table ${tables.map((t) => ident(t.name)).join(', ')} in access exclusive mode`);
    if (!options.force) await refuseIfUsed(tx, tables);
    // Children first, so no foreign key is left dangling while clearing.
    for (const t of [...tables].reverse()) await tx.exec(`delete from ${ident(t.name)}`);
    const loaded = await loadRows(tx, file, header, catalog, (n) => progress.advance(n), options.key);
    // Serial and identity columns continue after the restored values.
    for (const t of tables)
      for (const s of t.sequences)
        await tx.query(
          `select setval('${ident(s.sequence)}', coalesce((select max(${ident(s.column)}) from ${ident(t.name)}), 0) + 1, false)`,
        );
    return loaded;
  });
  await migrate(db, options.migrations);
  const verdict = await verifyAuditLog(db);
  progress.finish(
    `restore: ${rows} rows into ${header.tables.length} tables from ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return { tables: header.tables.length, rows, verdict };
}
