import { decryptStream, fromBase64url, PURPOSES, unwrapKey } from '@llamenos/crypto';
import { type MessageMediaView, messageMediaRecordId } from '@llamenos/protocol';
import { fetchMessageMedia } from '../api/index.js';
import { VaultLockedError } from '../key-workers.js';
import { unlockedSecretKey } from '../vault.js';

/**
 * An attachment is a file encrypted in chunks (streaming format, PURPOSES.attachment, record id
 * from messageMediaRecordId) whose key is wrapped for the conversation's readers. The caller's
 * wrap is opened with the unlocked key and the file decrypted chunk by chunk as it downloads,
 * as a voicemail is: any altered, reordered or missing chunk fails the whole file.
 */
export async function openAttachment(
  conversationId: string,
  media: MessageMediaView,
  signal?: AbortSignal,
): Promise<Blob> {
  const secretKey = unlockedSecretKey();
  if (!secretKey) throw new VaultLockedError('messages');
  if (media.state !== 'stored' || !media.wrap) throw new Error('this attachment is not available');
  const recordId = messageMediaRecordId(media.id);
  const fileKey = unwrapKey(fromBase64url(media.wrap, 'wrap'), secretKey, {
    label: PURPOSES.attachment.wrap,
    recordId,
  });
  try {
    const encrypted = await fetchMessageMedia(conversationId, media.id, signal);
    const plain = encrypted.pipeThrough(
      decryptStream(fileKey, { label: PURPOSES.attachment.content, recordId }),
    );
    const bytes = await new Response(plain).blob();
    return new Blob([bytes], { type: safeType(media.contentType) });
  } finally {
    fileKey.fill(0);
  }
}

/** Shown inline only as an image, audio or video the browser plays itself; anything else is a download. */
export function safeType(contentType: string | null): string {
  const type = (contentType ?? '').toLowerCase().split(';')[0]?.trim() ?? '';
  return /^(image\/(png|jpeg|gif|webp)|audio\/[a-z0-9.+-]+|video\/(mp4|webm|3gpp))$/.test(type)
    ? type
    : 'application/octet-stream';
}
