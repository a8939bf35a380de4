import { z } from 'zod';
import { ShiftExceptionKind } from '../shifts.js';
import { timestamps } from './records.js';

/**
 * Answers of the shift routes, as the web client checks them on arrival. Each answer's type is
 * inferred from its schema, so the server builds what the client checks.
 */

export const ShiftViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  weekday: z.number().int(),
  start: z.string(),
  durationMinutes: z.number().int(),
  ringGroupId: z.string().nullable(),
  active: z.boolean(),
  /** Directly assigned users (ring group members are listed on the group). */
  userIds: z.array(z.string()),
  ...timestamps,
});
export type ShiftView = z.infer<typeof ShiftViewSchema>;

export const RingGroupViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  isFallback: z.boolean(),
  userIds: z.array(z.string()),
  ...timestamps,
});
export type RingGroupView = z.infer<typeof RingGroupViewSchema>;

export const ShiftExceptionViewSchema = z.object({
  id: z.string(),
  date: z.string(),
  shiftId: z.string().nullable(),
  kind: ShiftExceptionKind,
  userOut: z.string().nullable(),
  userIn: z.string().nullable(),
  note: z.string(),
  createdAt: z.string(),
});
export type ShiftExceptionView = z.infer<typeof ShiftExceptionViewSchema>;

/** `GET /api/shifts`. */
export const ScheduleViewSchema = z.object({
  timeZone: z.string(),
  shifts: z.array(ShiftViewSchema),
  ringGroups: z.array(RingGroupViewSchema),
});
export type ScheduleView = z.infer<typeof ScheduleViewSchema>;

/** One occurrence of a shift: the local day it starts on and its real start and end instants. */
export const OccurrenceViewSchema = z.object({
  shiftId: z.string(),
  name: z.string(),
  /** Local date it starts on, in the hotline zone (the day it belongs to). */
  date: z.string(),
  weekday: z.number().int(),
  /** Start and end as UTC instants (ISO 8601). */
  start: z.string(),
  end: z.string(),
  /** Start and end as wall-clock times in the hotline zone ("HH:MM"). */
  localStart: z.string(),
  localEnd: z.string(),
  /** Local date the occurrence ends on (differs from `date` for overnight shifts). */
  endDate: z.string(),
  durationMinutes: z.number().int(),
  /** Who is on it after ring-group members and exceptions are applied. */
  userIds: z.array(z.string()),
  cancelled: z.boolean(),
});
export type OccurrenceView = z.infer<typeof OccurrenceViewSchema>;

/** `GET /api/shifts/week?start=`. */
export const WeekViewSchema = z.object({
  timeZone: z.string(),
  start: z.string(),
  dates: z.array(z.string()),
  occurrences: z.array(OccurrenceViewSchema),
  exceptions: z.array(ShiftExceptionViewSchema),
});
export type WeekView = z.infer<typeof WeekViewSchema>;

/** `GET /api/shifts/mine?days=`. */
export const MineViewSchema = z.object({
  timeZone: z.string(),
  occurrences: z.array(OccurrenceViewSchema),
});
export type MineView = z.infer<typeof MineViewSchema>;

/** `GET /api/shifts/now`. */
export const OnShiftNowViewSchema = z.object({
  at: z.string(),
  timeZone: z.string(),
  /** shift: someone is on a shift; fallback: nobody is, the fallback group answers; none: neither. */
  source: z.enum(['shift', 'fallback', 'none']),
  userIds: z.array(z.string()),
  shiftIds: z.array(z.string()),
  includesMe: z.boolean(),
});
export type OnShiftNowView = z.infer<typeof OnShiftNowViewSchema>;
