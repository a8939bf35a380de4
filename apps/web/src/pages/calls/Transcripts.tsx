import type { CallView, PublicSettings } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../../app/router.js';
import { can, type Me } from '../../app/session.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime, languageName } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { queries } from '../../lib/queries/index.js';
import { onHubEvent } from '../../lib/realtime/index.js';
import { autoTranscribeVoicemail, claimForOwnTranscription } from '../../lib/transcription/auto-voicemail.js';
import { copyTranscriptIntoNote } from '../../lib/transcription/copy-to-note.js';
import { TranscriptionError } from '../../lib/transcription/errors.js';
import { type CallTranscript, callTranscripts, transcriptKeys } from '../../lib/transcription/queries.js';
import { transcribeVoicemail } from '../../lib/transcription/voicemail.js';

type Stage = 'decrypting' | 'model' | 'audio' | 'transcribing' | 'sealing';

/** Why transcription cannot run in this browser now, or null when it can. */
function unavailable(settings: PublicSettings | undefined): 'off' | 'no-model' | null {
  if (!settings?.transcription.enabled) return 'off';
  if (!settings.transcription.model) return 'no-model';
  // Without cross-origin isolation the engine runs without threads: slower, still possible.
  return null;
}

/** A transcription failure in the member's language. */
export function TranscriptionFailure({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!(error instanceof TranscriptionError)) return <ErrorMessage error={error} />;
  return (
    <p role="alert" className="error" data-testid="transcription-error" data-code={error.code}>
      {t(`transcription.errors.${error.code}`)}
    </p>
  );
}

/** One opened transcript: its text (the caller's words, shown as user text) and "copy into a note". */
export function TranscriptItem({ callId, transcript }: { callId: string; transcript: CallTranscript }) {
  const { t, i18n } = useTranslation();
  const { opened } = transcript;
  return (
    <li data-testid="transcript" data-state={opened.state}>
      <p className="hint">
        {t(`transcription.source.${transcript.source}`)} ·{' '}
        {formatDateTime(transcript.createdAt, i18n.language)}
        {opened.state === 'open' && opened.payload.language
          ? ` · ${languageName(opened.payload.language, i18n.language)}`
          : ''}
      </p>
      {opened.state === 'open' ? (
        <>
          <p dir="auto" className="transcript-text" data-testid="transcript-text">
            {opened.payload.text || t('transcription.empty')}
          </p>
          {opened.payload.text && (
            <button
              type="button"
              className="secondary"
              onClick={() =>
                void copyTranscriptIntoNote(callId, opened.payload.text).then((href) => navigate(href))
              }
            >
              {t('transcription.copyToNote')}
            </button>
          )}
        </>
      ) : (
        <p className="hint">{t(`transcription.unreadable.${opened.state}`)}</p>
      )}
    </li>
  );
}

/**
 * A call's transcripts, decrypted in this browser (readers only: the creator and the admins),
 * and for a voicemail the button that transcribes it here.
 */
export function Transcripts({ call, me }: { call: CallView; me: Me }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const settings = useQuery(queries.publicSettings());
  const list = useQuery(callTranscripts(call.id));
  // Another admin's browser may transcribe this call: its hub event (ids only) re-reads the list.
  useEffect(
    () =>
      onHubEvent('transcript:new', ({ callId }) => {
        if (callId === call.id) void client.invalidateQueries({ queryKey: transcriptKeys.ofCall(call.id) });
      }),
    [client, call.id],
  );
  const [stage, setStage] = useState<Stage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [elsewhere, setElsewhere] = useState(false);
  const why = unavailable(settings.data);
  const model = settings.data?.transcription.model ?? null;
  const mayTranscribe = call.hasVoicemail && can(me, 'calls:read-all');

  async function transcribe() {
    if (!model) return;
    setError(null);
    try {
      // Never blocked by another admin's claim; only said (and theirs learns it is taken).
      setElsewhere(await claimForOwnTranscription(call.id));
      await transcribeVoicemail(call.id, model, { language: call.language, onStage: setStage });
      await client.invalidateQueries({ queryKey: transcriptKeys.ofCall(call.id) });
    } catch (e) {
      setError(e);
    } finally {
      setStage(null);
    }
  }

  return (
    <div className="transcripts" data-testid={`transcripts-${call.id}`}>
      <ErrorMessage error={list.error} />
      {list.data && list.data.length > 0 && (
        <ul className="plain">
          {list.data.map((tr) => (
            <TranscriptItem key={tr.id} callId={call.id} transcript={tr} />
          ))}
        </ul>
      )}
      {list.data?.length === 0 && <EmptyState>{t('transcription.none')}</EmptyState>}
      {mayTranscribe &&
        (why ? (
          <p className="hint" data-testid="transcription-unavailable">
            {t(`transcription.unavailable.${why}`)}{' '}
            {can(me, 'settings:write') && (
              <NavLink href="/admin/settings#transcription">{t('transcription.openSettings')}</NavLink>
            )}
          </p>
        ) : (
          <>
            <button
              type="button"
              onClick={() => void transcribe()}
              disabled={stage !== null}
              aria-busy={stage !== null}
            >
              {stage ? t(`transcription.stage.${stage}`) : t('transcription.transcribe')}
            </button>
            {elsewhere && stage !== null && (
              <p className="hint" data-testid="transcribing-elsewhere">
                {t('transcription.elsewhere')}
              </p>
            )}
            <TranscriptionFailure error={error} />
          </>
        ))}
    </div>
  );
}

/**
 * settings.transcription.autoVoicemails: while an admin has the calls page open, their browser
 * transcribes the listed voicemails that have none yet, one at a time (a new voicemail's hub
 * event re-reads the list). Each call is tried once per page visit, so a failure does not loop.
 */
export function AutoTranscriber({ calls, me }: { calls: CallView[] | undefined; me: Me }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const settings = useQuery(queries.publicSettings());
  const tried = useRef(new Set<string>());
  const busy = useRef(false);
  const [current, setCurrent] = useState<string | null>(null);
  const [failures, setFailures] = useState(0);
  const enabled =
    can(me, 'calls:read-all') &&
    settings.data?.transcription.autoVoicemails === true &&
    unavailable(settings.data) === null;
  const model = settings.data?.transcription.model ?? null;

  useEffect(() => {
    if (!enabled || !model || busy.current) return;
    const pending = (calls ?? []).filter((c) => c.hasVoicemail && !tried.current.has(c.id));
    if (pending.length === 0) return;
    busy.current = true;
    void (async () => {
      for (const call of pending) {
        tried.current.add(call.id);
        try {
          // Claimed first on the server, so two admins online do not both transcribe it.
          const outcome = await autoTranscribeVoicemail(call.id, model, {
            language: call.language,
            onStart: () => setCurrent(call.id),
          });
          if (outcome === 'transcribed')
            await client.invalidateQueries({ queryKey: transcriptKeys.ofCall(call.id) });
        } catch {
          setFailures((n) => n + 1);
        }
      }
      setCurrent(null);
      busy.current = false;
    })();
  }, [calls, enabled, model, client]);

  if (!enabled) return null;
  return (
    <p role="status" className="hint" data-testid="auto-transcription">
      {current ? t('transcription.autoBusy') : ''}
      {failures > 0 ? ` ${t('transcription.autoFailed', { count: failures })}` : ''}
    </p>
  );
}
