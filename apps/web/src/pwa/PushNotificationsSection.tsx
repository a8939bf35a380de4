import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Panel } from '../components/Panel.js';
import { useSubmit } from '../components/useSubmit.js';
import { disablePush, enablePush, type PushState, pushState } from './push.js';

/** The member's opt-in for notifications on this device while Llamenos is closed (Web Push). */
export function PushNotificationsSection() {
  const { t } = useTranslation();
  const [state, setState] = useState<PushState | null>(null);
  const change = useSubmit(async (on: boolean) => setState(on ? await enablePush(t) : await disablePush()));

  useEffect(() => {
    pushState().then(setState, () => setState('unsupported'));
  }, []);

  return (
    <Panel id="push-title" title={t('pwa.push.title')}>
      <p className="hint">{t('pwa.push.help')}</p>
      {state === 'unsupported' && <p className="hint">{t('pwa.push.unsupported')}</p>}
      {state === 'denied' && <p className="error">{t('pwa.push.denied')}</p>}
      {(state === 'on' || state === 'off') && (
        <label>
          <input
            type="checkbox"
            checked={state === 'on'}
            disabled={change.busy}
            onChange={(e) => void change.run(e.target.checked)}
            data-testid="push-toggle"
          />{' '}
          {t('pwa.push.enable')}
        </label>
      )}
      <p role="status" className="hint">
        {state === 'on' ? t('pwa.push.on') : state === 'off' ? t('pwa.push.off') : ''}
      </p>
      {change.error !== null && (
        <p role="alert" className="error">
          {t('pwa.push.failed', { message: (change.error as Error).message })}
        </p>
      )}
    </Panel>
  );
}
