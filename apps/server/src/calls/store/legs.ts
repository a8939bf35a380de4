import {
  type AuditHeadCache,
  type AuditInput,
  appendAuditInTx,
  finishGuessedAppend,
  guessedAppendParts,
} from '../../audit/service.js';
import { oneRow, type Queryable } from '../../db/database.js';
import { rowStatement } from '../../db/row-statement.js';
import { type SubscriptionRow, subscriptionsFromJson, subscriptionsOfUserJsonSql } from '../../push/store.js';
import { scheduleFingerprintSql } from '../../shifts/store.js';
import type { LegStatus } from '../../telephony/provider.js';
import { type CallRow, type CallsTable, callFromRow, dateOrNull } from './calls.js';

export type LegKind = 'phone' | 'browser';
/** A leg's state in our table: the provider's states, and 'pending' before the provider has it. */
export type LegRowStatus = 'pending' | LegStatus;

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

/**
 * A leg placed by a provider request (a phone, or a browser the provider's SDK rings), as
 * opposed to a browser the app rings itself (the simulated carrier): only a placed leg has a
 * provider side to cancel, webhooks about it, or a request in flight (pending).
 */
export const placedAtProvider = (leg: Pick<LegRow, 'kind' | 'providerLegId' | 'status'>): boolean =>
  leg.kind === 'phone' || leg.providerLegId !== null || leg.status === 'pending';
