import type { TelephonyProvider } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { runQueue } from './ringing.js';
import { answererOf } from './store/call-detail.js';
import {
  type CallRow,
  type CallsTable,
  callFromRow,
  closeLiveLegs,
  findCall,
  type LegRow,
  lockAnsweringLeg,
  markLegInProgress,
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
  const won = await ctx.db.transaction(async (tx) => {
    // The leg first: while it is locked the queue cannot move this volunteer to another call,
    // and a leg the queue already moved (cancelled) cannot win (ringing.ts, takeBackLegs).
    if (legId && !(await lockAnsweringLeg(tx, legId))) return null;
    const [row] = await tx.query<CallsTable>(
      `update calls set answered_by = $1, answered_leg_id = $3, status = 'answered', answered_at = $4, updated_at = $4
        where id = $2 and answered_by is null and status in ('queued', 'ringing') returning *`,
      [userId, callId, legId, now],
    );
    if (!row) return null;
    if (legId) await markLegInProgress(tx, legId);
    await appendAuditInTx(
      tx,
      { action: 'calls.answered', target: `call:${callId}`, details: { callId, answeredBy: userId, via } },
      now,
    );
    return callFromRow(row);
  });
  if (won) {
    inBackground(ctx, 'answered', () => afterAnswer(ctx, won, legId));
    return { outcome: 'won', call: won };
  }
  const call = await findCall(ctx.db, callId);
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
async function afterAnswer(ctx: ServerContext, call: CallRow, winningLegId: string | null): Promise<void> {
  const losers = await closeLiveLegs(ctx.db, call.id, winningLegId, ctx.now());
  // Named in the event, so the others' cards say "Taken by <name>" instead of going blank.
  const answerer = call.answeredBy ? await answererOf(ctx.db, call.answeredBy) : null;
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
