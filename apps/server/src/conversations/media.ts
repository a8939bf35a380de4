import { randomBytes } from 'node:crypto';
import { PURPOSES } from '@llamenos/crypto';
import { messageMediaRecordId, messageRecordId } from '@llamenos/protocol';
import {
  findMediaById,
  type MediaRow,
  markMediaAttemptFailed,
  markMediaDeletedAtProvider,
  markMediaStored,
} from '../attachments/media-store.js';
import { removeSealedFiles, SealedFileTooLarge, storeSealedFile } from '../attachments/sealed-files.js';
import { openAttachment } from '../attachments/service.js';
import { appendAudit } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import type { ServerContext } from '../http/context.js';
import type { MessagingChannel } from '../messaging/channel.js';
import { openMediaRef } from './contact.js';
import { wrapFor } from './seal.js';
import { insertWraps, readersOf } from './store.js';
import { sizeBucket } from './views.js';

/**
 * A message's media is an attachment of the attachments module (owner kind conversation-message:
 * its row, its sealed file, its download rule and its removal are that module's, the same as a
 * report's attachments); this file runs the provider side. The file is fetched from the provider
 * as a stream and encrypted as the bytes arrive (STREAM, a fresh file key, PURPOSES.attachment,
 * record id `attachment:<mediaId>`) into the attachment store under its size limit, never whole
 * in memory (lesson 10); the file key is wrapped for the readers of the message it came with;
 * then the provider's copy is deleted (as recordings are, lesson 16).
 * A failed or slow fetch keeps the message and schedules another attempt with backoff; after
 * the last one the media is marked failed and audited, never dropped without a trace.
 */

const FETCH_TIMEOUT_MS = 60_000;
const MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 3600_000;

const backoff = (attempts: number) => Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempts);

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('media fetch timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The provider's async iterable as a web stream, each read bounded in time. */
function timedStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await withTimeout(iterator.next(), FETCH_TIMEOUT_MS);
      if (done) {
        controller.close();
        return;
      }
      controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** Fetches, seals and stores one pending attachment. True when it is stored. */
async function storeMedia(ctx: ServerContext, channel: MessagingChannel, media: MediaRow, ref: string) {
  const recordId = messageMediaRecordId(media.id);
  const readers = await readersOf(ctx.db, messageRecordId(media.message_id));
  const key = randomBytes(32);
  try {
    const source = await withTimeout(
      channel.fetchMedia({ ref, contentType: media.content_type }),
      FETCH_TIMEOUT_MS,
    );
    // Past the limit, the service stops the stream and keeps nothing (SealedFileTooLarge).
    const blob = await storeSealedFile(
      ctx,
      { kind: 'conversation', conversationId: media.conversation_id },
      timedStream(source),
      key,
      recordId,
    );
    const wraps = readers.map((reader) => ({
      recordId,
      reader,
      wrap: wrapFor(key, reader, PURPOSES.attachment, recordId, ctx.conversations.agreement),
    }));
    const stored = await ctx.db.transaction(async (tx) => {
      const marked = await markMediaStored(
        tx,
        media.id,
        { blobId: blob.blobId, sizeBucket: sizeBucket(blob.size), contentType: media.content_type },
        ctx.now(),
      );
      if (marked) await insertWraps(tx, media.conversation_id, wraps);
      return marked;
    });
    // Another process stored it first: ours is not needed (no row ever named it).
    if (!stored) await removeSealedFiles(ctx, { blobIds: [blob.blobId] });
  } finally {
    key.fill(0);
  }
}

/**
 * One attempt at an attachment's pending work: fetch and store it if not yet stored, then delete
 * the provider's copy. Failures schedule the next attempt; nothing is thrown.
 */
export async function processMedia(
  ctx: ServerContext,
  channel: MessagingChannel,
  mediaId: string,
): Promise<void> {
  const media = await findMediaById(ctx.db, mediaId);
  if (!media?.provider_ref_enc) return;
  const ref = openMediaRef(ctx.keys, media.id, media.provider_ref_enc);
  if (media.state === 'pending') {
    try {
      await storeMedia(ctx, channel, media, ref);
    } catch (error) {
      const tooLarge = error instanceof SealedFileTooLarge;
      const giveUp = tooLarge || media.attempts + 1 >= MAX_ATTEMPTS;
      await markMediaAttemptFailed(
        ctx.db,
        media.id,
        giveUp ? null : new Date(ctx.now().getTime() + backoff(media.attempts)),
        ctx.now(),
      );
      ctx.log.warn(
        { mediaId, attempts: media.attempts + 1, err: { name: (error as Error)?.name } },
        'attachment not fetched',
      );
      if (giveUp)
        await appendAudit(
          ctx.db,
          {
            action: 'conversations.media-failed',
            target: `conversation:${media.conversation_id}`,
            details: {
              mediaId,
              reason: tooLarge ? 'too-large' : 'fetch-failed',
              attempts: media.attempts + 1,
            },
          },
          ctx.now(),
        );
      return;
    }
  }
  try {
    await channel.deleteMedia({ ref, contentType: media.content_type });
    await markMediaDeletedAtProvider(ctx.db, media.id, ctx.now());
  } catch (error) {
    await markMediaAttemptFailed(
      ctx.db,
      media.id,
      new Date(ctx.now().getTime() + backoff(media.attempts)),
      ctx.now(),
    );
    ctx.log.warn(
      { mediaId, err: { name: (error as Error)?.name } },
      'attachment not deleted at the provider',
    );
  }
}

/**
 * `GET …/media/:mediaId`: the encrypted file as stored, served by the attachment service once the
 * conversation's own rule lets the caller see it; the caller's wrap is in the thread view.
 */
export function mediaFile(ctx: ServerContext, actor: Member, conversationId: string, mediaId: string) {
  return openAttachment(ctx, actor, { kind: 'conversation-message', conversationId, id: mediaId });
}
