import type { TelephonyProvider } from '@llamenos/protocol';
import {
  appendAuditInTx,
  finishGuessedAppend,
  type GuessedAppendColumns,
  guessedAppendParts,
  withdrawGuessedAppend,
} from '../audit/service.js';
import type { ServerContext } from '../http/context.js';
import { FINAL_LEG_STATUSES, type LegStatusEvent } from '../telephony/provider.js';
import { cancelAtProvider } from './answer.js';
import { takeAnsweredGuess } from './audit-guesses.js';
import { type SealRead, sealColumnsSql, sealEndedCall } from './call-meta.js';
import { legWrites } from './leg-writes.js';
import { requeue } from './ringing.js';
import {
  type CallRow,
  type ClosedLegsColumns,
  callFromRow,
  closedLegsColumnsSql,
  closedLegsFrom,
  closeLiveLegs,
  closeLiveLegsSql,
  type LegRow,
} from './store.js';
import { announce, controlAdapter, errorInfo } from './wiring.js';

/**
 * Calls end in four ways: the caller hangs up (their status callback), the answering
 * volunteer hangs up (their leg's status callback), someone ends it from the app (hang up,
 * ban and hang up), or the sweeper finds it stale. All go through `finishCall`, whose guarded
 * UPDATE makes the ending happen once: one audit entry, one call:ended.
 */

type EndedOutcome = 'completed' | 'voicemail' | 'abandoned';

/**
 * The states a call can end from, and its final status (outcomeFrom, written in SQL in
 * finishCall): answered → completed, voicemail → voicemail, any earlier state → abandoned.
 */
const ENDABLE: readonly CallRow['status'][] = [
  'arriving',
  'captcha',
  'queued',
  'ringing',
  'answered',
  'voicemail',
];

interface FinishOptions {
  /** Why: caller-hangup, volunteer-hangup, app-hangup, ban, stale. */
  reason: string;
  /** Who ended it from the app (user id), for the audit. */
  by?: string | null;
  /** Also hang up the caller at the provider (the app ended it, not the caller). */
  hangUpCaller?: boolean;
  /** The outcome when known better than the state says (a caller gone before the voicemail prompt). */
  outcome?: EndedOutcome;
}

/** Ends the call once; returns the ended row, or null if it had already ended. */
export function finishCall(
  ctx: ServerContext,
  callId: string,
  options: FinishOptions,
): Promise<CallRow | null> {
  return endCall(ctx, { callId }, options);
}

/** The call to end: by our id, or by the provider's (the caller's status callback names it so). */
type EndTarget = { callId: string } | { provider: string; providerCallId: string };

