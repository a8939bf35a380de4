import type { CallHistoryQuery, CallStatus, CallView, SealedEnvelopeView } from '@llamenos/protocol';
import { oneRow, type Queryable, returnsRow } from '../../db/database.js';
import { rowStatement } from '../../db/row-statement.js';
import { notFound } from '../../domain/errors.js';

/** A `calls` row as the database returns it (timestamps as Date, jsonb parsed). */
export interface CallsTable {
  id: string;
  provider: string;
  provider_call_id: string;
  hotline_number: string;
  caller_hash: string | null;
  caller_last4: string | null;
  status: CallStatus;
  language: string;
  answered_by: string | null;
  answered_leg_id: string | null;
  answered_at: Date | null;
  ended_at: Date | null;
  queue_deadline: Date | null;
  captcha_digits: string | null;
  captcha_input: string | null;
  voicemail_redirected_at: Date | null;
  redirect_attempts: number;
  reject_reason: string | null;
  /** Who answered, who was rung and the caller's hash, sealed for admins once the call ended (call-meta.ts). */
  meta_envelope: SealedEnvelopeView | null;
  /** A role-play call to one trainee (simulator/training.ts): never queued, never counted. */
  training: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A call as the router uses it. */
export interface CallRow {
  id: string;
  provider: string;
  providerCallId: string;
  hotlineNumber: string;
  callerHash: string | null;
  callerLast4: string | null;
  status: CallStatus;
  language: string;
  answeredBy: string | null;
  answeredLegId: string | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  queueDeadline: Date | null;
  captchaDigits: string | null;
  captchaInput: string;
  training: boolean;
  createdAt: Date;
}

export const ENDED_CALL = ['completed', 'voicemail', 'abandoned', 'rejected'] as const;

export const dateOrNull = (v: Date | string | null | undefined): Date | null =>
  v === null || v === undefined ? null : new Date(v);

export function callFromRow(r: CallsTable): CallRow {
  return {
    id: r.id,
    provider: r.provider,
    providerCallId: r.provider_call_id,
    hotlineNumber: r.hotline_number,
    callerHash: r.caller_hash ?? null,
    callerLast4: r.caller_last4 ?? null,
    status: r.status,
    language: r.language,
    answeredBy: r.answered_by ?? null,
    answeredLegId: r.answered_leg_id ?? null,
    answeredAt: dateOrNull(r.answered_at),
    endedAt: dateOrNull(r.ended_at),
    queueDeadline: dateOrNull(r.queue_deadline),
    captchaDigits: r.captcha_digits ?? null,
    captchaInput: r.captcha_input ?? '',
    training: Boolean(r.training),
    createdAt: new Date(r.created_at),
  };
}

export function callView(call: CallRow, hasVoicemail = false): CallView {
  return {
    id: call.id,
    provider: call.provider,
    hotlineNumber: call.hotlineNumber,
    callerLast4: call.callerLast4,
    status: call.status,
    language: call.language,
    answeredBy: call.answeredBy,
    answeredAt: call.answeredAt?.toISOString() ?? null,
    endedAt: call.endedAt?.toISOString() ?? null,
    createdAt: call.createdAt.toISOString(),
    queueDeadline: call.queueDeadline?.toISOString() ?? null,
    hasVoicemail,
    // Only when set: every other call's view is as it was.
    ...(call.training ? { training: true } : {}),
  };
}

export async function findCall(db: Queryable, id: string, forUpdate = false): Promise<CallRow | null> {
  return oneRow(db, `select * from calls where id = $1${forUpdate ? ' for update' : ''}`, [id], callFromRow);
}

/** The call a member's request names; a missing one is that request's not-found refusal. */
export async function requireCall(db: Queryable, id: string): Promise<CallRow> {
  const call = await findCall(db, id);
  if (!call) throw notFound('no such call');
  return call;
}

/** The call `provider` knows as `providerCallId` (its call SID, UUID or channel). */
export const findCallByProviderId = rowStatement(
  'select * from calls where provider = $1 and provider_call_id = $2',
  (provider: string, providerCallId: string) => [provider, providerCallId],
  callFromRow,
);

/** What the router checks of calls after writing their legs: their state, who answered, whether ended. */
export async function waitingStateOfCalls(
  db: Queryable,
  callIds: readonly string[],
): Promise<Map<string, Pick<CallRow, 'status' | 'answeredLegId' | 'endedAt'>>> {
  if (!callIds.length) return new Map();
  const rows = await db.query<Pick<CallsTable, 'id' | 'status' | 'answered_leg_id' | 'ended_at'>>(
    'select id, status, answered_leg_id, ended_at from calls where id = any($1::text[])',
    [callIds],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { status: r.status, answeredLegId: r.answered_leg_id ?? null, endedAt: dateOrNull(r.ended_at) },
    ]),
  );
}

/** Whether any call waits in the queue (queued or ringing, not answered, not ended). */
export async function anyCallWaiting(db: Queryable): Promise<boolean> {
  return returnsRow(
    db,
    `select id from calls where status in ('queued', 'ringing') and answered_by is null and ended_at is null limit 1`,
    [],
  );
}

