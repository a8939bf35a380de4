import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_PG_URL } from '../../test/helpers.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openPglite } from '../db/pglite.js';
import { openPostgres } from '../db/postgres.js';
import { ALL_MIGRATIONS } from '../modules.js';

/**
 * attachments/003 on a database written by the previous schema: every `conversation_media` row
 * becomes an attachments row of owner kind conversation-message with the same id, file, state
 * and provider state (so its wraps in conversation_wraps and its blob file still match), report
 * attachments become owner kind report, and the old table is gone. On PGlite and on PostgreSQL
 * (LLAMENOS_TEST_DATABASE_URL); the database starts empty, not from the migrated template.
 */

const NEW_MIGRATION = 'attachments/003-conversation-message-media';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function emptyDatabase(): Promise<Database> {
  if (!TEST_PG_URL) {
    const db = await openPglite();
    cleanup = () => db.close();
    return db;
  }
  const name = `llamenos_test_${randomUUID().replace(/-/g, '')}`;
  const admin = await openPostgres(TEST_PG_URL, 1);
  await admin.exec(`create database ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString());
  cleanup = async () => {
    await db.close();
    await admin.exec(`drop database if exists ${name} with (force)`);
    await admin.close();
  };
  return db;
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe('attachments/003: conversation media joins the attachments table', () => {
  it('moves every old conversation_media row, keeps report attachments, drops the old table', async () => {
    const db = await emptyDatabase();
    const before = ALL_MIGRATIONS.filter((m) => m.id !== NEW_MIGRATION);
    expect(before).toHaveLength(ALL_MIGRATIONS.length - 1);
    await migrate(db, before);

    // The old shape, as the previous release wrote it.
    await db.query(
      `insert into reports (id, author_id, author_pubkey, created_at, updated_at) values ('r1', 'u1', $1, $2, $2)`,
      ['a'.repeat(64), at(0)],
    );
    await db.query(
      `insert into attachments (id, report_id, uploader_id, uploader_pubkey, state, header, chunk_log2, chunk_count,
         received, bytes_received, blob_id, created_at, updated_at, completed_at, first_chunk_sha256)
       values ('ra1', 'r1', 'u1', $1, 'complete', 'hdr', 16, 3, 3, 196656, 'blob-ra1', $2, $2, $2, 'f'),
              ('ra2', 'r1', 'u1', $1, 'uploading', 'hdr', 16, 5, 1, 65552, null, $2, $2, null, 'f')`,
      ['a'.repeat(64), at(1)],
    );
    await db.query(
      `insert into conversations (id, channel, kind, hotline_address, contact_hash, contact_enc, status,
         last_message_at, created_at) values ('c1', 'sms', 'sms', '+15550001111', 'hash', 'enc', 'closed', $1, $1)`,
      [at(2)],
    );
    await db.query(
      `insert into conversation_messages (id, conversation_id, direction, channel, ciphertext, delivery, created_at)
       values ('m1', 'c1', 'in', 'sms', 'ct', 'received', $1), ('m2', 'c1', 'in', 'sms', 'ct', 'received', $1)`,
      [at(3)],
    );
    await db.query(
      `insert into conversation_media (id, message_id, conversation_id, position, provider_ref_enc, content_type,
         state, blob_id, size_bucket, attempts, next_attempt_at, created_at) values
        ('media-stored', 'm1', 'c1', 0, null, 'image/png', 'stored', 'blob-m1', 8192, 1, null, $1),
        ('media-stored-ref', 'm1', 'c1', 1, 'sealed-ref-1', 'audio/ogg', 'stored', 'blob-m2', 16384, 2, $2, $1),
        ('media-pending', 'm2', 'c1', 0, 'sealed-ref-2', null, 'pending', null, null, 3, $2, $1),
        ('media-failed', 'm2', 'c1', 1, 'sealed-ref-3', 'video/mp4', 'failed', null, null, 8, null, $1)`,
      [at(4), at(30)],
    );
    await db.query(
      `insert into conversation_wraps (record_id, reader, conversation_id, wrap) values
        ('attachment:media-stored', 'reader-1', 'c1', 'w1'), ('attachment:media-stored-ref', 'reader-1', 'c1', 'w2')`,
    );

    expect(await migrate(db, ALL_MIGRATIONS)).toEqual([NEW_MIGRATION]);

    expect(await db.query("select to_regclass('conversation_media')::text as t")).toEqual([{ t: null }]);
    const rows = await db.query<Record<string, unknown>>(
      `select id, owner_kind, report_id, conversation_id, message_id, position, content_type, state, blob_id,
         size_bucket::int as size_bucket, provider_ref_enc, provider_attempts, provider_next_attempt_at,
         created_at, completed_at
       from attachments order by id`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect([...byId.keys()].sort()).toEqual(
      ['media-failed', 'media-pending', 'media-stored', 'media-stored-ref', 'ra1', 'ra2'].sort(),
    );
    const time = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
    const view = (id: string) => {
      const r = byId.get(id)!;
      return {
        ...r,
        provider_next_attempt_at: time(r.provider_next_attempt_at),
        created_at: time(r.created_at),
        completed_at: time(r.completed_at),
      };
    };
    const media = { owner_kind: 'conversation-message', report_id: null, conversation_id: 'c1' };
    expect(view('media-stored')).toMatchObject({
      ...media,
      message_id: 'm1',
      position: 0,
      content_type: 'image/png',
      state: 'complete',
      blob_id: 'blob-m1',
      size_bucket: 8192,
      provider_ref_enc: null,
      provider_attempts: 1,
      provider_next_attempt_at: null,
      created_at: at(4).toISOString(),
      completed_at: at(4).toISOString(),
    });
    // Stored, but the provider's copy not deleted yet: its handle and next attempt come along.
    expect(view('media-stored-ref')).toMatchObject({
      ...media,
      position: 1,
      state: 'complete',
      blob_id: 'blob-m2',
      size_bucket: 16384,
      provider_ref_enc: 'sealed-ref-1',
      provider_attempts: 2,
      provider_next_attempt_at: at(30).toISOString(),
    });
    expect(view('media-pending')).toMatchObject({
      ...media,
      message_id: 'm2',
      state: 'uploading',
      blob_id: null,
      provider_ref_enc: 'sealed-ref-2',
      provider_attempts: 3,
      provider_next_attempt_at: at(30).toISOString(),
      completed_at: null,
    });
    expect(view('media-failed')).toMatchObject({ ...media, state: 'failed', provider_attempts: 8 });
    expect(view('ra1')).toMatchObject({
      owner_kind: 'report',
      report_id: 'r1',
      state: 'complete',
      blob_id: 'blob-ra1',
    });
    expect(view('ra2')).toMatchObject({ owner_kind: 'report', report_id: 'r1', state: 'uploading' });
    // The wraps stay where the re-wrap logic reads them, under the same record ids.
    expect(
      await db.query(
        'select record_id from conversation_wraps where conversation_id = $1 order by record_id',
        ['c1'],
      ),
    ).toEqual([{ record_id: 'attachment:media-stored' }, { record_id: 'attachment:media-stored-ref' }]);

    // Exactly one owner, always.
    const bad = [
      // both owners
      `insert into attachments (id, owner_kind, report_id, conversation_id, message_id, position, state,
         created_at, updated_at) values ('x', 'conversation-message', 'r1', 'c1', 'm1', 3, 'uploading', now(), now())`,
      // no owner
      `insert into attachments (id, owner_kind, position, state, created_at, updated_at)
         values ('x', 'conversation-message', 3, 'uploading', now(), now())`,
      // a report attachment without its upload's shape
      `insert into attachments (id, owner_kind, report_id, state, created_at, updated_at)
         values ('x', 'report', 'r1', 'uploading', now(), now())`,
      // an unknown owner kind
      `insert into attachments (id, owner_kind, conversation_id, message_id, position, state, created_at, updated_at)
         values ('x', 'call', 'c1', 'm1', 3, 'uploading', now(), now())`,
    ];
    for (const sql of bad) await expect(db.query(sql), sql).rejects.toThrow();
  });
});
