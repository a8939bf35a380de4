/**
 * Times of day ("HH:MM" in the hotline's zone, as the server stores shifts) shown and entered
 * in one convention: the member's language's own clock (Intl's hourCycle), 12-hour with its
 * day periods in English and Arabic, 24-hour in Spanish. The calendar, the lists and the
 * shift form all go through here, so no picker speaks another clock than the calendar beside it.
 */

import { intlLocale } from '../../components/format.js';

export type Clock = 'h12' | 'h23';

/** The clock a language writes times with. */
export function clockOf(locale: string): Clock {
  const cycle = new Intl.DateTimeFormat(intlLocale(locale), { hour: 'numeric' }).resolvedOptions().hourCycle;
  return cycle === 'h11' || cycle === 'h12' ? 'h12' : 'h23';
}

function formatter(locale: string): Intl.DateTimeFormat {
  const clock = clockOf(locale);
  return new Intl.DateTimeFormat(intlLocale(locale), {
    hour: clock === 'h12' ? 'numeric' : '2-digit',
    minute: '2-digit',
    hourCycle: clock,
    timeZone: 'UTC',
  });
}

const dateAt = (minutes: number) => new Date(Date.UTC(2024, 0, 1, Math.floor(minutes / 60), minutes % 60));

/** "HH:MM" → the time as the member's language writes it ("9:00 PM", "21:00", "9:00 م"). */
export function formatTimeOfDay(hhmm: string, locale: string): string {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) return hhmm;
  return formatter(locale).format(dateAt(Number(match[1]) * 60 + Number(match[2])));
}

/** The label of a whole hour on the calendar's edge: "9 PM" on a 12-hour clock, "21:00" on a 24-hour one. */
export function formatHourLabel(hour: number, locale: string): string {
  const clock = clockOf(locale);
  if (clock === 'h23') return formatTimeOfDay(`${String(hour).padStart(2, '0')}:00`, locale);
  return new Intl.DateTimeFormat(intlLocale(locale), {
    hour: 'numeric',
    hourCycle: clock,
    timeZone: 'UTC',
  }).format(dateAt(hour * 60));
}

/** Digits of other scripts (Arabic-Indic, Eastern Arabic-Indic) as ASCII digits. */
const asciiDigits = (text: string) =>
  text
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));

/** Spaces, dots and bidi marks are dropped before matching ("p. m." = "pm"). */
const squeeze = (text: string) =>
  asciiDigits(text)
    .toLocaleLowerCase()
    .replace(/[\s.\u00a0\u202f\u200e\u200f\u061c]/g, '');

/** The words for "before noon" and "after noon" in this language, and the English ones. */
function dayPeriods(locale: string): { am: string[]; pm: string[] } {
  const periodAt = (hour: number) =>
    new Intl.DateTimeFormat(intlLocale(locale), { hour: 'numeric', hourCycle: 'h12', timeZone: 'UTC' })
      .formatToParts(dateAt(hour * 60))
      .find((p) => p.type === 'dayPeriod')?.value;
  const am = ['am', 'a', periodAt(1)].filter((p): p is string => Boolean(p)).map(squeeze);
  const pm = ['pm', 'p', periodAt(13)].filter((p): p is string => Boolean(p)).map(squeeze);
  return { am, pm };
}

/**
 * A typed time → "HH:MM", or null when it is not one. Accepts the member's convention and the
 * 24-hour one in every language ("21:00", "9:00 PM", "9pm", "9:00 p. m.", "٩:٠٠ م", "2130").
 */
export function parseTimeOfDay(text: string, locale: string): string | null {
  let rest = squeeze(text);
  const { am, pm } = dayPeriods(locale);
  let period: 'am' | 'pm' | null = null;
  // Longest first, so "pm" is not read as "p" followed by a stray "m".
  const words = [
    ...am.map((w) => ({ w, p: 'am' as const })),
    ...pm.map((w) => ({ w, p: 'pm' as const })),
  ].sort((a, b) => b.w.length - a.w.length);
  for (const { w, p } of words) {
    if (w && rest.endsWith(w)) {
      period = p;
      rest = rest.slice(0, -w.length);
      break;
    }
    if (w && rest.startsWith(w)) {
      // Some languages put the day period first.
      period = p;
      rest = rest.slice(w.length);
      break;
    }
  }
  const match = /^(\d{1,2})(?:[:h]?(\d{2}))?$/.exec(rest);
  if (!match) return null;
  let hour = Number(match[1]);
  const minute = match[2] === undefined ? 0 : Number(match[2]);
  if (minute > 59) return null;
  if (period) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (period === 'pm' ? 12 : 0);
  } else if (hour > 23) return null;
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
