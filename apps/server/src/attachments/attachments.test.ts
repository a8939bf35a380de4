import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import {
  concat,
  createAuthHeader,
  decryptHubEvent,
  decryptStream,
  deriveEventKey,
  encryptStream,
  fromBase64url,
  generateSecretKey,
  getPublicKey,
  type NostrEvent,
  PURPOSES,
  STREAM_HEADER_LENGTH,
  toBase64url,
  unwrapKey,
  wrapKey,
} from '@llamenos/crypto';
import {
  attachmentRecordId,
  type ChunkAck,
  paddedLength,
  streamChunkCount,
  UPLOAD_CHUNK_LOG2_MAX,
} from '@llamenos/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, PUBLIC_URL, removeTestBlobDir, testConfig } from '../../test/helpers.js';
import { BlobStore, type FileHandle } from '../blobs/store.js';
import type { Config } from '../config.js';
import { createContext } from '../context.js';
import type { Database } from '../db/database.js';
import { createApp } from '../http/app.js';
import type { ServerContext } from '../http/context.js';
import { createLogger } from '../logging.js';
import { currentHubKey } from '../realtime/hub-keys.js';
import { listAttachmentViews, removeStaleUploads, removingAttachments } from './service.js';

/**
 * Chunked, resumable attachment uploads (docs/PROTOCOL.md §10.2) against a real app: streams
 * sealed with the crypto package's STREAM construction, sent chunk by chunk, downloaded and
 * opened again. Small chunks (2^16) keep every case fast.
 */

const LOG2 = 16;
const SEALED = 2 ** LOG2 + 16;

interface User {
  id: string;
  pubkey: string;
  secretKey: Uint8Array;
}

/** A disk that fills up half way through a chunk while `full` is set. */
class FillingBlobStore extends BlobStore {
  full = false;
  protected override async writeAt(handle: FileHandle, bytes: Uint8Array, position: number) {
    if (!this.full) return super.writeAt(handle, bytes, position);
    await super.writeAt(handle, bytes.subarray(0, bytes.length >> 1), position);
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
}

/** A hotline process on `db` and `config.blobDir`; opening a second one on the same pair is a restart. */
async function openHotline(db: Database, config: Config, blobs?: BlobStore) {
  let now: Date | null = null;
  const ctx: ServerContext = await createContext(config, createLogger('silent'), {
    db,
    now: () => now ?? new Date(),
    ...(blobs ? { blobs } : {}),
  });
  const app = createApp(ctx);
  return {
    ctx,
    setNow(date: Date | null) {
      now = date;
    },
    /** A signed request; `bytes` go as application/octet-stream, `signed` is what the signature covers (default: the body). */
    async request(
      method: string,
      path: string,
      as: User,
      options: { json?: unknown; bytes?: Uint8Array; signed?: Uint8Array } = {},
    ): Promise<Response> {
      const body =
        options.bytes ??
        (options.json === undefined ? undefined : new TextEncoder().encode(JSON.stringify(options.json)));
      const headers: Record<string, string> = {};
      if (options.bytes) headers['content-type'] = 'application/octet-stream';
      else if (options.json !== undefined) headers['content-type'] = 'application/json';
      headers.authorization = createAuthHeader(
        { url: `${PUBLIC_URL}${path}`, method, body: options.signed ?? body ?? '' },
        as.secretKey,
        Math.floor(ctx.now().getTime() / 1000),
      );
      return app.request(`${PUBLIC_URL}${path}`, {
        method,
        headers,
        ...(body ? { body: body.slice().buffer } : {}),
      });
    },
  };
}
type Hotline = Awaited<ReturnType<typeof openHotline>>;

/** A file sealed as the browser seals it: padded (§10.2), then the STREAM construction in 2^16 chunks. */
async function sealFile(attachmentId: string, size: number, log2 = LOG2) {
  const sealed = 2 ** log2 + 16;
  const plaintext = new Uint8Array(paddedLength(size));
  plaintext.set(randomBytes(size));
  const key = randomBytes(32);
  const ctx = { label: PURPOSES.attachment.content, recordId: attachmentRecordId(attachmentId) };
  const parts: Uint8Array[] = [];
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      // Uneven pieces, as a file reader hands them over.
      for (let at = 0; at < plaintext.length; at += 50_000)
        controller.enqueue(plaintext.slice(at, at + 50_000));
      controller.close();
    },
  });
  const reader = source.pipeThrough(encryptStream(key, ctx, log2)).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const stream = concat(...parts);
  const header = stream.subarray(0, STREAM_HEADER_LENGTH);
  const chunks: Uint8Array[] = [];
  for (let at = STREAM_HEADER_LENGTH; at < stream.length; at += sealed)
    chunks.push(stream.slice(at, at + sealed));
  expect(chunks.length).toBe(streamChunkCount(plaintext.length, log2));
  return { id: attachmentId, key, ctx, plaintext, stream, header: toBase64url(header), chunks };
}
type SealedFile = Awaited<ReturnType<typeof sealFile>>;