/** Users on a live answered call: the shifts module must not ring them again. */
export async function busyUserIds(db: Queryable): Promise<Set<string>> {
  const rows = await db.query<{ answered_by: string }>(
    `select distinct answered_by from calls where status = 'answered' and ended_at is null and answered_by is not null`,
  );
  return new Set(rows.map((r) => r.answered_by));
}

/** The live call `userId` answered, if any (a volunteer is on one call at a time). */
export async function currentCallOf(db: Queryable, userId: string): Promise<CallRow | null> {
  return oneRow(
    db,
    `select * from calls where status = 'answered' and answered_by = $1 and ended_at is null order by answered_at desc limit 1`,
    [userId],
    callFromRow,
  );
}

/**
 * Waiting calls ringing for `userId` (a live leg of theirs), or every waiting call when `all`;
 * a training call only ever for its trainee (its one leg), never a supervisor's to take.
 */
export async function waitingCallsFor(db: Queryable, userId: string, all: boolean): Promise<CallRow[]> {
  const rows = await db.query<CallsTable>(
    `select c.* from calls c where c.status in ('queued', 'ringing')
       and (($2 and not c.training) or exists (select 1 from call_legs l where l.call_id = c.id and l.user_id = $1
                          and l.status in ('pending', 'queued', 'ringing', 'in-progress')))
     order by c.created_at limit 100`,
    [userId, all],
  );
  return rows.map(callFromRow);
}

/** A waiting call on the admins' queue board: oldest first, with the volunteers ringing for it. */
export interface QueuedCallRow {
  id: string;
  callerLast4: string | null;
  createdAt: Date;
  queueDeadline: Date | null;
  ringing: string[];
}

/** The queue as the board shows it: waiting calls (oldest 200) with who rings, and live answered calls. */
export async function queueBoardRows(db: Queryable): Promise<{
  waiting: QueuedCallRow[];
  onCalls: { id: string; answeredBy: string; answeredAt: Date }[];
}> {
  const waiting = await db.query<{
    id: string;
    caller_last4: string | null;
    created_at: Date;
    queue_deadline: Date | null;
    ringing: string[] | null;
  }>(
    `select c.id, c.caller_last4, c.created_at, c.queue_deadline,
            json_agg(distinct l.user_id) filter (where l.user_id is not null) as ringing
       from calls c left join call_legs l on l.call_id = c.id and l.status in ('pending', 'queued', 'ringing', 'in-progress')
      where c.status in ('queued', 'ringing') and c.answered_by is null and c.ended_at is null
        and not c.training
      group by c.id order by c.created_at, c.id limit 200`,
  );
  const onCalls = await db.query<{ id: string; answered_by: string; answered_at: Date }>(
    `select id, answered_by, answered_at from calls
      where status = 'answered' and ended_at is null and answered_by is not null order by answered_at`,
  );
  return {
    waiting: waiting.map((r) => ({
      id: r.id,
      callerLast4: r.caller_last4 ?? null,
      createdAt: new Date(r.created_at),
      queueDeadline: dateOrNull(r.queue_deadline),
      ringing: r.ringing ?? [],
    })),
    onCalls: onCalls.map((r) => ({
      id: r.id,
      answeredBy: r.answered_by,
      answeredAt: new Date(r.answered_at),
    })),
  };
}

/** One page of the call history, newest first, with whether each call left a voicemail. */
export async function callHistoryPage(
  db: Queryable,
  q: CallHistoryQuery,
): Promise<{
  total: number;
  calls: { call: CallRow; hasVoicemail: boolean; metaEnvelope: SealedEnvelopeView | null }[];
}> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.status) add('c.status = ?', q.status);
  if (q.since) add('c.created_at >= ?', new Date(q.since));
  if (q.until) add('c.created_at < ?', new Date(q.until));
  if (q.answeredBy) add('c.answered_by = ?', q.answeredBy);
  const filter = where.length ? `where ${where.join(' and ')}` : '';
  const [counted] = await db.query<{ total: number }>(
    `select count(*)::int as total from calls c ${filter}`,
    params,
  );
  const rows = await db.query<CallsTable & { has_voicemail: boolean }>(
    `select c.*, (v.call_id is not null) as has_voicemail from calls c left join voicemails v on v.call_id = c.id
      ${filter} order by c.created_at desc, c.id limit ${q.limit} offset ${q.offset}`,
    params,
  );
  return {
    total: Number(counted?.total ?? 0),
    calls: rows.map((r) => ({
      call: callFromRow(r),
      hasVoicemail: Boolean(r.has_voicemail),
      metaEnvelope: r.meta_envelope ?? null,
    })),
  };
}

/** The caller was sent to the recording prompt; the first time is kept. */
export async function markVoicemailRedirected(db: Queryable, callId: string, now: Date): Promise<void> {
  await db.query(
    'update calls set voicemail_redirected_at = coalesce(voicemail_redirected_at, $2) where id = $1',
    [callId, now],
  );
}
