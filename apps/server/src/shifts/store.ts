import type { RingGroupView, ShiftExceptionView, ShiftView } from '@llamenos/protocol';
import { type Queryable, returnsRow } from '../db/database.js';
import type { ExceptionRule, ShiftRule } from './on-shift.js';

/** The shift tables: reads shaped as the protocol's views, then the plain writes service.ts makes. */

const iso = (value: Date | string): string => new Date(value).toISOString();

/** The two member lists: a shift's assignments and a ring group's members, by their owner column. */
type MemberTable = 'shift_assignments' | 'ring_group_members';
const OWNER_COLUMN: Record<MemberTable, string> = {
  shift_assignments: 'shift_id',
  ring_group_members: 'group_id',
};

/** Each owner's users, in user id order: of the owner `id`, or of every owner. */
async function membersByOwner(
  db: Queryable,
  table: MemberTable,
  id?: string,
): Promise<Map<string, string[]>> {
  const column = OWNER_COLUMN[table];
  const rows = await db.query<{ key: string; user_id: string }>(
    `select ${column} as key, user_id from ${table} ${id ? `where ${column} = $1` : ''} order by user_id`,
    id ? [id] : [],
  );
  const map = new Map<string, string[]>();
  for (const r of rows) map.set(r.key, [...(map.get(r.key) ?? []), r.user_id]);
  return map;
}

interface ShiftRow {
  id: string;
  name: string;
  weekday: number;
  start_time: string;
  duration_minutes: number;
  ring_group_id: string | null;
  active: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

export async function listShifts(db: Queryable, id?: string): Promise<ShiftView[]> {
  const rows = await db.query<ShiftRow>(
    `select * from shifts ${id ? 'where id = $1' : ''} order by weekday, start_time, name, id`,
    id ? [id] : [],
  );
  const members = await membersByOwner(db, 'shift_assignments', id);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    weekday: Number(r.weekday),
    start: r.start_time,
    durationMinutes: Number(r.duration_minutes),
    ringGroupId: r.ring_group_id,
    active: r.active,
    userIds: members.get(r.id) ?? [],
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  }));
}

export async function getShift(db: Queryable, id: string): Promise<ShiftView | null> {
  return (await listShifts(db, id))[0] ?? null;
}

interface RingGroupRow {
  id: string;
  name: string;
  is_fallback: boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

export async function listRingGroups(db: Queryable, id?: string): Promise<RingGroupView[]> {
  const rows = await db.query<RingGroupRow>(
    `select * from ring_groups ${id ? 'where id = $1' : ''} order by name, id`,
    id ? [id] : [],
  );
  const members = await membersByOwner(db, 'ring_group_members', id);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    isFallback: r.is_fallback,
    userIds: members.get(r.id) ?? [],
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  }));
}

interface ExceptionRow {
  id: string;
  date: string;
  shift_id: string | null;
  kind: ShiftExceptionView['kind'];
  user_out: string | null;
  user_in: string | null;
  note: string;
  created_at: Date | string;
}

/** Exceptions dated from `from` to `to`, both included ("YYYY-MM-DD" compares as text). */
export async function listExceptions(db: Queryable, from: string, to: string): Promise<ShiftExceptionView[]> {
  const rows = await db.query<ExceptionRow>(
    'select * from shift_exceptions where date >= $1 and date <= $2 order by date, created_at, id',
    [from, to],
  );
  return rows.map((r) => ({
    id: r.id,
    date: r.date,
    shiftId: r.shift_id,
    kind: r.kind,
    userOut: r.user_out,
    userIn: r.user_in,
    note: r.note,
    createdAt: iso(r.created_at),
  }));
}

/** The schedule as the pure on-shift rules take it, with ring-group members merged into each shift. */
export interface Rules {
  shifts: (ShiftRule & { name: string })[];
  exceptions: ExceptionRule[];
  fallbackUserIds: string[];
}

