import type { StatsBucket } from '@llamenos/protocol';
import { formatUnit, intlLocale } from '../../components/format.js';

/**
 * How the dashboards write their figures: numbers, rates and durations in the reader's
 * language (Intl), bucket times on the hotline's clock (its time zone), never the browser's.
 */

export const formatCount = (value: number, locale: string) =>
  new Intl.NumberFormat(intlLocale(locale)).format(value);

export const formatRate = (value: number | null, locale: string) =>
  value === null
    ? '—'
    : new Intl.NumberFormat(intlLocale(locale), { style: 'percent', maximumFractionDigits: 0 }).format(value);

/** Seconds, minutes or hours, whichever reads best: "45 s", "2.5 min", "3.2 h". */
export function formatDuration(seconds: number | null, locale: string): string {
  if (seconds === null) return '—';
  const [value, unit] =
    seconds < 120
      ? [Math.round(seconds), 'second']
      : seconds < 7200
        ? [seconds / 60, 'minute']
        : [seconds / 3600, 'hour'];
  return formatUnit(value, unit, locale, unit === 'second' ? 0 : 1);
}

/** A bucket's start as an axis label (short) or a table row (long), in the hotline's zone. */
export function bucketLabel(
  iso: string,
  bucket: StatsBucket,
  zone: string,
  locale: string,
  long = false,
): string {
  const options: Intl.DateTimeFormatOptions =
    bucket === 'hour'
      ? long
        ? {
            timeZone: zone,
            weekday: 'short',
            day: 'numeric',
            month: 'short',
            hour: 'numeric',
            minute: '2-digit',
          }
        : { timeZone: zone, day: 'numeric', hour: 'numeric' }
      : long
        ? { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }
        : { timeZone: zone, day: 'numeric', month: 'short' };
  return new Intl.DateTimeFormat(intlLocale(locale), options).format(new Date(iso));
}
