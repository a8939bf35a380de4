import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import {
  type PurgeResult,
  RETENTION_INTERVAL_MS,
  retentionDue,
  startPurgeTimer,
} from '../records/retention.js';
import { removingAttachments } from './attachment-link.js';
import * as store from './store.js';

/**
 * Deletes every report created more than `reports.retentionDays` days before `now` (0 keeps
 * them), tombstones too: in one transaction its attachments' rows and wraps, then the row with
 * its replies and wraps (by cascade); the attachments' blob files are deleted once that commits
 * (removingAttachments). A failure leaves everything in place for the next run. One audit
 * entry summarises a purge that removed anything; an idle run adds nothing to the chain.
 */
export async function purgeExpiredReports(ctx: ServerContext, now: Date): Promise<PurgeResult> {
  const due = await retentionDue(ctx, now, (settings) => settings.reports.retentionDays);
  if (!due) return { purged: 0, cutoff: null };
  const { days, cutoff } = due;
  const expired = await store.expiredReportIds(ctx.db, cutoff);
  if (!expired.length) return { purged: 0, cutoff: cutoff.toISOString() };
  return removingAttachments(ctx, async (tx, removeAttachments) => {
    // Attachments before their reports: the cascade from `reports` would drop their rows and
    // leave the files unnamed. A second process may have taken some reports meanwhile.
    await removeAttachments({ reportIds: expired });
    const { live, tombstones } = await store.deleteReports(tx, expired);
    if (live + tombstones)
      await appendAuditInTx(
        tx,
        {
          action: 'reports.purged',
          target: 'reports',
          details: {
            reason: 'retention',
            retentionDays: days,
            cutoff: cutoff.toISOString(),
            reports: live,
            tombstones,
          },
        },
        now,
      );
    return { purged: live + tombstones, cutoff: cutoff.toISOString() };
  });
}

/** The reports purge, now and every `intervalMs`, on the notes retention's rhythm. */
export const startReportRetentionTimer = (ctx: ServerContext, intervalMs = RETENTION_INTERVAL_MS) =>
  startPurgeTimer(ctx, 'report', purgeExpiredReports, intervalMs);