/** The same, in SQL over call_legs (before any change the statement makes). */
export const PLACED_AT_PROVIDER_SQL = `(kind = 'phone' or provider_leg_id is not null or status = 'pending')`;

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
  return oneRow(
    db,
    `select * from call_legs where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
    legFromRow,
  );
}

/**
 * The browser leg `userId` has on the call, live or not: one closed a moment ago by a faster
 * volunteer must still read as "someone else took it", which the answering compare-and-set decides.
 */
export async function browserLegOf(db: Queryable, callId: string, userId: string): Promise<LegRow | null> {
  return oneRow(
    db,
    `select * from call_legs where call_id = $1 and user_id = $2 and kind = 'browser' limit 1`,
    [callId, userId],
    legFromRow,
  );
}

/**
 * Marks the call's live legs other than `exceptLegId` canceled in the database and returns
 * them, so the caller can cancel them at the provider. Done in the database first: a leg whose
 * create request is still in flight sees the change when the provider answers and cancels itself.
 * Legs placed at the provider are marked releasing until the cancel has reached it (the next
 * queue round releases them: lockQueueWhenCallsWait).
 */
export async function closeLiveLegs(
  db: Queryable,
  callId: string,
  exceptLegId: string | null,
  now: Date,
): Promise<LegRow[]> {
  const rows = await db.query<CallLegsTable>(
    `update call_legs set status = 'canceled', ended_at = $3,
        releasing_since = case when ${PLACED_AT_PROVIDER_SQL} then $3::timestamptz else null end
      where call_id = $1 and ($2::text is null or id <> $2) and status in ('pending', 'queued', 'ringing', 'in-progress')
      returning *`,
    [callId, exceptLegId, now],
  );
  return rows.map(legFromRow);
}

/**
 * The WITH parts that close the live legs of the call `endedCte` returns, except `exceptLegSql`
 * (a parameter, null: none), inside the statement that answered or ended it, so closing them
 * costs no statement of its own (issue 12 §2). A leg another transaction holds locked (a
 * volunteer's press of 1 waiting for the call row this statement locked) is skipped, never
 * waited for: waiting there would deadlock with that press. `closedLegsColumnsSql` returns the
 * closed legs as JSON and whether any live leg was skipped: then the caller closes the rest
 * after the commit with closeLiveLegs, as every close was made before.
 */
export const closeLiveLegsSql = (endedCte: string, exceptLegSql: string, nowSql: string): string =>
  `live_legs as (
         select id from call_legs
          where call_id = (select id from ${endedCte}) and (${exceptLegSql}::text is null or id <> ${exceptLegSql})
            and status in ('pending', 'queued', 'ringing', 'in-progress')),
       closable_legs as (
         select id from call_legs where id in (select id from live_legs) for update skip locked),
       closed_legs as (
         update call_legs set status = 'canceled', ended_at = ${nowSql},
             releasing_since = case when ${PLACED_AT_PROVIDER_SQL} then ${nowSql}::timestamptz else null end
          where id in (select id from closable_legs) and status in ('pending', 'queued', 'ringing', 'in-progress')
          returning *)`;
export const closedLegsColumnsSql = `coalesce((select json_agg(closed_legs) from closed_legs), '[]'::json) as closed_legs,
         (select count(*) from live_legs) > (select count(*) from closed_legs) as legs_left`;

/** What closedLegsColumnsSql returns. */
export interface ClosedLegsColumns {
  closed_legs: unknown;
  legs_left: boolean;
}

/** The legs closed by closeLiveLegsSql, and whether some were skipped (left for closeLiveLegs). */
export function closedLegsFrom(row: ClosedLegsColumns): { legs: LegRow[]; left: boolean } {
  const raw = typeof row.closed_legs === 'string' ? JSON.parse(row.closed_legs) : (row.closed_legs ?? []);
  return { legs: (raw as CallLegsTable[]).map(legFromRow), left: row.legs_left };
}

/** The leg `provider` knows as `providerLegId` (an Asterisk channel, for instance). */
export const findLegByProviderLegId = rowStatement(
  `select l.* from call_legs l join calls c on c.id = l.call_id
      where l.provider_leg_id = $1 and c.provider = $2`,
  (provider: string, providerLegId: string) => [providerLegId, provider],
  legFromRow,
);

/** One leg to insert: which call, who is rung, how, and its first state (a phone leg is pending until placed). */
export interface NewLeg {
  id: string;
  callId: string;
  userId: string;
  kind: LegKind;
  status: 'pending' | 'ringing';
  ringDeadline: Date;
}

/** Audit entries to append in a statement of the caller's (audit/service.ts guessedAppendParts). */
export interface FoldedAudit {
  entries: readonly AuditInput[];
  head: AuditHeadCache;
}

/**
 * Inserts the legs of one queue round, for any number of calls, in one statement; in the same
 * statement the calls `queuedCallIds` move from queued to ringing (the round's first look at
 * them), whether or not they got a leg, each rung volunteer's Web Push subscriptions are read
 * (push/store.ts), so waking them costs no statement of its own, and the `audit` entries (the
 * round's calls.ringing) are appended on the kept head's guess (a wrong or missing guess appends
 * them after it, as appendAuditInTx does). Returns the legs in the order given, and the
 * subscriptions by user id.
 */
export async function insertRoundLegs(
  tx: Queryable,
  legs: readonly NewLeg[],
  now: Date,
  queuedCallIds: readonly string[] = [],
  audit?: FoldedAudit,
): Promise<{ legs: LegRow[]; pushSubscriptions: Map<string, SubscriptionRow[]> }> {
  const entries = audit?.entries ?? [];
  if (!legs.length && !queuedCallIds.length && !entries.length)
    return { legs: [], pushSubscriptions: new Map() };
  const params: unknown[] = [
    now,
    legs.map((l) => l.id),
    legs.map((l) => l.callId),
    legs.map((l) => l.userId),
    legs.map((l) => l.kind),
    legs.map((l) => l.status),
    // As text: the PostgreSQL driver sends a list of dates as one timestamp.
    legs.map((l) => l.ringDeadline.toISOString()),
    queuedCallIds,
  ];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  // The calls' rows are locked (moved) before the head, as when the entries were appended after.
  const folded = audit
    ? guessedAppendParts(entries, now, audit.head, param, '(select count(*) from moved) >= 0')
    : null;
  const rows = await tx.query<
    Partial<CallLegsTable> & {
      push_subscriptions?: unknown;
      audit_seq?: number | string | null;
      audit_hash?: string | null;
      audit_appended?: boolean;
    }
  >(
    `with moved as (
       update calls set status = 'ringing', updated_at = $1 where id = any($8::text[]) and status = 'queued'
       returning id),
     inserted as (
       insert into call_legs (id, call_id, user_id, kind, status, ring_deadline, created_at)
       select t.id, t.call_id, t.user_id, t.kind, t.status, t.ring_deadline::timestamptz, $1
         from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           as t(id, call_id, user_id, kind, status, ring_deadline)
       returning *)${folded ? `, ${folded.withSql}` : ''}
     ${
       legs.length
         ? `select inserted.*, ${subscriptionsOfUserJsonSql('inserted.user_id')} as push_subscriptions${folded ? `, ${folded.selectSql}` : ''}
       from inserted`
         : `select ${folded ? folded.selectSql : 'true as moved'}`
     }`,
    params,
  );
  if (folded && audit) await finishGuessedAppend(tx, entries, now, audit.head, rows[0]);
  else if (audit) for (const entry of entries) await appendAuditInTx(tx, entry, now, audit.head);
  const legRows = legs.length ? (rows as (CallLegsTable & { push_subscriptions: unknown })[]) : [];
  const byId = new Map(legRows.map((row) => [row.id, legFromRow(row)]));
  const pushSubscriptions = new Map(
    legRows.map((row) => [row.user_id ?? '', subscriptionsFromJson(row.push_subscriptions)]),
  );
  return { legs: legs.map((l) => byId.get(l.id)!), pushSubscriptions };
}

/** Inserts legs (a hand-over's, for instance) as insertRoundLegs does; returns them in the order given. */
export async function insertLegs(tx: Queryable, legs: readonly NewLeg[], now: Date): Promise<LegRow[]> {
  return (await insertRoundLegs(tx, legs, now)).legs;
}

/** A volunteer's leg as the queue sees it: ringing (or picked up) for a call, or still being cancelled. */
export interface LiveLeg {
  callId: string;
  userId: string;
  status: LegRowStatus;
}

/** How long a leg may stay "releasing" (its cancel never confirmed: the process stopped). */
const RELEASING_MS = 30_000;

/** What a queue round needs to know of the volunteers (queueSnapshot). */
export interface VolunteersState {
  /** Users on a live answered call, or the caller of a live training call: never rung until it ends. */
  busy: Set<string>;
  /**
   * Every volunteer's live legs (ringing, or picked up), and the legs closed whose cancel has
   * not reached the provider yet: their phone may still be ringing. A live leg of a call that
   * has just ended counts too (the call ends first, its legs are closed a moment later); the
   * tick's sweeper closes any left behind.
   */
  live: LiveLeg[];
  /**
   * The (call, volunteer) pairs not to offer again, for `callIds`: the volunteer declined
   * (busy), let it ring out (no-answer), hung up at "press 1" (completed), or could not be
   * reached (failed). Keys are `${callId} ${userId}`.
   */
  refused: Set<string>;
}

/** A call that waits for a volunteer: queued or ringing, nobody on it yet, not a training call. */
const WAITING_CALL = `status in ('queued', 'ringing') and answered_by is null and ended_at is null and not training`;

/** What a queue round plans from (queueSnapshot). */
export interface QueueSnapshot {
  /** The calls waiting for a volunteer, oldest first (at most the round's window). */
  waiting: CallRow[];
  /** Who is on a call, who rings for what, who refused which waiting call. */
  state: VolunteersState;
  /** The schedule's fingerprint for the window asked (shifts/store.ts scheduleFingerprintSql). */
  scheduleFingerprint: string;
}

/** The local dates of the schedule a round asks about (shifts/views.ts scheduleWindow). */
interface ScheduleDates {
  fromDate: string;
  toDate: string;
}

/**
 * The read a round plans from, as SQL: the waiting calls (those whose queue deadline has passed
 * are the timers' to send to voicemail), the volunteers' state, and the fingerprint of the
 * schedule for the local dates $2 to $3 (so the kept schedule is checked without a statement of
 * its own, shifts/cache.ts); $1 is now. The state and the fingerprint ride on the first waiting
 * call's row. `before` are WITH parts to put first, `columns` more columns; legs in the array
 * `releasedSql` are read as released already (released by this statement's own `before`).
 */
const snapshotSql = (window: number, before = '', columns = '', releasedSql = "'{}'::text[]") =>
  `with ${before}waiting as (
       select * from calls where ${WAITING_CALL} and (queue_deadline is null or queue_deadline > $1)
        order by created_at, id limit ${Math.trunc(window)}),
     state as (
       select coalesce(json_agg(json_build_array(s.what, s.user_id, s.call_id, s.status)), '[]'::json) as rows
         from (
           select distinct 'busy'::text as what, answered_by as user_id, id as call_id, null::text as status from calls
            where status = 'answered' and ended_at is null and answered_by is not null
           union all
           select 'busy', trainer_id, id, null::text from calls
            where training and ended_at is null and trainer_id is not null
           union all
           select 'live', user_id, call_id, status from call_legs
            where user_id is not null
              and (status in ('pending', 'queued', 'ringing', 'in-progress')
                   or (releasing_since > $1::timestamptz - interval '${RELEASING_MS / 1000} seconds'
                       and id <> all(${releasedSql})))
           union all
           select distinct 'refused', user_id, call_id, null::text from call_legs
            where call_id in (select id from waiting) and user_id is not null
              and status in ('busy', 'no-answer', 'failed', 'completed')
         ) s)
     select w.*,
            case when w.queue_rank = 1 then (select rows from state) end as volunteers_state,
            case when w.queue_rank = 1 then ${scheduleFingerprintSql('$2::text', '$3::text')} end
              as schedule_fingerprint${columns}
       from (select waiting.*, row_number() over (order by created_at, id) as queue_rank from waiting) w
      order by w.queue_rank`;

type SnapshotRow = CallsTable & { volunteers_state: unknown; schedule_fingerprint: string | null };

function snapshotFrom(rows: readonly SnapshotRow[]): QueueSnapshot {
  const state: VolunteersState = { busy: new Set(), live: [], refused: new Set() };
  const first = rows[0];
  if (!first) return { waiting: [], state, scheduleFingerprint: '' };
  const raw = first.volunteers_state;
  const stateRows = (typeof raw === 'string' ? JSON.parse(raw) : (raw ?? [])) as [
    'busy' | 'live' | 'refused',
    string,
    string,
    LegRowStatus | null,
  ][];
  for (const [what, userId, callId, status] of stateRows) {
    if (what === 'busy') state.busy.add(userId);
    else if (what === 'live') state.live.push({ callId, userId, status: status! });
    else state.refused.add(`${callId} ${userId}`);
  }
  return { waiting: rows.map(callFromRow), state, scheduleFingerprint: first.schedule_fingerprint ?? '' };
}

/**
 * The first statement of a queue round, in its transaction, and most often its only read:
 * releases the legs `released` (their cancel has reached the provider, or failed for good: their
 * volunteers are free), takes the queue's turn when any call waits for a volunteer, and reads
 * what the round plans from (snapshotSql). With nobody waiting it takes no lock and returns null.
 *
 * The turn is the row of call_queue_turn (written by the first round ever), locked by moving
 * its counter; every round that may offer someone holds it until it commits, so two rounds (of
 * any processes) never offer one volunteer two calls. The statement's read is from its snapshot,
 * taken before the lock is granted; the counter tells whether that snapshot is the newest a
 * round left: the upsert waits for a holder and moves the newest counter (a round that committed
 * while this one waited had moved it too), the plain read gives the snapshot's. When they differ (this round waited for another), the read is made
 * again under the lock (queueSnapshot). An advisory lock cannot tell this: hence the row.
 */
export async function takeQueueTurn(
  tx: Queryable,
  now: Date,
  window: number,
  schedule: ScheduleDates,
  released: readonly string[] = [],
): Promise<QueueSnapshot | null> {
  const release = released.length
    ? `released as (
         update call_legs set releasing_since = null where id = any($4::text[]) and releasing_since is not null),
       `
    : '';
  const rows = await tx.query<
    SnapshotRow & { turn_taken: number | string | null; turn_seen: number | string | null }
  >(
    snapshotSql(
      window,
      `${release}turn as (
         insert into call_queue_turn as t (id, turn)
         select 1, 1 where exists (select 1 from calls where ${WAITING_CALL})
         on conflict (id) do update set turn = t.turn + 1 returning turn),
       seen as (select coalesce((select turn from call_queue_turn where id = 1), 0) as turn),
       `,
      `,
            (select turn from turn) as turn_taken, (select turn from seen) as turn_seen`,
      released.length ? '$4::text[]' : undefined,
    ),
    released.length
      ? [now, schedule.fromDate, schedule.toDate, released]
      : [now, schedule.fromDate, schedule.toDate],
  );
  const first = rows[0];
  // Nobody waits (no lock taken), or the turn was taken but every waiting call is past its deadline.
  if (!first) return null;
  if (first.turn_taken !== null && Number(first.turn_taken) === Number(first.turn_seen) + 1)
    return snapshotFrom(rows);
  return queueSnapshot(tx, now, window, schedule);
}

/** The read a round plans from (snapshotSql), in a statement of its own: after takeQueueTurn waited. */
export async function queueSnapshot(
  tx: Queryable,
  now: Date,
  window: number,
  schedule: ScheduleDates,
): Promise<QueueSnapshot> {
  const rows = await tx.query<SnapshotRow>(snapshotSql(window), [now, schedule.fromDate, schedule.toDate]);
  return snapshotFrom(rows);
}

/** Records the provider's id for our leg the first time the provider names it. */
export async function bindProviderLeg(db: Queryable, legId: string, providerLegId: string): Promise<void> {
  await db.query('update call_legs set provider_leg_id = $2 where id = $1 and provider_leg_id is null', [
    legId,
    providerLegId,
  ]);
}

/** A placed leg's state after its write, with its call's state read in the same statement. */
export interface PlacedLegState {
  status: LegRowStatus;
  callId: string;
  call: Pick<CallRow, 'status' | 'answeredLegId' | 'endedAt'> | null;
}

/** One status callback of a volunteer leg, to write. */
export interface LegStatusWriteRow {
  legId: string;
  callId: string;
  status: LegStatus;
  providerLegId: string;
  at: Date;
}

/** Binds a value as the statement's next parameter and returns its placeholder ("$3"). */
type Param = (value: unknown) => string;

/**
 * A placed leg's write: its provider id, and `ringing` when the leg's own "ringing" callback
 * arrived before the write was sent (it rides along: a pending leg its call still wants moves
 * straight to ringing instead of queued, as the callback's own write would have moved it next).
 */
export interface PlacedLegWrite {
  legId: string;
  providerLegId: string;
  ringing?: boolean;
}

/** recordLegWrites' WITH part that stores the provider ids of placed legs. */
function placedLegsPart(placed: readonly PlacedLegWrite[], param: Param, now: Date): string {
  // Whether the leg's call still wants it; l.status is the leg as locked (a close committed
  // meanwhile is seen: that leg stays canceled and its closer does not cancel it at the provider).
  const wanted = `(c.status = 'ringing' or coalesce(c.answered_leg_id = l.id, false))`;
  const at = param(now);
  return `placed as (
       update call_legs l set provider_leg_id = v.provider_id,
           status = case when l.status = 'pending' and ${wanted} then coalesce(nullif(v.then_status, ''), 'queued')
                         when l.status in ('pending', 'queued', 'ringing') and not ${wanted} then 'canceled'
                         else l.status end,
           ended_at = case when l.status in ('pending', 'queued', 'ringing') and not ${wanted}
                           then coalesce(l.ended_at, ${at}::timestamptz) else l.ended_at end,
           releasing_since = case when l.status in ('pending', 'queued', 'ringing') and not ${wanted}
                                  then ${at}::timestamptz else l.releasing_since end
          from unnest(${param(placed.map((w) => w.legId))}::text[], ${param(placed.map((w) => w.providerLegId))}::text[],
                      ${param(placed.map((w) => (w.ringing ? 'ringing' : '')))}::text[])
            as v(leg_id, provider_id, then_status), calls c
         where l.id = v.leg_id and c.id = l.call_id
         returning 'placed'::text as part, l.*, c.status as call_status, c.answered_leg_id as call_answered_leg_id,
           c.ended_at as call_ended_at)`;
}

/** recordLegWrites' WITH part that writes leg status callbacks. */
function legStatusesPart(statuses: readonly LegStatusWriteRow[], param: Param): string {
  // The new values are named apart from call_legs' own columns: PLACED_AT_PROVIDER_SQL and the
  // guards below read the leg's state before this statement changes it.
  return `statuses as (
       update call_legs set status = v.new_status, provider_leg_id = coalesce(provider_leg_id, v.new_provider_id),
           ended_at = case when v.new_status in ('completed', 'busy', 'no-answer', 'failed', 'canceled')
                           then coalesce(ended_at, v.at::timestamptz) else ended_at end
          from unnest(${param(statuses.map((w) => w.legId))}::text[], ${param(statuses.map((w) => w.callId))}::text[],
                      ${param(statuses.map((w) => w.status))}::text[], ${param(statuses.map((w) => w.providerLegId))}::text[],
                      ${param(statuses.map((w) => w.at.toISOString()))}::text[])
            as v(leg_id, leg_call_id, new_status, new_provider_id, at)
         where id = v.leg_id and call_id = v.leg_call_id and ${PLACED_AT_PROVIDER_SQL}
           and (provider_leg_id is null or provider_leg_id = v.new_provider_id)
           and status not in ('completed', 'busy', 'no-answer', 'failed', 'canceled')
           and not (v.new_status in ('queued', 'ringing') and status = 'in-progress')
         returning 'status'::text as part, call_legs.*, null::text as call_status, null::text as call_answered_leg_id,
           null::timestamptz as call_ended_at)`;
}

/**
 * The writes of placed legs and of leg status callbacks, any number of each, in one statement:
 * `placed` (recordPlacedLegs) and `statuses` (recordLegStatuses) are two UPDATEs of call_legs in
 * one WITH. A leg must not be in both lists: one statement updates a row once (the caller's
 * group commit keys by leg id). Each part reads the legs as they were before the statement.
 */
export async function recordLegWrites(
  db: Queryable,
  writes: {
    placed?: readonly PlacedLegWrite[];
    statuses?: readonly LegStatusWriteRow[];
  },
  now: Date,
): Promise<{ placed: Map<string, PlacedLegState>; statuses: Map<string, LegRow> }> {
  const placed = writes.placed ?? [];
  const statuses = writes.statuses ?? [];
  const out = { placed: new Map<string, PlacedLegState>(), statuses: new Map<string, LegRow>() };
  if (!placed.length && !statuses.length) return out;
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const parts: string[] = [];
  if (placed.length) parts.push(placedLegsPart(placed, param, now));
  if (statuses.length) parts.push(legStatusesPart(statuses, param));
  const rows = await db.query<
    CallLegsTable & {
      part: 'placed' | 'status';
      call_status: CallRow['status'] | null;
      call_answered_leg_id: string | null;
      call_ended_at: Date | string | null;
    }
  >(
    `with ${parts.join(', ')}
     ${[placed.length ? 'select * from placed' : '', statuses.length ? 'select * from statuses' : '']
       .filter(Boolean)
       .join(' union all ')}`,
    params,
  );
  for (const r of rows) {
    if (r.part === 'status') {
      out.statuses.set(r.id, legFromRow(r));
      continue;
    }
    out.placed.set(r.id, {
      status: r.status,
      callId: r.call_id,
      call: r.call_status
        ? {
            status: r.call_status,
            answeredLegId: r.call_answered_leg_id ?? null,
            endedAt: dateOrNull(r.call_ended_at),
          }
        : null,
    });
  }
  return out;
}

/**
 * The provider accepted these legs (one queue round's, or several): each one's id is stored and,
 * in one statement that also reads their calls, a pending leg becomes queued if its call still
 * wants it (ringing, or answered on this leg) and is closed otherwise (canceled, releasing until
 * its cancel reaches the provider: the caller cancels it there). Returns each leg's status after
 * the write (canceled, too, when the call closed it while the request was in flight) and its
 * call's state, by leg id. The call is read in the statement's snapshot: a pick-up or an end
 * committed while it runs is not seen here, but the legs it closes then are closed after this
 * write (they wait for its row lock) with their provider ids, and cancelled at the provider by
 * whoever closed them (answer.ts, end.ts).
 */
export async function recordPlacedLegs(
  db: Queryable,
  placed: readonly { legId: string; providerLegId: string }[],
  now: Date,
): Promise<Map<string, PlacedLegState>> {
  return (await recordLegWrites(db, { placed }, now)).placed;
}

/**
 * Status callbacks of volunteer legs, any number in one statement. States only move forward (a
 * late "ringing" after "completed" changes nothing, nor does "ringing" after a pick-up), which
 * makes retried callbacks harmless; only legs placed at the provider take callbacks, and only
 * from the provider leg they were bound to. A final status stamps the end. Returns the legs
 * written, by id (a leg closed by us first is not among them).
 */
export async function recordLegStatuses(
  db: Queryable,
  writes: readonly LegStatusWriteRow[],
): Promise<Map<string, LegRow>> {
  return (await recordLegWrites(db, { statuses: writes }, new Date())).statuses;
}

/** A leg that could not be placed (or whose provider is unavailable) fails while still pending. */
export async function failPendingLegs(
  db: Queryable,
  where: { legId: string } | { callId: string },
  now: Date,
): Promise<void> {
  if ('legId' in where)
    await db.query(
      `update call_legs set status = 'failed', ended_at = $2 where id = $1 and status = 'pending'`,
      [where.legId, now],
    );
  else
    await db.query(
      // Only placed legs are ever pending (a browser the app rings starts ringing).
      `update call_legs set status = 'failed', ended_at = $2 where call_id = $1 and status = 'pending'`,
      [where.callId, now],
    );
}

/** How many volunteers were rung for the call (for the voicemail audit entry). */
export async function countLegs(db: Queryable, callId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from call_legs where call_id = $1', [
    callId,
  ]);
  return Number(row?.n ?? 0);
}

/**
 * A volunteer's leg picked up (the screening webhook), in one statement: the leg as `legFor`
 * checks it (this call's, placed at the provider, and the provider leg it was bound to, bound
 * now if not yet), marked in progress when it is a phone leg and its call still waits, with its
 * call's status. Null when the leg fails the checks. The returned leg is the row after the write.
 */
export async function pickUpLeg(
  db: Queryable,
  step: { callId: string; legId: string; providerLegId: string },
): Promise<{ leg: LegRow; callStatus: CallRow['status'] | null } | null> {
  const [row] = await db.query<CallLegsTable & { call_status: CallRow['status'] | null }>(
    `with waiting as (select status from calls where id = $2)
     update call_legs l set provider_leg_id = coalesce(l.provider_leg_id, $3),
         status = case when l.kind = 'phone' and l.status in ('pending', 'queued', 'ringing')
                            and (select status from waiting) in ('queued', 'ringing')
                       then 'in-progress' else l.status end
      where l.id = $1 and l.call_id = $2 and (l.provider_leg_id is null or l.provider_leg_id = $3)
        and (l.kind = 'phone' or l.provider_leg_id is not null or l.status = 'pending')
      returning l.*, (select status from waiting) as call_status`,
    [step.legId, step.callId, step.providerLegId],
  );
  return row ? { leg: legFromRow(row), callStatus: row.call_status ?? null } : null;
}
