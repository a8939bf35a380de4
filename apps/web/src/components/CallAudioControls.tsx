import { useTranslation } from 'react-i18next';
import { setMuted, useCallAudio } from '../lib/calls/webrtc.js';

/**
 * The audio of a call answered in the browser, on the active-call card: whether it is connected,
 * a missing microphone, and Mute. Nothing shows for a call with no browser audio (answered on a
 * phone). The status line is always rendered, so screen readers announce its changes.
 */
export function CallAudioControls() {
  const { t } = useTranslation();
  const audio = useCallAudio();
  const live = audio.status !== 'idle';
  const line =
    audio.status === 'connecting'
      ? t('calls.audio.connecting')
      : audio.status === 'connected'
        ? audio.muted
          ? t('calls.audio.muted')
          : t('calls.audio.connected')
        : audio.status === 'failed'
          ? t('calls.audio.failed')
          : '';
  return (
    <div className="call-audio" data-testid="call-audio" data-status={audio.status}>
      <p role="status">{line}</p>
      {live && audio.noMicrophone && <p className="warning">{t('calls.audio.noMicrophone')}</p>}
      {live && !audio.noMicrophone && (
        <p>
          <button
            type="button"
            className="secondary"
            aria-pressed={audio.muted}
            onClick={() => setMuted(!audio.muted)}
          >
            {audio.muted ? t('calls.audio.unmute') : t('calls.audio.mute')}
          </button>
        </p>
      )}
    </div>
  );
}
