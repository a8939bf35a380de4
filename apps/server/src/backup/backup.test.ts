import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers.js';
import { appendAudit } from '../audit/service.js';
import { loadRequestKeySecret } from '../auth/request-key-seed.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { ALL_MIGRATIONS } from '../modules.js';
import { writeBackup } from './backup.js';
import { readCatalog } from './catalog.js';
import { ident } from './format.js';
import { restoreBackup } from './restore.js';

/** A table only these tests create, holding the values that are hard to round-trip. */
const PROBE_TABLE = `
  create table backup_probe (
    id bigserial primary key,
    big int8 not null,
    amount numeric,
    at timestamptz,
    doc jsonb,
    flag boolean,
    note text,
    raw bytea,
    tags text[]
  )`;

const quiet = { write: () => true, isTTY: false };
const restore = (db: Database, file: string, force = false) =>
  restoreBackup(db, file, { migrations: ALL_MIGRATIONS, force, progress: quiet });

async function seed(db: Database): Promise<void> {
  await migrate(db, ALL_MIGRATIONS);
  await db.exec(PROBE_TABLE);
  await db.query(
    `insert into backup_probe (big, amount, at, doc, flag, note, raw, tags) values
     (9007199254740993, 12345678901234567890.123456789, '2025-03-01 12:34:56.123456+00', $1::jsonb, true,
      $2, '\\x00ff10', array['a', 'b"c', null]),
     (-9223372036854775808, null, '1999-12-31 23:59:59.999999-05', '[]'::jsonb, false, '', null, '{}'),
     (0, 0, null, null, null, null, null, null)`,
    [
      JSON.stringify({ nested: { ünï: 'cödé 🚑', n: 1.5e300, list: [null, true] }, 'key"q': '\\' }),
      'line one\nline "two"\t\\ and emoji 📞',
    ],
  );
  for (let i = 0; i < 3; i++)
    await db.query(
      `insert into users (id, pubkey, display_name, roles, created_at, updated_at, active)
       values ($1, $2, $3, $4::jsonb, '2025-01-0${i + 1} 08:00:00.000001+00', now(), $5)`,
      [
        `user-${i}`,
        `${i}`.repeat(64),
        `Volunteer ${i} — ñ`,
        JSON.stringify(i ? ['volunteer'] : ['admin']),
        i !== 2,
      ],
    );
  for (let i = 0; i < 25; i++)
    await appendAudit(
      db,
      {
        action: i % 2 ? 'call.answered' : 'user.created',
        actorPubkey: '1'.repeat(64),
        details: { i, s: 'ß' },
      },
      new Date(Date.UTC(2025, 0, 1, 0, 0, i, 7)),
    );
  await db.query(`insert into rate_limits (key, window_start, count) values ('login:abc', now(), 3)`);
}

/** Every table's rows as PostgreSQL prints them, sorted: equal snapshots mean equal content. */
async function snapshot(db: Database): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of await readCatalog(db))
    out[t.name] = (
      await db.query<{ row: string }>(`select t::text as row from ${ident(t.name)} t order by 1`)
    ).map((r) => r.row);
  return out;
}

async function dataRows(db: Database): Promise<number> {
  let n = 0;
  for (const t of ['users', 'audit_log', 'backup_probe']) {
    const exists = await db.query<{ t: string | null }>('select to_regclass($1)::text as t', [t]);
    if (exists[0]?.t) n += (await db.query(`select 1 from ${t}`)).length;
  }
  return n;
}

