import type { Queryable } from '../../db/database.js';
import { dateOrNull } from './calls.js';

export type LegKind = 'phone' | 'browser';
type LegRowStatus =
  | 'pending'
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled';

/** A `call_legs` row as the database returns it. */
export interface CallLegsTable {
  id: string;
  call_id: string;
  user_id: string | null;
  kind: LegKind;
  provider_leg_id: string | null;
  status: LegRowStatus;
  ring_deadline: Date;
  created_at: Date;
  ended_at: Date | null;
}

/** One volunteer rung for a call. */
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

export function legFromRow(r: CallLegsTable): LegRow {
  return {
    id: r.id,
    callId: r.call_id,
    userId: r.user_id ?? null,
    kind: r.kind,
    providerLegId: r.provider_leg_id ?? null,
    status: r.status,
    ringDeadline: new Date(r.ring_deadline),
    createdAt: new Date(r.created_at),
    endedAt: dateOrNull(r.ended_at),
  };
}

export async function findLeg(db: Queryable, id: string, forUpdate = false): Promise<LegRow | null> {
  const [row] = await db.query<CallLegsTable>(
    `select * from call_legs where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return row ? legFromRow(row) : null;
}

/**
 * The browser leg `userId` has on the call, live or not: one closed a moment ago by a faster
 * volunteer must still read as "someone else took it", which the answering compare-and-set decides.
 */
export async function browserLegOf(db: Queryable, callId: string, userId: string): Promise<LegRow | null> {
  const [row] = await db.query<CallLegsTable>(
    `select * from call_legs where call_id = $1 and user_id = $2 and kind = 'browser' limit 1`,
    [callId, userId],
  );
  return row ? legFromRow(row) : null;
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
  const rows = await db.query<CallLegsTable>(
    `update call_legs set status = 'canceled', ended_at = $3
      where call_id = $1 and ($2::text is null or id <> $2) and status in ('pending', 'queued', 'ringing', 'in-progress')
      returning *`,
    [callId, exceptLegId, now],
  );
  return rows.map(legFromRow);
}

/** The leg `provider` knows as `providerLegId` (an Asterisk channel, for instance). */
export async function findLegByProviderLegId(
  db: Queryable,
  provider: string,
  providerLegId: string,
): Promise<LegRow | null> {
  const [row] = await db.query<CallLegsTable>(
    `select l.* from call_legs l join calls c on c.id = l.call_id
      where l.provider_leg_id = $1 and c.provider = $2`,
    [providerLegId, provider],
  );
  return row ? legFromRow(row) : null;
}
