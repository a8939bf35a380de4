/**
 * The upload engine (lib/attachments/uploader.ts) against a fake server that keeps the §10.2
 * rules: chunks strictly in order, a 409 naming where to continue, a repeated last chunk with
 * the same hash acknowledged again. What must hold: the stored file is one valid stream of the
 * file; a lost connection or a lost answer costs no acknowledged chunk; a resumed upload sends
 * nothing before it has checked it re-reads the same file; limits and a full store stop the
 * upload with a clear kind; cancelling deletes what the server holds.
 */
import {
  decryptStream,
  fromBase64url,
  generateSecretKey,
  getPublicKey,
  PURPOSES,
  unwrapKey,
} from '@llamenos/crypto';
import {
  type AttachmentView,
  attachmentRecordId,
  type ChunkAck,
  type CreateAttachmentBody,
  type UploadStatus,
} from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { ApiRequestError } from '../src/lib/api/http.js';
import { openChunkSource } from '../src/lib/attachments/chunk-source.js';
import { cutPadding } from '../src/lib/attachments/download.js';
import { fileFingerprint, sha256Hex } from '../src/lib/attachments/format.js';
import {
  MAX_RETRIES,
  resumeUpload,
  STALL_MS,
  startUpload,
  type UploadDeps,
  UploadError,
} from '../src/lib/attachments/uploader.js';

const REPORT = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const ID = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const author = generateSecretKey();
const admin = generateSecretKey();
const readers = [getPublicKey(author), getPublicKey(admin)];
// Three 512 KiB chunks (smaller than the client's own, to keep the test quick): 1.1 MB pads to 1,179,648 bytes.
const LOG2 = 19;
const SIZE = 1_100_000;
const fileOf = (seed: number, size = SIZE) =>
  Object.assign(new Blob([Uint8Array.from({ length: size }, (_, i) => (i * seed + 5) & 0xff)]), {
    name: 'scan.pdf',
  });

type Fault = (index: number, stored: boolean) => ApiRequestError | null;

/** A server that stores one upload the way the real one does, with hooks to inject faults. */
class FakeServer {
  body: CreateAttachmentBody | null = null;
  chunks: Uint8Array[] = [];
  lastSha: string | null = null;
  state: AttachmentView['state'] = 'uploading';
  puts: number[] = [];
  deleted = false;
  /** Before storing: a refusal to answer instead. */
  before: Fault = () => null;
  /** After storing: an error that loses the answer (the chunk is kept). */
  after: Fault = () => null;
  /**
   * True: the request is taken and never answered (before storing the chunk, or after), until the
   * client aborts it; `stall` is then called (the test lets the client's stall timer run out).
   */
  hang: (index: number, stored: boolean) => boolean = () => false;
  stall: () => void = () => undefined;
  /** Requests the client aborted, by chunk index. */
  aborted: number[] = [];

  private unanswered(index: number, signal?: AbortSignal): Promise<never> {
    return new Promise((_, reject) => {
      signal?.addEventListener('abort', () => {
        this.aborted.push(index);
        // What fetch says of an aborted request, as the API client maps it.
        reject(new ApiRequestError(0, 'network', 'aborted'));
      });
      setTimeout(() => this.stall(), 0);
    });
  }

  view(reader: string): AttachmentView {
    const b = this.body!;
    const wrap = b.wraps.find((w) => w.reader === reader) ?? null;
    return {
      id: b.id,
      reportId: REPORT,
      uploaderPubkey: readers[0]!,
      state: this.state,
      chunkLog2: fromBase64url(b.header, 'header')[1]!,
      chunkCount: b.chunkCount,
      received: this.chunks.length,
      sizeBucket: b.chunkCount * 2 ** LOG2,
      createdAt: '2026-12-04T22:00:00.000Z',
      completedAt: null,
      wrap,
    };
  }