describe('backup and restore', () => {
  let dir: string;
  let source: { db: Database; drop: () => Promise<void> };
  let file: string;
  const targets: { db: Database; drop: () => Promise<void> }[] = [];
  const freshTarget = async (withProbe = true) => {
    const t = await openTestDatabase();
    targets.push(t);
    if (withProbe) await t.db.exec(PROBE_TABLE);
    return t.db;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'llamenos-backup-'));
    source = await openTestDatabase();
    await seed(source.db);
    file = path.join(dir, 'hotline.llamenos-backup');
    await writeBackup(source.db, file, { progress: quiet });
  });
  afterEach(async () => {
    for (const t of targets.splice(0)) {
      await t.db.close();
      await t.drop();
    }
  });
  afterAll(async () => {
    await source.db.close();
    await source.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a header, one line per row and an end marker', async () => {
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ format: 'llamenos-backup', version: 1, database: source.db.kind });
    expect([...header.migrations].sort()).toEqual(ALL_MIGRATIONS.map((m) => m.id).sort());
    expect(header.tables).toContain('audit_log');
    expect(header.tables).not.toContain('schema_migrations');
    const total = Object.values(header.rowCounts as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(lines).toHaveLength(total + 2);
    expect(JSON.parse(lines.at(-1)!)).toEqual({ end: true, rows: total });
  });

  it('restores into a fresh database row for row, with an intact audit chain', async () => {
    const target = await freshTarget();
    const result = await restore(target, file);
    expect(result.verdict).toMatchObject({ ok: true, count: 25 });
    expect(await snapshot(target)).toEqual(await snapshot(source.db));
    // Values that JavaScript numbers or Dates would have rounded come back exactly.
    const [probe] = await target.query<{ big: string; amount: string; at: string }>(
      `select big::text, amount::text, to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as at
         from backup_probe where id = 1`,
    );
    expect(probe).toEqual({
      big: '9007199254740993',
      amount: '12345678901234567890.123456789',
      at: '2025-03-01 12:34:56.123456',
    });
    // The serial column continues after the restored ids.
    const [next] = await target.query<{ id: number }>(
      'insert into backup_probe (big) values (1) returning id',
    );
    expect(Number(next!.id)).toBe(4);
  });

  it('reports progress on a terminal and always a summary line', async () => {
    const written: string[] = [];
    const target = await freshTarget();
    await restoreBackup(target, file, {
      migrations: ALL_MIGRATIONS,
      progress: { isTTY: true, write: (s: string) => written.push(s) },
    });
    const text = written.join('');
    expect(text).toMatch(/restore \[#+\] \d+\/\d+ rows 100%/);
    expect(text).toMatch(/restore: \d+ rows into \d+ tables/);
    const plain: string[] = [];
    const other = await freshTarget();
    await restoreBackup(other, file, {
      migrations: ALL_MIGRATIONS,
      progress: { write: (s: string) => plain.push(s) },
    });
    expect(plain).toHaveLength(1);
  });

  it('refuses a non-empty database unless forced', async () => {
    await expect(restore(source.db, file)).rejects.toThrow(/not empty \(rows in .*audit_log/);
    const target = await freshTarget();
    await target.query(`insert into backup_probe (big) values (42)`);
    await migrate(target, ALL_MIGRATIONS);
    await target.query(
      `insert into users (id, pubkey, display_name, created_at, updated_at) values ('x', $1, 'Other', now(), now())`,
      ['f'.repeat(64)],
    );
    await expect(restore(target, file)).rejects.toThrow(/not empty \(rows in .*backup_probe.*users/);
    expect(await dataRows(target)).toBe(2);
    await restore(target, file, true);
    expect(await snapshot(target)).toEqual(await snapshot(source.db));
  });

  it('restores into a database a server has started on: its request-key seed is not data', async () => {
    const target = await freshTarget();
    await migrate(target, ALL_MIGRATIONS);
    await loadRequestKeySecret(target, new Uint8Array(32).fill(5));
    await restore(target, file);
    expect(await snapshot(target)).toEqual(await snapshot(source.db));
  });

  it('does not overwrite an existing backup file', async () => {
    await expect(writeBackup(source.db, file, { progress: quiet })).rejects.toThrow(/already exists/);
  });

  const corrupt = async (name: string, edit: (lines: string[]) => string[] | string) => {
    const lines = (await readFile(file, 'utf8')).split('\n');
    const result = edit(lines);
    const bad = path.join(dir, name);
    await writeFile(bad, typeof result === 'string' ? result : result.join('\n'));
    return bad;
  };
  const header = (lines: string[]) => JSON.parse(lines[0]!);

  it.each([
    [
      'a bad header',
      /not a Llamenos backup/,
      (l: string[]) => [JSON.stringify({ format: 'other' }), ...l.slice(1)],
    ],
    ['a header that is not JSON', /line 1 is not valid JSON/, (l: string[]) => ['{"format":', ...l.slice(1)]],
    ['an empty file', /is empty/, () => ''],
    [
      'a truncated line',
      /line \d+ is not valid JSON: the file is truncated/,
      (l: string[]) => {
        const body = l.join('\n');
        return body.slice(0, body.lastIndexOf('{"t":') + 20);
      },
    ],
    ['a missing end marker', /ends without its end marker/, (l: string[]) => l.slice(0, -2).concat([''])],
    [
      'a row of an unknown table',
      /unknown table "secret_dump"/,
      (l: string[]) =>
        l.map((line, i) =>
          i === l.length - 3 ? line.replace(/^\{"t":"[a-z_]+"/, '{"t":"secret_dump"') : line,
        ),
    ],
    [
      'an unknown table in the header',
      /unknown table "secret_dump"/,
      (l: string[]) => {
        const h = header(l);
        h.tables.push('secret_dump');
        h.columns.secret_dump = [['id', 'text']];
        h.rowCounts.secret_dump = 0;
        return [JSON.stringify(h), ...l.slice(1)];
      },
    ],
    [
      'an unknown column',
      /unknown column "users.password"/,
      (l: string[]) => {
        const h = header(l);
        h.columns.users[2][0] = 'password';
        return [JSON.stringify(h), ...l.slice(1)];
      },
    ],
    [
      'a row of the wrong width',
      /must hold \d+ text-or-null values/,
      (l: string[]) => l.map((line, i) => (i === 5 ? line.replace(/\]\}$/, ',"extra"]}') : line)),
    ],
    [
      'a row count that does not match',
      /should have 26 rows but the file holds 25/,
      (l: string[]) => {
        const h = header(l);
        h.rowCounts.audit_log = 26;
        return [JSON.stringify(h), ...l.slice(1)];
      },
    ],
  ])('rejects %s and leaves the target empty', async (name, message, edit) => {
    const bad = await corrupt(`${name.replace(/\W+/g, '-')}.bad`, edit);
    const target = await freshTarget();
    await expect(restore(target, bad)).rejects.toThrow(message);
    expect(await dataRows(target)).toBe(0);
    // Nothing half-done stands in the way of restoring the good file afterwards.
    expect((await restore(target, file)).verdict.ok).toBe(true);
  });

  it('refuses a backup from a newer version', async () => {
    const bad = await corrupt('newer.bad', (l) => {
      const h = header(l);
      h.migrations.push('future/001-something');
      return [JSON.stringify(h), ...l.slice(1)];
    });
    await expect(restore(await freshTarget(), bad)).rejects.toThrow(/newer Llamenos.*future\/001-something/);
  });
});
