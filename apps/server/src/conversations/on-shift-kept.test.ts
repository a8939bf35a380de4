import { DEFAULT_SETTINGS, type HotlineSettings } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { scheduleWindow } from '../shifts/views.js';
import { createConversations } from './ingest.js';

/**
 * Who is on shift for first contacts, worked out once a minute per schedule and settings
 * (ingest.ts onShiftKept; issue 10): anything that can change the answer reads it again.
 */
describe('who is on shift, kept for the minute', () => {
  const conversations = createConversations(() => {
    throw new Error('no context needed');
  });
  const counting = () => {
    const reads = { n: 0 };
    const read = async () => {
      reads.n += 1;
      return { userIds: [`user-${reads.n}`] };
    };
    return { reads, read };
  };
  const settings = structuredClone(DEFAULT_SETTINGS) as HotlineSettings;
  const schedule = { fromDate: '2026-12-05', toDate: '2026-12-07', fingerprint: 'a|b' };
  const at = (iso: string) => new Date(iso);

  it('reads once for the texts of one minute, again for a new minute, schedule, window or settings', async () => {
    const { reads, read } = counting();
    const keep = conversations.onShiftThisMinute;
    const first = await keep(settings, schedule, at('2026-12-06T10:00:00.000Z'), read);
    expect(await keep(settings, schedule, at('2026-12-06T10:00:59.999Z'), read)).toBe(first);
    expect(reads.n).toBe(1);
    await keep(settings, schedule, at('2026-12-06T10:01:00.000Z'), read);
    expect(reads.n).toBe(2);
    await keep(settings, { ...schedule, fingerprint: 'a|c' }, at('2026-12-06T10:01:00.000Z'), read);
    expect(reads.n).toBe(3);
    await keep(
      settings,
      { ...schedule, fingerprint: 'a|c', toDate: '2026-12-08' },
      at('2026-12-06T10:01:00.000Z'),
      read,
    );
    expect(reads.n).toBe(4);
    // Settings read again (another object: a change saved, or the kept copy's second is up).
    await keep(
      { ...settings },
      { ...schedule, fingerprint: 'a|c', toDate: '2026-12-08' },
      at('2026-12-06T10:01:00.000Z'),
      read,
    );
    expect(reads.n).toBe(5);
  });

  it('does not keep a failed read', async () => {
    const keep = conversations.onShiftThisMinute;
    const now = at('2026-12-06T11:00:00.000Z');
    await expect(keep(settings, schedule, now, () => Promise.reject(new Error('db down')))).rejects.toThrow(
      'db down',
    );
    const { reads, read } = counting();
    expect(await keep(settings, schedule, now, read)).toEqual({ userIds: ['user-1'] });
    expect(reads.n).toBe(1);
  });
});

describe('the schedule window, kept for the minute', () => {
  const { scheduleWindowThisMinute } = createConversations(() => {
    throw new Error('no context needed');
  });
  it('gives scheduleWindow on both sides of local midnights, in several zones', () => {
    // Local midnight in each zone (UTC instants), and a minute and a millisecond either side.
    const midnights: [string, string][] = [
      ['UTC', '2026-12-07T00:00:00.000Z'],
      ['America/New_York', '2026-12-07T05:00:00.000Z'],
      ['Asia/Kolkata', '2026-12-06T18:30:00.000Z'],
      ['Asia/Kathmandu', '2026-12-06T18:15:00.000Z'],
      ['Pacific/Chatham', '2026-12-06T10:15:00.000Z'],
      // The day clocks go forward (no 02:00-03:00 that night) and back.
      ['Europe/Madrid', '2026-03-28T23:00:00.000Z'],
      ['Europe/Madrid', '2026-10-24T22:00:00.000Z'],
    ];
    for (const [zone, iso] of midnights) {
      const t = Date.parse(iso);
      for (const offset of [-60_000, -1, 0, 1, 59_999, 60_000]) {
        const now = new Date(t + offset);
        expect(scheduleWindowThisMinute(now, zone), `${zone} ${now.toISOString()}`).toEqual(
          scheduleWindow(now, zone),
        );
      }
      // The same minute in another zone is worked out for that zone.
      expect(scheduleWindowThisMinute(new Date(t), 'UTC')).toEqual(scheduleWindow(new Date(t), 'UTC'));
      expect(scheduleWindowThisMinute(new Date(t), zone)).toEqual(scheduleWindow(new Date(t), zone));
    }
  });

  it('crosses a local midnight: the window moves by a day', () => {
    const before = scheduleWindowThisMinute(new Date('2026-12-07T04:59:59.999Z'), 'America/New_York');
    const after = scheduleWindowThisMinute(new Date('2026-12-07T05:00:00.000Z'), 'America/New_York');
    expect(before).toEqual({ fromDate: '2026-12-04', toDate: '2026-12-07' });
    expect(after).toEqual({ fromDate: '2026-12-05', toDate: '2026-12-08' });
  });
});