  readonly api: UploadDeps['api'] = {
    createAttachment: async (_report, body) => {
      if (this.body && this.body.header !== body.header)
        throw new ApiRequestError(409, 'conflict', 'other header');
      this.body ??= body;
      return this.view(readers[0]!);
    },
    putAttachmentChunk: async (id, index, chunk, sha256, signal): Promise<ChunkAck> => {
      // The page's sealer hands its chunks as bytes (a Blob comes only from the upload worker).
      const sealed = chunk as Uint8Array;
      expect(id).toBe(ID);
      this.puts.push(index);
      expect(await sha256Hex(sealed)).toBe(sha256);
      const refusal = this.before(index, false);
      if (refusal) throw refusal;
      if (this.hang(index, false)) return this.unanswered(index, signal);
      const received = this.chunks.length;
      if (index === received - 1 && sha256 === this.lastSha)
        return { received, complete: this.state === 'complete' };
      if (index !== received)
        throw new ApiRequestError(409, 'conflict', `continue from ${received}`, { received });
      if (index === 0 && this.body!.firstChunkSha256 && sha256 !== this.body!.firstChunkSha256)
        throw new ApiRequestError(400, 'bad_request', 'chunk 0 is not the one declared', { received });
      this.chunks.push(sealed.slice());
      this.lastSha = sha256;
      if (this.chunks.length === this.body!.chunkCount) this.state = 'complete';
      const lost = this.after(index, true);
      if (lost) throw lost;
      if (this.hang(index, true)) return this.unanswered(index, signal);
      return { received: this.chunks.length, complete: this.state === 'complete' };
    },
    fetchUploadStatus: async (): Promise<UploadStatus> => ({
      attachment: this.view(readers[0]!),
      header: this.body!.header,
      lastChunkSha256: this.lastSha,
      firstChunkSha256: this.body!.firstChunkSha256 ?? null,
    }),
    deleteAttachment: async () => {
      this.deleted = true;
    },
  };

  /** The stored stream opened by the admin, padding cut. */
  async open(size: number): Promise<Uint8Array> {
    const b = this.body!;
    const recordId = attachmentRecordId(b.id);
    const wrap = b.wraps.find((w) => w.reader === readers[1])!.wrap;
    const key = unwrapKey(fromBase64url(wrap, 'wrap'), admin, { label: PURPOSES.attachment.wrap, recordId });
    const parts = [fromBase64url(b.header, 'header'), ...this.chunks];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(p);
        c.close();
      },
    });
    const plain = stream
      .pipeThrough(decryptStream(key, { label: PURPOSES.attachment.content, recordId }))
      .pipeThrough(cutPadding(size));
    return new Uint8Array(await new Response(plain).arrayBuffer());
  }
}

const depsOf = (server: FakeServer): UploadDeps => ({
  api: server.api,
  openSource: openChunkSource,
  secretKey: () => author,
  now: (() => {
    let t = 0;
    return () => (t += 100);
  })(),
  sleep: async () => undefined,
});

const network = () => new ApiRequestError(0, 'network', 'unreachable');
const bytes = async (b: Blob) => new Uint8Array(await b.arrayBuffer());
// Files are compared by hash: an element-wise comparison of a megabyte is slow in the test runner.

