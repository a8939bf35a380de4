import type { TelephonyProvider } from '@llamenos/protocol';
import {
  appendAuditInTx,
  finishGuessedAppend,
  type GuessedAppendColumns,
  guessedAppendParts,
  withdrawGuessedAppend,
} from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { auditGuesses, keepAnsweredGuess } from './audit-guesses.js';
import { legWrites } from './leg-writes.js';
import { releaseInNextRound, runQueue } from './ringing.js';
import {
  type CallRow,
  type CallsTable,
  type ClosedLegsColumns,
  callFromRow,
  closedLegsColumnsSql,
  closedLegsFrom,
  closeLiveLegs,
  closeLiveLegsSql,
  type LegKind,
  type LegRow,
  PLACED_AT_PROVIDER_SQL,
  placedAtProvider,
} from './store.js';
import { announce, controlAdapter, errorInfo, inBackground } from './wiring.js';

/**
 * First pickup wins (lesson 1). Answering is one guarded UPDATE: it succeeds for exactly one
 * volunteer however many press 1 at once, on however many server processes, because the
 * database re-checks `answered_by is null` on the locked row. The winner's process then
 * cancels every other leg at the provider, in parallel, and tells every client.
 */
export type ClaimResult =
  | { outcome: 'won'; call: CallRow }
  | { outcome: 'already-yours'; call: CallRow }
  | { outcome: 'lost'; call: CallRow | null };

export function claimCall(
  ctx: ServerContext,
  callId: string,
  userId: string,
  legId: string | null,
  via: 'phone' | 'browser',
): Promise<ClaimResult> {
  return claim(ctx, { callId, userId, legId, providerLegId: null, via }).then((r) => r.claim!);
}

/**
 * A volunteer pressed 1 on their leg (the answer webhook): the leg checked as the webhook's
 * other steps check it (this call's, placed at the provider, the provider leg it was bound to)
 * and the claim made for its volunteer, in the claim's one statement. `claim` is null when the
 * leg fails the checks; `leg` is the leg's volunteer (null once the call's record is sealed) and kind.
 */
export async function claimByLeg(
  ctx: ServerContext,
  step: { callId: string; legId: string; providerLegId: string },
): Promise<{ claim: ClaimResult | null; leg: { userId: string | null; kind: LegKind } | null }> {
  return claim(ctx, { ...step, userId: null, via: null });
}

interface ClaimRequest {
  callId: string;
  /** Who answers; null: the volunteer of leg `legId`, which must then be given. */
  userId: string | null;
  legId: string | null;
  /** Checks the leg as a webhook about it must (placed at the provider, this provider leg); null: no check. */
  providerLegId: string | null;
  /** null: the leg's kind. */
  via: LegKind | null;
}

/** The claim's row: the call, whether this claim won, and the leg's volunteer and kind. */
type ClaimRow = CallsTable &
  ClosedLegsColumns & {
    won: boolean;
    answerer_pubkey: string | null;
    answerer_name: string | null;
    leg_found: boolean;
    leg_user_id: string | null;
    leg_kind: LegKind | null;
  };

/**
 * The claim is one statement, in this order: the leg locked first (while it is locked the queue
 * cannot move this volunteer to another call, and a leg the queue already moved, cancelled, cannot
 * win: ringing.ts); then the guarded UPDATE, which the database re-checks on the locked call row,
 * so one volunteer wins however many press 1 at once on however many processes; then the winning
 * leg marked live; the call's other live legs closed (store/legs.ts closeLiveLegsSql: a loser's
 * leg locked by their own press in flight is skipped, and closed after the commit). The
 * winner's name comes back with it, for call:answered. When the UPDATE
 * changed nothing, the call as it is now instead: read with a row lock, which returns the newest
 * version, the one a concurrent winner committed while this waited (a plain read would see the
 * statement's snapshot, from before that commit). Both carry the leg's volunteer and kind (absent:
 * the leg failed the checks, and nothing was claimed).
 */
const claimSql = (audit: { withSql: string; selectSql: string } | null): string => `with leg as (
         select id, user_id, kind from call_legs
          where id = $3 and call_id = $2
            and ($5::text is null or (${PLACED_AT_PROVIDER_SQL} and (provider_leg_id is null or provider_leg_id = $5)))),
       live_leg as materialized (
         select id from call_legs where id = (select id from leg) and status in ('pending', 'queued', 'ringing', 'in-progress')
           for update),
       won as (
         update calls set answered_by = coalesce($1::text, (select user_id from leg)), answered_leg_id = $3,
             status = 'answered', answered_at = $4, updated_at = $4
          where id = $2 and answered_by is null and status in ('queued', 'ringing')
            and ($3::text is null or (exists (select 1 from live_leg) and (select user_id from leg) is not null))
          returning *),
       live as (
         update call_legs set status = 'in-progress', provider_leg_id = coalesce(provider_leg_id, $5)
          where id = (select answered_leg_id from won) and status in ('pending', 'queued', 'ringing')),
       ${closeLiveLegsSql('won', '$3', '$4')},
       now_call as (
         select * from calls where id = $2 and not exists (select 1 from won) for share),
       the_leg as (
         select exists (select 1 from leg) as leg_found, (select user_id from leg) as leg_user_id,
                (select kind from leg) as leg_kind)${
                  audit
                    ? `,
       ${audit.withSql}`
                    : ''
                }
       select won.*, true as won, u.pubkey as answerer_pubkey, u.display_name as answerer_name, the_leg.*,
              ${closedLegsColumnsSql}${audit ? `, ${audit.selectSql}` : ''}
         from won left join users u on u.id = won.answered_by, the_leg
       union all
       select now_call.*, false, null, null, the_leg.*, '[]'::json, false${audit ? `, ${audit.selectSql}` : ''}
         from now_call, the_leg`;

