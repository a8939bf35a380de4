import { fromBase64url, PURPOSES, toBase64url, unwrapKey, wrapKey } from '@llamenos/crypto';
import {
  type AttachmentView,
  attachmentRecordId,
  type ChunkAck,
  type CreateAttachmentBody,
  type ReportAttachmentMeta,
  type UploadStatus,
} from '@llamenos/protocol';
import {
  createAttachment,
  deleteAttachment,
  fetchUploadStatus,
  putAttachmentChunk,
} from '../api/attachments.js';
import { ApiRequestError } from '../api/index.js';
import { unlockedSecretKey } from '../vault.js';
import { type ChunkSource, openChunkSource } from './chunk-source.js';
import {
  CHUNK_LOG2,
  fingerprintProblem,
  layoutOf,
  newStreamHeader,
  resumeProblem,
  type StreamLayout,
} from './format.js';
import { ProgressStore, SpeedMeter, type UploadErrorKind, type UploadProgress } from './progress.js';
import type { FileLike, SealedChunk } from './sealer.js';

/** A running upload, as a page holds it. */
export interface UploadHandle {
  id: string;
  name: string;
  size: number;
  /** The file being sent: a stopped upload continues from it (Retry) without choosing it again. */
  file: File | (FileLike & { name: string });
  progress: {
    current: () => UploadProgress;
    subscribe: (listener: (p: UploadProgress) => void) => () => void;
  };
  /** Stops the upload and deletes what the server holds of it. */
  cancel(): Promise<void>;
  /** Resolves when the server has the whole file; rejects with UploadError when it stopped. */
  done: Promise<void>;
}

export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    readonly kind: UploadErrorKind | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

/** The routes an upload uses (the typed API in the browser; fakes in tests). */
export interface UploadApi {
  createAttachment(reportId: string, body: CreateAttachmentBody): Promise<AttachmentView>;
  putAttachmentChunk(
    id: string,
    index: number,
    sealed: Uint8Array | Blob,
    sha256: string,
    signal?: AbortSignal,
  ): Promise<ChunkAck>;
  fetchUploadStatus(id: string): Promise<UploadStatus>;
  deleteAttachment(id: string): Promise<void>;
}

const browserApi: UploadApi = { createAttachment, putAttachmentChunk, fetchUploadStatus, deleteAttachment };

export interface UploadDeps {
  api: UploadApi;
  openSource: (file: FileLike, key: Uint8Array, header: Uint8Array, attachmentId: string) => ChunkSource;
  secretKey: () => Uint8Array | null;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Calls `fire` after `ms` unless the returned function is called first (setTimeout unless a test says). */
  timer?: (ms: number, fire: () => void) => () => void;
}

const defaultDeps = (): UploadDeps => ({
  api: browserApi,
  openSource: openChunkSource,
  secretKey: unlockedSecretKey,
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

const realTimer = (ms: number, fire: () => void) => {
  const id = setTimeout(fire, ms);
  return () => clearTimeout(id);
};

/** Backoff after a network failure: 0.5 s, 1 s, 2 s … up to 30 s, with jitter. */
export const retryDelay = (attempt: number): number =>
  Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)) * (0.75 + Math.random() * 0.5);

/**
 * Failures in a row (nothing acknowledged in between) after which the upload stops and says so,
 * with Retry: with retryDelay's waits, about a minute and a half of trying. A connection that
 * stays down is told to the person uploading, never shown as an endless "trying again".
 */
export const MAX_RETRIES = 8;

/**
 * A request with no answer for this long is taken as stalled, aborted and sent again (the
 * server answers a chunk it already holds with its acknowledgement, or a 409 with where to go
 * on). Seen: requests that a server or a proxy accepted and never answered, which fetch waits
 * for without end. A slow link is not a stall: a chunk is allowed three times what it takes at
 * the speed measured so far, and before any measurement what it takes at FLOOR_BYTES_PER_SECOND;
 * each stall doubles the allowance until a chunk is acknowledged, so a link slower than that
 * still gets through, and a stall after a good stretch is noticed as soon as the first was.
 */
