import { z } from 'zod';
import { LocalDate } from './primitives.js';

/**
 * Hotline statistics (`GET /api/stats`, `GET /api/stats/csv`) and the first-run checklist
 * (`GET /api/stats/setup`). Every figure is a count or a duration the server already holds in
 * plaintext (call and conversation rows, the audit log); nothing is read from sealed content.
 */

/** How the period is cut: one bucket per hour or per day, on the hotline's wall clock. */
export const StatsBucket = z.enum(['hour', 'day']);
export type StatsBucket = z.infer<typeof StatsBucket>;

/** The longest period per bucket size, so one request never asks for thousands of buckets. */
export const STATS_MAX_DAYS: Record<StatsBucket, number> = { hour: 31, day: 366 };

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

/**
 * The period: `from` and `to` are dates on the hotline's calendar, both included; the server
 * turns them into instants in the hotline's time zone (settings), so a day bucket is a local day
 * even on the days the clocks change.
 */
export const StatsQuery = z
  .object({
    from: LocalDate,
    to: LocalDate,
    bucket: StatsBucket.default('day'),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.to < q.from) {
      ctx.addIssue({ code: 'custom', message: 'to must not be before from', path: ['to'] });
      return;
    }
    const max = STATS_MAX_DAYS[q.bucket];
    if (daysBetween(q.from, q.to) > max)
      ctx.addIssue({
        code: 'custom',
        message: `a period of at most ${max} days with ${q.bucket} buckets`,
        path: ['to'],
      });
  });
export type StatsQuery = z.infer<typeof StatsQuery>;

/** Which table of the figures `GET /api/stats/csv` returns. */
export const StatsCsvTable = z.enum(['periods', 'wait-times', 'volunteers']);
export type StatsCsvTable = z.infer<typeof StatsCsvTable>;

export const StatsCsvQuery = z
  .object({ from: LocalDate, to: LocalDate, bucket: StatsBucket.default('day'), table: StatsCsvTable })
  .strict()
  .superRefine((q, ctx) => {
    const check = StatsQuery.safeParse({ from: q.from, to: q.to, bucket: q.bucket });
    if (!check.success) for (const issue of check.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
  });
export type StatsCsvQuery = z.infer<typeof StatsCsvQuery>;

/**
 * Upper bounds (seconds, exclusive) of the wait-time histogram's bins; the last bin is open:
 * under 10 s, 10–30 s, 30 s–1 min, 1–2 min, 2–5 min, 5 min and more.
 */
export const WAIT_TIME_BOUNDS_SECONDS = [10, 30, 60, 120, 300] as const;
