import type { ServerContext } from '../http/context.js';
import { RETENTION_INTERVAL_MS, startPeriodicJob } from '../records/retention.js';
import { removeStaleUploads } from './service.js';

/**
 * Abandoned uploads (a closed tab, a lost device: untouched for STALE_UPLOAD_MS) and failed ones
 * as old are removed with their partial files, now and every hour, so the attachment store does
 * not fill with halves of files nobody will finish.
 */
export function startStaleUploadTimer(ctx: ServerContext, intervalMs = RETENTION_INTERVAL_MS) {
  return startPeriodicJob(
    ctx,
    async () => {
      const removed = await removeStaleUploads(ctx, ctx.now());
      if (removed) ctx.log.info({ removed }, 'abandoned attachment uploads removed');
    },
    'removing abandoned attachment uploads failed',
    intervalMs,
  );
}
