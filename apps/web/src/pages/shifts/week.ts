/**
 * Calendar dates for the week view. Dates are plain "YYYY-MM-DD" strings in the hotline's
 * zone; the arithmetic is the server's own (@llamenos/protocol/zoned-time), so the browser's
 * zone never shifts a day and both sides agree on "today" and on weekdays.
 */
import { addDays, weekdayOf } from '@llamenos/protocol/zoned-time';
import { intlLocale } from '../../components/format.js';

export {
  addDays,
  dateIn as todayIn,
  parseLocalTime as minuteOf,
  weekdayOf,
} from '@llamenos/protocol/zoned-time';

export const mondayOf = (date: string): string => addDays(date, -weekdayOf(date));

/** A weekday's name in the reader's language (2024-01-01 was a Monday). */
export function weekdayName(weekday: number, locale: string, width: 'long' | 'short' = 'long'): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { weekday: width, timeZone: 'UTC' }).format(
    new Date(Date.UTC(2024, 0, 1 + weekday)),
  );
}

/** A calendar date in the reader's language, without any time-zone conversion. */
export function dateLabel(date: string, locale: string): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}