export const STALL_MS = 30_000;
/** The speed a chunk is allowed before any was acknowledged: a poor mobile link (512 kbit/s). */
const FLOOR_BYTES_PER_SECOND = 64 * 1024;
/** The allowance doubles at most this many times (64 s × 16 at the floor speed). */
const MAX_STALL_DOUBLINGS = 4;

/** The error a stalled request ends with: a network failure, retried like one. */
const stalledError = (what: string, ms: number) =>
  new ApiRequestError(0, 'stalled', `${what}: no answer from the server in ${Math.round(ms / 1000)} s`);

/** A failure worth retrying: the network, or the server or a proxy briefly unavailable. */
const isTransient = (error: unknown): boolean =>
  error instanceof ApiRequestError && (error.status === 0 || [500, 502, 503, 504].includes(error.status));

/** What a refusal means for the person uploading. */
function stopOf(error: unknown): UploadError {
  if (error instanceof UploadError) return error;
  if (error instanceof ApiRequestError) {
    if (error.status === 0) return new UploadError('network', error.message);
    // Still unavailable after every retry: nothing was refused, so Retry is offered.
    if (isTransient(error)) return new UploadError('failed', error.message);
    if (error.status === 413) return new UploadError('too-large', error.message);
    if (error.status === 507) return new UploadError('store-full', error.message);
    if (error.status === 404 || error.status === 410) return new UploadError('gone', error.message);
    if (error.status === 401) return new UploadError('locked', error.message);
    return new UploadError('refused', error.message);
  }
  return new UploadError('failed', error instanceof Error ? error.message : String(error));
}

/** `details.received` of a 409: where the server says the upload continues. */
function conflictReceived(error: unknown): number | null {
  if (!(error instanceof ApiRequestError) || error.status !== 409) return null;
  const received = (error.details as { received?: unknown } | undefined)?.received;
  return Number.isSafeInteger(received) && (received as number) >= 0 ? (received as number) : null;
}

class Upload {
  readonly store: ProgressStore;
  private readonly speed = new SpeedMeter();
  private readonly abort = new AbortController();
  private source: ChunkSource | null = null;
  private started = false;
  /** Requests taken as stalled so far: each doubles the next allowance. */
  private stalls = 0;

  constructor(
    readonly id: string,
    readonly file: File | (FileLike & { name: string }),
    readonly layout: StreamLayout,
    private readonly deps: UploadDeps,
  ) {
    this.store = new ProgressStore(file.size);
  }

  get cancelled(): boolean {
    return this.abort.signal.aborted;
  }

  private check(): void {
    if (this.cancelled) throw new UploadError('cancelled', 'the upload was cancelled');
  }

