import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { rememberNotificationText } from './push.js';
import { activateUpdate, useUpdateReady } from './register.js';

/**
 * Says that a new version is ready and reloads into it on request. It also hands the service
 * worker the notification words in the member's language (the push itself carries none).
 */
export function UpdateBanner() {
  const { t, i18n } = useTranslation();
  const ready = useUpdateReady();
  const language = i18n.language;
  useEffect(() => {
    void rememberNotificationText(i18n.getFixedT(language));
  }, [i18n, language]);
  if (!ready) return null;
  return (
    <div role="status" className="panel notice update-banner" data-testid="update-banner">
      <span>{t('pwa.updateReady')}</span>{' '}
      <button type="button" onClick={activateUpdate}>
        {t('pwa.updateNow')}
      </button>
    </div>
  );
}
