import { WAIT_TIME_BOUNDS_SECONDS } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';

/**
 * The stats module's SQL. It owns no table: it only reads, in aggregate, what other modules
 * already keep in plaintext: the calls' status and times (calls), the conversations' and
 * outbound messages' times and authors (conversations), the audit log's `calls.answered` and
 * `calls.ended` entries (who took a call and for how long, kept there for accountability), the
 * settings document, and whether invites, shifts, provider numbers exist. No sealed column is
 * read. Per-volunteer call figures come from the audit log because the call row forgets who
 * answered once the call ends (calls/call-meta.ts); reading the audit log re-links nothing that
 * an `audit:read` holder cannot already see.
 *
 * Buckets are given as instants (`bounds`, computed in the hotline's time zone by the service,
 * sent as ISO text since both drivers pass a text[] alike): `width_bucket(t, bounds)` is k for
 * bounds[k-1] <= t < bounds[k], so a day bucket is a local day even when it lasts 23 or 25 hours.
 */

const n = (v: unknown): number => Number(v ?? 0);

export interface CallBucketRow {
  bucket: number;
  total: number;
  answered: number;
  voicemail: number;
  abandoned: number;
  rejected: number;
}

/** Calls counted by arrival (`created_at`) per bucket, by outcome. */
export async function callsPerBucket(db: Queryable, bounds: Date[]): Promise<CallBucketRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `select width_bucket(created_at, $1::text[]::timestamptz[]) as bucket,
            count(*) as total,
            count(*) filter (where answered_at is not null) as answered,
            count(*) filter (where status = 'voicemail') as voicemail,
            count(*) filter (where status = 'abandoned'
                               or (status = 'completed' and answered_at is null)) as abandoned,
            count(*) filter (where status = 'rejected') as rejected
       from calls
      where created_at >= $2 and created_at < $3 and not training
      group by 1`,
    [bounds.map((b) => b.toISOString()), bounds[0], bounds.at(-1)],
  );
  return rows.map((r) => ({
    bucket: n(r.bucket),
    total: n(r.total),
    answered: n(r.answered),
    voicemail: n(r.voicemail),
    abandoned: n(r.abandoned),
    rejected: n(r.rejected),
  }));
}

export interface ConversationBucketRow {
  bucket: number;
  opened: number;
  closed: number;
}

/** Conversations begun per bucket, and those whose latest close falls in a bucket. */
export async function conversationsPerBucket(
  db: Queryable,
  bounds: Date[],
): Promise<ConversationBucketRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `select bucket, sum(opened) as opened, sum(closed) as closed from (
        select width_bucket(created_at, $1::text[]::timestamptz[]) as bucket, 1 as opened, 0 as closed
          from conversations where created_at >= $2 and created_at < $3
        union all
        select width_bucket(closed_at, $1::text[]::timestamptz[]), 0, 1
          from conversations where status = 'closed' and closed_at >= $2 and closed_at < $3
      ) t group by bucket`,
    [bounds.map((b) => b.toISOString()), bounds[0], bounds.at(-1)],
  );
  return rows.map((r) => ({ bucket: n(r.bucket), opened: n(r.opened), closed: n(r.closed) }));
}

export interface WaitTimeRows {
  /** Count per histogram bin, index 0 … WAIT_TIME_BOUNDS_SECONDS.length. */
  bins: number[];
  median: number | null;
  average: number | null;
}

/** Seconds from arrival to answer of the calls answered that arrived in the period. */
export async function waitTimes(db: Queryable, from: Date, to: Date): Promise<WaitTimeRows> {
  // Constants of the protocol, not input: written into the statement as numbers.
  const bounds = `array[${WAIT_TIME_BOUNDS_SECONDS.join(',')}]::float8[]`;
  const wait = 'greatest(extract(epoch from (answered_at - created_at)), 0)::float8';
  const [binRows, [summary]] = await Promise.all([
    db.query<Record<string, unknown>>(
      `select width_bucket(${wait}, ${bounds}) as bin, count(*) as count
         from calls where answered_at is not null and created_at >= $1 and created_at < $2 and not training
        group by 1`,
      [from, to],
    ),
    db.query<Record<string, unknown>>(
      `select percentile_cont(0.5) within group (order by ${wait}) as median, avg(${wait}) as average
         from calls where answered_at is not null and created_at >= $1 and created_at < $2 and not training`,
      [from, to],
    ),
  ]);
  const bins = new Array<number>(WAIT_TIME_BOUNDS_SECONDS.length + 1).fill(0);
  for (const r of binRows) bins[n(r.bin)] = n(r.count);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { bins, median: num(summary?.median), average: num(summary?.average) };
}