describe('startUpload', () => {
  it('uploads the file as one stream the report’s readers can open, with progress to 100 %', async () => {
    const server = new FakeServer();
    const file = fileOf(7);
    const handle = startUpload({ reportId: REPORT, id: ID, file, readers, chunkLog2: LOG2 }, depsOf(server));
    const phases: string[] = [];
    handle.progress.subscribe((p) => phases.push(p.phase));
    await handle.done;
    expect(server.puts).toEqual([0, 1, 2]);
    expect(server.body!.chunkCount).toBe(3);
    expect(server.body!.wraps.map((w) => w.reader)).toEqual(readers);
    expect(await sha256Hex(await server.open(SIZE))).toBe(await sha256Hex(await bytes(file)));
    const end = handle.progress.current();
    expect(end).toMatchObject({ phase: 'complete', percent: 100, sentBytes: SIZE, totalBytes: SIZE });
    expect(phases).toContain('uploading');
  });

  it('a dropped connection is retried; a lost answer does not resend an acknowledged chunk', async () => {
    const server = new FakeServer();
    let dropped = false;
    let lost = false;
    server.before = (i) => {
      if (i !== 1 || dropped) return null;
      dropped = true;
      return network();
    };
    server.after = (i) => {
      if (i !== 1 || lost || !dropped) return null;
      lost = true;
      return network();
    };
    const file = fileOf(11);
    const handle = startUpload({ reportId: REPORT, id: ID, file, readers, chunkLog2: LOG2 }, depsOf(server));
    await handle.done;
    // 1 refused before storing, 1 stored but its answer lost (sent again, recognised), then 2.
    expect(server.puts).toEqual([0, 1, 1, 1, 2]);
    expect(await sha256Hex(await server.open(SIZE))).toBe(await sha256Hex(await bytes(file)));
  });

  it('a 409 moves the upload to where the server says', async () => {
    const server = new FakeServer();
    const file = fileOf(13);
    const deps = depsOf(server);
    // The server already holds chunk 0 (an earlier attempt whose answer never came).
    const first = startUpload({ reportId: REPORT, id: ID, file, readers, chunkLog2: LOG2 }, deps);
    server.before = (i) => (i === 1 ? new ApiRequestError(400, 'stop', 'stop here') : null);
    await expect(first.done).rejects.toBeInstanceOf(UploadError);
    server.before = () => null;
    server.puts = [];
    const status = await server.api.fetchUploadStatus(ID);
    const again = resumeUpload(
      {
        reportId: REPORT,
        attachment: status.attachment,
        meta: { id: ID, name: 'scan.pdf', type: '', size: SIZE },
        file,
      },
      deps,
    );
    await again.done;
    // The resume check re-seals chunk 0 locally; nothing acknowledged goes on the wire again.
    expect(server.puts).toEqual([1, 2]);
    expect(await sha256Hex(await server.open(SIZE))).toBe(await sha256Hex(await bytes(file)));
  });

  it('over a limit or with the store full, the upload stops with that reason', async () => {
    for (const [status, kind] of [
      [413, 'too-large'],
      [507, 'store-full'],
      [404, 'gone'],
    ] as const) {
      const server = new FakeServer();
      server.before = (i) => (i === 1 ? new ApiRequestError(status, 'x', 'refused') : null);
      const handle = startUpload(
        { reportId: REPORT, id: ID, file: fileOf(3), readers, chunkLog2: LOG2 },
        depsOf(server),
      );
      await expect(handle.done).rejects.toMatchObject({ kind });
      expect(handle.progress.current()).toMatchObject({ phase: 'failed', error: { kind } });
      expect(server.puts).toEqual([0, 1]);
    }
  });

  it('a server unavailable through every retry stops the upload as one to try again, not a refusal', async () => {
    const server = new FakeServer();
    server.before = (i) => (i === 1 ? new ApiRequestError(503, 'unavailable', 'restarting') : null);
    const handle = startUpload(
      { reportId: REPORT, id: ID, file: fileOf(31), readers, chunkLog2: LOG2 },
      depsOf(server),
    );
    await expect(handle.done).rejects.toMatchObject({ kind: 'failed' });
    expect(server.puts).toEqual([0, ...Array(MAX_RETRIES + 1).fill(1)]);
  });

  it('cancel stops sending and deletes the upload', async () => {
    const server = new FakeServer();
    let handle: ReturnType<typeof startUpload> | null = null;
    server.after = (i) => {
      if (i === 0) void handle!.cancel();
      return null;
    };
    handle = startUpload(
      { reportId: REPORT, id: ID, file: fileOf(5), readers, chunkLog2: LOG2 },
      depsOf(server),
    );
    await expect(handle.done).rejects.toMatchObject({ kind: 'cancelled' });
    expect(server.deleted).toBe(true);
    expect(server.puts).toEqual([0]);
    expect(handle.progress.current().phase).toBe('cancelled');
  });
  it('cancel during a wait for the network ends the upload at once', async () => {
    const server = new FakeServer();
    server.before = () => network();
    const deps = { ...depsOf(server), sleep: () => new Promise<void>(() => undefined) };
    const handle = startUpload({ reportId: REPORT, id: ID, file: fileOf(5), readers, chunkLog2: LOG2 }, deps);
    await new Promise<void>((resolve) => {
      const stop = handle.progress.subscribe((p) => {
        if (p.phase !== 'retrying') return;
        stop();
        resolve();
      });
    });
    await handle.cancel();
    await expect(handle.done).rejects.toMatchObject({ kind: 'cancelled' });
    expect(server.deleted).toBe(true);
    expect(handle.progress.current().phase).toBe('cancelled');
  });
});