  /**
   * Runs `step` until it succeeds, waiting longer after each network failure; each attempt is
   * given `allowanceMs` to answer (see STALL_MS), and the upload stops after MAX_RETRIES failures.
   */
  async retrying<T>(
    what: string,
    step: (signal: AbortSignal) => Promise<T>,
    allowanceMs: () => number = () => STALL_MS,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      this.check();
      try {
        return await this.within(what, allowanceMs(), step);
      } catch (error) {
        if (!isTransient(error) || this.cancelled) throw error;
        if (attempt >= MAX_RETRIES) throw error;
        this.store.set({ phase: 'retrying', bytesPerSecond: null, secondsLeft: null });
        this.speed.reset();
        // Cancel ends the wait at once, and so does the browser saying it is back online.
        const cut = new AbortController();
        await Promise.race([
          this.deps.sleep(retryDelay(attempt)),
          new Promise((resolve) => {
            this.abort.signal.addEventListener('abort', resolve, { once: true, signal: cut.signal });
            if (typeof window !== 'undefined')
              window.addEventListener('online', resolve, { once: true, signal: cut.signal });
          }),
        ]);
        cut.abort();
      }
    }
  }

  /**
   * One attempt of `step` with its own abort signal (cancel aborts it too), given `ms` to answer.
   * A step that does not end when aborted is still left behind at the deadline.
   */
  private async within<T>(what: string, ms: number, step: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const attempt = new AbortController();
    const cancelled = () => attempt.abort();
    this.abort.signal.addEventListener('abort', cancelled, { once: true });
    let stop: () => void = () => undefined;
    const stalled = new Promise<never>((_, reject) => {
      stop = (this.deps.timer ?? realTimer)(ms, () => {
        this.stalls++;
        attempt.abort();
        reject(stalledError(what, ms));
      });
    });
    try {
      return await Promise.race([step(attempt.signal), stalled]);
    } finally {
      stop();
      this.abort.signal.removeEventListener('abort', cancelled);
    }
  }

  /** How long a chunk of `bytes` may go unanswered (see STALL_MS). */
  private chunkAllowance(bytes: number): number {
    const speed = this.speed.speed();
    const expected = (bytes / (speed && speed > 0 ? speed : FLOOR_BYTES_PER_SECOND)) * 1000;
    const base = Math.max(STALL_MS, speed ? 3 * expected : expected);
    return base * 2 ** Math.min(this.stalls, MAX_STALL_DOUBLINGS);
  }

  private report(received: number): void {
    const sentBytes = Math.min(received * this.layout.chunkSize, this.layout.size);
    this.speed.add(sentBytes, this.deps.now());
    const bytesPerSecond = this.speed.speed();
    this.store.set({
      phase: 'uploading',
      sentBytes,
      percent: Math.floor((received / this.layout.chunkCount) * 100),
      bytesPerSecond,
      secondsLeft:
        bytesPerSecond && bytesPerSecond > 0
          ? Math.ceil((this.layout.size - sentBytes) / bytesPerSecond)
          : null,
    });
  }

  /**
   * Sends chunks from `received` to the end, strictly in order, sealing chunk i+1 while chunk i
   * is on the wire. A 409 moves to where the server says; an acknowledged chunk is never sent
   * again (a retry after a lost answer is the server's "already have it").
   */
  async send(source: ChunkSource, received: number, sealedFirst?: SealedChunk): Promise<void> {
    this.source = source;
    this.started = true;
    let next = received;
    this.report(next);
    const count = this.layout.chunkCount;
    let sealing: Promise<SealedChunk> | null =
      next >= count ? null : sealedFirst?.index === next ? Promise.resolve(sealedFirst) : source.seal(next);
    while (next < count) {
      this.check();
      const chunk = await sealing!;
      // The next chunk is sealed while this one uploads.
      sealing = chunk.last ? null : source.seal(next + 1);
      // A rejection of that early seal is seen when it is awaited, never as unhandled.
      sealing?.catch(() => undefined);
      let ack: ChunkAck;
      try {
        const size = chunk.sealed instanceof Uint8Array ? chunk.sealed.length : chunk.sealed.size;
        ack = await this.retrying(
          `chunk ${chunk.index}`,
          (signal) =>
            this.deps.api.putAttachmentChunk(this.id, chunk.index, chunk.sealed, chunk.sha256, signal),
          () => this.chunkAllowance(size),
        );
      } catch (error) {
        const at = conflictReceived(error);
        // A server that refuses a chunk while asking for that same chunk would loop forever.
        if (at === null || at === chunk.index) throw error;
        if (at >= count) return;
        next = at;
        sealing = source.seal(next);
        continue;
      }
      // A chunk got through: a later stall is a new one, given the base allowance again (the
      // speed meter now knows the link), not one doubled for every stall since the start.
      this.stalls = 0;
      if (ack.complete) {
        this.report(count);
        return;
      }
      if (ack.received !== next + 1) {
        next = ack.received;
        sealing = next < count ? source.seal(next) : null;
      } else next = ack.received;
      this.report(next);
    }
  }

  finish(outcome: 'complete' | UploadError): void {
    this.source?.close();
    this.source = null;
    if (outcome === 'complete') this.store.set({ phase: 'complete', percent: 100, secondsLeft: 0 });
    else if (outcome.kind === 'cancelled') this.store.set({ phase: 'cancelled', secondsLeft: null });
    else
      this.store.set({
        phase: 'failed',
        bytesPerSecond: null,
        secondsLeft: null,
        error: { kind: outcome.kind, message: outcome.message },
      });
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return;
    // Aborts the chunk on the wire too: nothing more is sent once Cancel is pressed.
    this.abort.abort();
    this.source?.close();
    this.source = null;
    this.store.set({ phase: 'cancelled', bytesPerSecond: null, secondsLeft: null });
    // What the server holds of a cancelled upload is deleted; a failure here leaves a partial
    // file the server's stale-upload sweep removes.
    if (this.started) await this.deps.api.deleteAttachment(this.id).catch(() => undefined);
  }

  markStarted(): void {
    this.started = true;
  }
}

