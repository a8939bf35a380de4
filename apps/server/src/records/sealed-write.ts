import type { NoteEnvelope } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { checkEnvelope } from './envelope.js';

/**
 * A write of a sealed record (a note or its new version, a report, a reply): the envelope is
 * checked before any statement runs, then `work` runs in one transaction at one instant, the
 * time that every row and the audit entry of the write carry.
 */
export async function sealedWrite<T>(
  ctx: ServerContext,
  envelope: NoteEnvelope,
  work: (tx: Queryable, now: Date) => Promise<T>,
): Promise<T> {
  checkEnvelope(envelope);
  const now = ctx.now();
  return ctx.db.transaction((tx) => work(tx, now));
}
