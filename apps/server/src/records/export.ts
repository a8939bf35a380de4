import type { NoteExportLine } from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { pagedJsonLines } from '../http/json-lines.js';
import { type NoteCaller, readsAll } from './service.js';
import { listForReader, type NoteFilter } from './store.js';

const PAGE = 200;

/**
 * Every note the caller can read, as JSON lines: metadata, ciphertext and the caller's own
 * wrap (the browser decrypts and re-encrypts the export for the admin). The audit entry is
 * written before the first byte leaves, so no export goes unrecorded even if the client
 * disconnects; the notes are read page by page, never all in memory, up to the instant of
 * the audit entry. The last line, `{type: 'end', count}`, lets the client detect truncation.
 */
export async function exportNotes(
  ctx: ServerContext,
  caller: NoteCaller,
): Promise<ReadableStream<Uint8Array>> {
  const now = ctx.now();
  const all = readsAll(caller);
  const scope: Omit<NoteFilter, 'limit'> = { ...(all ? {} : { authorId: caller.userId }), createdUpTo: now };
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<{ count: number }>(
      `select count(*) as count from notes
       where deleted_at is null and created_at <= $1 ${all ? '' : 'and author_id = $2'}`,
      all ? [now] : [now, caller.userId],
    );
    await auditActionInTx(tx, caller, now, {
      action: 'records.notes-exported',
      target: 'notes',
      details: { count: Number(row?.count ?? 0), scope: all ? 'all' : 'own' },
    });
  });
  return pagedJsonLines({
    pageSize: PAGE,
    readPage: (before) =>
      listForReader(ctx.db, { ...scope, ...(before ? { before } : {}), limit: PAGE }, caller.pubkey),
    linesOf: (page): NoteExportLine[] => page.map((note) => ({ type: 'note', note })),
    end: (count): NoteExportLine => ({ type: 'end', count }),
  });
}
