import type { TelephonyProvider } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { runQueue } from './ringing.js';
import {
  type CallRow,
  type CallsTable,
  callFromRow,
  closeLiveLegs,
  type LegRow,
  placedAtProvider,
  releaseLegs,
} from './store.js';
import { announce, controlAdapter, errorInfo, inBackground } from './wiring.js';

/**
 * First pickup wins (lesson 1). Answering is one guarded UPDATE: it succeeds for exactly one
 * volunteer however many press 1 at once, on however many server processes, because the
 * database re-checks `answered_by is null` on the locked row. The winner's process then
 * cancels every other leg at the provider, in parallel, and tells every client.
 */
type ClaimResult =
  | { outcome: 'won'; call: CallRow }
  | { outcome: 'already-yours'; call: CallRow }
  | { outcome: 'lost'; call: CallRow | null };

export async function claimCall(
  ctx: ServerContext,
  callId: string,
  userId: string,
  legId: string | null,
  via: 'phone' | 'browser',
): Promise<ClaimResult> {
  const now = ctx.now();
  const claimed = await ctx.db.transaction(async (tx) => {
    // One statement, in this order: the leg locked first (while it is locked the queue cannot
    // move this volunteer to another call, and a leg the queue already moved, cancelled, cannot
    // win: ringing.ts); then the guarded UPDATE, which the database re-checks on the locked call
    // row, so one volunteer wins however many press 1 at once on however many processes; then
    // the winning leg marked live. The winner's name comes back with it, for call:answered.
    // When the UPDATE changed nothing, the call as it is now instead: read with a row lock, which
    // returns the newest version, the one a concurrent winner committed while this waited (a
    // plain read would see the statement's snapshot, from before that commit).
    const [row] = await tx.query<
      CallsTable & { won: boolean; answerer_pubkey: string | null; answerer_name: string | null }
    >(
      `with leg as materialized (
         select id from call_legs where id = $3 and status in ('pending', 'queued', 'ringing', 'in-progress')
           for update),
       won as (
         update calls set answered_by = $1, answered_leg_id = $3, status = 'answered', answered_at = $4, updated_at = $4
          where id = $2 and answered_by is null and status in ('queued', 'ringing')
            and ($3::text is null or exists (select 1 from leg))
          returning *),
       live as (
         update call_legs set status = 'in-progress'
          where id = (select answered_leg_id from won) and status in ('pending', 'queued', 'ringing')),
       now_call as (
         select * from calls where id = $2 and not exists (select 1 from won) for share)
       select won.*, true as won, u.pubkey as answerer_pubkey, u.display_name as answerer_name
         from won left join users u on u.id = won.answered_by
       union all
       select now_call.*, false, null, null from now_call`,
      [userId, callId, legId, now],
    );
    if (!row?.won) return { won: null, now: row ? callFromRow(row) : null };
    await appendAuditInTx(
      tx,
      { action: 'calls.answered', target: `call:${callId}`, details: { callId, answeredBy: userId, via } },
      now,
      ctx.caches.auditHead,
    );
    const answerer =
      row.answerer_pubkey !== null
        ? { pubkey: row.answerer_pubkey, displayName: row.answerer_name ?? '' }
        : null;
    return { won: { call: callFromRow(row), answerer }, now: null };
  });
  const { won } = claimed;
  if (won) {
    inBackground(ctx, 'answered', () => afterAnswer(ctx, won.call, legId, won.answerer));
    return { outcome: 'won', call: won.call };
  }
  const call = claimed.now;
  const mine =
    call?.status === 'answered' &&
    call.answeredBy === userId &&
    (legId === null || call.answeredLegId === legId);
  return mine ? { outcome: 'already-yours', call: call! } : { outcome: 'lost', call };
}

/**
 * Cancels the losing legs at the provider (failures logged, never fatal) and publishes
 * call:answered; then the queue offers the losers the next waiting call (after their legs here
 * are cancelled at the provider, so no phone rings for two calls).
 */
async function afterAnswer(
  ctx: ServerContext,
  call: CallRow,
  winningLegId: string | null,
  // Named in the event, so the others' cards say "Taken by <name>" instead of going blank.
  answerer: { pubkey: string; displayName: string } | null,
): Promise<void> {
  const losers = await closeLiveLegs(ctx.db, call.id, winningLegId, ctx.now());
  await Promise.allSettled([
    cancelAtProvider(ctx, call, losers).then(() => (losers.length ? runQueue(ctx) : undefined)),
    answerer
      ? announce(ctx, {
          type: 'call:answered',
          callId: call.id,
          answeredBy: answerer.pubkey,
          answeredByName: answerer.displayName,
        })
      : Promise.resolve(),
  ]);
}

/**
 * Cancels legs at the provider in parallel; a leg without a provider id has nothing to cancel
 * yet (its placing cancels it, ringing.ts). Once the requests settle the legs are released:
 * the queue may ring their volunteers for another call (store/legs.ts, releasing_since).
 */
export async function cancelAtProvider(ctx: ServerContext, call: CallRow, legs: LegRow[]): Promise<void> {
  const placed = legs.filter((l) => placedAtProvider(l) && l.providerLegId);
  if (!placed.length) return;
  try {
    const adapter = await controlAdapter(ctx, call.provider as TelephonyProvider);
    const results = await Promise.allSettled(placed.map((l) => adapter.cancelLeg(l.providerLegId!)));
    results.forEach((r, i) => {
      if (r.status === 'rejected')
        ctx.log.warn(
          { callId: call.id, legId: placed[i]!.id, err: errorInfo(r.reason) },
          'leg not cancelled at the provider',
        );
    });
  } catch (error) {
    ctx.log.error({ callId: call.id, err: errorInfo(error) }, 'provider unavailable; legs not cancelled');
  } finally {
    await releaseLegs(
      ctx.db,
      placed.map((l) => l.id),
    );
  }
}
