import { randomUUID } from 'node:crypto';
import {
  CryptoError,
  fromBase64url,
  fromUtf8,
  openAsReader,
  PURPOSES,
  type SealedEnvelope,
  sealForReaders,
  toBase64url,
  utf8,
} from '@llamenos/crypto';
import { NOTE_CIPHERTEXT_MAX_BYTES, type NoteForReader, noteRecordId } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { scanDatabase } from '../../test/leak-scan-helpers.js';
import { listAudit, verifyAuditLog } from '../audit/service.js';

/** What the browser does: seal text + custom fields as one payload for the given readers. */
const seal = (noteId: string, version: number, payload: object, readers: string[]): SealedEnvelope =>
  sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.note,
    recordId: noteRecordId(noteId, version),
  });

/** What the browser does to read: open with the caller's own wrap, under the note's record id. */
const open = (note: NoteForReader, user: TestUser, recordId = noteRecordId(note.id, note.version)) =>
  JSON.parse(
    fromUtf8(
      openAsReader(
        { v: 1, ciphertext: note.ciphertext, wraps: note.wrap ? [note.wrap] : [] },
        user.secretKey,
        { purpose: PURPOSES.note, recordId },
      ),
    ),
  );

const decryptError = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof CryptoError ? error.code : String(error);
  }
  return undefined;
};

