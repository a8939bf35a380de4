import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  dismissNotificationOffer,
  forgetNotificationOfferDismissal,
  notificationOfferDismissed,
  notificationPermission,
  requestNotificationPermission,
  shiftJustStarted,
  shouldOfferNotifications,
} from '../lib/calls/notify.js';

/**
 * "Get an alert when a call rings": offered where the member deals with calls (the shift panel,
 * which a new volunteer sees as soon as joining is done, and again when their shift starts),
 * with "Not now" remembered on this device until then. Shown only while the browser would still ask; once answered it says where things stand.
 */
export function NotificationOffer({ onShift }: { onShift: boolean | undefined }) {
  const { t } = useTranslation();
  const [permission, setPermission] = useState(notificationPermission);
  const [dismissed, setDismissed] = useState(notificationOfferDismissed);
  const [answered, setAnswered] = useState(false);
  const wasOnShift = useRef(onShift);
  useEffect(() => {
    if (shiftJustStarted(wasOnShift.current, onShift)) {
      forgetNotificationOfferDismissal();
      setDismissed(false);
      setPermission(notificationPermission());
    }
    if (onShift !== undefined) wasOnShift.current = onShift;
  }, [onShift]);

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
  if (!shouldOfferNotifications(permission, dismissed)) return null;
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
            dismissNotificationOffer();
            setDismissed(true);
          }}
        >
          {t('calls.notNow')}
        </button>
      </div>
    </div>
  );
}
