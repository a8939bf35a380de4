import {
  type CreateRingGroupRequest,
  type CreateShiftExceptionRequest,
  type CreateShiftRequest,
  MineViewSchema,
  OnShiftNowViewSchema,
  RingGroupViewSchema,
  ScheduleViewSchema,
  ShiftExceptionViewSchema,
  ShiftViewSchema,
  type UpdateRingGroupBody,
  type UpdateShiftBody,
  WeekViewSchema,
} from '@llamenos/protocol';
import type { z } from 'zod';
import { request, requestVoid } from './http.js';

/** The shift schedule as the web client uses it; times are computed by the server in the hotline's zone. */

/** Every shift and ring group, with the hotline's time zone. */
export const fetchSchedule = () => request(ScheduleViewSchema, 'GET', '/api/shifts');

/** The occurrences of the week starting on `start` (a local date), exceptions applied. */
export const fetchWeek = (start: string) => request(WeekViewSchema, 'GET', `/api/shifts/week?start=${start}`);

/** The member's own occurrences over the next `days` days. */
export const fetchMyShifts = (days: number) =>
  request(MineViewSchema, 'GET', `/api/shifts/mine?days=${days}`);

/** Who is on shift right now (or the fallback group), and whether that includes the caller. */
export const fetchOnShiftNow = () => request(OnShiftNowViewSchema, 'GET', '/api/shifts/now');

export const createShift = (body: CreateShiftRequest) =>
  request(ShiftViewSchema, 'POST', '/api/shifts', body);

export const updateShift = (id: string, body: z.input<typeof UpdateShiftBody>) =>
  request(ShiftViewSchema, 'PATCH', `/api/shifts/${id}`, body);

export const deleteShift = (id: string) => requestVoid('DELETE', `/api/shifts/${id}`);

export const createRingGroup = (body: CreateRingGroupRequest) =>
  request(RingGroupViewSchema, 'POST', '/api/ring-groups', body);

export const updateRingGroup = (id: string, body: z.input<typeof UpdateRingGroupBody>) =>
  request(RingGroupViewSchema, 'PATCH', `/api/ring-groups/${id}`, body);

export const deleteRingGroup = (id: string) => requestVoid('DELETE', `/api/ring-groups/${id}`);

export const createShiftException = (body: CreateShiftExceptionRequest) =>
  request(ShiftExceptionViewSchema, 'POST', '/api/shift-exceptions', body);

export const deleteShiftException = (id: string) => requestVoid('DELETE', `/api/shift-exceptions/${id}`);
