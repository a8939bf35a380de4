import type { Context } from 'hono';

/**
 * A stored file's answer (an attachment, a conversation's media, a voicemail): its sealed bytes
 * streamed as the attachment store holds them, never cached (only the client can open them).
 */
export const sealedFileResponse = (
  c: Context,
  file: { size: number; stream: ReadableStream<Uint8Array> },
): Response =>
  c.body(file.stream, 200, {
    'content-type': 'application/octet-stream',
    'content-length': String(file.size),
    'cache-control': 'no-store',
  });
