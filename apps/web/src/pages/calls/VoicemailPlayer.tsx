import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { decryptVoicemail, VoicemailLockedError } from '../../lib/transcription/voicemail.js';

/**
 * A voicemail is a file encrypted in chunks (streaming format, PURPOSES.voicemail, record id
 * "voicemail:<callId>") whose key is wrapped for each admin. It is decrypted in this browser as
 * it downloads (lib/transcription/voicemail.ts, shared with transcription) and plays from a Blob URL.
 */
export function VoicemailPlayer({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let objectUrl: string | null = null;
    let current = true;
    const abort = new AbortController();
    decryptVoicemail(callId, abort.signal)
      .then((audio) => {
        if (!current) return;
        objectUrl = URL.createObjectURL(audio);
        setUrl(objectUrl);
      })
      .catch((e: unknown) => {
        if (current) setError(e instanceof VoicemailLockedError ? new Error(t('calls.voicemailLocked')) : e);
      });
    return () => {
      current = false;
      abort.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [callId, t]);

  if (error) return <ErrorMessage error={error} />;
  if (!url) return <span aria-busy="true">{t('calls.voicemailOpening')}</span>;
  return (
    // biome-ignore lint/a11y/useMediaCaption: a caller's recorded message has no captions to offer
    <audio controls src={url} data-testid="voicemail-audio" aria-label={t('calls.voicemailPlayer')} />
  );
}
