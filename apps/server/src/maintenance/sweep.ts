import { pruneReplayCache } from '../auth/replay-cache.js';
import type { ServerContext } from '../http/context.js';
import { pruneRateLimits } from '../rate-limit/service.js';
import { startPeriodicJob } from '../records/retention.js';

/**
 * NIP-98 ids are remembered for about two minutes and rate-limit windows last minutes, so a
 * ten-minute rhythm keeps both tables at the size of the last few minutes' traffic.
 */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Drops rows that no longer decide anything: replay-cache ids whose tokens have expired and
 * rate-limit counters whose window and block are both over. Each is one DELETE on its own
 * condition, so several server processes may sweep at the same time.
 */
export async function sweepExpiredRows(
  ctx: ServerContext,
  now: Date,
): Promise<{ replayIds: number; rateLimits: number }> {
  const replayIds = await pruneReplayCache(ctx.db, now);
  const rateLimits = await pruneRateLimits(ctx.db, now);
  return { replayIds, rateLimits };
}

/** The sweep, now and every `intervalMs` (see startPeriodicJob). */
export function startSweepTimer(ctx: ServerContext, intervalMs = SWEEP_INTERVAL_MS): () => Promise<void> {
  return startPeriodicJob(
    ctx,
    async () => {
      const swept = await sweepExpiredRows(ctx, ctx.now());
      if (swept.replayIds || swept.rateLimits)
        ctx.log.debug(swept, 'swept expired replay ids and rate limits');
    },
    'sweep of expired replay ids and rate limits failed',
    intervalMs,
  );
}
