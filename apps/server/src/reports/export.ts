import type { ReportExportLine } from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import type { ServerContext } from '../http/context.js';
import { pagedJsonLines } from '../http/json-lines.js';
import * as store from './store.js';

const PAGE = 100;

/**
 * Every live report with its replies, as JSON lines: metadata, ciphertext and the caller's own
 * wraps (the browser decrypts). The audit entry is written before the first byte leaves, so no
 * export goes unrecorded even if the client disconnects; reports are read page by page, never
 * all in memory, up to the instant of the audit entry. The last line, `{type: 'end', count}`,
 * lets the client detect truncation. Attachments are not in it: each is downloaded on its own.
 */
export async function exportReports(ctx: ServerContext, caller: Member): Promise<ReadableStream<Uint8Array>> {
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    await auditActionInTx(tx, caller, now, {
      action: 'reports.exported',
      target: 'reports',
      details: { count: await store.countLiveUpTo(tx, now) },
    });
  });
  return pagedJsonLines({
    pageSize: PAGE,
    readPage: (before) =>
      store.listForReader(
        ctx.db,
        { createdUpTo: now, ...(before ? { before } : {}), limit: PAGE },
        caller.pubkey,
      ),
    linesOf: async (page): Promise<ReportExportLine[]> => {
      const replies = await store.listRepliesOf(
        ctx.db,
        page.map((r) => r.id),
        caller.pubkey,
      );
      return page.map((report) => ({ type: 'report', report, replies: replies.get(report.id) ?? [] }));
    },
    end: (count): ReportExportLine => ({ type: 'end', count }),
  });
}
