import { openAsReader, PURPOSES } from '@llamenos/crypto';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { fetchVoicemail } from '../../lib/calls/api.js';
import { unlockedSecretKey } from '../../lib/vault.js';

/**
 * A voicemail is sealed for the hotline's admins (PURPOSES.voicemail, record id
 * "voicemail:<callId>"): it is opened here with the unlocked key and played from memory.
 */
export function VoicemailPlayer({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let objectUrl: string | null = null;
    let current = true;
    (async () => {
      const key = unlockedSecretKey();
      if (!key) throw new Error(t('calls.voicemailLocked'));
      const view = await fetchVoicemail(callId);
      const bytes = openAsReader(view.envelope, key, {
        purpose: PURPOSES.voicemail,
        recordId: `voicemail:${callId}`,
      });
      if (!current) return;
      objectUrl = URL.createObjectURL(new Blob([bytes as BlobPart], { type: view.contentType }));
      setUrl(objectUrl);
    })().catch((e: unknown) => {
      if (current) setError(e);
    });
    return () => {
      current = false;
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
