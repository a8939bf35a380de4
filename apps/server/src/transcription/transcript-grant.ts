import type { GrantResult, TranscriptGrantBody, TranscriptGrantWork } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { Member } from '../domain/actor.js';
import { invalid } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { invalidBody, isCurrentNoteAdmin, wrapProblem } from '../records/envelope.js';
import * as store from './transcript-store.js';

/**
 * Granting a new admin the transcripts made before they became one (docs/PROTOCOL.md §9,
 * "Granting a new reader"), exactly as for notes: only a reader can unwrap a transcript key, so
 * an admin's browser asks for work (transcripts the new admin lacks, with the caller's own wrap),
 * re-wraps each key with the transcript labels and posts the wraps back. The work only ever lists
 * what is still missing, so an interrupted grant resumes by asking again.
 */

async function requireAdminReader(db: Queryable, reader: string): Promise<void> {
  if (!(await isCurrentNoteAdmin(db, reader)))
    throw invalid('the reader must be an active member holding notes:read-all');
}

export async function transcriptGrantWork(
  ctx: ServerContext,
  caller: Member,
  q: { reader: string; after?: string | undefined; limit: number },
): Promise<TranscriptGrantWork> {
  await requireAdminReader(ctx.db, q.reader);
  const items = await store.grantWork(ctx.db, caller.pubkey, q.reader, q.after ?? '', q.limit);
  const last = items[items.length - 1];
  return { items, next: items.length === q.limit && last ? last.transcriptId : null };
}

export async function grantTranscripts(
  ctx: ServerContext,
  caller: Member,
  body: TranscriptGrantBody,
): Promise<GrantResult> {
  const issues = body.wraps.flatMap((w, i) => {
    const problem = wrapProblem(w.wrap);
    return problem ? [{ path: `wraps.${i}.wrap`, message: problem }] : [];
  });
  if (issues.length) throw invalidBody(issues);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    await requireAdminReader(tx, body.reader);
    const { eligible, inserted } = await store.insertGrantedWraps(tx, caller.pubkey, body.reader, body.wraps);
    const result = { inserted, alreadyPresent: eligible - inserted, skipped: body.wraps.length - eligible };
    await appendAuditInTx(
      tx,
      {
        action: 'transcription.access-granted',
        actorPubkey: caller.pubkey,
        ipHash: caller.ipHash,
        target: `reader:${body.reader}`,
        details: { reader: body.reader, ...result },
      },
      now,
    );
    return result;
  });
}
