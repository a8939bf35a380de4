import type { RingGroupView, ShiftExceptionView, ShiftView } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { ExceptionRule, ShiftRule } from './on-shift.js';

/** Reads of the shift tables, shaped as the protocol's views. Writes live in service.ts. */

const iso = (value: Date | string): string => new Date(value).toISOString();

function groupBy(rows: { key: string; user_id: string }[]): Map<string, string[]> {
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
  const members = groupBy(
    await db.query<{ key: string; user_id: string }>(
      `select shift_id as key, user_id from shift_assignments ${id ? 'where shift_id = $1' : ''} order by user_id`,
      id ? [id] : [],
    ),
  );
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
  const members = groupBy(
    await db.query<{ key: string; user_id: string }>(
      `select group_id as key, user_id from ring_group_members ${id ? 'where group_id = $1' : ''} order by user_id`,
      id ? [id] : [],
    ),
  );
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
