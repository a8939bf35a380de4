import type { ReportExportLine } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import type { ServerContext } from '../http/context.js';
import * as store from './store.js';

const PAGE = 100;
const encoder = new TextEncoder();
const line = (value: ReportExportLine) => encoder.encode(`${JSON.stringify(value)}\n`);

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
    await appendAuditInTx(
      tx,
      {
        action: 'reports.exported',
        actorPubkey: caller.pubkey,
        target: 'reports',
        details: { count: await store.countLiveUpTo(tx, now) },
        ipHash: caller.ipHash,
      },
      now,
    );
  });
  let before: store.ReportFilter['before'];
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const page = await store.listForReader(
        ctx.db,
        { createdUpTo: now, ...(before ? { before } : {}), limit: PAGE },
        caller.pubkey,
      );
      const replies = await store.listRepliesOf(
        ctx.db,
        page.map((r) => r.id),
        caller.pubkey,
      );
      for (const report of page)
        controller.enqueue(line({ type: 'report', report, replies: replies.get(report.id) ?? [] }));
      sent += page.length;
      const last = page[page.length - 1];
      if (page.length < PAGE || !last) {
        controller.enqueue(line({ type: 'end', count: sent }));
        controller.close();
        return;
      }
      before = { createdAt: new Date(last.createdAt), id: last.id };
    },
  });
}
