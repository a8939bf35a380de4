/** Sizes, speeds and durations in the reader's language, by Intl (nothing to translate by hand). */

import { formatUnit } from '../format.js';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

function scaled(bytes: number): { value: number; unit: (typeof UNITS)[number] } {
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < UNITS.length - 1) {
    value /= 1024;
    i++;
  }
  return { value, unit: UNITS[i]! };
}

export function formatBytes(bytes: number, locale: string): string {
  const { value, unit } = scaled(bytes);
  return formatUnit(value, unit, locale, unit === 'byte' ? 0 : 1);
}

export function formatSpeed(bytesPerSecond: number, locale: string): string {
  const { value, unit } = scaled(bytesPerSecond);
  return formatUnit(value, `${unit}-per-second`, locale, 1);
}

export function formatDuration(seconds: number, locale: string): string {
  const [value, unit] =
    seconds < 60 ? [seconds, 'second'] : seconds < 3600 ? [seconds / 60, 'minute'] : [seconds / 3600, 'hour'];
  return formatUnit(Math.ceil(value), unit, locale, 0, 'long');
}