export interface VolunteerRow {
  userId: string;
  displayName: string | null;
  callsAnswered: number;
  talkSeconds: number;
  conversationsHandled: number;
}

/**
 * Per member: calls they answered in the period (the audit log's `calls.answered`, by the time
 * of the answer), the talk time of those calls (`answeredSeconds` of the call's `calls.ended`
 * entry; a call still live counts no time yet), and the conversations they replied in.
 */
export async function volunteerActivity(db: Queryable, from: Date, to: Date): Promise<VolunteerRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `with answered as (
        select a.details->>'answeredBy' as user_id,
               count(*) as calls,
               coalesce(sum((e.details->>'answeredSeconds')::bigint), 0) as talk
          from audit_log a
          left join audit_log e
            on e.action = 'calls.ended' and e.created_at >= a.created_at
           and e.details->>'callId' = a.details->>'callId'
         where a.action = 'calls.answered' and a.created_at >= $1 and a.created_at < $2
           and not exists (select 1 from calls t where t.id = a.details->>'callId' and t.training)
         group by 1),
      replied as (
        select author as user_id, count(distinct conversation_id) as conversations
          from conversation_messages
         where direction = 'out' and author is not null and created_at >= $1 and created_at < $2
         group by 1)
     select coalesce(a.user_id, r.user_id) as user_id, u.display_name,
            coalesce(a.calls, 0) as calls, coalesce(a.talk, 0) as talk,
            coalesce(r.conversations, 0) as conversations
       from answered a
       full join replied r on r.user_id = a.user_id
       left join users u on u.id = coalesce(a.user_id, r.user_id)
      where coalesce(a.user_id, r.user_id) is not null
      order by calls desc, conversations desc, user_id`,
    [from, to],
  );
  return rows.map((r) => ({
    userId: String(r.user_id),
    displayName: r.display_name === null || r.display_name === undefined ? null : String(r.display_name),
    callsAnswered: n(r.calls),
    talkSeconds: n(r.talk),
    conversationsHandled: n(r.conversations),
  }));
}

export interface SetupFacts {
  /** Settings sections an admin has saved a change to (audit `settings.changed`). */
  savedSections: Set<string>;
  otherMembers: number;
  invites: number;
  shifts: number;
  providerNumbers: number;
  calls: number;
}

/** What the first-run checklist is derived from: existence checks, each a cheap `exists`/count. */
export async function setupFacts(db: Queryable, me: string): Promise<SetupFacts> {
  const [row] = await db.query<Record<string, unknown>>(
    `select
        (select count(*) from users where active and id <> $1) as other_members,
        (select count(*) from invites) as invites,
        (select count(*) from shifts) as shifts,
        (select count(*) from provider_credentials where jsonb_array_length(phone_numbers) > 0) as provider_numbers,
        (select count(*) from (select 1 from calls limit 1) c) as calls,
        (select coalesce(jsonb_agg(distinct s.section), '[]'::jsonb)
           from audit_log a, jsonb_array_elements_text(
                  case when jsonb_typeof(a.details->'changed') = 'array' then a.details->'changed' else '[]'::jsonb end
                ) as s(section)
          where a.action = 'settings.changed'
            and s.section in ('hotlineName', 'timeZone')) as saved_sections`,
    [me],
  );
  const saved = (row?.saved_sections ?? []) as string[];
  return {
    savedSections: new Set(typeof saved === 'string' ? (JSON.parse(saved) as string[]) : saved),
    otherMembers: n(row?.other_members),
    invites: n(row?.invites),
    shifts: n(row?.shifts),
    providerNumbers: n(row?.provider_numbers),
    calls: n(row?.calls),
  };
}
