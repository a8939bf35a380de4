import { randomUUID } from 'node:crypto';
import type { CanonicalValue } from '@llamenos/crypto';
import type {
  CreateRingGroupBody,
  CreateShiftBody,
  CreateShiftExceptionBody,
  RingGroupView,
  ShiftExceptionView,
  ShiftView,
  UpdateRingGroupBody,
  UpdateShiftBody,
} from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { AuditActor } from '../domain/actor.js';
import { conflict, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { isUniqueViolation } from '../identity/service.js';
import { notifyShiftsChanged, type ShiftsChange } from './hooks.js';
import {
  deleteById,
  existingUserIds,
  getShift,
  insertException,
  insertRingGroup,
  insertShift,
  listExceptions,
  listRingGroups,
  replaceMembers,
  ringGroupExists,
  shiftWeekday,
  touchShift,
  updateRingGroupRow,
  updateShiftRow,
} from './store.js';
import { weekdayOf } from './zoned-time.js';

export type { ShiftsChange } from './hooks.js';

/** Who is making a change, for the audit log. */
type Actor = AuditActor;

/**
 * The one write path: the change and its audit entry ('shifts.*') commit together; listeners
 * hear of it only after commit.
 */
async function write<T>(
  ctx: ServerContext,
  actor: Actor,
  change: (result: T) => Change,
  work: (tx: Queryable, now: Date) => Promise<T>,
): Promise<T> {
  const now = ctx.now();
  let done: ShiftsChange | null = null;
  const result = await ctx.db.transaction(async (tx) => {
    const value = await work(tx, now);
    const { details, ...what } = change(value);
    await auditActionInTx(tx, actor, now, {
      action: `shifts.${what.kind}.${what.action}`,
      target: what.id,
      details,
    });
    done = what;
    return value;
  });
  if (done) notifyShiftsChanged(ctx, done);
  return result;
}

/** 400 naming every id that is not a registered user. */
async function checkUsers(tx: Queryable, userIds: readonly string[]): Promise<void> {
  if (!userIds.length) return;
  const known = await existingUserIds(tx, userIds);
  const unknown = userIds.filter((id) => !known.has(id));
  if (unknown.length) throw invalid(`unknown user: ${unknown.join(', ')}`, { unknownUserIds: unknown });
}

async function checkRingGroup(tx: Queryable, id: string | null | undefined): Promise<void> {
  if (!id) return;
  if (!(await ringGroupExists(tx, id))) throw invalid(`unknown ring group: ${id}`);
}

async function mustGetShift(tx: Queryable, id: string): Promise<ShiftView> {
  const shift = await getShift(tx, id);
  if (!shift) throw notFound(`no shift ${id}`);
  return shift;
}

const shiftDetails = (s: ShiftView): Record<string, CanonicalValue> => ({
  weekday: s.weekday,
  start: s.start,
  durationMinutes: s.durationMinutes,
  ringGroupId: s.ringGroupId,
  active: s.active,
  userIds: s.userIds,
});

type Change = ShiftsChange & { details?: Record<string, CanonicalValue> };

/** A shift created or updated, audited with what it is now (and, for an update, the fields the body named). */
const shiftChange = (action: 'created' | 'updated', s: ShiftView, changed?: string[]): Change => ({
  kind: 'shift',
  action,
  id: s.id,
  details: { ...(changed ? { changed } : {}), ...shiftDetails(s) },
});

/** A ring group created or updated, audited with its fallback flag and members. */
const groupChange = (action: 'created' | 'updated', g: RingGroupView, changed?: string[]): Change => ({
  kind: 'ring-group',
  action,
  id: g.id,
  details: { ...(changed ? { changed } : {}), isFallback: g.isFallback, userIds: g.userIds },
});

/** Deletes one shift, ring group or exception by id, audited; a missing one is a 404 naming it. */
async function deleteAudited(
  ctx: ServerContext,
  actor: Actor,
  id: string,
  what: { kind: Change['kind']; table: Parameters<typeof deleteById>[1]; name: string },
): Promise<void> {
  await write(
    ctx,
    actor,
    () => ({ kind: what.kind, action: 'deleted', id }),
    async (tx) => {
      if (!(await deleteById(tx, what.table, id))) throw notFound(`no ${what.name} ${id}`);
    },
  );
}

// Overlapping shifts are allowed on purpose: two teams can cover the same hours.
export function createShift(ctx: ServerContext, actor: Actor, body: CreateShiftBody): Promise<ShiftView> {
  return write(
    ctx,
    actor,
    (s) => shiftChange('created', s),
    async (tx, now) => {
      await checkUsers(tx, body.userIds);
      await checkRingGroup(tx, body.ringGroupId);
      const id = randomUUID();
      await insertShift(tx, id, body, now);
      await replaceMembers(tx, 'shift_assignments', id, body.userIds);
      return mustGetShift(tx, id);
    },
  );
}

export function updateShift(
  ctx: ServerContext,
  actor: Actor,
  id: string,
  body: UpdateShiftBody,
): Promise<ShiftView> {
  return write(
    ctx,
    actor,
    (s) => shiftChange('updated', s, Object.keys(body)),
    async (tx, now) => {
      const current = await mustGetShift(tx, id);
      if (body.userIds) await checkUsers(tx, body.userIds);
      await checkRingGroup(tx, body.ringGroupId);
      const next = { ...current, ...body };
      await updateShiftRow(tx, id, next, now);
      if (body.userIds) await replaceMembers(tx, 'shift_assignments', id, body.userIds);
      return mustGetShift(tx, id);
    },
  );
}

export function setAssignments(
  ctx: ServerContext,
  actor: Actor,
  id: string,
  userIds: readonly string[],
): Promise<ShiftView> {
  return write(
    ctx,
    actor,
    (s) => ({ kind: 'assignments', action: 'updated', id: s.id, details: { userIds: s.userIds } }),
    async (tx, now) => {
      await mustGetShift(tx, id);
      await checkUsers(tx, userIds);
      await replaceMembers(tx, 'shift_assignments', id, userIds);
      await touchShift(tx, id, now);
      return mustGetShift(tx, id);
    },
  );
}

export const deleteShift = (ctx: ServerContext, actor: Actor, id: string): Promise<void> =>
  deleteAudited(ctx, actor, id, { kind: 'shift', table: 'shifts', name: 'shift' });

async function mustGetGroup(tx: Queryable, id: string): Promise<RingGroupView> {
  const [group] = await listRingGroups(tx, id);
  if (!group) throw notFound(`no ring group ${id}`);
  return group;
}

/** A ring-group write; its unique violations are a taken name or a second fallback group. */
async function writeGroup(
  ctx: ServerContext,
  actor: Actor,
  action: 'created' | 'updated',
  work: (tx: Queryable, now: Date) => Promise<RingGroupView>,
  changed?: string[],
): Promise<RingGroupView> {
  try {
    return await write(ctx, actor, (g) => groupChange(action, g, changed), work);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const text =
      String((error as { constraint_name?: string; message?: string }).constraint_name ?? '') +
      String((error as Error).message ?? '');
    throw text.includes('fallback')
      ? conflict('another ring group is already the fallback group; unset it there first')
      : conflict('a ring group with this name already exists');
  }
}

export function createRingGroup(
  ctx: ServerContext,
  actor: Actor,
  body: CreateRingGroupBody,
): Promise<RingGroupView> {
  return writeGroup(ctx, actor, 'created', async (tx, now) => {
    await checkUsers(tx, body.userIds);
    const id = randomUUID();
    await insertRingGroup(tx, id, body, now);
    await replaceMembers(tx, 'ring_group_members', id, body.userIds);
    return mustGetGroup(tx, id);
  });
}

export function updateRingGroup(
  ctx: ServerContext,
  actor: Actor,
  id: string,
  body: UpdateRingGroupBody,
): Promise<RingGroupView> {
  const work = async (tx: Queryable, now: Date) => {
    const current = await mustGetGroup(tx, id);
    if (body.userIds) await checkUsers(tx, body.userIds);
    const next = { name: body.name ?? current.name, isFallback: body.isFallback ?? current.isFallback };
    await updateRingGroupRow(tx, id, next, now);
    if (body.userIds) await replaceMembers(tx, 'ring_group_members', id, body.userIds);
    return mustGetGroup(tx, id);
  };
  return writeGroup(ctx, actor, 'updated', work, Object.keys(body));
}

/** Shifts that rang this group keep their own assignments and lose the group (on delete set null). */
export const deleteRingGroup = (ctx: ServerContext, actor: Actor, id: string): Promise<void> =>
  deleteAudited(ctx, actor, id, { kind: 'ring-group', table: 'ring_groups', name: 'ring group' });

export function createException(
  ctx: ServerContext,
  actor: Actor,
  body: CreateShiftExceptionBody,
): Promise<ShiftExceptionView> {
  return write(
    ctx,
    actor,
    (e) => ({
      kind: 'exception',
      action: 'created',
      id: e.id,
      details: { date: e.date, shiftId: e.shiftId, kind: e.kind, userOut: e.userOut, userIn: e.userIn },
    }),
    async (tx, now) => {
      if (body.shiftId) {
        const weekday = await shiftWeekday(tx, body.shiftId);
        if (weekday === null) throw invalid(`unknown shift: ${body.shiftId}`);
        // Exceptions match occurrences by their start day; one on another day would never apply.
        if (weekday !== weekdayOf(body.date))
          throw invalid(`shift ${body.shiftId} does not start on ${body.date}`);
      }
      await checkUsers(
        tx,
        [body.userOut, body.userIn].filter((u): u is string => u !== null),
      );
      const id = randomUUID();
      await insertException(tx, id, body, actor.pubkey, now);
      const [view] = (await listExceptions(tx, body.date, body.date)).filter((e) => e.id === id);
      if (!view) throw new Error('inserted exception not found');
      return view;
    },
  );
}

export const deleteException = (ctx: ServerContext, actor: Actor, id: string): Promise<void> =>
  deleteAudited(ctx, actor, id, { kind: 'exception', table: 'shift_exceptions', name: 'shift exception' });
