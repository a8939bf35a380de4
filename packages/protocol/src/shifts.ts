import { z } from 'zod';
import { LocalDate } from './primitives.js';
import { textBlock, textLine } from './text.js';

/**
 * Shifts: recurring weekly shifts in the hotline's IANA time zone (settings.timeZone), ring
 * groups, one fallback group and one-off exceptions. Shared by the server (validation) and the
 * web client (forms). Request objects are strict: an unknown field is an error.
 *
 * Weekdays are numbered 0 = Monday … 6 = Sunday (ISO order minus one), so a week calendar's
 * columns and the numbers agree. A shift belongs to the local day it starts on: a Friday
 * 22:00 shift of 600 minutes is Friday's shift even while it covers Saturday 03:00.
 */

const MIN_SHIFT_MINUTES = 15;
const MAX_SHIFT_MINUTES = 1440;
const MAX_MINE_DAYS = 62;

const Id = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'an id');

/** A wall-clock time "HH:MM", 00:00 to 23:59. */
const LocalTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'a time "HH:MM" (00:00–23:59)');

const Weekday = z.number().int().min(0).max(6);

const UserIds = z
  .array(Id)
  .max(500)
  .refine((ids) => new Set(ids).size === ids.length, 'users must not repeat');

const Name = textLine(80);

/** A shift as an admin edits it: created with defaults for the last three, updated a field at a time. */
const ShiftFields = z
  .object({
    name: Name,
    weekday: Weekday,
    start: LocalTime,
    durationMinutes: z.number().int().min(MIN_SHIFT_MINUTES).max(MAX_SHIFT_MINUTES),
    ringGroupId: Id.nullable(),
    active: z.boolean(),
    userIds: UserIds,
  })
  .strict();

export const CreateShiftBody = ShiftFields.extend({
  ringGroupId: Id.nullable().default(null),
  active: z.boolean().default(true),
  userIds: UserIds.default([]),
});
export type CreateShiftBody = z.infer<typeof CreateShiftBody>;
/** What a client sends (defaults may be left out). */
export type CreateShiftRequest = z.input<typeof CreateShiftBody>;

export const UpdateShiftBody = ShiftFields.partial();
export type UpdateShiftBody = z.infer<typeof UpdateShiftBody>;

export const SetAssignmentsBody = z.object({ userIds: UserIds }).strict();
export type SetAssignmentsBody = z.infer<typeof SetAssignmentsBody>;

export const CreateRingGroupBody = z
  .object({ name: Name, isFallback: z.boolean().default(false), userIds: UserIds.default([]) })
  .strict();
export type CreateRingGroupBody = z.infer<typeof CreateRingGroupBody>;
/** What a client sends (defaults may be left out). */
export type CreateRingGroupRequest = z.input<typeof CreateRingGroupBody>;

export const UpdateRingGroupBody = z
  .object({ name: Name.optional(), isFallback: z.boolean().optional(), userIds: UserIds.optional() })
  .strict();
export type UpdateRingGroupBody = z.infer<typeof UpdateRingGroupBody>;

export const ShiftExceptionKind = z.enum(['cancel', 'swap', 'extra']);
export type ShiftExceptionKind = z.infer<typeof ShiftExceptionKind>;

/**
 * cancel: no shift that day (shiftId null = the whole day is closed, e.g. a holiday);
 * swap: userOut leaves and userIn joins that one occurrence; extra: userIn joins it.
 */
export const CreateShiftExceptionBody = z
  .object({
    date: LocalDate,
    shiftId: Id.nullable().default(null),
    kind: ShiftExceptionKind,
    userOut: Id.nullable().default(null),
    userIn: Id.nullable().default(null),
    note: textBlock(300).default(''),
  })
  .strict()
  .superRefine((e, ctx) => {
    const need = (ok: boolean, path: string, message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if (e.kind === 'cancel') {
      need(e.userOut === null, 'userOut', 'a cancellation names no users');
      need(e.userIn === null, 'userIn', 'a cancellation names no users');
      return;
    }
    need(e.shiftId !== null, 'shiftId', `a ${e.kind} applies to one shift`);
    need(e.userIn !== null, 'userIn', `a ${e.kind} needs the user who joins`);
    if (e.kind === 'swap') {
      need(e.userOut !== null, 'userOut', 'a swap needs the user who leaves');
      need(e.userOut !== e.userIn, 'userIn', 'a swap needs two different users');
    } else need(e.userOut === null, 'userOut', 'an extra names only the user who joins');
  });
export type CreateShiftExceptionBody = z.infer<typeof CreateShiftExceptionBody>;
/** What a client sends (defaults may be left out). */
export type CreateShiftExceptionRequest = z.input<typeof CreateShiftExceptionBody>;

export const ShiftExceptionListQuery = z.object({ from: LocalDate, to: LocalDate }).strict();
export const WeekQuery = z.object({ start: LocalDate }).strict();
export const MineQuery = z
  .object({ days: z.coerce.number().int().min(1).max(MAX_MINE_DAYS).default(14) })
  .strict();

// The answers (ShiftView, ScheduleView, WeekView, OccurrenceView, …) are typed by their schemas in
// responses/shifts.ts.
