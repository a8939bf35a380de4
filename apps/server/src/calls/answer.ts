import type { TelephonyProvider } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { pubkeyOf } from '../identity/lookup.js';
import type { Instruction } from '../telephony/provider.js';
import { announce } from './announce.js';
import { inBackground } from './background.js';
import { hangupWith, say } from './prompts.js';
import {
  bindProviderLeg,
  type CallRow,
  type CallsTable,
  callFromRow,
  closeLiveLegs,
  findCall,
  findLeg,
  type LegRow,
  markLegInProgress,
} from './store.js';
import { controlAdapter, errorInfo } from './telephony.js';
import { queueName, webhookUrl } from './urls.js';

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

/** Cancels the losing legs at the provider (failures logged, never fatal) and publishes call:answered. */
async function afterAnswer(ctx: ServerContext, call: CallRow, winningLegId: string | null): Promise<void> {
  const losers = await closeLiveLegs(ctx.db, call.id, winningLegId, ctx.now());
  const pubkey = call.answeredBy ? await pubkeyOf(ctx.db, call.answeredBy) : null;
  await Promise.allSettled([
    cancelAtProvider(ctx, call, losers),
    pubkey
      ? announce(ctx, { type: 'call:answered', callId: call.id, answeredBy: pubkey })
      : Promise.resolve(),
  ]);
}

/** Cancels legs at the provider in parallel; a leg without a provider id has nothing to cancel yet. */
export async function cancelAtProvider(ctx: ServerContext, call: CallRow, legs: LegRow[]): Promise<void> {
  const placed = legs.filter((l) => l.kind === 'phone' && l.providerLegId);
  if (!placed.length) return;
  let adapter: Awaited<ReturnType<typeof controlAdapter>>;
  try {
    adapter = await controlAdapter(ctx, call.provider as TelephonyProvider);
  } catch (error) {
    ctx.log.error({ callId: call.id, err: errorInfo(error) }, 'provider unavailable; legs not cancelled');
    return;
  }
  const results = await Promise.allSettled(placed.map((l) => adapter.cancelLeg(l.providerLegId!)));
  results.forEach((r, i) => {
    if (r.status === 'rejected')
      ctx.log.warn(
        { callId: call.id, legId: placed[i]!.id, err: errorInfo(r.reason) },
        'leg not cancelled at the provider',
      );
  });
}

/** The leg exists, belongs to the call, and (once known) is the provider leg that called us. */
async function legFor(
  ctx: ServerContext,
  callId: string,
  legId: string,
  providerLegId: string,
): Promise<LegRow | null> {
  const leg = await findLeg(ctx.db, legId);
  if (!leg || leg.callId !== callId || leg.kind !== 'phone') return null;
  if (leg.providerLegId && leg.providerLegId !== providerLegId) return null;
  if (!leg.providerLegId) await bindProviderLeg(ctx.db, legId, providerLegId);
  return leg;
}

/**
 * The volunteer's phone picked up: screen with "press 1". A voicemail box never presses 1,
 * so it cannot take the call.
 */
export async function screenDocument(
  ctx: ServerContext,
  provider: string,
  callId: string,
  legId: string,
  providerLegId: string,
): Promise<Instruction[]> {
  const leg = await legFor(ctx, callId, legId, providerLegId);
  const call = leg ? await findCall(ctx.db, callId) : null;
  if (!leg || !call) return [{ kind: 'hangup' }];
  if (call.status !== 'ringing' && call.status !== 'queued')
    return hangupWith('en', call.status === 'answered' ? 'taken' : 'over');
  await markLegInProgress(ctx.db, legId);
  return [
    {
      kind: 'gather-digit',
      prompt: [say('en', 'screen')],
      actionUrl: webhookUrl(ctx, provider, 'answer', { call: callId, leg: legId }),
      timeoutSeconds: 10,
    },
    ...hangupWith('en', 'goodbye'),
  ];
}

/** The volunteer pressed a key on the screening prompt. */
export async function answerDocument(
  ctx: ServerContext,
  callId: string,
  legId: string,
  providerLegId: string,
  digits: string,
): Promise<Instruction[]> {
  const leg = await legFor(ctx, callId, legId, providerLegId);
  if (!leg) return [{ kind: 'hangup' }];
  if (digits !== '1') return hangupWith('en', 'goodbye');
  // A leg with no user belongs to a call that ended and was sealed (call-meta.ts).
  if (!leg.userId) return hangupWith('en', 'over');
  const result = await claimCall(ctx, callId, leg.userId, leg.id, 'phone');
  if (result.outcome === 'lost') {
    const answered = result.call?.status === 'answered';
    return hangupWith('en', answered ? 'taken' : 'over');
  }
  return [
    say('en', 'connecting'),
    { kind: 'connect-to-caller', queue: queueName(callId) },
    { kind: 'hangup' },
  ];
}
