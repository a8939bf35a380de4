import type { ServerContext } from '../http/context.js';
import { cancelAtProvider } from './answer.js';
import { webhookUrl } from './documents.js';
import { finishCall } from './end.js';
import { retryRecordingDeletes } from './recording-deletes.js';
import { releasesPending, runQueue } from './ringing.js';
import {
  type CallLegsTable,
  type CallRow,
  type CallsTable,
  callFromRow,
  findCall,
  legFromRow,
  RECORDING_DELETE_DUE,
} from './store.js';
import { endUnansweredTrainingCalls } from './training/service.js';
import { moveToVoicemail, redirectToVoicemail } from './voicemail.js';
import { callSettings, errorInfo } from './wiring.js';

/**
 * Every timer a call has is a due time in its rows (calls.queue_deadline,
 * call_legs.ring_deadline), fired by `tickCallTimers`. Any process may tick; rows are claimed
 * with FOR UPDATE SKIP LOCKED and moved by guarded UPDATEs, so several processes share the
 * work without doing any of it twice, and a restart loses nothing: the rows are still due.
 * Tests call it with a fake clock instead of waiting.
 */

/** How long after its deadline a leg may still ring before we cancel it ourselves. */
const LEG_GRACE_MS = 30_000;
/** A queued call nobody started ringing (its process died right after queueing it). */
const UNRUNG_MS = 3_000;
/** Menus and CAPTCHAs the caller left without a status callback reaching us. */
const STALE_MENU_MS = 15 * 60_000;
/** An answered call with no end reported: crisis calls can be long, but not this long. */
const STALE_ANSWERED_MS = 12 * 3600_000;
/** A redirect to voicemail that failed is retried this often, this many times. */
const REDIRECT_RETRY_MS = 5_000;
const MAX_REDIRECT_ATTEMPTS = 5;
const BATCH = 50;

/*
 * What each step claims, as conditions over its rows ($1 = now): the step selects by them, and
 * the tick's one probe (dueWork) asks first whether any row meets them, so an idle tick costs one
 * statement instead of one per step.
 */
const VOICEMAIL_DUE = `status in ('queued', 'ringing') and queue_deadline <= $1`;
const REDIRECT_DUE = `status = 'voicemail' and voicemail_redirected_at is null and ended_at is null
  and redirect_attempts > 0 and redirect_attempts < ${MAX_REDIRECT_ATTEMPTS} and queue_deadline <= $1`;
/**
 * Over `call_legs l join calls c on c.id = l.call_id`. A leg the provider never acknowledged
 * (pending with no provider id: its process died during or just after the request) waits for
 * its ring deadline like any other: the provider may have it ringing, and no callback would
 * tell us (a leg asks for none until its end, twilio/rest.ts LEG_EVENTS), while the provider's
 * own ring timeout ends it by that deadline. Giving it up earlier would free its volunteer for
 * another call while their phone may still ring for this one.
 */
const STALE_LEG = `l.status in ('pending', 'queued', 'ringing', 'in-progress')
  and (c.answered_leg_id is null or c.answered_leg_id <> l.id)
  and (l.ring_deadline < $1::timestamptz - interval '${LEG_GRACE_MS / 1000} seconds'
       or c.ended_at is not null)`;
/** $2, $3, $4: how long a menu, an answered call and a voicemail may go without news (seconds). */
const STALE_CALL = `ended_at is null and (
  (status in ('arriving', 'captcha') and updated_at < $1::timestamptz - make_interval(secs => $2))
  or (status = 'answered' and answered_at < $1::timestamptz - make_interval(secs => $3))
  or (status = 'voicemail' and updated_at < $1::timestamptz - make_interval(secs => $4))
  or (status = 'voicemail' and redirect_attempts >= ${MAX_REDIRECT_ATTEMPTS}))`;

/**
 * A training call still ringing: its trainee may have let it ring out (training/store.ts
 * unansweredTrainingCalls looks closer). A superset of what that step ends, so the probe never
 * hides one from it.
 */
const TRAINING_RINGING = `training and status = 'ringing' and ended_at is null`;
/** Calls in the queue (step 4); the unrung ones were queued by a process that stopped before ringing them. */
const IN_QUEUE = `status in ('queued', 'ringing') and ended_at is null`;
const UNRUNG = `status = 'queued' and updated_at < $1::timestamptz - interval '${UNRUNG_MS / 1000} seconds'`;