function handleOf(upload: Upload, name: string, run: () => Promise<void>): UploadHandle {
  const done = run().then(
    () => upload.finish('complete'),
    (error: unknown) => {
      const stop = upload.cancelled
        ? new UploadError('cancelled', 'the upload was cancelled')
        : stopOf(error);
      upload.finish(stop);
      throw stop;
    },
  );
  // Pages may never await `done`; a stop is shown through the progress, not as an unhandled rejection.
  done.catch(() => undefined);
  return {
    id: upload.id,
    name,
    size: upload.file.size,
    file: upload.file,
    progress: { current: upload.store.current, subscribe: upload.store.subscribe },
    cancel: () => upload.cancel(),
    done,
  };
}

const uniq = (readers: string[]) => [...new Set(readers)];

/**
 * Encrypts and uploads a new attachment of a report: a fresh file key wrapped for `readers`
 * (the report's author and every report admin), the §10.2 stream sealed in a worker as the file
 * is read, and chunks sent in order with retries.
 */
export function startUpload(
  opts: {
    reportId: string;
    id: string;
    file: File | (FileLike & { name: string });
    readers: string[];
    /** log2 of the chunk size; the protocol's UPLOAD_CHUNK_LOG2 unless a test asks for smaller chunks. */
    chunkLog2?: number;
  },
  deps: UploadDeps = defaultDeps(),
): UploadHandle {
  const chunkLog2 = opts.chunkLog2 ?? CHUNK_LOG2;
  const layout = layoutOf(opts.file.size, chunkLog2);
  const upload = new Upload(opts.id, opts.file, layout, deps);
  return handleOf(upload, opts.file.name, async () => {
    const recordId = attachmentRecordId(opts.id);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const header = newStreamHeader(chunkLog2);
    let source: ChunkSource;
    let wraps: CreateAttachmentBody['wraps'];
    try {
      wraps = uniq(opts.readers).map((reader) => ({
        reader,
        wrap: toBase64url(wrapKey(key, reader, { label: PURPOSES.attachment.wrap, recordId })),
      }));
      source = deps.openSource(opts.file, key, header, opts.id);
    } finally {
      // The worker (or inline sealer) holds its own copy.
      key.fill(0);
    }
    let received: number;
    let first: SealedChunk;
    try {
      // Chunk 0 is sealed before the upload is opened, so its hash is declared with it: a
      // resume with nothing acknowledged can then prove it re-reads the same file (§10.2).
      first = await source.seal(0);
      const body: CreateAttachmentBody = {
        id: opts.id,
        header: toBase64url(header),
        chunkCount: layout.chunkCount,
        firstChunkSha256: first.sha256,
        wraps,
      };
      upload.markStarted();
      // A retried create answers the same upload, which may already hold chunks.
      received = (
        await upload.retrying('opening the upload', () => deps.api.createAttachment(opts.reportId, body))
      ).received;
    } catch (error) {
      source.close();
      throw error;
    }
    await upload.send(source, received, first);
  });
}

