import type { CallStatus, CallView } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';

/** A calls row as the router uses it. */
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
  createdAt: Date;
}

export type LegKind = 'phone' | 'browser';
export type LegRowStatus =
  | 'pending'
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled';

export interface LegRow {
  id: string;
  callId: string;
  /** Null once the call has ended and who was rung is sealed into the call's metadata. */
  userId: string | null;
  kind: LegKind;
  providerLegId: string | null;
  status: LegRowStatus;
  ringDeadline: Date;
  createdAt: Date;
  endedAt: Date | null;
}

/** Leg states after which nothing changes. */
export const FINAL_LEG = ['completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
export const LIVE_LEG = ['pending', 'queued', 'ringing', 'in-progress'] as const;
/** Call states in which the caller has not reached anyone yet. */
export const WAITING = ['queued', 'ringing'] as const;
export const BEFORE_QUEUE = ['arriving', 'captcha'] as const;
export const ENDED_CALL = ['completed', 'voicemail', 'abandoned', 'rejected'] as const;

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

export function callFromRow(r: Record<string, unknown>): CallRow {
  return {
    id: r.id as string,
    provider: r.provider as string,
    providerCallId: r.provider_call_id as string,
    hotlineNumber: r.hotline_number as string,
    callerHash: (r.caller_hash as string | null) ?? null,
    callerLast4: (r.caller_last4 as string | null) ?? null,
    status: r.status as CallStatus,
    language: r.language as string,
    answeredBy: (r.answered_by as string | null) ?? null,
    answeredLegId: (r.answered_leg_id as string | null) ?? null,
    answeredAt: date(r.answered_at),
    endedAt: date(r.ended_at),
    queueDeadline: date(r.queue_deadline),
    captchaDigits: (r.captcha_digits as string | null) ?? null,
    captchaInput: (r.captcha_input as string | null) ?? '',
    createdAt: new Date(r.created_at as string),
  };
}

export function legFromRow(r: Record<string, unknown>): LegRow {
  return {
    id: r.id as string,
    callId: r.call_id as string,
    userId: (r.user_id as string | null) ?? null,
    kind: r.kind as LegKind,
    providerLegId: (r.provider_leg_id as string | null) ?? null,
    status: r.status as LegRowStatus,
    ringDeadline: new Date(r.ring_deadline as string),
    createdAt: new Date(r.created_at as string),
    endedAt: date(r.ended_at),
  };
}

export async function findCall(db: Queryable, id: string, forUpdate = false): Promise<CallRow | null> {
  const [row] = await db.query(`select * from calls where id = $1${forUpdate ? ' for update' : ''}`, [id]);
  return row ? callFromRow(row) : null;
}

export async function findCallByProviderId(
  db: Queryable,
  provider: string,
  providerCallId: string,
): Promise<CallRow | null> {
  const [row] = await db.query('select * from calls where provider = $1 and provider_call_id = $2', [
    provider,
    providerCallId,
  ]);
  return row ? callFromRow(row) : null;
}

export async function findLeg(db: Queryable, id: string, forUpdate = false): Promise<LegRow | null> {
  const [row] = await db.query(`select * from call_legs where id = $1${forUpdate ? ' for update' : ''}`, [
    id,
  ]);
  return row ? legFromRow(row) : null;
}

export async function legsOf(db: Queryable, callId: string): Promise<LegRow[]> {
  const rows = await db.query('select * from call_legs where call_id = $1 order by created_at, id', [callId]);
  return rows.map(legFromRow);
}

/** Users on a live answered call: the shifts module must not ring them again. */
export async function busyUserIds(db: Queryable): Promise<Set<string>> {
  const rows = await db.query<{ answered_by: string }>(
    `select distinct answered_by from calls where status = 'answered' and ended_at is null and answered_by is not null`,
  );
  return new Set(rows.map((r) => r.answered_by));
}

/**
 * Marks the call's live legs other than `exceptLegId` canceled in the database and returns
 * them, so the caller can cancel them at the provider. Done in the database first: a leg whose
 * create request is still in flight sees the change when the provider answers and cancels itself.
 */
export async function closeLiveLegs(
  db: Queryable,
  callId: string,
  exceptLegId: string | null,
  now: Date,
): Promise<LegRow[]> {
  const rows = await db.query(
    `update call_legs set status = 'canceled', ended_at = $3
      where call_id = $1 and ($2::text is null or id <> $2) and status in ('pending', 'queued', 'ringing', 'in-progress')
      returning *`,
    [callId, exceptLegId, now],
  );
  return rows.map(legFromRow);
}

/** True the first time (provider, key) is seen: the effect guarded by it happens once. */
export async function claimReceipt(
  db: Queryable,
  provider: string,
  key: string,
  now: Date,
): Promise<boolean> {
  const rows = await db.query(
    `insert into webhook_receipts (provider, dedupe_key, received_at) values ($1, $2, $3)
     on conflict do nothing returning dedupe_key`,
    [provider, key, now],
  );
  return rows.length > 0;
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
  };
}