/** The parameters of STALE_CALL, from the settings. */
async function staleCallParams(ctx: ServerContext, now: Date): Promise<[Date, number, number, number]> {
  const settings = await callSettings(ctx);
  const voicemailStale = (settings.calls.voicemailMaxSeconds + 15 * 60) * 1000;
  return [now, STALE_MENU_MS / 1000, STALE_ANSWERED_MS / 1000, voicemailStale / 1000];
}

interface DueWork {
  voicemail: boolean;
  redirects: boolean;
  legs: boolean;
  stale: boolean;
  training: boolean;
  recordingDeletes: boolean;
  /** Calls in the queue, and how many of them were never rung (step 4). */
  waiting: number;
  unrung: number;
}

/** Which of the steps below have a row due, and how many calls wait in the queue, in one statement. */
async function dueWork(ctx: ServerContext, now: Date): Promise<DueWork> {
  const [due] = await ctx.db.query<DueWork>(
    `select exists (select 1 from calls where ${VOICEMAIL_DUE}) as voicemail,
            exists (select 1 from calls where ${REDIRECT_DUE}) as redirects,
            exists (select 1 from call_legs l join calls c on c.id = l.call_id where ${STALE_LEG}) as legs,
            exists (select 1 from calls where ${STALE_CALL}) as stale,
            exists (select 1 from calls where ${TRAINING_RINGING}) as training,
            exists (select 1 from recording_deletes where ${RECORDING_DELETE_DUE}) as "recordingDeletes",
            (select count(*)::int from calls where ${IN_QUEUE}) as waiting,
            (select count(*)::int from calls where ${IN_QUEUE} and ${UNRUNG}) as unrung`,
    await staleCallParams(ctx, now),
  );
  return (
    due ?? {
      voicemail: true,
      redirects: true,
      legs: true,
      stale: true,
      training: true,
      recordingDeletes: true,
      waiting: 1,
      unrung: 0,
    }
  );
}

interface TickReport {
  voicemail: number;
  redirectRetries: number;
  legsCancelled: number;
  /** Training calls whose trainee never answered, ended at their ring time-out. */
  trainingUnanswered: number;
  rung: number;
  swept: number;
  /** Provider recordings whose earlier delete failed, deleted now / failed again. */
  recordingDeletes: number;
  recordingDeleteFailures: number;
}

/** Claims due rows and applies `update` in one transaction; returns the claimed rows. */
async function claim(
  ctx: ServerContext,
  select: string,
  params: unknown[],
  update: string,
): Promise<CallRow[]> {
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query<CallsTable>(`${select} limit ${BATCH} for update skip locked`, params);
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    await tx.query(update, [ids, params[0]]);
    return rows.map(callFromRow);
  });
}

export async function tickCallTimers(ctx: ServerContext, now: Date = ctx.now()): Promise<TickReport> {
  // One step after another, in this order: a call moved to voicemail in step 1 is not a retry in step 2.
  // A step the probe found nothing for is skipped, unless an earlier step may have made rows due
  // for it in this tick (a call ended with its legs, a redirect failing for the last time).
  const due = await dueWork(ctx, now);
  const voicemail = due.voicemail ? await voicemailAtDeadline(ctx, now) : 0;
  const redirectRetries = due.redirects ? await retryFailedRedirects(ctx, now) : 0;
  const trainingUnanswered = due.training ? await endUnansweredTrainingCalls(ctx, now) : 0;
  const changed = voicemail + redirectRetries + trainingUnanswered > 0;
  const legsCancelled = due.legs || changed ? await cancelStaleLegs(ctx, now) : 0;
  const rung = await runQueueOnTick(ctx, due);
  const swept = due.stale || changed ? await sweepStaleCalls(ctx, now) : 0;
  // Recordings whose delete at the provider failed (lesson 16): retried with backoff.
  const deletes = due.recordingDeletes ? await retryRecordingDeletes(ctx, now) : { deleted: 0, failed: 0 };
  return {
    voicemail,
    redirectRetries,
    legsCancelled,
    trainingUnanswered,
    rung,
    swept,
    recordingDeletes: deletes.deleted,
    recordingDeleteFailures: deletes.failed,
  };
}

/** 1. Unanswered at the deadline → voicemail. moveToVoicemail's guarded UPDATE decides once. */
async function voicemailAtDeadline(ctx: ServerContext, now: Date): Promise<number> {
  let moved = 0;
  const due = await ctx.db.query<{ id: string }>(
    `select id from calls where ${VOICEMAIL_DUE} order by queue_deadline limit ${BATCH}`,
    [now],
  );
  for (const { id } of due) {
    const call = await moveToVoicemail(ctx, id, 'unanswered');
    if (!call) continue;
    moved += 1;
    await redirect(ctx, call, now);
  }
  return moved;
}

