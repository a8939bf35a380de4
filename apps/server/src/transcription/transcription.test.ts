import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import {
  CryptoError,
  createAuthHeader,
  fromUtf8,
  openAsReader,
  PURPOSES,
  sealForReaders,
  utf8,
  wrapForNewReader,
} from '@llamenos/crypto';
import {
  DEFAULT_SETTINGS,
  ModelChunkAckSchema,
  ModelUploadResponse,
  type ModelUploadStatus,
  type TranscriptForReader,
  type TranscriptGrantWork,
  TranscriptListSchema,
  type TranscriptPayload,
  TranscriptResponse,
  transcriptRecordId,
} from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWhisperTestModel } from '../../../../scripts/make-whisper-test-model.mjs';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from '../../test/helpers.js';
import { scanDatabase, scanDirectory } from '../../test/leak-scan-helpers.js';
import { captureHubEvents } from '../../test/realtime-helpers.js';
import { appendAuditInTx, listAudit } from '../audit/service.js';
import { saveSettings } from '../settings/store.js';
import { modelDir } from './model-files.js';

/**
 * The transcription module against a real app (PGlite, or PostgreSQL with
 * LLAMENOS_TEST_DATABASE_URL): the model upload and its checks, the public model file, and
 * sealed transcripts with their readers. Models are the generated test model made narrow
 * (width 8: under 1 MB, two chunks), which changes no rule of the format.
 */

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const small = (options: Parameters<typeof makeWhisperTestModel>[0] = {}) =>
  makeWhisperTestModel({ state: 8, heads: 1, ...options });

let h: TestHotline;
let admin: TestUser;
let admin2: TestUser;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin'], 'Admin');
  admin2 = await h.addUser(['admin'], 'Second admin');
  alice = await h.addUser(['volunteer'], 'Alice');
  bob = await h.addUser(['volunteer'], 'Bob');
});
afterAll(() => h.close());

/** A signed request carrying raw bytes (a chunk), as the browser sends it. */
async function putBytes(path: string, as: TestUser, bytes: Uint8Array): Promise<Response> {
  return h.app.request(`${PUBLIC_URL}${path}`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/octet-stream',
      authorization: createAuthHeader(
        { url: `${PUBLIC_URL}${path}`, method: 'PUT', body: bytes },
        as.secretKey,
        Math.floor(h.ctx.now().getTime() / 1000),
      ),
    },
    // A copy: a Buffer's subarray shares (and would send) the whole underlying memory.
    body: Uint8Array.from(bytes).buffer,
  });
}

