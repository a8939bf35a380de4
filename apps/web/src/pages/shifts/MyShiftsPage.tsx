import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { Page } from '../../components/PageHeading.js';
import { queries } from '../../lib/queries/index.js';
import './shifts.css';
import { UserText } from '../../components/UserText.js';
import { formatTimeOfDay } from './time-of-day.js';
import { dateLabel, weekdayName, weekdayOf } from './week.js';

const DAYS = 14;

/** A member's own upcoming shifts, in the hotline's time zone (where the shifts are defined). */
export function MyShiftsPage({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const mine = useQuery(queries.myShifts(DAYS));
  const now = useQuery({ ...queries.onShiftNow(), enabled: can(me, 'shifts:read') });

  return (
    <Page title={t('shifts.mineTitle')}>
      <ErrorMessage error={mine.error ?? now.error} />
      {now.data?.includesMe && <p className="success">{t('shifts.onShiftNow')}</p>}
      {mine.data && <p className="hint">{t('shifts.timeZoneNote', { zone: mine.data.timeZone })}</p>}
      {mine.isPending && <p aria-busy="true">{t('app.loading')}</p>}
      {mine.data && mine.data.occurrences.length === 0 && <p>{t('shifts.noUpcoming', { count: DAYS })}</p>}
      {mine.data && mine.data.occurrences.length > 0 && (
        <ul className="shift-list">
          {mine.data.occurrences.map((o) => (
            <li key={`${o.shiftId}@${o.date}`}>
              <strong>
                {weekdayName(weekdayOf(o.date), locale)} {dateLabel(o.date, locale)}
              </strong>
              {' · '}
              <UserText>{o.name}</UserText>
              {' · '}
              <span className="ltr-cell">
                {formatTimeOfDay(o.localStart, locale)}–
                {o.endDate === o.date
                  ? formatTimeOfDay(o.localEnd, locale)
                  : t('shifts.untilNextDay', { time: formatTimeOfDay(o.localEnd, locale) })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