async function openStream(bytes: Uint8Array, key: Uint8Array, ctx: { label: string; recordId: string }) {
  const out: Uint8Array[] = [];
  const reader = new Blob([bytes.slice().buffer]).stream().pipeThrough(decryptStream(key, ctx)).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.push(value);
  }
  return concat(...out);
}

const wrapFor = (file: Pick<SealedFile, 'key' | 'id'>, readers: User[]) =>
  readers.map((r) => ({
    reader: r.pubkey,
    wrap: toBase64url(
      wrapKey(file.key, r.pubkey, { label: PURPOSES.attachment.wrap, recordId: attachmentRecordId(file.id) }),
    ),
  }));

const partialFiles = async (dir: string) =>
  (await readdir(dir).catch(() => [])).filter((n) => n.startsWith('.part-'));

describe('chunked attachment uploads', () => {
  let db: Database;
  let drop: () => Promise<void>;
  let config: Config;
  let blobs: FillingBlobStore;
  let h: Hotline;
  let admin: User;
  let reporter: User;
  let otherReporter: User;
  let volunteer: User;
  /** A member whose role grants nothing of reports (an auditor). */
  let auditor: User;

  async function addUser(roles: string[]): Promise<User> {
    const secretKey = generateSecretKey();
    const user = { id: randomUUID(), pubkey: getPublicKey(secretKey), secretKey };
    const at = new Date();
    await db.query(
      'insert into users (id, pubkey, display_name, roles, created_at, updated_at) values ($1, $2, $3, $4::jsonb, $5, $5)',
      [user.id, user.pubkey, `Test ${roles.join(',')}`, JSON.stringify(roles), at],
    );
    return user;
  }

  /** A report row as the reports module files it (its ciphertext is not this module's business). */
  async function addReport(author: User): Promise<string> {
    const id = randomUUID();
    const at = new Date();
    await db.query(
      `insert into reports (id, type_id, author_id, author_pubkey, ciphertext, created_at, updated_at)
       values ($1, null, $2, $3, 'sealed', $4, $4)`,
      [id, author.id, author.pubkey, at],
    );
    return id;
  }

  const open = (reportId: string, file: SealedFile, as = reporter, readers = [reporter, admin]) =>
    h.request('POST', `/api/reports/${reportId}/attachments`, as, {
      json: {
        id: file.id,
        header: file.header,
        chunkCount: file.chunks.length,
        wraps: wrapFor(file, readers),
      },
    });
  const put = (file: SealedFile, index: number, bytes = file.chunks[index] as Uint8Array, as = reporter) =>
    h.request('PUT', `/api/attachments/${file.id}/chunks/${index}`, as, { bytes });
  async function upload(file: SealedFile, from = 0, to = file.chunks.length) {
    for (let i = from; i < to; i++) {
      const res = await put(file, i);
      expect(res.status, await res.clone().text()).toBe(200);
    }
  }
  const status = async (file: SealedFile, as = reporter) => {
    const res = await h.request('GET', `/api/attachments/${file.id}/upload`, as);
    expect(res.status).toBe(200);
    return (await res.json()) as {
      attachment: { state: string; received: number };
      lastChunkSha256: string | null;
    };
  };
  async function setLimits(maxFileBytes: number, maxReportBytes: number) {
    const current = (await (await h.request('GET', '/api/settings', admin)).json()) as {
      settings: { reports: object };
      version: number;
    };
    const res = await h.request('PATCH', '/api/settings/reports', admin, {
      json: {
        value: { ...current.settings.reports, maxFileBytes, maxReportBytes },
        version: current.version,
      },
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }

  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase());
    config = testConfig();
    blobs = new FillingBlobStore(config.blobDir);
    h = await openHotline(db, config, blobs);
    admin = await addUser(['admin']);
    reporter = await addUser(['reporter']);
    otherReporter = await addUser(['reporter']);
    volunteer = await addUser(['volunteer']);
    const auditorRole = randomUUID();
    await db.query(
      `insert into custom_roles (id, name, description, permissions, created_at, updated_at)
       values ($1, 'Auditor', 'reads the audit log', $2::jsonb, now(), now())`,
      [auditorRole, JSON.stringify(['audit:read'])],
    );
    auditor = await addUser([auditorRole]);
  });
  afterEach(() => {
    blobs.full = false;
    h.setNow(null);
  });
  afterAll(async () => {
    await db.close();
    await drop();
    await removeTestBlobDir(config);
  });

  it('takes 4 MiB chunks above the general body limit on the chunk route only', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 4 * 1024 ** 2 + 100_000, UPLOAD_CHUNK_LOG2_MAX);
    expect(file.chunks[0]!.length).toBeGreaterThan(config.BODY_LIMIT_BYTES);
    expect((await open(reportId, file)).status).toBe(201);
    await upload(file);
    const done = await h.request('GET', `/api/attachments/${file.id}/upload`, reporter);
    expect((await done.json()).attachment.state).toBe('complete');
    // Any other route keeps the general limit.
    const big = await h.request('POST', `/api/reports/${reportId}/attachments`, reporter, {
      json: { padding: 'x'.repeat(config.BODY_LIMIT_BYTES) },
    });
    expect(big.status).toBe(413);
  });

  it('uploads a sealed stream chunk by chunk; author and admin download it and open it', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 200_000);
    expect(file.chunks.length).toBe(4);

    const created = await open(reportId, file);
    expect(created.status).toBe(201);
    const { attachment } = (await created.json()) as { attachment: Record<string, unknown> };
    expect(attachment).toMatchObject({
      id: file.id,
      reportId,
      state: 'uploading',
      chunkLog2: LOG2,
      chunkCount: 4,
      received: 0,
      sizeBucket: 4 * 2 ** LOG2,
      wrap: { reader: reporter.pubkey },
    });

    // Hub events, as the real-time service would deliver them.
    const published: NostrEvent[] = [];
    h.ctx.realtime = {
      publish: async (event: NostrEvent) => {
        published.push(event);
      },
    } as unknown as ServerContext['realtime'];
    const acks: ChunkAck[] = [];
    for (let i = 0; i < 4; i++) {
      // While uploading, only a partial file exists, and the download route does not serve it.
      if (i === 2) {
        expect(await partialFiles(config.blobDir)).toHaveLength(1);
        expect((await h.request('GET', `/api/attachments/${file.id}/content`, reporter)).status).toBe(404);
      }
      const res = await put(file, i);
      expect(res.status).toBe(200);
      acks.push((await res.json()) as ChunkAck);
    }
    expect(acks).toEqual([
      { received: 1, complete: false },
      { received: 2, complete: false },
      { received: 3, complete: false },
      { received: 4, complete: true },
    ]);
    expect(await partialFiles(config.blobDir)).toEqual([]);
    h.ctx.realtime = null;
    const eventKey = deriveEventKey((await currentHubKey(h.ctx)).key);
    expect(published.map((e) => JSON.parse(decryptHubEvent(eventKey, e.content)))).toEqual([
      { type: 'report:updated', reportId },
    ]);

    const download = await h.request('GET', `/api/attachments/${file.id}/content`, reporter);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(Number(download.headers.get('content-length'))).toBe(file.stream.length);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(bytes).toEqual(file.stream);
    expect(await openStream(bytes, file.key, file.ctx)).toEqual(file.plaintext);

    // The admin opens the file key from their own wrap, as listed with the report.
    const [view] = await listAttachmentViews(db, reportId, admin.pubkey);
    expect(view).toMatchObject({
      id: file.id,
      state: 'complete',
      received: 4,
      wrap: { reader: admin.pubkey },
    });
    const key = unwrapKey(fromBase64url(view?.wrap?.wrap ?? ''), admin.secretKey, {
      label: PURPOSES.attachment.wrap,
      recordId: attachmentRecordId(file.id),
    });
    const asAdmin = await h.request('GET', `/api/attachments/${file.id}/content`, admin);
    expect(await openStream(new Uint8Array(await asAdmin.arrayBuffer()), key, file.ctx)).toEqual(
      file.plaintext,
    );

    const audit = await db.query<{ action: string; target: string }>(
      `select action, target from audit_log where action like 'reports.attachment-%' and target = $1 order by seq`,
      [`report:${reportId}`],
    );
    expect(audit.map((a) => a.action)).toEqual([
      'reports.attachment-added',
      'reports.attachment-downloaded',
      'reports.attachment-downloaded',
    ]);
  });

  it('refuses chunks out of order, repeated, truncated or too long, and the upload goes on', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 300_000);
    expect((await open(reportId, file)).status).toBe(201);
    await upload(file, 0, 2);

    const ahead = await put(file, 3);
    expect(ahead.status).toBe(409);
    expect(await ahead.json()).toMatchObject({
      error: { code: 'conflict', message: 'chunk out of order; continue from 2', details: { received: 2 } },
    });

    // The last acknowledged chunk again (its answer was lost): the same acknowledgement, nothing appended.
    const again = await put(file, 1);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: 2, complete: false });
    // An older one, or different bytes for the last one, cannot be recognised.
    expect((await put(file, 0)).status).toBe(409);
    expect((await put(file, 1, file.chunks[0])).status).toBe(409);

    const short = await put(file, 2, (file.chunks[2] as Uint8Array).subarray(0, SEALED - 1));
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { message: string } }).error.message).toMatch(
      /must be exactly 65552 bytes/,
    );
    const long = await put(file, 2, concat(file.chunks[2] as Uint8Array, new Uint8Array(1)));
    expect(long.status).toBe(400);
    const lastIndex = file.chunks.length - 1;
    expect((await put(file, lastIndex + 1, new Uint8Array(16))).status).toBe(400);
    expect((await status(file)).attachment.received).toBe(2);

    await upload(file, 2);
    expect((await status(file)).attachment).toMatchObject({
      state: 'complete',
      received: file.chunks.length,
    });
    // A repeated final chunk is acknowledged as complete; a chunk past the end is refused.
    expect(await (await put(file, lastIndex)).json()).toEqual({
      received: file.chunks.length,
      complete: true,
    });
    const download = await h.request('GET', `/api/attachments/${file.id}/content`, reporter);
    expect(await openStream(new Uint8Array(await download.arrayBuffer()), file.key, file.ctx)).toEqual(
      file.plaintext,
    );
  });

  it('takes the same chunk sent twice at once exactly once', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 200_000);
    expect((await open(reportId, file)).status).toBe(201);
    for (let i = 0; i < file.chunks.length; i++) {
      const answers = await Promise.all([put(file, i), put(file, i)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      expect(await Promise.all(answers.map((r) => r.json()))).toEqual([
        { received: i + 1, complete: i === file.chunks.length - 1 },
        { received: i + 1, complete: i === file.chunks.length - 1 },
      ]);
    }
    const download = await h.request('GET', `/api/attachments/${file.id}/content`, reporter);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(file.stream);
  });

  it('keeps the hash of chunk 0 declared at the opening: another chunk 0 is refused, and a resume with nothing acknowledged gets it to compare', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 150_000);
    const other = await sealFile(randomUUID(), 150_000);
    const declared = createHash('sha256')
      .update(file.chunks[0] as Uint8Array)
      .digest('hex');
    const body = {
      id: file.id,
      header: file.header,
      chunkCount: file.chunks.length,
      wraps: wrapFor(file, [reporter, admin]),
    };
    const openWith = (extra: object) =>
      h.request('POST', `/api/reports/${reportId}/attachments`, reporter, { json: { ...body, ...extra } });
    expect((await openWith({ firstChunkSha256: declared.toUpperCase() })).status).toBe(400);
    expect((await openWith({ firstChunkSha256: declared })).status).toBe(201);
    // A retry must declare the same chunk 0; another declaration is another upload.
    expect((await openWith({ firstChunkSha256: declared })).status).toBe(200);
    expect((await openWith({ firstChunkSha256: 'ab'.repeat(32) })).status).toBe(409);
    expect((await openWith({})).status).toBe(409);
    const before = (await status(file)) as Awaited<ReturnType<typeof status>> & { firstChunkSha256: string };
    expect(before).toMatchObject({
      attachment: { received: 0 },
      lastChunkSha256: null,
      firstChunkSha256: declared,
    });
    // Chunk 0 of another file (the right length) is never stored under this declaration.
    const refused = await put(file, 0, other.chunks[0] as Uint8Array);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { details: { received: 0 } } });
    expect((await status(file)).attachment.received).toBe(0);
    await upload(file);
    const download = await h.request('GET', `/api/attachments/${file.id}/content`, reporter);
    expect(await openStream(new Uint8Array(await download.arrayBuffer()), file.key, file.ctx)).toEqual(
      file.plaintext,
    );
    // An upload opened without a declaration (another client) takes any chunk 0 and reports none.
    expect((await open(reportId, other)).status).toBe(201);
    expect(await status(other)).toMatchObject({ firstChunkSha256: null });
    await upload(other);
  });

  it('refuses a tampered chunk at the signature (401) and resumes from the same index', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 150_000);
    expect((await open(reportId, file)).status).toBe(201);
    await upload(file, 0, 1);
    const genuine = file.chunks[1] as Uint8Array;
    const tampered = genuine.slice();
    tampered[100] = (tampered[100] as number) ^ 1;
    const res = await h.request('PUT', `/api/attachments/${file.id}/chunks/1`, reporter, {
      bytes: tampered,
      signed: genuine,
    });
    expect(res.status).toBe(401);
    expect((await status(file)).attachment.received).toBe(1);
    await upload(file, 1);
    const download = await h.request('GET', `/api/attachments/${file.id}/content`, reporter);
    expect(await openStream(new Uint8Array(await download.arrayBuffer()), file.key, file.ctx)).toEqual(
      file.plaintext,
    );
  });

  it('checks the header, the readers and the limits when an upload opens, with the limit in the message', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 100_000);
    const body = {
      id: file.id,
      header: file.header,
      chunkCount: file.chunks.length,
      wraps: wrapFor(file, [reporter, admin]),
    };
    const post = (json: unknown) =>
      h.request('POST', `/api/reports/${reportId}/attachments`, reporter, { json });

    const header = fromBase64url(file.header);
    const bigChunks = header.slice();
    bigChunks[1] = UPLOAD_CHUNK_LOG2_MAX + 1;
    expect((await post({ ...body, header: toBase64url(bigChunks) })).status).toBe(400);
    const version2 = header.slice();
    version2[0] = 2;
    expect((await post({ ...body, header: toBase64url(version2) })).status).toBe(400);
    const missingAdmin = await post({ ...body, wraps: wrapFor(file, [reporter]) });
    expect(missingAdmin.status).toBe(400);
    expect(await missingAdmin.json()).toMatchObject({
      error: { details: { missingReaders: [admin.pubkey] } },
    });
    expect((await post({ ...body, wraps: wrapFor(file, [reporter, admin, otherReporter]) })).status).toBe(
      400,
    );

    await setLimits(1024 ** 2, 1024 ** 2);
    // 1 MiB pads to 1 MiB: 16 chunks of 2^16 fit, 17 do not.
    const tooBig = await post({ ...body, chunkCount: 17 });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({
      error: { code: 'payload_too_large', message: expect.stringContaining('1 MiB per file') },
    });
    expect(await partialFiles(config.blobDir)).toEqual([]);
    expect((await post({ ...body, chunkCount: 16 })).status).toBe(201);
    // Idempotent on the same id and header; another header under that id is a conflict.
    expect((await post({ ...body, chunkCount: 16 })).status).toBe(200);
    expect((await post({ ...body, chunkCount: 15 })).status).toBe(409);
    const second = await sealFile(randomUUID(), 100_000);
    const overReport = await post({
      id: second.id,
      header: second.header,
      chunkCount: 16,
      wraps: wrapFor(second, [reporter, admin]),
    });
    expect(overReport.status).toBe(413);
    expect(await overReport.json()).toMatchObject({
      error: { message: expect.stringContaining('1 MiB per report') },
    });
    await setLimits(2 * 1024 ** 3, 10 * 1024 ** 3);
    expect((await h.request('DELETE', `/api/attachments/${file.id}`, reporter)).status).toBe(204);
    expect(await partialFiles(config.blobDir)).toEqual([]);
  });

  it('ends an upload that passes a limit an admin lowered mid-stream: 413, failed, its partial file deleted', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 1_300_000);
    expect(file.chunks.length).toBeGreaterThan(16);
    expect((await open(reportId, file)).status).toBe(201);
    await upload(file, 0, 2);
    expect(await partialFiles(config.blobDir)).toHaveLength(1);

    await setLimits(1024 ** 2, 1024 ** 2);
    try {
      const res = await put(file, 2);
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({
        error: { message: expect.stringContaining('1 MiB per file') },
      });
      expect((await status(file)).attachment.state).toBe('failed');
      expect(await partialFiles(config.blobDir)).toEqual([]);
      expect((await put(file, 2)).status).toBe(410);
    } finally {
      await setLimits(2 * 1024 ** 3, 10 * 1024 ** 3);
    }
  });

  it('resumes after a server restart from the last chunk it acknowledged', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 400_000);
    expect((await open(reportId, file)).status).toBe(201);
    const half = file.chunks.length >> 1;
    await upload(file, 0, half);

    // A new process on the same database and attachment store: nothing of the upload was in memory.
    const before = h;
    h = await openHotline(db, config, blobs);
    try {
      const resumed = await status(file);
      expect(resumed.attachment).toMatchObject({ state: 'uploading', received: half });
      expect(resumed.lastChunkSha256).toMatch(/^[0-9a-f]{64}$/);
      await upload(file, half);
      const download = await h.request('GET', `/api/attachments/${file.id}/content`, reporter);
      expect(await openStream(new Uint8Array(await download.arrayBuffer()), file.key, file.ctx)).toEqual(
        file.plaintext,
      );
    } finally {
      h = before;
    }
  });

  it('answers 507 when the disk fills, keeps nothing of the chunk, and the retry completes the file', async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 200_000);
    expect((await open(reportId, file)).status).toBe(201);
    await upload(file, 0, 2);
    const [{ partial_id: partialId } = { partial_id: '' }] = await db.query<{ partial_id: string }>(
      'select partial_id from attachments where id = $1',
      [file.id],
    );
    const partial = `.part-${partialId}`;
    const sizeBefore = (await stat(`${config.blobDir}/${partial}`)).size;
    expect(sizeBefore).toBe(STREAM_HEADER_LENGTH + 2 * SEALED);

    blobs.full = true;
    const res = await put(file, 2);
    expect(res.status).toBe(507);
    expect(await res.json()).toMatchObject({
      error: {
        code: 'insufficient_storage',
        message: 'the attachment store is full; nothing of this chunk was kept; retry later',
      },
    });
    expect((await status(file)).attachment).toMatchObject({ state: 'uploading', received: 2 });
    expect((await stat(`${config.blobDir}/${partial}`)).size).toBe(sizeBefore);
    expect((await h.request('GET', `/api/attachments/${file.id}/content`, reporter)).status).toBe(404);

    blobs.full = false;
    await upload(file, 2);
    const download = await h.request('GET', `/api/attachments/${file.id}/content`, reporter);
    expect(await openStream(new Uint8Array(await download.arrayBuffer()), file.key, file.ctx)).toEqual(
      file.plaintext,
    );
  });

  it("keeps uploads to their uploader and downloads to the report's readers", async () => {
    const reportId = await addReport(reporter);
    const file = await sealFile(randomUUID(), 70_000);
    // Only the report's author attaches to it: another reporter or a volunteer (who may file
    // reports of their own) does not see it, an admin may not add to it, an auditor may not at all.
    expect((await open(reportId, file, otherReporter)).status).toBe(404);
    expect((await open(reportId, file, admin)).status).toBe(403);
    expect((await open(reportId, file, volunteer)).status).toBe(404);
    expect((await open(reportId, file, auditor)).status).toBe(403);
    expect((await open(reportId, file)).status).toBe(201);

    expect((await put(file, 0, file.chunks[0], otherReporter)).status).toBe(404);
    expect((await put(file, 0, file.chunks[0], admin)).status).toBe(404);
    expect((await put(file, 0, file.chunks[0], volunteer)).status).toBe(404);
    expect((await put(file, 0, file.chunks[0], auditor)).status).toBe(403);
    expect((await h.request('GET', `/api/attachments/${file.id}/upload`, otherReporter)).status).toBe(404);
    await upload(file);

    expect((await h.request('GET', `/api/attachments/${file.id}/content`, otherReporter)).status).toBe(404);
    expect((await h.request('GET', `/api/attachments/${file.id}/content`, volunteer)).status).toBe(404);
    expect((await h.request('GET', `/api/attachments/${file.id}/content`, auditor)).status).toBe(403);
    expect((await h.request('GET', `/api/attachments/${file.id}/content`, admin)).status).toBe(200);
    expect((await h.request('DELETE', `/api/attachments/${file.id}`, otherReporter)).status).toBe(404);
    expect((await h.request('DELETE', `/api/attachments/${file.id}`, volunteer)).status).toBe(404);
    expect((await h.request('DELETE', `/api/attachments/${file.id}`, auditor)).status).toBe(403);
    // A raw chunk must say it is one.
    const asJson = await h.request('PUT', `/api/attachments/${file.id}/chunks/0`, reporter, { json: {} });
    expect(asJson.status).toBe(415);
  });

  it('deletes uploads and their files: cancelled, removed by an admin, with their report, or abandoned', async () => {
    const reportId = await addReport(reporter);
    const cancelled = await sealFile(randomUUID(), 150_000);
    const finished = await sealFile(randomUUID(), 70_000);
    expect((await open(reportId, cancelled)).status).toBe(201);
    expect((await open(reportId, finished)).status).toBe(201);
    await upload(cancelled, 0, 1);
    await upload(finished);
    expect(await partialFiles(config.blobDir)).toHaveLength(1);

    expect((await h.request('DELETE', `/api/attachments/${cancelled.id}`, reporter)).status).toBe(204);
    expect(await partialFiles(config.blobDir)).toEqual([]);
    // A finished attachment is the admins' to remove, and its blob goes from disk.
    expect((await h.request('DELETE', `/api/attachments/${finished.id}`, reporter)).status).toBe(403);
    const [row] = await db.query<{ blob_id: string }>('select blob_id from attachments where id = $1', [
      finished.id,
    ]);
    expect(await blobs.read(row?.blob_id ?? '')).not.toBeNull();
    expect((await h.request('DELETE', `/api/attachments/${finished.id}`, admin)).status).toBe(204);
    expect(await blobs.read(row?.blob_id ?? '')).toBeNull();
    expect(
      await db.query('select 1 from report_wraps where record_id = any($1::text[])', [
        [attachmentRecordId(cancelled.id), attachmentRecordId(finished.id)],
      ]),
    ).toEqual([]);

    // With their report (the reports module calls this before deleting the report).
    const gone = await sealFile(randomUUID(), 70_000);
    const open2 = await sealFile(randomUUID(), 150_000);
    expect((await open(reportId, gone)).status).toBe(201);
    expect((await open(reportId, open2)).status).toBe(201);
    await upload(gone);
    await upload(open2, 0, 1);
    const [goneRow] = await db.query<{ blob_id: string }>('select blob_id from attachments where id = $1', [
      gone.id,
    ]);
    await removingAttachments(h.ctx, (_tx, remove) => remove({ reportIds: [reportId] }));
    expect(await blobs.read(goneRow?.blob_id ?? '')).toBeNull();
    expect(await partialFiles(config.blobDir)).toEqual([]);
    expect(await listAttachmentViews(db, reportId, reporter.pubkey)).toEqual([]);

    // Abandoned: untouched for more than seven days.
    const abandoned = await sealFile(randomUUID(), 150_000);
    expect((await open(reportId, abandoned)).status).toBe(201);
    await upload(abandoned, 0, 1);
    // A partial file no upload names (a crash between making it and recording the upload).
    const orphan = await blobs.createPartial(new Uint8Array(STREAM_HEADER_LENGTH));
    expect(await removeStaleUploads(h.ctx, new Date(Date.now() + 6 * 24 * 3600 * 1000))).toBe(0);
    expect(await blobs.partialSize(orphan)).toBe(STREAM_HEADER_LENGTH);
    // (The failed upload of the mid-stream limit test goes too: a failed row is kept as long.)
    expect(
      await removeStaleUploads(h.ctx, new Date(Date.now() + 8 * 24 * 3600 * 1000)),
    ).toBeGreaterThanOrEqual(1);
    expect(await db.query(`select 1 from attachments where state <> 'complete'`)).toEqual([]);
    expect(await partialFiles(config.blobDir)).toEqual([]);
    expect(await blobs.partialSize(orphan)).toBeNull();
    expect((await h.request('GET', `/api/attachments/${abandoned.id}/upload`, reporter)).status).toBe(404);
  });
});
