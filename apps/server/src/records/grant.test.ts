import { randomUUID } from 'node:crypto';
import {
  fromUtf8,
  openAsReader,
  PURPOSES,
  type SealedEnvelope,
  sealForReaders,
  utf8,
  wrapForNewReader,
} from '@llamenos/crypto';
import {
  type GrantWork,
  type GrantWorkItem,
  type NoteExportLine,
  type NoteForReader,
  noteRecordId,
} from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { listAudit, verifyAuditLog } from '../audit/service.js';
import { purgeExpiredNotes, startRetentionTimer } from './retention.js';

const seal = (noteId: string, version: number, payload: object, readers: string[]): SealedEnvelope =>
  sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.note,
    recordId: noteRecordId(noteId, version),
  });

const open = (note: NoteForReader, user: TestUser) =>
  JSON.parse(
    fromUtf8(
      openAsReader(
        { v: 1, ciphertext: note.ciphertext, wraps: note.wrap ? [note.wrap] : [] },
        user.secretKey,
        {
          purpose: PURPOSES.note,
          recordId: noteRecordId(note.id, note.version),
        },
      ),
    ),
  );

describe('granting a new admin access, export and retention', () => {
  let h: TestHotline;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin'], 'First admin');
    alice = await h.addUser(['volunteer'], 'Alice');
    bob = await h.addUser(['volunteer'], 'Bob');
  });
  afterAll(() => h.close());

  const readersFor = async (user: TestUser): Promise<string[]> =>
    (await (await h.request('GET', '/api/records/readers', { as: user })).json()).readers;

  async function createNote(user: TestUser, payload: object): Promise<string> {
    const id = randomUUID();
    const res = await h.request('POST', '/api/notes', {
      as: user,
      body: { id, envelope: seal(id, 1, payload, await readersFor(user)) },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return id;
  }

  const json = async (res: Response) => {
    expect(res.status, await res.clone().text()).toBe(200);
    return res.json();
  };
  const work = (as: TestUser, reader: string, extra = ''): Promise<GrantWork> =>
    h.request('GET', `/api/notes/grant-work?reader=${reader}${extra}`, { as }).then(json);
  const status = (as: TestUser, reader: string) =>
    h.request('GET', `/api/notes/grant-status?reader=${reader}`, { as }).then(json);

  /** What the granting admin's browser does with each work item. */
  const rewrap = (item: GrantWorkItem, granter: TestUser, reader: string) => ({
    noteId: item.noteId,
    version: item.version,
    wrap: wrapForNewReader(
      { v: 1, ciphertext: '', wraps: [{ reader: granter.pubkey, wrap: item.wrap }] },
      granter.secretKey,
      reader,
      { purpose: PURPOSES.note, recordId: noteRecordId(item.noteId, item.version) },
    ).wrap,
  });
  const grant = (as: TestUser, reader: string, wraps: unknown[]) =>
    h.request('POST', '/api/notes/grant', { as, body: { reader, wraps } });

  const noteIds: string[] = [];
  let newAdmin: TestUser;

  it('grants a new admin every existing note version, resumably, with progress', async () => {
    noteIds.push(await createNote(alice, { text: 'a1' }), await createNote(alice, { text: 'a2' }));
    noteIds.push(await createNote(bob, { text: 'b1' }));
    const edited = noteIds[0] as string;
    const put = await h.request('PUT', `/api/notes/${edited}`, {
      as: alice,
      body: { expectedVersion: 1, envelope: seal(edited, 2, { text: 'a1 v2' }, await readersFor(alice)) },
    });
    expect(put.status).toBe(200);

    newAdmin = await h.addUser(['admin'], 'New admin');
    expect((await readersFor(alice)).sort()).toEqual([alice.pubkey, admin.pubkey, newAdmin.pubkey].sort());
    // Until granted, the new admin sees the note but has no wrap for it.
    const before = await json(await h.request('GET', `/api/notes/${noteIds[1]}`, { as: newAdmin }));
    expect(before.note.wrap).toBeNull();
    expect(await status(admin, newAdmin.pubkey)).toEqual({ total: 4, done: 0, unavailableToCaller: 0 });

    const all = await work(admin, newAdmin.pubkey);
    expect(all.items.map((i) => `${i.noteId}:${i.version}`).sort()).toEqual(
      [`${edited}:1`, `${edited}:2`, `${noteIds[1]}:1`, `${noteIds[2]}:1`].sort(),
    );
    expect(all.next).toBeNull();

    // Interrupted after half: the work query returns only the rest.
    const firstHalf = all.items.slice(0, 2).map((i) => rewrap(i, admin, newAdmin.pubkey));
    expect(await json(await grant(admin, newAdmin.pubkey, firstHalf))).toEqual({
      inserted: 2,
      alreadyPresent: 0,
      skipped: 0,
    });
    expect(await status(admin, newAdmin.pubkey)).toMatchObject({ total: 4, done: 2 });
    const rest = await work(admin, newAdmin.pubkey);
    expect(rest.items.map((i) => `${i.noteId}:${i.version}`)).toEqual(
      all.items.slice(2).map((i) => `${i.noteId}:${i.version}`),
    );
    // Resuming (and repeating the first batch) is harmless.
    const second = [...rest.items.map((i) => rewrap(i, admin, newAdmin.pubkey)), ...firstHalf];
    expect(await json(await grant(admin, newAdmin.pubkey, second))).toEqual({
      inserted: 2,
      alreadyPresent: 2,
      skipped: 0,
    });
    expect(await status(admin, newAdmin.pubkey)).toEqual({ total: 4, done: 4, unavailableToCaller: 0 });
    expect((await work(admin, newAdmin.pubkey)).items).toEqual([]);

    // The new admin opens every version of every note.
    const list = await json(await h.request('GET', '/api/notes', { as: newAdmin }));
    expect(list.notes.map((n: NoteForReader) => open(n, newAdmin).text).sort()).toEqual([
      'a1 v2',
      'a2',
      'b1',
    ]);
    const v1 = await json(await h.request('GET', `/api/notes/${edited}?version=1`, { as: newAdmin }));
    expect(open(v1.note, newAdmin)).toEqual({ text: 'a1' });

    const grants = await listAudit(h.ctx.db, { action: 'records.access-granted', limit: 10 });
    expect(grants.map((g) => g.details)).toEqual([
      { reader: newAdmin.pubkey, inserted: 2, alreadyPresent: 2, skipped: 0 },
      { reader: newAdmin.pubkey, inserted: 2, alreadyPresent: 0, skipped: 0 },
    ]);
  });

  it('pages grant work with a cursor that skips what a client could not wrap', async () => {
    const reader = (await h.addUser(['admin'], 'Third admin')).pubkey;
    const first = await work(admin, reader, '&limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.next).toBe(`${first.items[0]?.noteId}:${first.items[0]?.version}`);
    const after = await work(admin, reader, `&after=${first.next}&limit=100`);
    expect(after.items).toHaveLength(3);
    const keys = [first, after].flatMap((w) => w.items.map((i) => `${i.noteId}:${i.version}`));
    expect(new Set(keys).size).toBe(4);
  });

  it('refuses a grant to a non-admin, bad wraps, and skips versions the granter holds no wrap for', async () => {
    const res = await h.request('GET', `/api/notes/grant-work?reader=${bob.pubkey}`, { as: admin });
    expect(res.status).toBe(400);
    const [item] = (await work(admin, newAdmin.pubkey)).items;
    expect(item).toBeUndefined();
    const reader = (await h.addUser(['admin'], 'Fourth admin')).pubkey;
    const [one] = (await work(admin, reader)).items;
    if (!one) throw new Error('expected work');
    const good = rewrap(one, admin, reader);
    const bad = await grant(admin, reader, [{ ...good, wrap: `${good.wrap.slice(0, -1)}=` }]);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('validation_failed');
    const missing = await grant(admin, reader, [{ ...good, noteId: randomUUID() }]);
    expect(await json(missing)).toEqual({ inserted: 0, alreadyPresent: 0, skipped: 1 });
    expect(await status(admin, reader)).toMatchObject({ done: 0 });
  });

  it('stops wrapping new notes for a removed admin', async () => {
    await h.ctx.db.query(`update users set roles = '["volunteer"]'::jsonb where id = $1`, [newAdmin.id]);
    const readers = await readersFor(alice);
    expect(readers).not.toContain(newAdmin.pubkey);
    const id = randomUUID();
    const stale = await h.request('POST', '/api/notes', {
      as: alice,
      body: { id, envelope: seal(id, 1, { text: 'stale' }, [...readers, newAdmin.pubkey]) },
    });
    expect(stale.status).toBe(400);
    expect((await stale.json()).error.details.unexpectedReaders).toEqual([newAdmin.pubkey]);
  });

  it('exports every note as JSON lines with the caller’s wraps, audited with the count', async () => {
    const res = await h.request('GET', '/api/notes/export', { as: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as NoteExportLine);
    const notes = lines.flatMap((l) => (l.type === 'note' ? [l.note] : []));
    expect(lines.at(-1)).toEqual({ type: 'end', count: 3 });
    expect(notes.map((n) => n.id).sort()).toEqual([...noteIds].sort());
    expect(notes.every((n) => n.wrap?.reader === admin.pubkey)).toBe(true);
    expect(notes.map((n) => open(n, admin).text).sort()).toEqual(['a1 v2', 'a2', 'b1']);
    const [entry] = await listAudit(h.ctx.db, { action: 'records.notes-exported', limit: 1 });
    expect(entry).toMatchObject({ actorPubkey: admin.pubkey, details: { count: 3, scope: 'all' } });
  });

  it('exports only their own notes to a member with notes:export but not notes:read-all', async () => {
    const role = randomUUID();
    const at = h.ctx.now();
    await h.ctx.db.query(
      `insert into custom_roles (id, name, description, permissions, created_at, updated_at)
       values ($1, 'Exporter', '', $2::jsonb, $3, $3)`,
      [role, JSON.stringify(['notes:read-own', 'notes:write', 'notes:export']), at],
    );
    const exporter = await h.addUser([role], 'Exporter');
    const own = await createNote(exporter, { text: 'mine' });
    const text = await (await h.request('GET', '/api/notes/export', { as: exporter })).text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as NoteExportLine);
    expect(lines.flatMap((l) => (l.type === 'note' ? [l.note.id] : []))).toEqual([own]);
    expect(lines.at(-1)).toEqual({ type: 'end', count: 1 });
  });

  it('purges notes older than retention.noteDays, with one audit entry', async () => {
    const day = 24 * 3600 * 1000;
    const start = new Date('2032-01-01T00:00:00Z');
    h.setNow(start);
    const old = await createNote(alice, { text: 'old' });
    h.setNow(new Date(start.getTime() + 20 * day));
    const recent = await createNote(alice, { text: 'recent' });

    // 0 keeps everything.
    expect(await purgeExpiredNotes(h.ctx, new Date(start.getTime() + 400 * day))).toEqual({
      purged: 0,
      cutoff: null,
    });
    const settings = await json(await h.request('GET', '/api/settings', { as: admin }));
    const patched = await h.request('PATCH', '/api/settings/retention', {
      as: admin,
      body: { value: { noteDays: 30, callRecordDays: 0 }, version: settings.version },
    });
    expect(patched.status).toBe(200);

    const now = new Date(start.getTime() + 31 * day);
    h.setNow(now);
    const auditsBefore = (await listAudit(h.ctx.db, { action: 'records.notes-purged', limit: 10 })).length;
    // Every note made before `start` (the earlier tests) and the "old" one are past 30 days.
    const result = await purgeExpiredNotes(h.ctx, now);
    expect(result.purged).toBeGreaterThanOrEqual(2);
    const left = await h.ctx.db.query<{ id: string }>('select id from notes');
    expect(left.map((r) => r.id)).toEqual([recent]);
    expect(await h.ctx.db.query('select * from note_versions where note_id = $1', [old])).toEqual([]);
    const [entry] = await listAudit(h.ctx.db, { action: 'records.notes-purged', limit: 1 });
    expect(entry?.details).toMatchObject({ reason: 'retention', noteDays: 30, notes: result.purged });
    // A second run finds nothing and adds nothing to the chain.
    expect((await purgeExpiredNotes(h.ctx, now)).purged).toBe(0);
    expect((await listAudit(h.ctx.db, { action: 'records.notes-purged', limit: 10 })).length).toBe(
      auditsBefore + 1,
    );
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('runs the purge on a timer until stopped', async () => {
    const day = 24 * 3600 * 1000;
    h.setNow(new Date(Date.parse('2032-06-01T00:00:00Z')));
    const id = await createNote(bob, { text: 'timer' });
    h.setNow(new Date(Date.parse('2032-06-01T00:00:00Z') + 40 * day));
    const stop = startRetentionTimer(h.ctx, 20);
    try {
      for (let i = 0; i < 100; i++) {
        if (!(await h.ctx.db.query('select 1 from notes where id = $1', [id])).length) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await h.ctx.db.query('select 1 from notes where id = $1', [id])).toEqual([]);
    } finally {
      await stop();
    }
  });
});