export async function loadRules(db: Queryable, fromDate: string, toDate: string): Promise<Rules> {
  // One after another: inside a transaction a connection runs one statement at a time anyway.
  const shifts = await listShifts(db);
  const groups = await listRingGroups(db);
  const exceptions = await listExceptions(db, fromDate, toDate);
  const groupMembers = new Map(groups.map((g) => [g.id, g.userIds]));
  return {
    shifts: shifts.map((s) => ({
      id: s.id,
      name: s.name,
      weekday: s.weekday,
      start: s.start,
      durationMinutes: s.durationMinutes,
      active: s.active,
      userIds: [...new Set([...s.userIds, ...((s.ringGroupId && groupMembers.get(s.ringGroupId)) || [])])],
    })),
    exceptions,
    fallbackUserIds: groups.find((g) => g.isFallback)?.userIds ?? [],
  };
}

// Writes. The rules (who may, what must exist, the audit entry) live in service.ts.

/** The ids among `userIds` that are registered users. */
export async function existingUserIds(db: Queryable, userIds: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ id: string }>('select id from users where id = any($1::text[])', [userIds]);
  return new Set(rows.map((r) => r.id));
}

export async function ringGroupExists(db: Queryable, id: string): Promise<boolean> {
  return returnsRow(db, 'select 1 from ring_groups where id = $1', [id]);
}

/** The weekday a shift starts on, or null when there is no such shift. */
export async function shiftWeekday(db: Queryable, id: string): Promise<number | null> {
  const [row] = await db.query<{ weekday: number }>('select weekday from shifts where id = $1', [id]);
  return row ? Number(row.weekday) : null;
}

/** Replaces the users of a shift (its assignments) or of a ring group (its members). */
export async function replaceMembers(
  tx: Queryable,
  table: MemberTable,
  id: string,
  userIds: readonly string[],
): Promise<void> {
  const column = OWNER_COLUMN[table];
  await tx.query(`delete from ${table} where ${column} = $1`, [id]);
  if (userIds.length)
    await tx.query(`insert into ${table} (${column}, user_id) select $1, u from unnest($2::text[]) as u`, [
      id,
      userIds,
    ]);
}

/** A shift's own columns (its users are replaceMembers'). */
export type ShiftFields = Pick<
  ShiftView,
  'name' | 'weekday' | 'start' | 'durationMinutes' | 'ringGroupId' | 'active'
>;

export async function insertShift(tx: Queryable, id: string, s: ShiftFields, now: Date): Promise<void> {
  await tx.query(
    `insert into shifts (id, name, weekday, start_time, duration_minutes, ring_group_id, active, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [id, s.name, s.weekday, s.start, s.durationMinutes, s.ringGroupId, s.active, now],
  );
}

export async function updateShiftRow(tx: Queryable, id: string, s: ShiftFields, now: Date): Promise<void> {
  await tx.query(
    `update shifts set name = $2, weekday = $3, start_time = $4, duration_minutes = $5, ring_group_id = $6,
       active = $7, updated_at = $8 where id = $1`,
    [id, s.name, s.weekday, s.start, s.durationMinutes, s.ringGroupId, s.active, now],
  );
}

/** Marks the shift changed when only its assignments did. */
export async function touchShift(tx: Queryable, id: string, now: Date): Promise<void> {
  await tx.query('update shifts set updated_at = $2 where id = $1', [id, now]);
}

/** Deletes a row by id from one of the shift tables; false when there was none. */
export async function deleteById(
  tx: Queryable,
  table: 'shifts' | 'ring_groups' | 'shift_exceptions',
  id: string,
): Promise<boolean> {
  return returnsRow(tx, `delete from ${table} where id = $1 returning id`, [id]);
}

export async function insertRingGroup(
  tx: Queryable,
  id: string,
  group: { name: string; isFallback: boolean },
  now: Date,
): Promise<void> {
  await tx.query(
    'insert into ring_groups (id, name, is_fallback, created_at, updated_at) values ($1, $2, $3, $4, $4)',
    [id, group.name, group.isFallback, now],
  );
}

export async function updateRingGroupRow(
  tx: Queryable,
  id: string,
  group: { name: string; isFallback: boolean },
  now: Date,
): Promise<void> {
  await tx.query('update ring_groups set name = $2, is_fallback = $3, updated_at = $4 where id = $1', [
    id,
    group.name,
    group.isFallback,
    now,
  ]);
}

export async function insertException(
  tx: Queryable,
  id: string,
  e: {
    date: string;
    shiftId: string | null;
    kind: string;
    userOut: string | null;
    userIn: string | null;
    note: string;
  },
  createdBy: string | null,
  now: Date,
): Promise<void> {
  await tx.query(
    `insert into shift_exceptions (id, date, shift_id, kind, user_out, user_in, note, created_at, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, e.date, e.shiftId, e.kind, e.userOut, e.userIn, e.note, now, createdBy],
  );
}

