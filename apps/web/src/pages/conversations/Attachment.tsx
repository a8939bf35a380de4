import type { MessageMediaView } from '@llamenos/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { openAttachment } from '../../lib/conversations/media.js';

/**
 * One attachment, decrypted in the browser as it downloads and shown from a Blob URL: images,
 * audio and video the browser plays itself inline, anything else as a download. Nothing is
 * fetched for a file still being retrieved from the provider, or lost there.
 */
export function Attachment({ conversationId, media }: { conversationId: string; media: MessageMediaView }) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState<{ url: string; type: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ready = media.state === 'stored' && media.wrap !== null;

  useEffect(() => {
    if (!ready) return;
    let url: string | null = null;
    let current = true;
    const abort = new AbortController();
    openAttachment(conversationId, media, abort.signal).then(
      (blob) => {
        if (!current) return;
        url = URL.createObjectURL(blob);
        setOpened({ url, type: blob.type });
      },
      (e: unknown) => {
        if (current) setError(e);
      },
    );
    return () => {
      current = false;
      abort.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [conversationId, media, ready]);

  if (media.state === 'pending') return <p className="hint">{t('conversations.mediaPending')}</p>;
  if (media.state === 'failed' || !media.wrap)
    return <p className="hint">{t('conversations.mediaFailed')}</p>;
  if (error) return <ErrorMessage error={error} />;
  if (!opened) return <p aria-busy="true">{t('conversations.mediaOpening')}</p>;
  if (opened.type.startsWith('image/'))
    return <img className="message-image" src={opened.url} alt={t('conversations.mediaImage')} />;
  if (opened.type.startsWith('audio/'))
    return (
      // biome-ignore lint/a11y/useMediaCaption: a contact's voice message has no captions to offer
      <audio controls src={opened.url} aria-label={t('conversations.mediaAudio')} />
    );
  if (opened.type.startsWith('video/'))
    return (
      // biome-ignore lint/a11y/useMediaCaption: a contact's video has no captions to offer
      <video controls src={opened.url} aria-label={t('conversations.mediaVideo')} className="message-image" />
    );
  return (
    <a href={opened.url} download={`attachment-${media.id}`}>
      {t('conversations.mediaDownload')}
    </a>
  );
}