async function claim(
  ctx: ServerContext,
  request: ClaimRequest,
): Promise<{ claim: ClaimResult | null; leg: { userId: string | null; kind: LegKind } | null }> {
  const { callId, legId, providerLegId } = request;
  const now = ctx.now();
  const head = ctx.caches.auditHead;
  // The calls.answered entry, written ahead from who this claim would make the answerer (a
  // press names only its leg: the volunteer this process rang on it, audit-guesses.ts).
  const kept = legId !== null ? auditGuesses(ctx).legs.get(legId) : undefined;
  const guessedBy = request.userId ?? kept?.userId ?? null;
  const answeredEntry = (answeredBy: string, via: LegKind) => ({
    action: 'calls.answered',
    target: `call:${callId}`,
    details: { callId, answeredBy, via },
  });
  const claimed = await ctx.db.transaction(async (tx) => {
    const params: unknown[] = [request.userId, callId, legId, now, providerLegId];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const before = head.kept;
    const guessedVia = request.via ?? kept?.kind ?? 'phone';
    const guessed = guessedBy ? [answeredEntry(guessedBy, guessedVia)] : [];
    // The entry rides the claim only when it won, for the volunteer and the way guessed; it
    // locks the head after the claim's leg and call rows, the order a separate append had.
    // (Without a kept head there are no parts, and the condition's parameters must not be bound.)
    const folded =
      guessedBy && head.kept
        ? guessedAppendParts(
            guessed,
            now,
            head,
            param,
            `exists (select 1 from won where answered_by = ${param(guessedBy)}::text)
            and coalesce(${param(request.via)}::text, (select kind from leg), 'phone') = ${param(guessedVia)}::text`,
          )
        : null;
    const [row] = await tx.query<ClaimRow & GuessedAppendColumns>(claimSql(folded), params);
    const leg =
      row?.leg_found && row.leg_kind ? { userId: row.leg_user_id ?? null, kind: row.leg_kind } : null;
    const lockedHead = folded !== null && row?.won === true && row.audit_hash != null;
    if (folded && !lockedHead) withdrawGuessedAppend(head, before, folded);
    // A leg that fails the webhook's checks claims nothing (the UPDATE required it).
    if (legId !== null && providerLegId !== null && !leg) return { won: null, now: null, leg: null };
    if (!row?.won) return { won: null, now: row ? callFromRow(row) : null, leg };
    // Appended with the claim, or now: from the head the claim locked (another append moved it
    // meanwhile), or as before when the guess was not this claim's answerer.
    if (lockedHead) await finishGuessedAppend(tx, guessed, now, head, row);
    else
      await appendAuditInTx(
        tx,
        answeredEntry(row.answered_by!, request.via ?? leg?.kind ?? 'phone'),
        now,
        head,
      );
    const answerer =
      row.answerer_pubkey !== null
        ? { pubkey: row.answerer_pubkey, displayName: row.answerer_name ?? '' }
        : null;
    return { won: { call: callFromRow(row), answerer, losers: closedLegsFrom(row) }, now: null, leg };
  });
  const { won, leg } = claimed;
  if (legId !== null && providerLegId !== null && !leg) return { claim: null, leg: null };
  if (won) {
    keepAnsweredGuess(ctx, won.call);
    inBackground(ctx, 'answered', () => afterAnswer(ctx, won.call, legId, won.answerer, won.losers));
    return { claim: { outcome: 'won', call: won.call }, leg };
  }
  const call = claimed.now;
  const userId = request.userId ?? leg?.userId ?? null;
  const mine =
    userId !== null &&
    call?.status === 'answered' &&
    call.answeredBy === userId &&
    (legId === null || call.answeredLegId === legId);
  return { claim: mine ? { outcome: 'already-yours', call: call! } : { outcome: 'lost', call }, leg };
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
  // Closed by the claim's statement; `left`: some were skipped there and are closed now.
  closed: { legs: LegRow[]; left: boolean },
): Promise<void> {
  const losers = closed.left
    ? [...closed.legs, ...(await closeLiveLegs(ctx.db, call.id, winningLegId, ctx.now()))]
    : closed.legs;
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
 * yet (its placing cancels it, ringing.ts). Once the requests settle the legs are left for the
 * next queue round to release (ringing.ts releaseInNextRound): the caller runs one next, which
 * offers their volunteers another call at once.
 */
export async function cancelAtProvider(ctx: ServerContext, call: CallRow, legs: LegRow[]): Promise<void> {
  // Every caller closed these legs in a committed statement first.
  legWrites(ctx).closed.add(legs.map((l) => l.id));
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
    releaseInNextRound(
      ctx,
      placed.map((l) => l.id),
    );
  }
}
