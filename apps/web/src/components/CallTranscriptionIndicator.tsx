import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../app/session.js';
import { useProviderPhone } from '../lib/calls/provider-phone/use-provider-phone.js';
import { useCalls } from '../lib/calls/store.js';
import { useCallAudio } from '../lib/calls/webrtc.js';
import { queries } from '../lib/queries/index.js';
import {
  type CallTranscriptionState,
  callTranscriber,
  useCallTranscription,
} from '../lib/transcription/call-transcription.js';
import { canTranscribeHere } from '../lib/transcription/engine.js';
import { callTranscripts } from '../lib/transcription/queries.js';
import { TranscriptItem, TranscriptionFailure } from '../pages/calls/Transcripts.js';
import './call-transcription.css';

/**
 * Transcription of the call this volunteer answered in the browser, on this device: it drives
 * lib/transcription/call-transcription.ts from the call's audio, the hotline's settings and the
 * volunteer's own choice, and says so on the call card while both sides are being recorded.
 * Once the call ends it shows the transcript, sealed for the volunteer and the admins, with
 * "Copy into a note".
 */
export function CallTranscriptionIndicator() {
  const me = useMe();
  const webrtc = useCallAudio();
  const phone = useProviderPhone();
  // The call's audio in this tab: the simulated carrier's, or a provider's browser phone's.
  const audio =
    webrtc.callId === null && phone.answered && phone.callId
      ? { callId: phone.callId, status: phone.connected ? 'connected' : 'connecting' }
      : webrtc;
  const { active } = useCalls();
  const settings = useQuery({ ...queries.publicSettings(), enabled: me !== null });
  const transcription = settings.data?.transcription;
  const allowed = Boolean(
    me?.transcribeMyCalls && transcription?.enabled && transcription.browserCalls && canTranscribeHere(),
  );
  const model = allowed ? (transcription?.model ?? null) : null;
  const language = (active?.id === audio.callId && active?.language) || 'auto';

  useEffect(() => {
    void callTranscriber.sync({
      callId: audio.callId,
      connected: audio.status === 'connected',
      model,
      language,
    });
  }, [audio.callId, audio.status, model, language]);
  // Leaving the signed-in page drops a recording in progress; it is never transcribed.
  useEffect(() => () => void callTranscriber.discard(), []);

  const state = useCallTranscription();
  if (state.phase === 'idle' || !state.callId) return null;
  return <CallTranscriptionNotice state={state} callId={state.callId} />;
}

function CallTranscriptionNotice({ state, callId }: { state: CallTranscriptionState; callId: string }) {
  const { t } = useTranslation();
  return (
    <section
      className="call-transcription"
      aria-label={t('transcription.call.title')}
      data-testid="call-transcription"
      data-phase={state.phase}
    >
      <p role="status">
        {state.phase === 'recording' && (
          <>
            <span className="recording-dot" aria-hidden="true" /> {t('transcription.call.recording')}
          </>
        )}
        {state.phase === 'transcribing' && t('transcription.call.transcribing')}
        {state.phase === 'done' && t('transcription.call.ready')}
        {state.phase === 'failed' && t('transcription.call.failed')}
      </p>
      {state.phase === 'recording' && <p className="hint">{t('transcription.call.recordingHint')}</p>}
      {state.phase === 'done' && state.transcriptId && (
        <CallTranscript callId={callId} transcriptId={state.transcriptId} />
      )}
      {state.phase === 'failed' && <TranscriptionFailure error={state.error} />}
      {(state.phase === 'done' || state.phase === 'failed') && (
        <button type="button" className="secondary" onClick={() => callTranscriber.dismiss()}>
          {t('transcription.call.dismiss')}
        </button>
      )}
    </section>
  );
}

/** The stored transcript as this volunteer reads it back: opened with their own key. */
function CallTranscript({ callId, transcriptId }: { callId: string; transcriptId: string }) {
  const list = useQuery(callTranscripts(callId));
  const transcript = list.data?.find((tr) => tr.id === transcriptId);
  if (!transcript) return null;
  return (
    <ul className="plain">
      <TranscriptItem callId={callId} transcript={transcript} />
    </ul>
  );
}