/**
 * The client's stall timers, run by hand: `expire()` is time passing until every armed timer
 * fires. `armed` records each allowance asked for, in ms.
 */
function stallClock() {
  const timers = new Set<{ ms: number; fire: () => void }>();
  const armed: number[] = [];
  return {
    armed,
    timer: (ms: number, fire: () => void) => {
      const t = { ms, fire };
      timers.add(t);
      armed.push(ms);
      return () => void timers.delete(t);
    },
    expire: () => {
      for (const t of [...timers]) {
        timers.delete(t);
        t.fire();
      }
    },
  };
}

describe('a request that is never answered', () => {
  it('is aborted when its time is up and sent again; the upload finishes', async () => {
    const server = new FakeServer();
    const clock = stallClock();
    let hung = false;
    // Chunk 1 is taken and never answered, once (a server or a proxy that stopped mid-request).
    server.hang = (i, stored) => {
      if (i !== 1 || stored || hung) return false;
      hung = true;
      return true;
    };
    server.stall = clock.expire;
    const file = fileOf(17);
    const handle = startUpload(
      { reportId: REPORT, id: ID, file, readers, chunkLog2: LOG2 },
      { ...depsOf(server), timer: clock.timer },
    );
    await handle.done;
    expect(server.aborted).toEqual([1]);
    expect(server.puts).toEqual([0, 1, 1, 2]);
    expect(await sha256Hex(await server.open(SIZE))).toBe(await sha256Hex(await bytes(file)));
    // No chunk is given less than STALL_MS; after a stall the next allowance is doubled.
    expect(Math.min(...clock.armed)).toBeGreaterThanOrEqual(STALL_MS);
    const afterStall = clock.armed[clock.armed.indexOf(Math.max(...clock.armed))]!;
    expect(afterStall).toBeGreaterThanOrEqual(2 * STALL_MS);
    // Once the stalled chunk is acknowledged, the next one is given the base allowance again.
    expect(clock.armed.at(-1)).toBe(STALL_MS);
  });

  it('stored but unanswered: the chunk sent again is acknowledged, never stored twice', async () => {
    const server = new FakeServer();
    const clock = stallClock();
    let hung = false;
    server.hang = (i, stored) => {
      if (i !== 0 || !stored || hung) return false;
      hung = true;
      return true;
    };
    server.stall = clock.expire;
    const file = fileOf(19);
    const handle = startUpload(
      { reportId: REPORT, id: ID, file, readers, chunkLog2: LOG2 },
      { ...depsOf(server), timer: clock.timer },
    );
    await handle.done;
    expect(server.aborted).toEqual([0]);
    expect(server.puts).toEqual([0, 0, 1, 2]);
    expect(server.chunks).toHaveLength(3);
    expect(await sha256Hex(await server.open(SIZE))).toBe(await sha256Hex(await bytes(file)));
  });

  it('a server that never answers stops the upload after MAX_RETRIES retries, saying so', async () => {
    const server = new FakeServer();
    const clock = stallClock();
    server.hang = (i) => i === 1;
    server.stall = clock.expire;
    const phases: string[] = [];
    const handle = startUpload(
      { reportId: REPORT, id: ID, file: fileOf(23), readers, chunkLog2: LOG2 },
      { ...depsOf(server), timer: clock.timer },
    );
    handle.progress.subscribe((p) => phases.push(p.phase));
    await expect(handle.done).rejects.toMatchObject({ kind: 'network' });
    expect(server.puts).toEqual([0, ...Array(MAX_RETRIES + 1).fill(1)]);
    expect(server.aborted).toHaveLength(MAX_RETRIES + 1);
    expect(handle.progress.current()).toMatchObject({ phase: 'failed', error: { kind: 'network' } });
    expect(phases).toContain('retrying');
    // What was acknowledged stays on the server, for Retry to continue from.
    expect(server.deleted).toBe(false);
    expect(server.chunks).toHaveLength(1);
  });

  it('an unreachable server stops the upload after MAX_RETRIES retries; Retry continues it', async () => {
    const server = new FakeServer();
    let down = true;
    server.before = (i) => (i === 2 && down ? network() : null);
    const file = fileOf(29);
    const deps = depsOf(server);
    const handle = startUpload({ reportId: REPORT, id: ID, file, readers, chunkLog2: LOG2 }, deps);
    await expect(handle.done).rejects.toMatchObject({ kind: 'network' });
    expect(server.puts).toEqual([0, 1, ...Array(MAX_RETRIES + 1).fill(2)]);
    // Retry (the page resumes with the file the stopped upload still holds).
    down = false;
    server.puts = [];
    const status = await server.api.fetchUploadStatus(ID);
    const again = resumeUpload(
      {
        reportId: REPORT,
        attachment: status.attachment,
        meta: { id: ID, name: 'scan.pdf', type: '', size: SIZE, head: await fileFingerprint(handle.file) },
        file: handle.file,
      },
      deps,
    );
    await again.done;
    expect(server.puts).toEqual([2]);
    expect(await sha256Hex(await server.open(SIZE))).toBe(await sha256Hex(await bytes(file)));
  });
});