// The call path's kept copy of the schedule (cache.ts).

/** The users the schedule names (assignments, ring groups, exceptions in the window): who may be rung. */
/**
 * The users the schedule names (assignments, ring groups, exceptions in the window from the
 * `from` to the `to` date parameter): who may be rung.
 */
const namedUsersSql = (from: string, to: string) => `select user_id as id from shift_assignments
  union select user_id from ring_group_members
  union select user_in from shift_exceptions where date >= ${from} and date <= ${to} and user_in is not null`;

/** Count and sum of row hashes: moves with any insert, update or delete of the rows it covers. */
const rowsDigest = (rows: string, from: string) =>
  `(select count(*) || ':' || coalesce(sum(hashtext(${rows})::bigint), 0) from ${from})`;

/**
 * A text expression that changes whenever anything the queue round reads of the schedule
 * does: the shift tables (exceptions of the window between the date parameters `from` and
 * `to`, e.g. '$2::text'), and the columns of the named users that decide whether and how they are
 * rung. Hashes of the rows' content, not of their versions, so a vacuum or a rewrite does not
 * move it; a change it misses would need two 32-bit hash sums to collide. An expression, not
 * only a statement, so that the queue round reads it in the statement that reads the
 * volunteers' state (calls/store/legs.ts queueSnapshot): one round trip less per round.
 */
export const scheduleFingerprintSql = (from: string, to: string): string =>
  `(with named as (${namedUsersSql(from, to)})
     select concat_ws('|',
       ${rowsDigest('t::text', 'shifts t')},
       ${rowsDigest('t::text', 'shift_assignments t')},
       ${rowsDigest('t::text', 'ring_groups t')},
       ${rowsDigest('t::text', 'ring_group_members t')},
       ${rowsDigest('t::text', `shift_exceptions t where date >= ${from} and date <= ${to}`)},
       ${rowsDigest("concat_ws(',', u.id, u.active, u.on_break, u.phone_enc, u.call_preference)", 'users u join named n on n.id = u.id')}
     ))`;

/** The schedule's fingerprint (scheduleFingerprintSql) for the local dates `fromDate` to `toDate`, in one short statement. */
export async function scheduleFingerprint(db: Queryable, fromDate: string, toDate: string): Promise<string> {
  const [row] = await db.query<{ fingerprint: string }>(
    `select ${scheduleFingerprintSql('$1::text', '$2::text')} as fingerprint`,
    [fromDate, toDate],
  );
  return row?.fingerprint ?? '';
}

/** A user the schedule names, as the queue round needs them: may they be rung, and how. */
export interface ScheduledUser {
  id: string;
  /** Active and not on break. */
  available: boolean;
  phoneEnc: string | null;
  callPreference: string;
}

/** The users among `userIds`, by id, with what decides whether and how they are rung. */
export async function scheduledUsers(
  db: Queryable,
  userIds: readonly string[],
): Promise<Map<string, ScheduledUser>> {
  if (!userIds.length) return new Map();
  const rows = await db.query<{
    id: string;
    available: boolean;
    phone_enc: string | null;
    call_preference: string;
  }>(
    `select id, active and not on_break as available, phone_enc, call_preference from users
      where id = any($1::text[]) order by id`,
    [userIds],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { id: r.id, available: r.available, phoneEnc: r.phone_enc, callPreference: r.call_preference },
    ]),
  );
}
