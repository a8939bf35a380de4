/**
 * Intl has no Haitian Creole data: `ht` formats dates and numbers as American English. Haitian
 * readers expect the French way, so the interface's formatters are given fr-HT (or fr) for ht.
 */
import { describe, expect, it } from 'vitest';
import { formatDateTime, intlLocale } from '../src/components/format.js';
import { LOCALE_CODES } from '../src/i18n/locales/catalog.js';
import { formatCount } from '../src/pages/dashboards/format.js';
import { clockOf, formatTimeOfDay } from '../src/pages/shifts/time-of-day.js';
import { dateLabel, weekdayName } from '../src/pages/shifts/week.js';

const AT = '2026-03-14T15:30:00Z';
const french = (iso: string) =>
  new Intl.DateTimeFormat('fr-HT', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

describe('dates and numbers in Haitian Creole', () => {
  it('Intl itself still falls back to English for ht (else this fallback can go)', () => {
    expect(new Intl.DateTimeFormat('ht').resolvedOptions().locale).toMatch(/^en/);
  });

  it('are written the French way, not the American one', () => {
    expect(intlLocale('ht')).toMatch(/^fr/);
    expect(formatDateTime(AT, 'ht')).toBe(french(AT));
    expect(dateLabel('2026-03-14', 'ht')).toBe('14 mars 2026');
    expect(weekdayName(5, 'ht')).toBe('samedi');
    expect(clockOf('ht')).toBe('h23');
    expect(formatTimeOfDay('21:00', 'ht')).toBe('21:00');
    expect(formatCount(12345, 'ht').replace(/\s/g, ' ')).toBe('12 345');
  });

  it('leave every language Intl knows as it is', () => {
    for (const code of LOCALE_CODES.filter((c) => c !== 'ht')) expect(intlLocale(code)).toBe(code);
    expect(formatDateTime(AT, 'en')).toMatch(/Mar 14, 2026/);
  });
});