async function startUpload(file: Uint8Array, name = 'ggml-test.bin', sha256 = sha256Of(file), as = admin) {
  const res = await h.request('POST', '/api/transcription/model/uploads', {
    as,
    body: { name, size: file.length, sha256 },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ModelUploadResponse.parse(await res.json()).upload;
}

const chunkPath = (id: string, index: number) => `/api/transcription/model/uploads/${id}/chunks/${index}`;

/** Sends every chunk; returns the last answer. */
async function uploadAll(upload: ModelUploadStatus, file: Uint8Array, as = admin): Promise<Response> {
  let res: Response | undefined;
  for (let at = 0, index = 0; at < file.length; at += upload.chunkBytes, index++) {
    res = await putBytes(chunkPath(upload.id, index), as, file.subarray(at, at + upload.chunkBytes));
    if (at + upload.chunkBytes < file.length) expect(res.status, await res.clone().text()).toBe(200);
  }
  if (!res) throw new Error('empty file');
  return res;
}

const publicModel = async () =>
  (await (await h.request('GET', '/api/settings/public', { as: alice })).json()).transcription.model;

describe('the transcription model', () => {
  const model = small({ seed: 1 });
  const sha = sha256Of(model);

  it('is absent at first: the public settings name none and no address serves a file', async () => {
    expect(await publicModel()).toBeNull();
    expect((await h.request('GET', `/api/transcription/models/${sha}`)).status).toBe(404);
  });

  it('is uploaded by an admin in chunks and becomes the hotline model, named in the public settings', async () => {
    const upload = await startUpload(model, 'ggml-tiny-test.bin');
    expect(upload).toMatchObject({ received: 0, chunkBytes: 512 * 1024, size: model.length, sha256: sha });
    const chunks = Math.ceil(model.length / upload.chunkBytes);
    expect(chunks).toBeGreaterThan(1);
    const chunk = (index: number) =>
      model.subarray(index * upload.chunkBytes, (index + 1) * upload.chunkBytes);

    // Out of order, a wrong length, and a chunk past the end are refused; nothing is stored.
    expect((await putBytes(chunkPath(upload.id, 1), admin, chunk(1))).status).toBe(409);
    const short = await putBytes(chunkPath(upload.id, 0), admin, chunk(0).subarray(1));
    expect(short.status).toBe(400);
    expect((await short.json()).error.message).toMatch(/chunk 0 must be 524288 bytes/);
    expect((await putBytes(chunkPath(upload.id, chunks), admin, chunk(0))).status).toBe(400);
    // Another admin does not see this upload.
    expect(
      (await h.request('GET', `/api/transcription/model/uploads/${upload.id}`, { as: admin2 })).status,
    ).toBe(404);

    const ack = await putBytes(chunkPath(upload.id, 0), admin, chunk(0));
    expect(await ack.json()).toEqual({ received: upload.chunkBytes, complete: false, model: null });
    // A resent chunk is acknowledged again; the status says where to go on.
    expect(await (await putBytes(chunkPath(upload.id, 0), admin, chunk(0))).json()).toMatchObject({
      received: upload.chunkBytes,
    });
    const status = await h.request('GET', `/api/transcription/model/uploads/${upload.id}`, { as: admin });
    expect((await status.json()).upload.received).toBe(upload.chunkBytes);

    for (let index = 1; index < chunks - 1; index++)
      expect((await putBytes(chunkPath(upload.id, index), admin, chunk(index))).status).toBe(200);
    const last = await putBytes(chunkPath(upload.id, chunks - 1), admin, chunk(chunks - 1));
    expect(last.status, await last.clone().text()).toBe(200);
    // Every answer is what the web client checks it against.
    const done = ModelChunkAckSchema.parse(await last.json());
    expect(done).toMatchObject({ received: model.length, complete: true });
    expect(done.model).toMatchObject({ sha256: sha, name: 'ggml-tiny-test.bin', size: model.length });
    expect(await publicModel()).toEqual(done.model);
    // The finished upload is gone; the file sits under its SHA-256.
    expect(
      (await h.request('GET', `/api/transcription/model/uploads/${upload.id}`, { as: admin })).status,
    ).toBe(404);
    await access(path.join(modelDir(h.ctx), sha));

    const [entry] = await listAudit(h.ctx.db, { action: 'transcription.model-uploaded', limit: 1 });
    expect(entry).toMatchObject({ actorPubkey: admin.pubkey, target: `transcription-model:${sha}` });
    expect(entry?.details).toMatchObject({ sha256: sha, name: 'ggml-tiny-test.bin', size: model.length });
  });

  it('is served to anyone, immutable and cacheable for good, addressed by its SHA-256', async () => {
    const res = await h.app.request(`${PUBLIC_URL}/api/transcription/models/${sha}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('etag')).toBe(`"${sha}"`);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-length')).toBe(String(model.length));
    expect(sha256Of(new Uint8Array(await res.arrayBuffer()))).toBe(sha);

    const again = await h.app.request(`${PUBLIC_URL}/api/transcription/models/${sha}`, {
      headers: { 'if-none-match': `"${sha}"` },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(`"${sha}"`);
    // Any other address is a 404 (not an upper-case or short one either: those match no route).
    expect((await h.app.request(`${PUBLIC_URL}/api/transcription/models/${'0'.repeat(64)}`)).status).toBe(
      404,
    );
  });

  it('serves a single byte range (206), 416 past the end, and the whole file when If-Range is stale', async () => {
    const url = `${PUBLIC_URL}/api/transcription/models/${sha}`;
    const get = (headers: Record<string, string>) => h.app.request(url, { headers });
    const whole = await get({});
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    await whole.arrayBuffer();

    const part = await get({ range: 'bytes=100-1099' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${model.length}`);
    expect(part.headers.get('content-length')).toBe('1000');
    expect(part.headers.get('etag')).toBe(`"${sha}"`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(Uint8Array.from(model.subarray(100, 1100)));

    // A resumed download: the rest from where it broke, checked against the ETag.
    const rest = await get({ range: `bytes=${model.length - 10}-`, 'if-range': `"${sha}"` });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(
      `bytes ${model.length - 10}-${model.length - 1}/${model.length}`,
    );
    expect(new Uint8Array(await rest.arrayBuffer())).toEqual(
      Uint8Array.from(model.subarray(model.length - 10)),
    );

    const past = await get({ range: `bytes=${model.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${model.length}`);
    expect((await past.json()).error.message).toMatch(/has \d+ bytes; ask for a range within them/);

    // If-Range with another file's tag: the client's partial copy is of another file, so all of this one.
    const stale = await get({ range: 'bytes=0-9', 'if-range': `"${'0'.repeat(64)}"` });
    expect(stale.status).toBe(200);
    expect(stale.headers.get('content-range')).toBeNull();
    expect(sha256Of(new Uint8Array(await stale.arrayBuffer()))).toBe(sha);
  });

  it('refuses a truncated file: "the file ends early", and the upload is discarded', async () => {
    const truncated = small({ seed: 2, broken: 'truncated' });
    const upload = await startUpload(truncated);
    const res = await uploadAll(upload, truncated);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(
      /^the file ends early .*upload the whole model file; the upload was discarded$/,
    );
    expect(
      (await h.request('GET', `/api/transcription/model/uploads/${upload.id}`, { as: admin })).status,
    ).toBe(404);
    expect((await publicModel()).sha256).toBe(sha);
  });

  it('refuses a file of another format: "this is not a whisper.cpp ggml model"', async () => {
    const gguf = small({ seed: 2, broken: 'wrong-magic' });
    const res = await uploadAll(await startUpload(gguf), gguf);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(
      /^this is not a whisper.cpp ggml model: it is a GGUF file/,
    );
    const text = utf8('just some text, not a model at all');
    const other = await uploadAll(await startUpload(text, 'notes.txt'), text);
    expect(other.status).toBe(400);
    expect((await other.json()).error.message).toMatch(/^this is not a whisper.cpp ggml model/);
    expect((await publicModel()).sha256).toBe(sha);
  });

  it('refuses a file whose SHA-256 is not the one announced', async () => {
    const file = small({ seed: 3 });
    const res = await uploadAll(await startUpload(file, 'ggml-x.bin', 'a'.repeat(64)), file);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(
      new RegExp(`^the file's SHA-256 is ${sha256Of(file)}, not ${'a'.repeat(64)} as announced`),
    );
  });

  it('refuses a bad announcement: a path for a name, a size of 0, a SHA-256 in capitals', async () => {
    for (const body of [
      { name: '../ggml.bin', size: 10, sha256: sha },
      { name: 'ggml.bin', size: 0, sha256: sha },
      { name: 'ggml.bin', size: 10, sha256: sha.toUpperCase() },
    ]) {
      const res = await h.request('POST', '/api/transcription/model/uploads', { as: admin, body });
      expect(res.status).toBe(400);
    }
    expect(
      (
        await h.request('POST', '/api/transcription/model/uploads', {
          as: alice,
          body: { name: 'a', size: 1, sha256: sha },
        })
      ).status,
    ).toBe(403);
  });

  it('is replaced by a newer upload: the old file is deleted and its address answers 404', async () => {
    const english = small({ seed: 4, english: true });
    const res = await uploadAll(await startUpload(english, 'ggml-tiny.en-test.bin'), english);
    expect(res.status).toBe(200);
    const newSha = sha256Of(english);
    expect((await publicModel()).sha256).toBe(newSha);
    expect((await h.app.request(`${PUBLIC_URL}/api/transcription/models/${sha}`)).status).toBe(404);
    await expect(access(path.join(modelDir(h.ctx), sha))).rejects.toThrow();
    const [entry] = await listAudit(h.ctx.db, { action: 'transcription.model-uploaded', limit: 1 });
    expect(entry?.details).toMatchObject({ sha256: newSha, replaces: sha });
  });

  it('is removed by an admin: transcription becomes unavailable', async () => {
    const current = await publicModel();
    expect((await h.request('DELETE', '/api/transcription/model', { as: admin })).status).toBe(204);
    expect(await publicModel()).toBeNull();
    expect((await h.app.request(`${PUBLIC_URL}/api/transcription/models/${current.sha256}`)).status).toBe(
      404,
    );
    await expect(access(path.join(modelDir(h.ctx), current.sha256))).rejects.toThrow();
    const [entry] = await listAudit(h.ctx.db, { action: 'transcription.model-removed', limit: 1 });
    expect(entry).toMatchObject({
      actorPubkey: admin.pubkey,
      target: `transcription-model:${current.sha256}`,
    });
    expect((await h.request('DELETE', '/api/transcription/model', { as: admin })).status).toBe(404);
  });

  it('an upload abandoned for a week is removed, with its partial file, when the next one starts', async () => {
    const file = small({ seed: 6 });
    const old = await startUpload(file);
    expect((await putBytes(chunkPath(old.id, 0), admin, file.subarray(0, old.chunkBytes))).status).toBe(200);
    await access(path.join(modelDir(h.ctx), `.part-${old.id}`));
    h.setNow(new Date(Date.now() + 8 * 24 * 3600 * 1000));
    try {
      await startUpload(file);
      expect(
        (await h.request('GET', `/api/transcription/model/uploads/${old.id}`, { as: admin })).status,
      ).toBe(404);
      await expect(access(path.join(modelDir(h.ctx), `.part-${old.id}`))).rejects.toThrow();
    } finally {
      h.setNow(new Date());
    }
  });

  it('an unfinished upload can be cancelled by its uploader only', async () => {
    const file = small({ seed: 5 });
    const upload = await startUpload(file);
    expect(
      (await h.request('DELETE', `/api/transcription/model/uploads/${upload.id}`, { as: admin2 })).status,
    ).toBe(404);
    expect(
      (await h.request('DELETE', `/api/transcription/model/uploads/${upload.id}`, { as: admin })).status,
    ).toBe(204);
    expect((await putBytes(chunkPath(upload.id, 0), admin, file.subarray(0, upload.chunkBytes))).status).toBe(
      404,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('sealed transcripts', () => {
  const MARKER = `transcript-leak-marker-${randomUUID()}`;
  let voicemailCall: string;
  let browserCall: string;
  let phoneCall: string;

  const setTranscription = async (transcription: Partial<typeof DEFAULT_SETTINGS.transcription>) => {
    const [row] = await h.ctx.db.query<{ version: number }>(
      'select version from hotline_settings where id = 1',
    );
    const settings = {
      ...DEFAULT_SETTINGS,
      transcription: { ...DEFAULT_SETTINGS.transcription, ...transcription },
    };
    expect(
      await saveSettings(h.ctx.db, settings, Number(row?.version ?? 0), null, new Date()),
    ).not.toBeNull();
  };

  /** A call as the calls module stores it; `answeredBy` answered on a leg of `kind`. */
  async function insertCall(status: string, answeredBy?: TestUser, kind: 'browser' | 'phone' = 'browser') {
    const id = randomUUID();
    const now = new Date();
    const legId = answeredBy ? randomUUID() : null;
    await h.ctx.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, created_at, updated_at, ended_at)
       values ($1, 'simulator', $2, '+15550000000', $3, $4, $4, $4)`,
      [id, `CA${randomBytes(8).toString('hex')}`, status, now],
    );
    if (answeredBy && legId) {
      await h.ctx.db.query(
        `insert into call_legs (id, call_id, user_id, kind, status, ring_deadline, created_at)
         values ($1, $2, $3, $4, 'completed', $5, $5)`,
        [legId, id, answeredBy.id, kind, now],
      );
      await h.ctx.db.query(
        'update calls set answered_by = $2, answered_leg_id = $3, answered_at = $4 where id = $1',
        [id, answeredBy.id, legId, now],
      );
    }
    return id;
  }

  beforeAll(async () => {
    voicemailCall = await insertCall('voicemail');
    await h.ctx.db.query(
      `insert into voicemails (call_id, content_type, duration, created_at, blob_id, size, wraps)
       values ($1, 'audio/wav', 12, $2, $3, 1000, '[]'::jsonb)`,
      [voicemailCall, new Date(), randomBytes(16).toString('hex')],
    );
    browserCall = await insertCall('completed', alice, 'browser');
    phoneCall = await insertCall('completed', alice, 'phone');
    await setTranscription({ enabled: true, autoVoicemails: false, browserCalls: true });
  });

  const readersFor = async (user: TestUser): Promise<string[]> =>
    (await (await h.request('GET', '/api/records/readers', { as: user })).json()).readers;

  const payload = (source: TranscriptPayload['source'], text: string): TranscriptPayload => ({
    v: 1,
    source,
    language: 'en',
    model: 'f'.repeat(64),
    text,
    segments: [{ start: 0, end: 2.5, text }],
  });

  const seal = (id: string, p: TranscriptPayload, readers: string[]) =>
    sealForReaders(utf8(JSON.stringify(p)), readers, {
      purpose: PURPOSES.transcript,
      recordId: transcriptRecordId(id),
    });

  const open = (
    t: TranscriptForReader,
    user: TestUser,
    purpose: typeof PURPOSES.transcript | typeof PURPOSES.note = PURPOSES.transcript,
  ) =>
    JSON.parse(
      fromUtf8(
        openAsReader({ v: 1, ciphertext: t.ciphertext, wraps: t.wrap ? [t.wrap] : [] }, user.secretKey, {
          purpose,
          recordId: transcriptRecordId(t.id),
        }),
      ),
    ) as TranscriptPayload;

  const create = (callId: string, as: TestUser, body: object) =>
    h.request('POST', `/api/calls/${callId}/transcripts`, { as, body });
  const list = async (callId: string, as: TestUser) =>
    h.request('GET', `/api/calls/${callId}/transcripts`, { as });

  let adminTranscript: string;

  it('an admin transcribes a voicemail; another admin reads it; a volunteer cannot', async () => {
    adminTranscript = randomUUID();
    const body = {
      id: adminTranscript,
      source: 'voicemail',
      envelope: seal(adminTranscript, payload('voicemail', `caller said ${MARKER}`), await readersFor(admin)),
    };
    const res = await create(voicemailCall, admin, body);
    expect(res.status, await res.clone().text()).toBe(201);
    expect(TranscriptResponse.parse(await res.json()).transcript.wrap?.reader).toBe(admin.pubkey);
    // A retry of the same request answers like the first.
    expect((await create(voicemailCall, admin, body)).status).toBe(200);
    // The same id with other content is a clash.
    const other = {
      ...body,
      envelope: seal(adminTranscript, payload('voicemail', 'other'), await readersFor(admin)),
    };
    expect((await create(voicemailCall, admin, other)).status).toBe(409);

    const seen = await list(voicemailCall, admin2);
    expect(seen.status).toBe(200);
    const [t] = TranscriptListSchema.parse(await seen.json()).transcripts;
    expect(t).toMatchObject({
      id: adminTranscript,
      callId: voicemailCall,
      source: 'voicemail',
      authorPubkey: admin.pubkey,
    });
    expect(t?.wrap?.reader).toBe(admin2.pubkey);
    expect(t && open(t, admin2).text).toBe(`caller said ${MARKER}`);
    // Sealed under the transcript labels: the note labels do not open it (target.md lesson 9).
    expect(() => t && open(t, admin2, PURPOSES.note)).toThrow(CryptoError);

    expect((await list(voicemailCall, alice)).status).toBe(404);
    const [entry] = await listAudit(h.ctx.db, { action: 'transcription.created', limit: 1 });
    expect(entry).toMatchObject({ actorPubkey: admin.pubkey, target: `transcript:${adminTranscript}` });
    expect(entry?.details).toMatchObject({ callId: voicemailCall, source: 'voicemail', readers: 2 });
  });

  it('stores no transcript text in the clear: not in any column of any table, nor in the model store', async () => {
    expect((await h.ctx.db.query('select 1 from transcripts')).length).toBeGreaterThan(0);
    expect(await scanDatabase(h.ctx.db, [MARKER])).toEqual([]);
    expect((await scanDirectory(h.ctx.config.blobDir, [MARKER])).hits).toEqual([]);
  });

  it('refuses an envelope not sealed for every current admin, and a volunteer transcribing a voicemail', async () => {
    const id = randomUUID();
    const missing = await create(voicemailCall, admin, {
      id,
      source: 'voicemail',
      envelope: seal(id, payload('voicemail', 'x'), [admin.pubkey]),
    });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toMatch(
      /the transcript must be sealed for its author and every current admin/,
    );
    const byVolunteer = await create(browserCall, alice, {
      id,
      source: 'voicemail',
      envelope: seal(id, payload('voicemail', 'x'), await readersFor(alice)),
    });
    expect(byVolunteer.status).toBe(403);
  });

  it('the volunteer who answered in the browser transcribes the call; admins read it, other volunteers do not', async () => {
    const id = randomUUID();
    const res = await create(browserCall, alice, {
      id,
      source: 'call',
      envelope: seal(id, payload('call', 'hello from the call'), await readersFor(alice)),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const own = (await (await list(browserCall, alice)).json()).transcripts as TranscriptForReader[];
    expect(own.map((t) => t.id)).toEqual([id]);
    expect(own[0] && open(own[0], alice).text).toBe('hello from the call');
    const forAdmin = (await (await list(browserCall, admin)).json()).transcripts as TranscriptForReader[];
    expect(forAdmin[0] && open(forAdmin[0], admin).text).toBe('hello from the call');
    expect((await list(browserCall, bob)).status).toBe(404);
    const byBob = await create(browserCall, bob, {
      id: randomUUID(),
      source: 'call',
      envelope: seal(id, payload('call', 'x'), await readersFor(bob)),
    });
    expect(byBob.status).toBe(404);
  });

  it('tells members of a new transcript by a hub event naming only the call and transcript ids', async () => {
    const { list: events, stop } = await captureHubEvents(h.ctx);
    try {
      const id = randomUUID();
      const body = {
        id,
        source: 'call',
        envelope: seal(id, payload('call', MARKER), await readersFor(alice)),
      };
      expect((await create(browserCall, alice, body)).status).toBe(201);
      expect((await create(browserCall, alice, body)).status).toBe(200); // a retry announces nothing
      expect(events).toEqual([{ type: 'transcript:new', callId: browserCall, transcriptId: id }]);
    } finally {
      stop();
    }
  });

  it('refuses a call answered by phone, and any call once browser calls are turned off', async () => {
    const id = randomUUID();
    const body = { id, source: 'call', envelope: seal(id, payload('call', 'x'), await readersFor(alice)) };
    const phone = await create(phoneCall, alice, body);
    expect(phone.status).toBe(400);
    expect((await phone.json()).error.message).toMatch(/answered in the browser/);
    await setTranscription({ enabled: true, browserCalls: false });
    expect((await create(browserCall, alice, body)).status).toBe(403);
    await setTranscription({ enabled: false, browserCalls: true });
    const off = await create(voicemailCall, admin, {
      id,
      source: 'voicemail',
      envelope: seal(id, payload('voicemail', 'x'), await readersFor(admin)),
    });
    expect(off.status).toBe(403);
    expect((await off.json()).error.message).toMatch(/transcription is turned off/);
    await setTranscription({ enabled: true, browserCalls: true });
  });

  it('still knows who took a call in the browser once it ended and its metadata was sealed (the audit log)', async () => {
    /** A call as it stands after calls/call-meta.ts sealed it: nobody named in the calls or legs rows. */
    const sealedCall = async (user: TestUser, how: { via: 'browser' | 'phone' } | 'transferred') => {
      const id = await insertCall('completed', user, how === 'transferred' ? 'browser' : how.via);
      await h.ctx.db.transaction(async (tx) => {
        await appendAuditInTx(
          tx,
          how === 'transferred'
            ? {
                action: 'calls.transferred',
                target: `call:${id}`,
                details: { callId: id, from: 'x', to: user.id },
              }
            : {
                action: 'calls.answered',
                target: `call:${id}`,
                details: { callId: id, answeredBy: user.id, via: how.via },
              },
          new Date(),
        );
      });
      await h.ctx.db.query('update calls set answered_by = null, answered_leg_id = null where id = $1', [id]);
      await h.ctx.db.query('update call_legs set user_id = null where call_id = $1', [id]);
      return id;
    };
    const bodyFor = async (user: TestUser) => {
      const id = randomUUID();
      return {
        id,
        source: 'call',
        envelope: seal(id, payload('call', 'after the call'), await readersFor(user)),
      };
    };
    const inBrowser = await sealedCall(alice, { via: 'browser' });
    const body = await bodyFor(alice);
    expect((await create(inBrowser, alice, body)).status).toBe(201);
    const own = TranscriptListSchema.parse(await (await list(inBrowser, alice)).json()).transcripts;
    expect(own.map((t) => t.id)).toEqual([body.id]);
    // Someone else: the call is not theirs to see or transcribe.
    expect((await create(inBrowser, bob, await bodyFor(bob))).status).toBe(404);
    expect((await list(inBrowser, bob)).status).toBe(404);
    // Answered by phone: no browser audio to transcribe.
    const byPhone = await sealedCall(alice, { via: 'phone' });
    expect((await create(byPhone, alice, await bodyFor(alice))).status).toBe(400);
    // Handed to them in the browser by a transfer.
    const transferred = await sealedCall(bob, 'transferred');
    expect((await create(transferred, bob, await bodyFor(bob))).status).toBe(201);
  });

  it('refuses a call transcript from a volunteer who opted out in My settings, and bad input with a 400', async () => {
    const id = randomUUID();
    const body = { id, source: 'call', envelope: seal(id, payload('call', 'x'), await readersFor(alice)) };
    const optOut = await h.request('PATCH', '/api/me', { as: alice, body: { transcribeMyCalls: false } });
    expect(await optOut.json()).toMatchObject({ transcribeMyCalls: false });
    try {
      const refused = await create(browserCall, alice, body);
      expect(refused.status).toBe(403);
      expect((await refused.json()).error.message).toMatch(/opted out/);
    } finally {
      await h.request('PATCH', '/api/me', { as: alice, body: { transcribeMyCalls: true } });
    }
    for (const bad of [
      { ...body, source: 'phone' },
      { ...body, id: 'not-a-uuid' },
      { id, source: 'call' },
      { ...body, envelope: { ...body.envelope, wraps: [] } },
      { ...body, extra: 1 },
    ])
      expect((await create(browserCall, alice, bad)).status, JSON.stringify(Object.keys(bad))).toBe(400);
    expect(
      (await h.request('PATCH', '/api/me', { as: alice, body: { transcribeMyCalls: 'no' } })).status,
    ).toBe(400);
  });

  it("grants a new admin the transcripts made before, re-wrapped in an admin's browser", async () => {
    const admin3 = await h.addUser(['admin'], 'New admin');
    const before = TranscriptListSchema.parse(await (await list(voicemailCall, admin3)).json()).transcripts;
    expect(before.map((t) => [t.id, t.wrap])).toEqual([[adminTranscript, null]]);

    // A volunteer is no reader to grant to.
    expect(
      (await h.request('GET', `/api/transcripts/grant-work?reader=${alice.pubkey}`, { as: admin })).status,
    ).toBe(400);
    const work = await h.request('GET', `/api/transcripts/grant-work?reader=${admin3.pubkey}`, { as: admin });
    expect(work.status).toBe(200);
    const { items, next } = (await work.json()) as TranscriptGrantWork;
    expect(next).toBeNull();
    expect(items.map((i) => i.transcriptId)).toContain(adminTranscript);
    const wraps = items.map((item) => ({
      transcriptId: item.transcriptId,
      wrap: wrapForNewReader(
        { v: 1, ciphertext: '', wraps: [{ reader: admin.pubkey, wrap: item.wrap }] },
        admin.secretKey,
        admin3.pubkey,
        { purpose: PURPOSES.transcript, recordId: transcriptRecordId(item.transcriptId) },
      ).wrap,
    }));
    const granted = await h.request('POST', '/api/transcripts/grant', {
      as: admin,
      body: { reader: admin3.pubkey, wraps },
    });
    expect(await granted.json()).toEqual({ inserted: items.length, alreadyPresent: 0, skipped: 0 });
    // Repeating the batch changes nothing; the work is done.
    const again = await h.request('POST', '/api/transcripts/grant', {
      as: admin,
      body: { reader: admin3.pubkey, wraps },
    });
    expect(await again.json()).toEqual({ inserted: 0, alreadyPresent: items.length, skipped: 0 });
    expect(
      (
        (await (
          await h.request('GET', `/api/transcripts/grant-work?reader=${admin3.pubkey}`, { as: admin })
        ).json()) as TranscriptGrantWork
      ).items,
    ).toEqual([]);

    const [t] = TranscriptListSchema.parse(await (await list(voicemailCall, admin3)).json()).transcripts;
    expect(t && open(t, admin3).text).toBe(`caller said ${MARKER}`);
    const [entry] = await listAudit(h.ctx.db, { action: 'transcription.access-granted', limit: 1 });
    expect(entry).toMatchObject({ actorPubkey: admin.pubkey, target: `reader:${admin3.pubkey}` });
  });

  it('goes with its call: deleting the call record (retention) deletes its transcripts and wraps', async () => {
    await h.ctx.db.query('delete from calls where id = $1', [voicemailCall]);
    const left = await h.ctx.db.query('select 1 from transcripts where call_id = $1', [voicemailCall]);
    const wraps = await h.ctx.db.query('select 1 from transcript_wraps where transcript_id = $1', [
      adminTranscript,
    ]);
    expect([left.length, wraps.length]).toEqual([0, 0]);
  });
});
