import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { listAudit, verifyAuditLog } from '../audit/service.js';
import { BlobStore } from '../blobs/store.js';
import { purgeExpiredCallRecords, startCallRetentionTimer } from './retention.js';

/** Call records older than retention.callRecordDays go, with their legs, voicemail (and its file) and sealed metadata. */

const DAY = 24 * 3600 * 1000;
const START = new Date('2033-03-01T00:00:00Z');

let h: TestHotline;
let admin: TestUser;
let volunteer: TestUser;

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin'], 'Admin');
  volunteer = await h.addUser(['volunteer'], 'Volunteer');
});
afterAll(() => h.close());

const blobs = () => new BlobStore(h.ctx.config.blobDir);
const blobFiles = new Map<string, string>();

/** An ended (or live) call made at `at`, with one leg, a voicemail and sealed metadata. */
async function addCall(at: Date, options: { live?: boolean } = {}): Promise<string> {
  const id = randomUUID();
  const envelope = JSON.stringify({ v: 1, ciphertext: 'x', wraps: [] });
  await h.ctx.db.query(
    `insert into calls (id, provider, provider_call_id, hotline_number, caller_last4, status, created_at, updated_at,
        ended_at, meta_envelope)
     values ($1, 'simulator', $2, '+15550100100', '1234', $3, $4, $4, $5, $6::jsonb)`,
    [
      id,
      `CA${id}`,
      options.live ? 'ringing' : 'voicemail',
      at,
      options.live ? null : at,
      options.live ? null : envelope,
    ],
  );
  await h.ctx.db.query(
    `insert into call_legs (id, call_id, user_id, kind, status, ring_deadline, created_at)
     values ($1, $2, $3, 'phone', 'canceled', $4, $4)`,
    [randomUUID(), id, options.live ? volunteer.id : null, at],
  );
  if (!options.live) {
    // Stand-in ciphertext in the attachment store; only its deletion matters here.
    const blob = await blobs().write(new Response(new Uint8Array(100)).body!);
    blobFiles.set(id, blobs().pathOf(blob.id));
    await h.ctx.db.query(
      `insert into voicemails (call_id, blob_id, size, content_type, wraps, duration, created_at)
       values ($1, $2, 100, 'audio/wav', '[]'::jsonb, 3, $3)`,
      [id, blob.id, at],
    );
  }
  return id;
}

async function setCallRecordDays(days: number): Promise<void> {
  const settings = await (await h.request('GET', '/api/settings', { as: admin })).json();
  const res = await h.request('PATCH', '/api/settings/retention', {
    as: admin,
    body: { value: { noteDays: 0, callRecordDays: days }, version: settings.version },
  });
  expect(res.status).toBe(200);
}

const ids = async (table: string, column = 'id') =>
  (await h.ctx.db.query<{ v: string }>(`select ${column} as v from ${table} order by 1`)).map((r) => r.v);

describe('call-record retention', () => {
  it('keeps everything while callRecordDays is 0', async () => {
    await addCall(new Date(START.getTime() - 1000 * DAY));
    expect(await purgeExpiredCallRecords(h.ctx, START)).toEqual({ calls: 0, voicemails: 0, cutoff: null });
    expect((await ids('calls')).length).toBe(1);
  });

  it('purges ended calls past the age with their legs and voicemails, once, audited', async () => {
    await h.ctx.db.query('delete from calls');
    h.setNow(START);
    const old = await addCall(new Date(START.getTime() - 40 * DAY));
    const recent = await addCall(new Date(START.getTime() - 10 * DAY));
    // A call still live is never purged, however old (the sweeper ends it first).
    const live = await addCall(new Date(START.getTime() - 40 * DAY), { live: true });
    // A note linked to the old call keeps its own retention.
    const noteId = randomUUID();
    await h.ctx.db.query(
      `insert into notes (id, call_id, author_id, author_pubkey, current_version, created_at, updated_at)
       values ($1, $2, $3, $4, 1, $5, $5)`,
      [noteId, old, volunteer.id, volunteer.pubkey, START],
    );
    await setCallRecordDays(30);

    const result = await purgeExpiredCallRecords(h.ctx, START);
    expect(result).toEqual({
      calls: 1,
      voicemails: 1,
      cutoff: new Date(START.getTime() - 30 * DAY).toISOString(),
    });
    expect(await ids('calls')).toEqual([live, recent].sort());
    expect(await ids('voicemails', 'call_id')).toEqual([recent]);
    // The purged voicemail's encrypted file is gone from the attachment store; the kept one stays.
    expect(existsSync(blobFiles.get(old)!)).toBe(false);
    expect(existsSync(blobFiles.get(recent)!)).toBe(true);
    expect(await ids('call_legs', 'call_id')).toEqual([live, recent].sort());
    expect(await ids('notes')).toEqual([noteId]);

    const [entry, ...more] = await listAudit(h.ctx.db, { action: 'calls.records-purged', limit: 10 });
    expect(more).toEqual([]);
    expect(entry?.details).toMatchObject({
      reason: 'retention',
      callRecordDays: 30,
      calls: 1,
      voicemails: 1,
    });
    // An idle run adds nothing to the chain.
    expect((await purgeExpiredCallRecords(h.ctx, START)).calls).toBe(0);
    expect(await listAudit(h.ctx.db, { action: 'calls.records-purged', limit: 10 })).toHaveLength(1);
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('runs on a timer until stopped', async () => {
    h.setNow(START);
    const id = await addCall(new Date(START.getTime() - 5 * DAY));
    h.setNow(new Date(START.getTime() + 40 * DAY));
    const stop = startCallRetentionTimer(h.ctx, 20);
    try {
      for (let i = 0; i < 100 && (await ids('calls')).includes(id); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await ids('calls')).not.toContain(id);
    } finally {
      await stop();
    }
  });
});