/** 2. Redirects that failed earlier (provider down or slow): try again, a few times. */
async function retryFailedRedirects(ctx: ServerContext, now: Date): Promise<number> {
  const retries = await claim(
    ctx,
    `select * from calls where ${REDIRECT_DUE} order by queue_deadline`,
    [now],
    `update calls set queue_deadline = $2::timestamptz + interval '${REDIRECT_RETRY_MS / 1000} seconds' where id = any($1::text[])`,
  );
  for (const call of retries) await redirect(ctx, call, now);
  return retries.length;
}

/** 3. Legs ringing past their deadline (the provider never said no-answer): cancel them. */
async function cancelStaleLegs(ctx: ServerContext, now: Date): Promise<number> {
  const staleLegs = await ctx.db.transaction(async (tx) => {
    const rows = await tx.query<CallLegsTable>(
      `select l.* from call_legs l join calls c on c.id = l.call_id where ${STALE_LEG}
        limit ${BATCH} for update of l skip locked`,
      [now],
    );
    if (rows.length)
      await tx.query(
        `update call_legs set status = case when provider_leg_id is null then 'failed' else 'canceled' end, ended_at = $2,
            releasing_since = case when provider_leg_id is null then null else $2::timestamptz end
          where id = any($1::text[])`,
        [rows.map((r) => r.id), now],
      );
    return rows.map(legFromRow);
  });
  const byCall = new Map<string, typeof staleLegs>();
  for (const leg of staleLegs) byCall.set(leg.callId, [...(byCall.get(leg.callId) ?? []), leg]);
  for (const [callId, legs] of byCall) {
    const call = await findCall(ctx.db, callId);
    if (call) await cancelAtProvider(ctx, call, legs);
  }
  return staleLegs.length;
}

/**
 * 4. The queue, every tick: queued calls whose process stopped before queueing them, volunteers
 * who came on shift or whose leg failed, legs the sweeper just cancelled. Reports the calls that
 * had waited unqueued (their process died) and are in the queue now. Counted by the tick's
 * probe: the steps before it only take calls out of the queue, never put one in.
 */
async function runQueueOnTick(ctx: ServerContext, due: DueWork): Promise<number> {
  // Nobody waiting and no leg to release (the steps before cancelled some: ringing.ts
  // releaseInNextRound): no round.
  if (Number(due.waiting) > 0 || releasesPending(ctx)) await runQueue(ctx);
  return Number(due.unrung);
}

/** 5. Stale calls: the end was never reported to us. */
async function sweepStaleCalls(ctx: ServerContext, now: Date): Promise<number> {
  const stale = await ctx.db.query<{ id: string }>(
    `select id from calls where ${STALE_CALL} limit ${BATCH}`,
    await staleCallParams(ctx, now),
  );
  let swept = 0;
  for (const { id } of stale) {
    if (await finishCall(ctx, id, { reason: 'stale', hangUpCaller: true })) swept += 1;
  }
  return swept;
}

async function redirect(ctx: ServerContext, call: CallRow, now: Date): Promise<void> {
  const outcome = await redirectToVoicemail(
    ctx,
    call,
    webhookUrl(ctx, call.provider, 'voicemail', { call: call.id }),
  );
  if (outcome === 'redirected') {
    await ctx.db.query('update calls set voicemail_redirected_at = $2 where id = $1', [call.id, now]);
  } else if (outcome === 'gone') {
    // The caller hung up before the voicemail prompt: nobody reached, no message.
    await finishCall(ctx, call.id, { reason: 'caller-gone', outcome: 'abandoned' });
  } else {
    await ctx.db.query(
      `update calls set redirect_attempts = redirect_attempts + 1, queue_deadline = $2 where id = $1`,
      [call.id, new Date(now.getTime() + REDIRECT_RETRY_MS)],
    );
  }
}

/**
 * Ticks every `intervalMs` (one tick at a time per process); returns a stop function. While
 * `ctx.callTimers.paused` (tests), nothing fires behind a test driving `tickCallTimers` itself.
 */
export function startCallTimers(ctx: ServerContext, intervalMs = 1000): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running || ctx.callTimers.paused) return;
    running = tickCallTimers(ctx, ctx.now())
      .catch((error: unknown) => ctx.log.error({ err: errorInfo(error) }, 'call timer tick failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