async function endCall(
  ctx: ServerContext,
  target: EndTarget,
  options: FinishOptions,
): Promise<CallRow | null> {
  const now = ctx.now();
  const head = ctx.caches.auditHead;
  let closed: { legs: LegRow[]; left: boolean } = { legs: [], left: false };
  let sealRead: SealRead | undefined;
  const endedEntry = (call: Pick<CallRow, 'id' | 'answeredAt'>, outcome: EndedOutcome) => ({
    action: 'calls.ended',
    target: `call:${call.id}`,
    details: {
      callId: call.id,
      outcome,
      reason: options.reason,
      ...(options.by ? { by: options.by } : {}),
      ...(call.answeredAt
        ? { answeredSeconds: Math.round((now.getTime() - call.answeredAt.getTime()) / 1000) }
        : {}),
    },
  });
  // A call this process saw answered most likely ends from there: its calls.ended entry is
  // written ahead and rides the ending statement when the call ends as guessed (audit-guesses.ts).
  const answered = takeAnsweredGuess(ctx, target);
  const ended = await ctx.db.transaction(async (tx) => {
    const params: unknown[] =
      'callId' in target
        ? [target.callId, options.outcome ?? null, now, ENDABLE]
        : [target.providerCallId, options.outcome ?? null, now, ENDABLE, target.provider];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const before = head.kept;
    const guessedOutcome: EndedOutcome = options.outcome ?? 'completed';
    const guessed = answered
      ? [endedEntry({ id: answered.callId, answeredAt: answered.answeredAt }, guessedOutcome)]
      : [];
    // Appended only when the statement ended that call, answered then, with that outcome; the
    // head is locked after the call's row, as by a separate append.
    // (Without a kept head there are no parts, and the condition's parameters must not be bound.)
    const folded =
      answered && head.kept
        ? guessedAppendParts(
            guessed,
            now,
            head,
            param,
            `exists (select 1 from ended where id = ${param(answered.callId)}::text
              and answered_at = ${param(answered.answeredAt)}::timestamptz and status = ${param(guessedOutcome)}::text)`,
          )
        : null;
    // The guarded UPDATE ends it once (a second ending finds ended_at set, after waiting for the
    // first's lock), with the outcome from the state it was in (ENDABLE). Every leg still up ends
    // with it in the same statement: ringing ones to be cancelled, the answered one hung up.
    // It also reads what sealing the ended call needs (call-meta.ts), its legs as it closed them.
    const [row] = await tx.query<SealRead & ClosedLegsColumns & GuessedAppendColumns>(
      `with ended as (
         update calls set ended_at = $3, updated_at = $3, captcha_digits = null,
             status = case when status = 'answered' then coalesce($2::text, 'completed')
                           when status = 'voicemail' then coalesce($2::text, 'voicemail')
                           else coalesce($2::text, 'abandoned') end
          where ${'callId' in target ? 'id = $1' : 'provider_call_id = $1 and provider = $5'}
            and ended_at is null and status = any($4::text[])
          returning *),
       ${closeLiveLegsSql('ended', 'null', '$3')}${folded ? `,\n       ${folded.withSql}` : ''}
       select ended.*, ${closedLegsColumnsSql}${folded ? `, ${folded.selectSql}` : ''},
          ${sealColumnsSql('ended', 'call_legs l left join closed_legs cl on cl.id = l.id', 'coalesce(cl.status, l.status)')}
         from ended`,
      params,
    );
    const lockedHead = folded !== null && row?.audit_hash != null;
    if (folded && !lockedHead) withdrawGuessedAppend(head, before, folded);
    if (!row) return null;
    const call = callFromRow(row);
    closed = closedLegsFrom(row);
    sealRead = row;
    if (lockedHead) await finishGuessedAppend(tx, guessed, now, head, row);
    else await appendAuditInTx(tx, endedEntry(call, call.status as EndedOutcome), now, head);
    return call;
  });
  if (!ended) return null;
  const callId = ended.id;
  // A leg the ending statement skipped (locked by a press of 1 in flight) is closed now.
  const legs = closed.left
    ? [...closed.legs, ...(await closeLiveLegs(ctx.db, callId, null, now))]
    : closed.legs;
  const work: Promise<unknown>[] = [cancelAtProvider(ctx, ended, legs)];
  // A training call has no caller at a provider: the trainer's page sees the end itself.
  if (options.hangUpCaller && !ended.training) work.push(hangUpCaller(ctx, ended));
  work.push(announce(ctx, { type: 'call:ended', callId, outcome: ended.status as EndedOutcome }));
  await Promise.allSettled(work);
  // Whoever rang for it, or was on it, is free: the queue offers them the next waiting call (in
  // the round that releases the cancelled legs).
  requeue(ctx);
  // The legs are closed: who answered and the caller's hash are sealed for admins and cleared.
  // Sealed from what the ending statement read, unless legs it skipped were closed after it.
  await sealEndedCall(ctx, callId, closed.left ? undefined : sealRead);
  return ended;
}

async function hangUpCaller(ctx: ServerContext, call: CallRow): Promise<void> {
  try {
    const adapter = await controlAdapter(ctx, call.provider as TelephonyProvider);
    await adapter.hangUp(call.providerCallId);
  } catch (error) {
    ctx.log.warn({ callId: call.id, err: errorInfo(error) }, 'caller not hung up at the provider');
  }
}

/** The caller's own call changed state (the status callback configured on the number). */
export async function callerStatusChanged(
  ctx: ServerContext,
  provider: string,
  event: LegStatusEvent,
): Promise<void> {
  if (!FINAL_LEG_STATUSES.has(event.status)) return;
  // Found and ended by the provider's id in one statement; an unknown or ended call changes nothing.
  await endCall(ctx, { provider, providerCallId: event.legId }, { reason: 'caller-hangup' });
}

/**
 * A volunteer leg changed state. States only move forward (a late "ringing" after
 * "completed" changes nothing), which makes retried callbacks harmless. When the leg that
 * answered ends, the volunteer hung up: the call is over.
 */
export async function legStatusChanged(
  ctx: ServerContext,
  callId: string,
  legId: string,
  event: LegStatusEvent,
): Promise<void> {
  const writes = legWrites(ctx);
  // A leg this process closed: the write would change nothing (leg-writes.ts ClosedLegs).
  if (writes.closed.has(legId)) return;
  const final = FINAL_LEG_STATUSES.has(event.status);
  // Written with the other legs' callbacks of the moment (leg-writes.ts, store/legs.ts
  // recordLegStatuses); a leg that ended comes back with its call, read after the write.
  const { leg, call } = await writes.statuses.write({
    callId,
    legId,
    status: event.status,
    providerLegId: event.legId,
    final,
    at: ctx.now(),
  });
  // A leg that was closed by us first (canceled) still tells us how it ended; nothing to do.
  if (!final || !leg) return;
  if (call?.status === 'answered' && call.answeredLegId === legId && !call.endedAt)
    await finishCall(ctx, callId, { reason: 'volunteer-hangup', hangUpCaller: true });
  // A volunteer who refused or missed a waiting call is free for the next one (never this one
  // again). Legs of calls answered or ended were closed by us: their cancel freed them already.
  else if (call?.status === 'queued' || call?.status === 'ringing') requeue(ctx);
}
