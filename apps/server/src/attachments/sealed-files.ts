import { encryptStream, PURPOSES } from '@llamenos/crypto';
import { gone } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';

/**
 * The one place sealed files enter and leave the blob store, whoever owns them: a report's
 * attachment (sealed in the author's browser, uploaded in chunks: upload.ts) or a conversation's
 * media (sealed here as it arrives from the provider: conversations/media.ts). Each file has an
 * owner record; what the owner's rules say decides who downloads it (service.ts openAttachment),
 * and the owner's retention deletes it through service.ts removingAttachments (files really
 * removed from disk). Every file is named by one row of the `attachments` table, whoever its
 * owner; this file holds the bytes' rules: written sealed and whole or not at all, within the
 * owner kind's size limit, read back as stored.
 */

/** Whose file it is: the record whose permission check a download goes through. */
export type FileOwner =
  | { kind: 'report'; reportId: string }
  | { kind: 'conversation'; conversationId: string };

/** A conversation's media above this (plaintext bytes) is refused; a report's limits are the admins' (limits.ts). */
export const MAX_CONVERSATION_MEDIA_BYTES = 25 * 1024 * 1024;

/** The limit of each owner kind whose files the server seals itself. */
const SERVER_SEALED_LIMITS = { conversation: MAX_CONVERSATION_MEDIA_BYTES } as const;

/** A file passed its owner kind's limit while it streamed; nothing of it was kept. */
export class SealedFileTooLarge extends Error {
  override readonly name = 'SealedFileTooLarge';
}

/** Counts the plaintext and stops the stream past `max` bytes. */
function capped(max: number, counter: { size: number }): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(bytes, controller) {
      counter.size += bytes.length;
      if (counter.size > max) throw new SealedFileTooLarge(`file above ${max} bytes`);
      controller.enqueue(bytes);
    },
  });
}

/**
 * Seals `plaintext` as a §10 stream under `key` (purpose attachment, `recordId`) as it arrives
 * and writes it to a new blob: never whole in memory, and nothing left behind when the source
 * fails, the disk fills or the owner kind's limit is passed (SealedFileTooLarge). Returns the
 * blob id and the plaintext size. Only conversation media is sealed by the server; a report's
 * attachments arrive sealed by their author's browser (upload.ts).
 */
export async function storeSealedFile(
  ctx: ServerContext,
  owner: Extract<FileOwner, { kind: 'conversation' }>,
  plaintext: ReadableStream<Uint8Array>,
  key: Uint8Array,
  recordId: string,
): Promise<{ blobId: string; size: number }> {
  const counter = { size: 0 };
  const blob = await ctx.blobs.write(
    plaintext
      .pipeThrough(capped(SERVER_SEALED_LIMITS[owner.kind], counter))
      .pipeThrough(encryptStream(key, { label: PURPOSES.attachment.content, recordId })),
  );
  return { blobId: blob.id, size: counter.size };
}

/**
 * A stored sealed file as a stream, as it is on disk. Callers check the owner's read rule first
 * (service.ts openAttachment); a row naming a file the store no longer has answers 410.
 */
export async function readSealedFile(
  ctx: ServerContext,
  blobId: string,
): Promise<{ size: number; stream: ReadableStream<Uint8Array> }> {
  const stored = await ctx.blobs.read(blobId);
  if (!stored) throw gone('this file is gone from the store');
  return stored;
}

/**
 * Removes files from disk once the rows naming them are deleted and committed. Only
 * service.ts removingAttachments calls it for attachments; a file written but never recorded (a
 * race lost in conversations/media.ts) is removed directly.
 */
export async function removeSealedFiles(
  ctx: ServerContext,
  files: { blobIds: readonly string[]; partialIds?: readonly string[] },
): Promise<void> {
  for (const id of files.partialIds ?? []) await ctx.blobs.removePartial(id);
  for (const id of files.blobIds) await ctx.blobs.remove(id);
}
