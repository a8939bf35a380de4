import { z } from 'zod';
import {
  type MineView,
  type OccurrenceView,
  type OnShiftNowView,
  type RingGroupView,
  type ScheduleView,
  ShiftExceptionKind,
  type ShiftExceptionView,
  type ShiftView,
  type WeekView,
} from '../shifts.js';

/** Answers of the shift routes, as the web client checks them on arrival. */

export const ShiftViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  weekday: z.number().int(),
  start: z.string(),
  durationMinutes: z.number().int(),
  ringGroupId: z.string().nullable(),
  active: z.boolean(),
  userIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<ShiftView>;

export const RingGroupViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  isFallback: z.boolean(),
  userIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<RingGroupView>;

export const ShiftExceptionViewSchema = z.object({
  id: z.string(),
  date: z.string(),
  shiftId: z.string().nullable(),
  kind: ShiftExceptionKind,
  userOut: z.string().nullable(),
  userIn: z.string().nullable(),
  note: z.string(),
  createdAt: z.string(),
}) satisfies z.ZodType<ShiftExceptionView>;

/** `GET /api/shifts`. */
export const ScheduleViewSchema = z.object({
  timeZone: z.string(),
  shifts: z.array(ShiftViewSchema),
  ringGroups: z.array(RingGroupViewSchema),
}) satisfies z.ZodType<ScheduleView>;

export const OccurrenceViewSchema = z.object({
  shiftId: z.string(),
  name: z.string(),
  date: z.string(),
  weekday: z.number().int(),
  start: z.string(),
  end: z.string(),
  localStart: z.string(),
  localEnd: z.string(),
  endDate: z.string(),
  durationMinutes: z.number().int(),
  userIds: z.array(z.string()),
  cancelled: z.boolean(),
}) satisfies z.ZodType<OccurrenceView>;

/** `GET /api/shifts/week?start=`. */
export const WeekViewSchema = z.object({
  timeZone: z.string(),
  start: z.string(),
  dates: z.array(z.string()),
  occurrences: z.array(OccurrenceViewSchema),
  exceptions: z.array(ShiftExceptionViewSchema),
}) satisfies z.ZodType<WeekView>;

/** `GET /api/shifts/mine?days=`. */
export const MineViewSchema = z.object({
  timeZone: z.string(),
  occurrences: z.array(OccurrenceViewSchema),
}) satisfies z.ZodType<MineView>;

/** `GET /api/shifts/now`. */
export const OnShiftNowViewSchema = z.object({
  at: z.string(),
  timeZone: z.string(),
  source: z.enum(['shift', 'fallback', 'none']),
  userIds: z.array(z.string()),
  shiftIds: z.array(z.string()),
  includesMe: z.boolean(),
}) satisfies z.ZodType<OnShiftNowView>;