describe('call notes', () => {
  let h: TestHotline;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let reporter: TestUser;
  const MARKER = `leak-marker-${randomUUID()}`;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin'], 'Admin');
    alice = await h.addUser(['volunteer'], 'Alice');
    bob = await h.addUser(['volunteer'], 'Bob');
    reporter = await h.addUser(['reporter'], 'Reporter');
  });
  afterAll(() => h.close());

  const readersFor = async (user: TestUser): Promise<string[]> => {
    const res = await h.request('GET', '/api/records/readers', { as: user });
    expect(res.status).toBe(200);
    return (await res.json()).readers;
  };

  /** Creates a note as `user`, sealed for the readers the server names. */
  async function createNote(user: TestUser, payload: object, callId?: string) {
    const id = randomUUID();
    const envelope = seal(id, 1, payload, await readersFor(user));
    const res = await h.request('POST', '/api/notes', {
      as: user,
      body: { id, ...(callId ? { callId } : {}), envelope },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return { id, envelope, body: await res.json() };
  }

  const getNote = async (user: TestUser, id: string, query = '') => {
    const res = await h.request('GET', `/api/notes/${id}${query}`, { as: user });
    return { status: res.status, body: await res.json() };
  };

  const countRows = async (table: string) =>
    Number((await h.ctx.db.query<{ n: number }>(`select count(*) as n from ${table}`))[0]?.n);

  it('names the readers a new note must be sealed for: the caller and every admin', async () => {
    expect((await readersFor(alice)).sort()).toEqual([alice.pubkey, admin.pubkey].sort());
    expect(await readersFor(admin)).toEqual([admin.pubkey]);
  });

  it('stores a volunteer note that the admin and the author open, and audits it without content', async () => {
    const payload = { text: `Caller is safe tonight ${MARKER}`, fields: { risk: 'low', age: 34 } };
    const { id, body } = await createNote(alice, payload, 'call-123');
    expect(body.note).toMatchObject({ id, callId: 'call-123', authorPubkey: alice.pubkey, version: 1 });

    const asAdmin = await getNote(admin, id);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.note.wrap.reader).toBe(admin.pubkey);
    expect(open(asAdmin.body.note, admin)).toEqual(payload);
    const asAuthor = await getNote(alice, id);
    expect(asAuthor.body.note.wrap.reader).toBe(alice.pubkey);
    expect(open(asAuthor.body.note, alice)).toEqual(payload);

    const [entry] = await listAudit(h.ctx.db, { action: 'records.note-created', limit: 1 });
    expect(entry).toMatchObject({ actorPubkey: alice.pubkey, target: `note:${id}` });
    expect(entry?.details).toEqual({ version: 1, readers: 2, callId: 'call-123' });
  });

  it('answers a retried create like the first one, and refuses a taken id with 409', async () => {
    const id = randomUUID();
    const envelope = seal(id, 1, { text: 'retry' }, await readersFor(alice));
    const first = await h.request('POST', '/api/notes', { as: alice, body: { id, envelope } });
    expect(first.status).toBe(201);
    const again = await h.request('POST', '/api/notes', { as: alice, body: { id, envelope } });
    expect(again.status).toBe(200);
    const other = seal(id, 1, { text: 'other' }, await readersFor(bob));
    const taken = await h.request('POST', '/api/notes', { as: bob, body: { id, envelope: other } });
    expect(taken.status).toBe(409);
    expect(await countRows(`note_versions where note_id = '${id}'`)).toBe(1);
  });

  it("keeps volunteers out of each other's notes: not listed, and 404 like a missing note", async () => {
    const { id } = await createNote(alice, { text: 'alice only' });
    expect((await getNote(bob, id)).status).toBe(404);
    expect((await getNote(bob, randomUUID())).status).toBe(404);
    expect((await h.request('GET', `/api/notes/${id}/versions`, { as: bob })).status).toBe(404);
    const list = await (await h.request('GET', '/api/notes', { as: bob })).json();
    expect(list.notes.map((n: NoteForReader) => n.id)).not.toContain(id);
    const edit = await h.request('PUT', `/api/notes/${id}`, {
      as: bob,
      body: { expectedVersion: 1, envelope: seal(id, 2, { text: 'x' }, await readersFor(bob)) },
    });
    expect(edit.status).toBe(404);
    const other = await h.request('GET', `/api/notes?authorPubkey=${alice.pubkey}`, { as: bob });
    expect(other.status).toBe(403);
  });

  it('refuses a note missing an admin wrap with 400 naming the admin, and stores nothing', async () => {
    const id = randomUUID();
    const before = await countRows('notes');
    const envelope = seal(id, 1, { text: 'no admin' }, [alice.pubkey]);
    const res = await h.request('POST', '/api/notes', { as: alice, body: { id, envelope } });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.message).toContain(admin.pubkey);
    expect(body.error.details.missingReaders).toEqual([admin.pubkey]);
    expect(await countRows('notes')).toBe(before);
  });

  it('refuses a note sealed for someone who is not a reader (a removed admin on a stale client)', async () => {
    const id = randomUUID();
    const envelope = seal(id, 1, { text: 'too many' }, [...(await readersFor(alice)), bob.pubkey]);
    const res = await h.request('POST', '/api/notes', { as: alice, body: { id, envelope } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.details.unexpectedReaders).toEqual([bob.pubkey]);
  });

  it('edits by adding a version under a new key; v1 stays readable; a stale edit is 409', async () => {
    const { id, envelope: v1 } = await createNote(alice, { text: 'first' });
    const v2 = seal(id, 2, { text: 'second' }, await readersFor(alice));
    const res = await h.request('PUT', `/api/notes/${id}`, {
      as: alice,
      body: { expectedVersion: 1, envelope: v2 },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).note.version).toBe(2);

    const current = await getNote(admin, id);
    expect(current.body.note.version).toBe(2);
    expect(open(current.body.note, admin)).toEqual({ text: 'second' });
    const old = await getNote(admin, id, '?version=1');
    expect(old.body.note.version).toBe(1);
    expect(old.body.note.ciphertext).toBe(v1.ciphertext);
    expect(open(old.body.note, admin)).toEqual({ text: 'first' });
    // Each version has its own key: v1's wrap does not open v2.
    expect(decryptError(() => open({ ...current.body.note, wrap: old.body.note.wrap }, admin))).toBe(
      'DECRYPT_FAILED',
    );

    const versions = await (await h.request('GET', `/api/notes/${id}/versions`, { as: alice })).json();
    expect(versions.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await getNote(alice, id, '?version=3')).status).toBe(404);

    const stale = await h.request('PUT', `/api/notes/${id}`, {
      as: alice,
      body: { expectedVersion: 1, envelope: seal(id, 2, { text: 'lost' }, await readersFor(alice)) },
    });
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.details).toEqual({ currentVersion: 2 });

    const [entry] = await listAudit(h.ctx.db, { action: 'records.note-edited', limit: 1 });
    expect(entry).toMatchObject({ target: `note:${id}`, details: { version: 2, readers: 2 } });
  });

  it('lets only the author edit: an admin gets 403', async () => {
    const { id } = await createNote(alice, { text: 'mine' });
    const res = await h.request('PUT', `/api/notes/${id}`, {
      as: admin,
      body: { expectedVersion: 1, envelope: seal(id, 2, { text: 'x' }, await readersFor(alice)) },
    });
    expect(res.status).toBe(403);
  });

  it('cannot detect a tampered ciphertext, but the reader does (DECRYPT_FAILED)', async () => {
    const { id } = await createNote(alice, { text: 'intact' });
    const [row] = await h.ctx.db.query<{ ciphertext: string }>(
      'select ciphertext from note_versions where note_id = $1',
      [id],
    );
    const bytes = fromBase64url(row?.ciphertext ?? '');
    bytes[40] = (bytes[40] ?? 0) ^ 1;
    await h.ctx.db.query('update note_versions set ciphertext = $2 where note_id = $1', [
      id,
      toBase64url(bytes),
    ]);
    const { status, body } = await getNote(admin, id);
    expect(status).toBe(200);
    expect(decryptError(() => open(body.note, admin))).toBe('DECRYPT_FAILED');
  });

  it('binds each wrap to its note: a wrap moved to another note does not open', async () => {
    const a = await createNote(alice, { text: 'A' });
    const b = await createNote(alice, { text: 'B' });
    const noteA = (await getNote(admin, a.id)).body.note;
    const noteB = (await getNote(admin, b.id)).body.note;
    // B's wrap presented with A's ciphertext under A's record id, and as-is under B's id with A's ciphertext.
    expect(decryptError(() => open({ ...noteA, wrap: noteB.wrap }, admin))).toBe('DECRYPT_FAILED');
    expect(decryptError(() => open({ ...noteB, ciphertext: noteA.ciphertext }, admin))).toBe(
      'DECRYPT_FAILED',
    );
    // The same wrap copied into A's rows in the database.
    await h.ctx.db.query('update note_wraps set wrap = $3 where note_id = $1 and reader_pubkey = $2', [
      a.id,
      admin.pubkey,
      noteB.wrap.wrap,
    ]);
    expect(open(noteA, admin)).toEqual({ text: 'A' });
    const moved = (await getNote(admin, a.id)).body.note;
    expect(decryptError(() => open(moved, admin))).toBe('DECRYPT_FAILED');
  });

  it('lists with filters (date, volunteer, call) and pages with a cursor', async () => {
    const base = new Date('2031-03-01T10:00:00Z').getTime();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      h.setNow(new Date(base + i * 3600_000));
      made.push((await createNote(i % 2 ? bob : alice, { text: `n${i}` }, `filter-call-${i % 2}`)).id);
    }
    h.setNow(new Date(base + 10 * 3600_000));
    const from = new Date(base).toISOString();
    const to = new Date(base + 5 * 3600_000).toISOString();
    const list = async (user: TestUser, query: string) => {
      const res = await h.request('GET', `/api/notes?from=${from}&to=${to}${query}`, { as: user });
      expect(res.status, await res.clone().text()).toBe(200);
      return res.json();
    };
    const all = await list(admin, '&limit=200');
    expect(all.notes.map((n: NoteForReader) => n.id)).toEqual([...made].reverse());
    expect(all.notes.every((n: NoteForReader) => n.wrap?.reader === admin.pubkey)).toBe(true);
    const bobs = await list(admin, `&authorPubkey=${bob.pubkey}`);
    expect(bobs.notes.map((n: NoteForReader) => n.id)).toEqual([made[3], made[1]]);
    const call0 = await list(admin, '&callId=filter-call-0');
    expect(call0.notes).toHaveLength(3);
    const own = await list(alice, '');
    expect(own.notes.map((n: NoteForReader) => n.id)).toEqual([made[4], made[2], made[0]]);

    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const res = await list(admin, `&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...res.notes.map((n: NoteForReader) => n.id));
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    expect(seen).toEqual([...made].reverse());
    h.setNow(new Date());
  });

  it('lets an admin delete a note: content purged, tombstone kept, audited; others cannot', async () => {
    const { id } = await createNote(alice, { text: 'to delete' });
    expect((await h.request('DELETE', `/api/notes/${id}`, { as: alice })).status).toBe(403);
    const res = await h.request('DELETE', `/api/notes/${id}`, { as: admin });
    expect(res.status).toBe(204);
    expect(await countRows(`note_versions where note_id = '${id}'`)).toBe(0);
    expect(await countRows(`note_wraps where note_id = '${id}'`)).toBe(0);
    expect(await countRows(`notes where id = '${id}' and deleted_at is not null`)).toBe(1);
    expect((await getNote(admin, id)).status).toBe(410);
    expect((await getNote(bob, id)).status).toBe(404);
    const list = await (await h.request('GET', '/api/notes?limit=200', { as: admin })).json();
    expect(list.notes.map((n: NoteForReader) => n.id)).not.toContain(id);
    // The id stays taken.
    const reuse = await h.request('POST', '/api/notes', {
      as: alice,
      body: { id, envelope: seal(id, 1, { text: 'again' }, await readersFor(alice)) },
    });
    expect(reuse.status).toBe(409);
    const [entry] = await listAudit(h.ctx.db, { action: 'records.note-deleted', limit: 1 });
    expect(entry).toMatchObject({ actorPubkey: admin.pubkey, target: `note:${id}` });
  });

  describe('bad input is a 400 in the one error shape, and nothing is stored', () => {
    async function expectRefused(body: unknown, pathPart: string) {
      const before = [
        await countRows('notes'),
        await countRows('note_versions'),
        await countRows('note_wraps'),
      ];
      const res = await h.request('POST', '/api/notes', { as: alice, body });
      expect(res.status, await res.clone().text()).toBe(400);
      const json = await res.json();
      expect(json.error.code).toBe('validation_failed');
      expect(JSON.stringify(json.error.details)).toContain(pathPart);
      expect([
        await countRows('notes'),
        await countRows('note_versions'),
        await countRows('note_wraps'),
      ]).toEqual(before);
    }
    let id: string;
    let good: SealedEnvelope;
    beforeAll(async () => {
      id = randomUUID();
      good = seal(id, 1, { text: 'good' }, await readersFor(alice));
    });
    const wrapAt = (i: number, wrap: string) => ({
      ...good,
      wraps: good.wraps.map((w, j) => (j === i ? { ...w, wrap } : w)),
    });

    it('wrong envelope version', () => expectRefused({ id, envelope: { ...good, v: 2 } }, 'envelope.v'));
    it('unknown field', () => expectRefused({ id, envelope: { ...good, extra: 1 } }, 'envelope'));
    it('upper-case note id', () => expectRefused({ id: id.toUpperCase(), envelope: good }, 'id'));
    it('no wraps', () => expectRefused({ id, envelope: { ...good, wraps: [] } }, 'envelope.wraps'));
    it('padded base64url ciphertext', () =>
      expectRefused({ id, envelope: { ...good, ciphertext: `${good.ciphertext}=` } }, 'envelope.ciphertext'));
    it('standard-alphabet ciphertext', () =>
      expectRefused(
        { id, envelope: { ...good, ciphertext: `+${good.ciphertext.slice(1)}` } },
        'envelope.ciphertext',
      ));
    it('non-zero unused bits in a wrap', () => {
      // 106 bytes is 142 characters; the last one carries 4 unused bits.
      const last = good.wraps[0]?.wrap ?? '';
      const flipped = last.slice(0, -1) + (last.endsWith('B') ? 'C' : 'B');
      return expectRefused({ id, envelope: wrapAt(0, flipped) }, 'envelope.wraps.0.wrap');
    });
    it('short wrap', () =>
      expectRefused(
        { id, envelope: wrapAt(0, toBase64url(fromBase64url(good.wraps[0]?.wrap ?? '').slice(0, 100))) },
        'envelope.wraps.0.wrap',
      ));
    it('wrap with version byte 2', () => {
      const bytes = fromBase64url(good.wraps[0]?.wrap ?? '');
      bytes[0] = 2;
      return expectRefused({ id, envelope: wrapAt(0, toBase64url(bytes)) }, 'envelope.wraps.0.wrap');
    });
    it('ciphertext with version byte 2', () => {
      const bytes = fromBase64url(good.ciphertext);
      bytes[0] = 2;
      return expectRefused(
        { id, envelope: { ...good, ciphertext: toBase64url(bytes) } },
        'envelope.ciphertext',
      );
    });
    it('reader that is not a curve point', () =>
      expectRefused(
        {
          id,
          envelope: {
            ...good,
            wraps: [...good.wraps, { reader: 'f'.repeat(64), wrap: good.wraps[0]?.wrap }],
          },
        },
        'envelope.wraps.2.reader',
      ));
    it('upper-case reader', () =>
      expectRefused(
        {
          id,
          envelope: { ...good, wraps: good.wraps.map((w) => ({ ...w, reader: w.reader.toUpperCase() })) },
        },
        'envelope.wraps.0.reader',
      ));
    it('duplicate reader', () =>
      expectRefused(
        { id, envelope: { ...good, wraps: [...good.wraps, good.wraps[0]] } },
        'envelope.wraps.2.reader',
      ));
    it('oversized ciphertext', () => {
      const big = new Uint8Array(NOTE_CIPHERTEXT_MAX_BYTES + 1);
      big[0] = 1;
      return expectRefused(
        { id, envelope: { ...good, ciphertext: toBase64url(big) } },
        'envelope.ciphertext',
      );
    });
    it('malformed JSON and a bad expectedVersion on edit', async () => {
      const res = await h.request('POST', '/api/notes', { as: alice, body: '{"id":' });
      expect(res.status).toBe(400);
      const edit = await h.request('PUT', `/api/notes/${randomUUID()}`, {
        as: alice,
        body: { expectedVersion: 0, envelope: good },
      });
      expect(edit.status).toBe(400);
    });
  });

  it('guards each route by role', async () => {
    const id = (await createNote(alice, { text: 'guards' })).id;
    const cases: [TestUser | undefined, string, string, number][] = [
      [undefined, 'GET', '/api/notes', 401],
      [reporter, 'GET', '/api/notes', 403],
      [reporter, 'GET', `/api/notes/${id}`, 403],
      [reporter, 'POST', '/api/notes', 403],
      [reporter, 'GET', '/api/records/readers', 200],
      [bob, 'DELETE', `/api/notes/${id}`, 403],
      [bob, 'GET', '/api/notes/export', 403],
      [bob, 'GET', `/api/notes/grant-status?reader=${admin.pubkey}`, 403],
      [bob, 'GET', `/api/notes/grant-work?reader=${admin.pubkey}`, 403],
      [bob, 'POST', '/api/notes/grant', 403],
      [admin, 'GET', `/api/notes/${id}`, 200],
      [alice, 'GET', `/api/notes/${id}`, 200],
    ];
    for (const [as, method, path, status] of cases) {
      const res = await h.request(method, path, {
        ...(as ? { as } : {}),
        ...(method === 'POST' ? { body: {} } : {}),
      });
      expect(res.status, `${method} ${path} as ${as?.roles.join(',') ?? 'anonymous'}`).toBe(status);
    }
  });

  it('never stores the plaintext: no table or column of the database holds the marker', async () => {
    expect(await scanDatabase(h.ctx.db, [MARKER])).toEqual([]);
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });
});
