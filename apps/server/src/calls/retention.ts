import { appendAuditInTx } from '../audit/service.js';
import { blobStore } from '../blobs/store.js';
import type { ServerContext } from '../http/context.js';
import { RETENTION_INTERVAL_MS, startPeriodicJob } from '../records/retention.js';
import { loadSettings } from '../settings/store.js';
import { sealUnsealedCalls } from './call-meta.js';
import { errorInfo } from './wiring.js';

const DAY_MS = 24 * 3600 * 1000;

interface CallPurge {
  calls: number;
  voicemails: number;
  cutoff: string | null;
}

/**
 * Deletes every ended call created more than `retention.callRecordDays` days before `now`
 * (0 keeps them forever): the row with its sealed metadata, and by cascade its legs and its
 * voicemail row, then the voicemail's encrypted file in the attachment store. Webhook receipts older than the cutoff go too (they only hold provider
 * ids, kept to make retried webhooks harmless for a few minutes). Notes linked to a purged call
 * are left alone: they have their own retention (`retention.noteDays`), and their `call_id`
 * becomes a dangling reference. A live call is never purged, whatever its age. One audit entry
 * per purge that removed a call; an idle run adds nothing to the chain.
 */
export async function purgeExpiredCallRecords(ctx: ServerContext, now: Date): Promise<CallPurge> {
  const { settings } = await loadSettings(ctx.db);
  const days = settings.retention.callRecordDays;
  if (days === 0) return { calls: 0, voicemails: 0, cutoff: null };
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const purge = await ctx.db.transaction(async (tx) => {
    // The subqueries see the rows as they were before this statement deleted them (cascade).
    const rows = await tx.query<{ has_voicemail: boolean; blob_id: string | null }>(
      `delete from calls c where c.created_at < $1 and c.ended_at is not null
        returning exists (select 1 from voicemails v where v.call_id = c.id) as has_voicemail,
                  (select v.blob_id from voicemails v where v.call_id = c.id) as blob_id`,
      [cutoff],
    );
    await tx.query('delete from webhook_receipts where received_at < $1', [cutoff]);
    const voicemails = rows.filter((r) => r.has_voicemail).length;
    if (rows.length)
      await appendAuditInTx(
        tx,
        {
          action: 'calls.records-purged',
          target: 'calls',
          details: {
            reason: 'retention',
            callRecordDays: days,
            cutoff: cutoff.toISOString(),
            calls: rows.length,
            voicemails,
          },
        },
        now,
      );
    const blobIds = rows.flatMap((r) => (r.blob_id ? [r.blob_id] : []));
    return { calls: rows.length, voicemails, cutoff: cutoff.toISOString(), blobIds };
  });
  // The encrypted recordings go once the rows (and with them every wrap of their keys) are gone.
  const blobs = blobStore(ctx);
  for (const id of purge.blobIds) {
    try {
      await blobs.remove(id);
    } catch (error) {
      ctx.log.error({ err: errorInfo(error) }, 'a purged voicemail file could not be deleted');
    }
  }
  return { calls: purge.calls, voicemails: purge.voicemails, cutoff: purge.cutoff };
}

/**
 * Runs the call-record purge now and then every `intervalMs` (hourly, like the notes purge),
 * sealing first any ended call left unsealed (see call-meta.ts).
 */
export function startCallRetentionTimer(ctx: ServerContext, intervalMs = RETENTION_INTERVAL_MS) {
  return startPeriodicJob(ctx, () => runCallRetention(ctx), 'call retention run failed', intervalMs);
}

async function runCallRetention(ctx: ServerContext): Promise<void> {
  const now = ctx.now();
  const sealed = await sealUnsealedCalls(ctx, now);
  if (sealed) ctx.log.info({ sealed }, 'sealed the metadata of calls left unsealed');
  const purge = await purgeExpiredCallRecords(ctx, now);
  if (purge.calls)
    ctx.log.info({ calls: purge.calls, cutoff: purge.cutoff }, 'retention purged call records');
}
