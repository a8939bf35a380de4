import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  dismissalAfter,
  notificationPermission,
  readOfferDismissal,
  requestNotificationPermission,
  shouldOfferNotifications,
  writeOfferDismissal,
} from '../lib/calls/notify.js';

/**
 * "Get an alert when a call rings": offered where the member deals with calls (the shift panel,
 * which a new volunteer sees as soon as joining is done), with "Not now" remembered on this
 * device until the member's next shift starts (lib/calls/notify.ts). Shown only while the
 * browser would still ask; once answered it says where things stand.
 */
export function NotificationOffer({ onShift }: { onShift: boolean | undefined }) {
  const { t } = useTranslation();
  const [permission, setPermission] = useState(notificationPermission);
  const [dismissal, setDismissal] = useState(readOfferDismissal);
  const [answered, setAnswered] = useState(false);
  const current = dismissalAfter(dismissal, onShift);
  useEffect(() => {
    if (current === dismissal) return;
    writeOfferDismissal(current);
    setDismissal(current);
  }, [current, dismissal]);

  if (answered && permission === 'denied')
    return (
      <p className="hint" role="status">
        {t('calls.notificationsDenied')}
      </p>
    );
  if (answered && permission === 'granted')
    return (
      <p className="hint" role="status">
        {t('calls.notificationsOn')}
      </p>
    );
  if (!shouldOfferNotifications(permission, current !== null)) return null;
  return (
    <div className="notification-offer" data-testid="notification-offer">
      <p>{t('calls.notificationOffer')}</p>
      <div className="button-row">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            void requestNotificationPermission().then((answer) => {
              setAnswered(true);
              setPermission(answer);
            })
          }
        >
          {t('calls.enableNotifications')}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            const said = onShift ? 'on-shift' : 'off-shift';
            writeOfferDismissal(said);
            setDismissal(said);
          }}
        >
          {t('calls.notNow')}
        </button>
      </div>
    </div>
  );
}
