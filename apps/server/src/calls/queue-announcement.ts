import type { HotlineSettings } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { scheduleFingerprintSql } from '../shifts/store.js';
import { eligibleVolunteers, type ReadSchedule, scheduleWindow } from '../shifts/views.js';
import type { CallRow } from './store.js';

/**
 * What a queued caller is told after "thank you for waiting" (settings `calls.queueAnnouncement`,
 * docs/CALLS.md "What the caller hears while waiting and on hold"): their place in line, or an
 * estimate of the wait. Only a caller in the queue hears it: a caller held by a volunteer is not
 * in line, and the wait document asks here only for queued and ringing calls.
 */
export type Announcement = { kind: 'position'; position: number } | { kind: 'wait'; seconds: number };

/** Fewer calls answered in the last hour than this, and a median says too little: the position is told instead. */
export const MIN_ANSWERED_FOR_ESTIMATE = 3;
/** The window of answered calls the estimate learns from: recent enough to reflect tonight's load. */
export const ESTIMATE_WINDOW_MS = 60 * 60 * 1000;
/** A call waits at most 600 s (queueTimeoutSeconds' maximum): calls answered in the window arrived at most this long before it. */
const LONGEST_QUEUE_MS = 600 * 1000;

/**
 * The callers ahead of this one in the queue, counted with the live board's notion of waiting
 * (store/calls.ts queueBoardRows: queued or ringing, nobody answered, not ended, not a training
 * call; served longest-waiting first, ties by id), in one statement.
 */
const AHEAD = `select count(*)::int as n from calls w
  where w.status in ('queued', 'ringing') and w.answered_by is null and w.ended_at is null and not w.training
    and (w.created_at < $2::timestamptz or (w.created_at = $2::timestamptz and w.id < $1))`;

/**
 * …and, in the same statement, how many calls were answered in the window, their median time to
 * answer, and the schedule's fingerprint (shifts/store.ts), so the kept schedule that says who is
 * on shift is checked without a statement of its own.
 */
const AHEAD_AND_HISTORY = `select (${AHEAD}) as ahead, h.answered, h.median_seconds,
       ${scheduleFingerprintSql('$5::text', '$6::text')} as schedule_fingerprint
  from (select count(*)::int as answered,
               percentile_cont(0.5) within group (order by extract(epoch from a.answered_at - a.created_at)) as median_seconds
          from calls a
         where a.created_at >= $4::timestamptz and a.answered_at >= $3::timestamptz and not a.training) h`;

export interface QueueFacts {
  position: number;
  answered: number;
  medianAnswerSeconds: number | null;
  /** The schedule as this statement read it, for the window of `timeZone` (with the history only). */
  schedule?: ReadSchedule;
}

/** The caller's place in line and, with `timeZone`, the last hour's history and the schedule's fingerprint. */
export async function queueFacts(
  db: Queryable,
  call: CallRow,
  now: Date,
  timeZone?: string,
): Promise<QueueFacts> {
  if (timeZone === undefined) {
    const [row] = await db.query<{ n: number }>(AHEAD, [call.id, call.createdAt]);
    return { position: 1 + Number(row?.n ?? 0), answered: 0, medianAnswerSeconds: null };
  }
  const since = new Date(now.getTime() - ESTIMATE_WINDOW_MS);
  const window = scheduleWindow(now, timeZone);
  const [row] = await db.query<{
    ahead: number;
    answered: number;
    median_seconds: number | string | null;
    schedule_fingerprint: string | null;
  }>(AHEAD_AND_HISTORY, [
    call.id,
    call.createdAt,
    since,
    new Date(since.getTime() - LONGEST_QUEUE_MS),
    window.fromDate,
    window.toDate,
  ]);
  return {
    position: 1 + Number(row?.ahead ?? 0),
    answered: Number(row?.answered ?? 0),
    medianAnswerSeconds:
      row?.median_seconds === null || row?.median_seconds === undefined ? null : Number(row.median_seconds),
    schedule: row?.schedule_fingerprint ? { ...window, fingerprint: row.schedule_fingerprint } : undefined,
  };
}

/**
 * The expected wait, in seconds, or null when the data are too thin to say (then the position is
 * told). The rule: the volunteers on shift serve the queue about `onShift` callers at a time, so
 * a caller at position N is in the ⌈N / onShift⌉-th such group, and each group waits about what
 * the calls answered in the last hour waited (their median time from arrival to answer). It is an
 * estimate, said as "about": it knows nothing of how long the calls in progress will last.
 */
export function estimateWaitSeconds(facts: QueueFacts, onShift: number): number | null {
  if (facts.answered < MIN_ANSWERED_FOR_ESTIMATE || facts.medianAnswerSeconds === null || onShift < 1)
    return null;
  return Math.ceil(facts.position / onShift) * Math.max(0, facts.medianAnswerSeconds);
}

/** What to tell this caller now, or null for nothing (the setting is off, or the call is not in the queue). */
export async function queueAnnouncement(
  ctx: ServerContext,
  call: CallRow,
  settings: HotlineSettings,
  now: Date,
): Promise<Announcement | null> {
  const mode = settings.calls.queueAnnouncement ?? 'off';
  if (mode === 'off') return null;
  if ((call.status !== 'queued' && call.status !== 'ringing') || call.answeredBy || call.endedAt) return null;
  const facts = await queueFacts(ctx.db, call, now, mode === 'wait' ? settings.timeZone : undefined);
  if (mode === 'wait') {
    // Everyone who serves the queue, busy or not, from the kept schedule (shifts/views.ts) checked
    // against the fingerprint read above: no statement unless the schedule changed.
    const onShift = (await eligibleVolunteers(ctx, now, new Set(), ctx.db, facts.schedule)).userIds.length;
    const seconds = estimateWaitSeconds(facts, onShift);
    if (seconds !== null) return { kind: 'wait', seconds };
  }
  return { kind: 'position', position: facts.position };
}
