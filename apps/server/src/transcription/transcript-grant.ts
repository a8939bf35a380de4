import type { GrantResult, TranscriptGrantBody, TranscriptGrantWork } from '@llamenos/protocol';
import type { Member } from '../domain/actor.js';
import type { ServerContext } from '../http/context.js';
import { requireAdminReader } from '../records/grant.js';
import { nextAfter, storeGrantBatch } from '../records/grant-batch.js';
import * as store from './transcript-store.js';

/**
 * Granting a new admin the transcripts made before they became one (docs/PROTOCOL.md §9,
 * "Granting a new reader"), exactly as for notes: only a reader can unwrap a transcript key, so
 * an admin's browser asks for work (transcripts the new admin lacks, with the caller's own wrap),
 * re-wraps each key with the transcript labels and posts the wraps back. The work only ever lists
 * what is still missing, so an interrupted grant resumes by asking again.
 */

export async function transcriptGrantWork(
  ctx: ServerContext,
  caller: Member,
  q: { reader: string; after?: string | undefined; limit: number },
): Promise<TranscriptGrantWork> {
  await requireAdminReader(ctx.db, q.reader);
  const items = await store.grantWork(ctx.db, caller.pubkey, q.reader, q.after ?? '', q.limit);
  return { items, next: nextAfter(items, q.limit, (i) => i.transcriptId) };
}

export async function grantTranscripts(
  ctx: ServerContext,
  caller: Member,
  body: TranscriptGrantBody,
): Promise<GrantResult> {
  return storeGrantBatch(ctx, caller, {
    reader: body.reader,
    wraps: body.wraps,
    action: 'transcription.access-granted',
    requireReader: (db) => requireAdminReader(db, body.reader),
    insert: (tx) => store.insertGrantedWraps(tx, caller.pubkey, body.reader, body.wraps),
  });
}
