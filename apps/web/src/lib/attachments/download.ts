import { fromBase64url, PURPOSES, unwrapKey } from '@llamenos/crypto';
import {
  type AttachmentView,
  attachmentRecordId,
  paddedLength,
  type ReportAttachmentMeta,
} from '@llamenos/protocol';
import { fetchAttachmentContent } from '../api/attachments.js';
import { safeType } from '../conversations/media.js';
import { unlockedSecretKey } from '../vault.js';
import { attachmentReader, attachmentStream, type PlainReader } from './decrypt.js';
import { saveThroughServiceWorker } from './save.js';

/** Files up to this size may be decrypted into memory (previews, and downloads without a service worker's help). */
export const PREVIEW_MAX_BYTES = 32 * 1024 * 1024;

export class AttachmentUnavailableError extends Error {
  override readonly name = 'AttachmentUnavailableError';
}

/**
 * Keeps the first `size` bytes of the decrypted stream (the file) and checks the rest is the
 * zero padding of exactly paddedLength(size) bytes in all: a stream longer, shorter or padded
 * with anything else does not belong to what the sealed report describes, and fails.
 */
export function cutPadding(size: number): TransformStream<Uint8Array, Uint8Array> {
  const padded = paddedLength(size);
  let seen = 0;
  return new TransformStream({
    transform(bytes, controller) {
      const start = seen;
      seen += bytes.length;
      if (seen > padded) throw new Error('the file is longer than its report says');
      const keep = Math.max(0, Math.min(bytes.length, size - start));
      for (let i = keep; i < bytes.length; i++)
        if (bytes[i] !== 0) throw new Error('the file does not match its report (padding altered)');
      if (keep > 0) controller.enqueue(keep === bytes.length ? bytes : bytes.subarray(0, keep));
    },
    flush() {
      if (seen !== padded) throw new Error('the file is shorter than its report says');
    },
  });
}

/**
 * The attachment's file, decrypted as it downloads (decrypt.ts). Any altered, reordered or
 * missing chunk rejects a read (DECRYPT_FAILED or TRUNCATED): a reader must treat the file as
 * incomplete until the last read has answered done. Each piece is in a buffer of its own, which
 * the service worker's save transfers (save.ts); `recycled` offers buffers to read chunks into.
 */
async function openAttachmentReader(
  attachment: AttachmentView,
  meta: ReportAttachmentMeta,
  signal: AbortSignal | undefined,
  recycled?: (length: number) => ArrayBuffer | undefined,
): Promise<PlainReader> {
  const secretKey = unlockedSecretKey();
  if (!secretKey) throw new AttachmentUnavailableError('unlock the app to open this file');
  if (attachment.state !== 'complete')
    throw new AttachmentUnavailableError('this file has not been fully uploaded');
  if (!attachment.wrap)
    throw new AttachmentUnavailableError('this file has not been shared with your key yet');
  if (meta.id !== attachment.id)
    throw new AttachmentUnavailableError('this file does not belong to this report');
  const recordId = attachmentRecordId(attachment.id);
  const key = unwrapKey(fromBase64url(attachment.wrap.wrap, 'wrap'), secretKey, {
    label: PURPOSES.attachment.wrap,
    recordId,
  });
  let encrypted: ReadableStream<Uint8Array>;
  try {
    encrypted = await fetchAttachmentContent(attachment.id, signal);
  } catch (error) {
    key.fill(0);
    throw error;
  }
  // The key is zeroed once the file ends: read whole, failed or cancelled.
  return attachmentReader(
    encrypted,
    key,
    { label: PURPOSES.attachment.content, recordId },
    meta.size,
    () => key.fill(0),
    { reuse: false, ...(recycled ? { recycled } : {}) },
  );
}

/** The attachment's plaintext as a stream of exactly `meta.size` bytes, decrypted as it downloads. */
export async function openAttachmentStream(
  attachment: AttachmentView,
  meta: ReportAttachmentMeta,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  return attachmentStream(await openAttachmentReader(attachment, meta, signal));
}

/** A small attachment decrypted whole, typed for inline display (an image, audio or video) or as a plain download. */
export async function openAttachmentPreview(
  attachment: AttachmentView,
  meta: ReportAttachmentMeta,
  signal?: AbortSignal,
): Promise<Blob> {
  if (meta.size > PREVIEW_MAX_BYTES)
    throw new AttachmentUnavailableError('this file is too large to preview');
  const plain = await openAttachmentStream(attachment, meta, signal);
  const bytes = await new Response(plain).arrayBuffer();
  return new Blob([bytes], { type: safeType(meta.type) });
}

/** Whether the browser shows this type itself (an image, audio or video), by the app's safe list. */
export const previewKind = (meta: ReportAttachmentMeta): 'image' | 'audio' | 'video' | null => {
  const type = safeType(meta.type);
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  return null;
};

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file once the click is handled; a minute is ample.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Decrypts an attachment into a file on the member's device. Large files stream through the
 * service worker (no whole-file buffer anywhere); small files, or any file when no service
 * worker is active, go through a Blob. Either way the promise rejects, loudly, on a file that
 * fails to decrypt or ends early: the service worker's download is then failed by the browser,
 * never completed with part of the file.
 */
export async function downloadAttachment(
  attachment: AttachmentView,
  meta: ReportAttachmentMeta,
  signal?: AbortSignal,
): Promise<void> {
  if (
    meta.size > PREVIEW_MAX_BYTES &&
    (await saveThroughServiceWorker(
      (recycled) => openAttachmentReader(attachment, meta, signal, recycled),
      meta,
    ))
  )
    return;
  const plain = await openAttachmentStream(attachment, meta, signal);
  const bytes = await new Response(plain).blob();
  saveBlob(new Blob([bytes], { type: 'application/octet-stream' }), meta.name);
}
