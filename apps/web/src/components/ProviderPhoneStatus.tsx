import { useTranslation } from 'react-i18next';
import {
  providerCallStats,
  retryProviderPhones,
  setProviderCallMuted,
  useProviderPhone,
} from '../lib/calls/provider-phone/use-provider-phone.js';
import { CallNetworkQuality } from './CallNetworkQuality.js';
import { MuteButton } from './MuteButton.js';
import { ProviderCallActions } from './ProviderCallActions.js';

/**
 * Why calls cannot ring this browser at the hotline's phone provider (lib/calls/provider-phone):
 * browser calling not fully set up (an admin must finish it), the provider unavailable for now,
 * or this browser's registration refused or lost. Nothing shows while all is well.
 */
export function ProviderPhoneNotice() {
  const { t } = useTranslation();
  const { notice } = useProviderPhone();
  if (!notice) return null;
  const words =
    notice === 'not-configured'
      ? 'providerPhone.notConfigured'
      : notice === 'unavailable'
        ? 'providerPhone.unavailable'
        : 'providerPhone.registration';
  return (
    <div className="warning" role="status" data-testid="provider-phone-notice" data-notice={notice}>
      <p>{t(words)}</p>
      {notice === 'registration' && (
        <button type="button" className="secondary" onClick={retryProviderPhones}>
          {t('providerPhone.retry')}
        </button>
      )}
    </div>
  );
}

/**
 * The audio of a call answered through a provider's browser phone, on the active-call card:
 * connected or muted, and Mute (the microphone track itself is disabled). Shown only for the
 * call `callId` when this tab picked it up through the provider.
 */
export function ProviderCallControls({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const phone = useProviderPhone();
  if (!phone.answered || phone.callId !== callId) return null;
  return (
    <div className="call-audio" data-testid="provider-call-audio">
      <p aria-live="polite">{phone.muted ? t('calls.audio.muted') : t('calls.audio.connected')}</p>
      {phone.connected && <CallNetworkQuality pc={providerCallStats()} />}
      <p className="button-row">
        <MuteButton muted={phone.muted} onToggle={setProviderCallMuted} />
      </p>
      <ProviderCallActions callId={callId} />
    </div>
  );
}
