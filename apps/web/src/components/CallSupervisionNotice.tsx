import { useTranslation } from 'react-i18next';
import { useSupervisionNotice } from '../lib/calls/supervision.js';

/**
 * On the volunteer's call card: when the hotline allows silent supervision, says so (the privacy
 * line), and says plainly when an admin is listening to this call (lib/calls/supervision.ts).
 */
export function CallSupervisionNotice({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const notice = useSupervisionNotice(callId);
  return (
    <div data-testid="call-supervision" data-listening={notice.listening}>
      {notice.listening ? (
        <p className="warning" role="status">
          {t('calls.supervision.listening')}
        </p>
      ) : (
        notice.enabled && <p className="hint">{t('calls.supervision.privacy')}</p>
      )}
    </div>
  );
}
