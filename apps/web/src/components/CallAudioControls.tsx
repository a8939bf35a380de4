import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { callPeerConnection, setHeld, setMuted, useCallAudio } from '../lib/calls/webrtc.js';
import { CallNetworkQuality } from './CallNetworkQuality.js';
import { CallSupervisionNotice } from './CallSupervisionNotice.js';
import { CallTransfer } from './CallTransfer.js';
import { ErrorMessage } from './ErrorMessage.js';
import { MuteButton } from './MuteButton.js';

/**
 * The audio of a call answered in the browser, on the active-call card: whether it is connected,
 * a missing microphone, Mute, Hold (the caller hears hold music and neither side hears the
 * other until Resume) and Transfer (cold: to a colleague on shift in the browser). Nothing shows for a call with no browser audio (answered on a phone). The
 * status line is always rendered, so screen readers announce its changes.
 */
export function CallAudioControls() {
  const { t } = useTranslation();
  const audio = useCallAudio();
  const [holdError, setHoldError] = useState<unknown>(null);
  const live = audio.status !== 'idle';
  const line =
    audio.status === 'connecting'
      ? t('calls.audio.connecting')
      : audio.status === 'connected'
        ? audio.held
          ? t('calls.audio.onHold')
          : audio.muted
            ? t('calls.audio.muted')
            : t('calls.audio.connected')
        : audio.status === 'failed'
          ? t('calls.audio.failed')
          : '';
  const toggleHold = () => {
    setHoldError(null);
    setHeld(!audio.held).catch(setHoldError);
  };
  return (
    <div className="call-audio" data-testid="call-audio" data-status={audio.status} data-held={audio.held}>
      <p aria-live="polite" data-testid="call-audio-line">
        {line}
      </p>
      {audio.status === 'connected' && <CallNetworkQuality pc={callPeerConnection()} />}
      {audio.status === 'connected' && audio.callId && <CallSupervisionNotice callId={audio.callId} />}
      {live && audio.noMicrophone && <p className="warning">{t('calls.audio.noMicrophone')}</p>}
      {live && (
        <p className="button-row">
          {!audio.noMicrophone && <MuteButton muted={audio.muted} onToggle={setMuted} />}
          {audio.status === 'connected' && (
            <button
              type="button"
              className="secondary"
              aria-pressed={audio.held}
              disabled={audio.holding}
              onClick={toggleHold}
            >
              {audio.held ? t('calls.audio.resume') : t('calls.audio.hold')}
            </button>
          )}
        </p>
      )}
      <ErrorMessage error={holdError} />
      {audio.status === 'connected' && audio.callId && <CallTransfer callId={audio.callId} />}
    </div>
  );
}
