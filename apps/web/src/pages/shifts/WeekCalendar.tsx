import type { OccurrenceView, WeekView } from '@llamenos/protocol';
import { useTranslation } from 'react-i18next';
import { formatHourLabel, formatTimeOfDay } from './time-of-day.js';
import { dateLabel, minuteOf, weekdayName } from './week.js';

const QUARTER = 15;
const QUARTERS_PER_DAY = 96;
const MAX_LANES = 4;
const HOURS = Array.from({ length: 24 }, (_, h) => h);
interface Placed {
  occurrence: OccurrenceView;
  row: number;
  span: number;
  lane: number;
}

/**
 * Rows and lanes for one day's occurrences. A block is drawn on the day its shift starts and
 * stops at midnight: an overnight shift belongs to its start day, and its label says when it ends.
 * Overlapping shifts go side by side, in the first lane free at their start.
 */
function place(occurrences: OccurrenceView[]): Placed[] {
  const laneEnds: number[] = [];
  return [...occurrences]
    .sort((a, b) => a.start.localeCompare(b.start))
    .map((occurrence) => {
      const row = Math.floor(minuteOf(occurrence.localStart) / QUARTER);
      const span = Math.max(
        1,
        Math.min(QUARTERS_PER_DAY - row, Math.ceil(occurrence.durationMinutes / QUARTER)),
      );
      let lane = laneEnds.findIndex((end) => end <= row);
      if (lane === -1) lane = Math.min(laneEnds.length, MAX_LANES - 1);
      laneEnds[lane] = row + span;
      return { occurrence, row, span, lane: lane + 1 };
    });
}

/** The week as a grid: seven day columns (Monday first) of quarter-hour rows; every shift is a button. */
export function WeekCalendar({
  week,
  nameOf,
  onOpen,
}: {
  week: WeekView;
  nameOf: (userId: string) => string;
  onOpen: (occurrence: OccurrenceView) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  return (
    <div className="calendar-wrap">
      <div className="calendar">
        <div className="calendar-corner" aria-hidden="true" />
        {week.dates.map((date, i) => (
          <h3 key={date} className="calendar-head" id={`day-${date}`}>
            {weekdayName(i, locale)}
            <span className="hint">{dateLabel(date, locale)}</span>
          </h3>
        ))}
        <div className="calendar-hours" aria-hidden="true">
          {HOURS.map((h) => (
            <span key={h} className={`calendar-hour cal-start-${h * 4} cal-span-4`}>
              {formatHourLabel(h, locale)}
            </span>
          ))}
        </div>
        {week.dates.map((date) => (
          <section key={date} className="calendar-day" aria-labelledby={`day-${date}`}>
            {place(week.occurrences.filter((o) => o.date === date)).map(
              ({ occurrence: o, row, span, lane }) => {
                const users = o.userIds.map(nameOf).join(', ');
                const end = formatTimeOfDay(o.localEnd, locale);
                const until = o.endDate === o.date ? end : t('shifts.untilNextDay', { time: end });
                const when = `${formatTimeOfDay(o.localStart, locale)}–${until}`;
                return (
                  // A short shift's block is too small for its text: the title shows it whole.
                  <button
                    key={o.shiftId}
                    type="button"
                    className={`shift-block cal-start-${row} cal-span-${span} lane-${lane}${o.cancelled ? ' cancelled' : ''}`}
                    title={[o.name, when, users || t('shifts.nobodyAssigned')].join('\n')}
                    onClick={() => onOpen(o)}
                  >
                    <strong dir="auto">{o.name}</strong>
                    <span>{when}</span>
                    {o.cancelled && <span>{t('shifts.cancelled')}</span>}
                    <span>{users || t('shifts.nobodyAssigned')}</span>
                  </button>
                );
              },
            )}
          </section>
        ))}
      </div>
    </div>
  );
}