describe('resumeUpload', () => {
  async function interrupted(seed: number) {
    const server = new FakeServer();
    const file = fileOf(seed);
    server.before = (i) => (i === 2 ? network() : null);
    const deps = { ...depsOf(server), sleep: async () => Promise.reject(new Error('the page was closed')) };
    const handle = startUpload({ reportId: REPORT, id: ID, file, readers, chunkLog2: LOG2 }, deps);
    await expect(handle.done).rejects.toThrow();
    server.before = () => null;
    server.puts = [];
    return { server, file, meta: { id: ID, name: 'scan.pdf', type: 'application/pdf', size: SIZE } };
  }

  it('continues from the last acknowledged chunk after a reload', async () => {
    const { server, file, meta } = await interrupted(17);
    expect(server.chunks.length).toBe(2);
    const handle = resumeUpload(
      { reportId: REPORT, attachment: server.view(readers[0]!), meta, file },
      depsOf(server),
    );
    await handle.done;
    expect(server.puts).toEqual([2]);
    expect(await sha256Hex(await server.open(SIZE))).toBe(await sha256Hex(await bytes(file)));
  });

  it('refuses another file of the same size, and one of another size, before sending anything', async () => {
    const { server, meta } = await interrupted(19);
    for (const other of [fileOf(23), fileOf(19, SIZE - 1)]) {
      const handle = resumeUpload(
        { reportId: REPORT, attachment: server.view(readers[0]!), meta, file: other },
        depsOf(server),
      );
      await expect(handle.done).rejects.toMatchObject({ kind: 'other-file' });
    }
    expect(server.puts).toEqual([]);
  });

  it('with no chunk acknowledged, tells a file of the same size apart by its fingerprint', async () => {
    const server = new FakeServer();
    const file = fileOf(31);
    // Cut off at the very first chunk: the server holds the upload but no chunk of it.
    server.before = () => network();
    const deps = { ...depsOf(server), sleep: async () => Promise.reject(new Error('the page was closed')) };
    const first = startUpload({ reportId: REPORT, id: ID, file, readers, chunkLog2: LOG2 }, deps);
    await expect(first.done).rejects.toThrow();
    server.before = () => null;
    server.puts = [];
    expect(server.chunks.length).toBe(0);
    const meta = {
      id: ID,
      name: 'scan.pdf',
      type: 'application/pdf',
      size: SIZE,
      head: await fileFingerprint(file),
    };
    // Same size, other bytes: refused before anything is sent.
    const other = resumeUpload(
      { reportId: REPORT, attachment: server.view(readers[0]!), meta, file: fileOf(37) },
      depsOf(server),
    );
    await expect(other.done).rejects.toMatchObject({ kind: 'other-file' });
    expect(server.puts).toEqual([]);
    // The very file goes on from chunk 0.
    const same = resumeUpload(
      { reportId: REPORT, attachment: server.view(readers[0]!), meta, file },
      depsOf(server),
    );
    await same.done;
    expect(server.puts).toEqual([0, 1, 2]);
    expect(await sha256Hex(await server.open(SIZE))).toBe(await sha256Hex(await bytes(file)));
  });

  it('with no chunk acknowledged, re-seals chunk 0 against the hash declared at the opening (past the fingerprint too)', async () => {
    // 2 MiB chunks: chunk 0 reaches past the fingerprint's first MiB.
    const log2 = 21;
    const size = 3 * 1024 * 1024;
    const server = new FakeServer();
    const file = fileOf(41, size);
    server.before = () => network();
    const deps = { ...depsOf(server), sleep: async () => Promise.reject(new Error('the page was closed')) };
    const first = startUpload({ reportId: REPORT, id: ID, file, readers, chunkLog2: log2 }, deps);
    await expect(first.done).rejects.toThrow();
    server.before = () => null;
    server.puts = [];
    expect(server.chunks.length).toBe(0);
    expect(server.body!.firstChunkSha256).toMatch(/^[0-9a-f]{64}$/);
    const meta = {
      id: ID,
      name: 'scan.pdf',
      type: 'application/pdf',
      size,
      head: await fileFingerprint(file),
    };
    // The same size and first MiB, one byte changed at 1.5 MiB: the fingerprint cannot tell.
    const changed = await bytes(file);
    changed[1.5 * 1024 * 1024] = (changed[1.5 * 1024 * 1024]! + 1) & 0xff;
    const other = Object.assign(new Blob([changed]), { name: 'scan.pdf' });
    expect(await fileFingerprint(other)).toBe(meta.head);
    const refused = resumeUpload(
      { reportId: REPORT, attachment: server.view(readers[0]!), meta, file: other },
      depsOf(server),
    );
    await expect(refused.done).rejects.toMatchObject({ kind: 'other-file' });
    expect(server.puts).toEqual([]);
    const same = resumeUpload(
      { reportId: REPORT, attachment: server.view(readers[0]!), meta, file },
      depsOf(server),
    );
    await same.done;
    expect(server.puts).toEqual([0, 1]);
    expect(await sha256Hex(server.chunks[0]!)).toBe(server.body!.firstChunkSha256);
    expect(await sha256Hex(await server.open(size))).toBe(await sha256Hex(await bytes(file)));
  });

  it('needs the unlocked key', async () => {
    const { server, file, meta } = await interrupted(29);
    const handle = resumeUpload(
      { reportId: REPORT, attachment: server.view(readers[0]!), meta, file },
      { ...depsOf(server), secretKey: () => null },
    );
    await expect(handle.done).rejects.toMatchObject({ kind: 'locked' });
  });
});
