import { useTranslation } from 'react-i18next';
import { useConnectionStatus } from '../lib/realtime/index.js';

/**
 * Whether live updates are arriving. The region is polite: a screen reader hears about a drop
 * and the recovery without being interrupted.
 */
export function LiveStatus() {
  const { t } = useTranslation();
  const status = useConnectionStatus();
  const label =
    status === 'connected'
      ? t('realtime.connected')
      : status === 'reconnecting'
        ? t('realtime.reconnecting')
        : t('realtime.connecting');
  return (
    <span className="live-status" aria-live="polite" data-testid="live-status" data-status={status}>
      <span className={`live-dot live-dot-${status}`} aria-hidden="true" />
      <span className="live-status-text">{label}</span>
    </span>
  );
}
