import { decryptStream, fromBase64url, PURPOSES, unwrapKey } from '@llamenos/crypto';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { fetchVoicemail, fetchVoicemailAudio } from '../../lib/calls/api.js';
import { unlockedSecretKey } from '../../lib/vault.js';

/**
 * A voicemail is a file encrypted in chunks (streaming format, PURPOSES.voicemail, record id
 * "voicemail:<callId>") whose key is wrapped for each admin. The caller's wrap is opened with the
 * unlocked key, the encrypted file is decrypted chunk by chunk as it downloads (any altered,
 * reordered or missing chunk fails), and the audio plays from a Blob URL.
 */
export function VoicemailPlayer({ callId }: { callId: string }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let objectUrl: string | null = null;
    let current = true;
    const abort = new AbortController();
    (async () => {
      const secretKey = unlockedSecretKey();
      if (!secretKey) throw new Error(t('calls.voicemailLocked'));
      const recordId = `voicemail:${callId}`;
      const view = await fetchVoicemail(callId);
      const fileKey = unwrapKey(fromBase64url(view.wrap, 'wrap'), secretKey, {
        label: PURPOSES.voicemail.wrap,
        recordId,
      });
      let audio: Blob;
      try {
        const encrypted = await fetchVoicemailAudio(callId, abort.signal);
        const plain = encrypted.pipeThrough(
          decryptStream(fileKey, { label: PURPOSES.voicemail.content, recordId }),
        );
        audio = await new Response(plain).blob();
      } finally {
        fileKey.fill(0);
      }
      if (!current) return;
      objectUrl = URL.createObjectURL(new Blob([audio], { type: view.contentType }));
      setUrl(objectUrl);
    })().catch((e: unknown) => {
      if (current) setError(e);
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