/**
 * Continues an upload the author began earlier (before a reload, or on another visit): the same
 * file must be chosen again. It is checked (its size and fingerprint against the sealed
 * report's, then chunk received−1 re-sealed against the hash the server keeps) before anything
 * is sent, since other bytes under the same key and nonces would reuse a nonce; then chunks go
 * on from `received`. With no chunk acknowledged, chunk 0 is re-sealed and compared with the
 * hash declared when the upload was opened (an upload opened without one, by another client,
 * has only the fingerprint).
 */
export function resumeUpload(
  opts: {
    reportId: string;
    attachment: AttachmentView;
    meta: ReportAttachmentMeta;
    file: File | (FileLike & { name: string });
  },
  deps: UploadDeps = defaultDeps(),
): UploadHandle {
  const layout = layoutOf(opts.file.size, opts.attachment.chunkLog2);
  const upload = new Upload(opts.attachment.id, opts.file, layout, deps);
  upload.markStarted();
  return handleOf(upload, opts.meta.name, async () => {
    const secretKey = deps.secretKey();
    if (!secretKey) throw new UploadError('locked', 'unlock the app to continue this upload');
    const status = await upload.retrying('asking where the upload stands', () =>
      deps.api.fetchUploadStatus(opts.attachment.id),
    );
    const view = status.attachment;
    const sizeProblem = resumeProblem({
      fileSize: opts.file.size,
      metaSize: opts.meta.size,
      chunkCount: view.chunkCount,
      chunkLog2: view.chunkLog2,
      received: 0,
      resealedSha256: null,
      lastChunkSha256: null,
    });
    if (sizeProblem)
      throw new UploadError('other-file', `this is not the file "${opts.meta.name}" (${sizeProblem})`);
    if (await fingerprintProblem(opts.file, opts.meta))
      throw new UploadError('other-file', `this is not the file "${opts.meta.name}": its content differs`);
    if (view.state !== 'uploading') {
      if (view.state === 'complete') return;
      throw new UploadError('gone', 'this upload was stopped by the server and cannot continue');
    }
    if (!view.wrap) throw new UploadError('refused', 'this upload holds no key for you');
    const recordId = attachmentRecordId(view.id);
    const key = unwrapKey(fromBase64url(view.wrap.wrap, 'wrap'), secretKey, {
      label: PURPOSES.attachment.wrap,
      recordId,
    });
    let source: ChunkSource;
    try {
      source = deps.openSource(opts.file, key, fromBase64url(status.header, 'header'), view.id);
    } finally {
      key.fill(0);
    }
    let again: SealedChunk | undefined;
    try {
      // Chunk received−1 is re-sealed and compared with the hash the server keeps; with nothing
      // acknowledged, chunk 0 with the hash declared when the upload was opened (chunk 0 may have
      // reached the server unacknowledged, so "nothing stored" is no proof of anything).
      if (view.received > 0 || status.firstChunkSha256) {
        again = await source.seal(Math.max(view.received - 1, 0));
        const problem = resumeProblem({
          fileSize: opts.file.size,
          metaSize: opts.meta.size,
          chunkCount: view.chunkCount,
          chunkLog2: view.chunkLog2,
          received: view.received,
          resealedSha256: again.sha256,
          lastChunkSha256: status.lastChunkSha256,
          firstChunkSha256: status.firstChunkSha256,
        });
        if (problem)
          throw new UploadError(
            'other-file',
            `this is not the file "${opts.meta.name}": its content differs`,
          );
      }
    } catch (error) {
      source.close();
      throw error;
    }
    await upload.send(source, view.received, again);
  });
}
