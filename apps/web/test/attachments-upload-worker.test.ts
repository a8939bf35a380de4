/**
 * The page's side of an upload worker that holds its sealed chunks and sends them itself
 * (lib/attachments/chunk-source.ts, upload.worker.ts): the page signs each chunk's request and
 * the worker makes it, so the page's thread makes no request or answer objects per chunk. What
 * must hold: the request the worker gets is the page's signed one; its answer reads like the
 * page's own fetch (an acknowledgement, a refusal with its kind); cancel aborts the chunk the
 * worker is sending. A fake Worker stands in for the browser's (vitest has none).
 */
import { generateSecretKey, getPublicKey } from '@llamenos/crypto';
import type { AttachmentView, CreateAttachmentBody } from '@llamenos/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { putAttachmentChunk } from '../src/lib/api/attachments.js';
import { setSigningOrigin, useKey } from '../src/lib/api/http.js';
import { openChunkSource } from '../src/lib/attachments/chunk-source.js';
import { startUpload, type UploadDeps, UploadError } from '../src/lib/attachments/uploader.js';
import type {
  PutAnswer,
  UploadWorkerCall,
  UploadWorkerReply,
} from '../src/lib/attachments/worker-protocol.js';

const REPORT = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const ID = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const author = generateSecretKey();
// Three 512 KiB chunks.
const LOG2 = 19;
const SIZE = 1_100_000;
const SHA = 'ab'.repeat(32);

type Put = Extract<UploadWorkerCall, { op: 'put' }>;

/** An upload worker that holds every chunk and answers each `put` with `answer(put)`. */
class FakeUploadWorker {
  static last: FakeUploadWorker | null = null;
  onmessage: ((event: MessageEvent<UploadWorkerReply>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  readonly calls: UploadWorkerCall[] = [];
  /** Puts not answered yet, by call id. */
  readonly waiting = new Map<number, Put>();
  answer: (put: Put) => PutAnswer | null = (put) => ({
    status: 200,
    statusText: 'OK',
    headers: [['content-type', 'application/json']],
    body: JSON.stringify({ received: put.index + 1, complete: put.index === 2 }),
  });

  constructor() {
    FakeUploadWorker.last = this;
  }

  private reply(reply: UploadWorkerReply): void {
    setTimeout(() => this.onmessage?.({ data: reply } as MessageEvent<UploadWorkerReply>), 0);
  }

  postMessage(call: UploadWorkerCall): void {
    this.calls.push(call);
    if (call.op === 'seal')
      this.reply({
        id: call.id,
        ok: true,
        chunk: { index: call.index, sha256: SHA, last: call.index === 2, held: true },
      });
    else if (call.op === 'put') {
      const answer = this.answer(call);
      if (answer) this.reply({ id: call.id, ok: true, answer });
      else this.waiting.set(call.id, call);
    } else if (call.op === 'open') this.reply({ id: call.id, ok: true });
  }

  terminate(): void {}
}

const created = (body: CreateAttachmentBody): AttachmentView => ({
  id: body.id,
  reportId: REPORT,
  uploaderPubkey: getPublicKey(author),
  state: 'uploading',
  chunkLog2: LOG2,
  chunkCount: body.chunkCount,
  received: 0,
  sizeBucket: body.chunkCount * 2 ** LOG2,
  createdAt: '2026-12-05T13:00:00.000Z',
  completedAt: null,
  wrap: null,
});

function deps(deleted: string[] = []): UploadDeps {
  return {
    // Chunks go through the real client (signing, the answer's schema, refusals); the rest is faked.
    api: {
      createAttachment: async (_report, body) => created(body),
      putAttachmentChunk,
      fetchUploadStatus: async () => {
        throw new Error('not used');
      },
      deleteAttachment: async (id) => {
        deleted.push(id);
      },
    },
    openSource: openChunkSource,
    secretKey: () => author,
    now: () => performance.now(),
    sleep: async () => undefined,
  };
}

const upload = (d: UploadDeps) =>
  startUpload(
    {
      reportId: REPORT,
      id: ID,
      file: new File([new Uint8Array(SIZE)], 'scan.pdf'),
      readers: [getPublicKey(author)],
      chunkLog2: LOG2,
    },
    d,
  );

const puts = (worker: FakeUploadWorker) => worker.calls.filter((c): c is Put => c.op === 'put');

describe('chunks the upload worker holds and sends', () => {
  beforeEach(() => {
    vi.stubGlobal('Worker', FakeUploadWorker);
    setSigningOrigin('http://localhost:3000');
    useKey(author);
  });
  afterEach(() => {
    useKey(null);
    vi.unstubAllGlobals();
  });

  it('are sent by the worker with the request the page signed, in order, and acknowledged', async () => {
    const handle = upload(deps());
    await handle.done;
    const worker = FakeUploadWorker.last!;
    const sent = puts(worker);
    expect(sent.map((p) => [p.method, p.path])).toEqual(
      [0, 1, 2].map((i) => ['PUT', `/api/attachments/${ID}/chunks/${i}`]),
    );
    for (const put of sent) {
      const headers = new Headers(put.headers);
      expect(headers.get('authorization')).toMatch(/^Nostr /);
      expect(headers.get('content-type')).toBe('application/octet-stream');
    }
    expect(handle.progress.current().phase).toBe('complete');
    expect(worker.calls.at(-1)?.op).toBe('close');
  });

  it('a refusal the worker reads stops the upload with its kind, as the page’s own fetch would', async () => {
    const handle = upload(deps());
    FakeUploadWorker.last!.answer = () => ({
      status: 413,
      statusText: 'Payload Too Large',
      headers: [['content-type', 'application/json']],
      body: JSON.stringify({ error: { code: 'too_large', message: 'the file is over the limit' } }),
    });
    await expect(handle.done).rejects.toMatchObject({
      kind: 'too-large',
      message: 'the file is over the limit',
    });
  });

  it('cancel aborts the chunk the worker is sending and deletes the upload', async () => {
    const deleted: string[] = [];
    const handle = upload(deps(deleted));
    const worker = FakeUploadWorker.last!;
    worker.answer = () => null;
    await vi.waitFor(() => expect(worker.waiting.size).toBe(1));
    const [putId] = [...worker.waiting.keys()];
    await handle.cancel();
    await expect(handle.done).rejects.toBeInstanceOf(UploadError);
    expect(worker.calls).toContainEqual({ op: 'abort-put', put: putId, id: 0 });
    expect(deleted).toEqual([ID]);
    expect(handle.progress.current().phase).toBe('cancelled');
  });
});
