import type { TranscriptPayload } from '@llamenos/protocol';
import { ApiRequestError, fetchNoteReaders, postTranscript } from '../api/index.js';
import { sealTranscript } from './transcripts.js';

/** The server names missing or unexpected readers when the set of admins changed meanwhile. */
function readersChanged(error: unknown): boolean {
  if (!(error instanceof ApiRequestError) || error.status !== 400) return false;
  const details = error.details as { missingReaders?: unknown; unexpectedReaders?: unknown } | undefined;
  return Array.isArray(details?.missingReaders) || Array.isArray(details?.unexpectedReaders);
}

/**
 * Seals a transcript for its author and every current admin and stores it with its call; only
 * the envelope leaves the browser. Returns the transcript's id.
 */
export async function storeTranscript(callId: string, payload: TranscriptPayload): Promise<string> {
  const id = crypto.randomUUID();
  const send = async () =>
    postTranscript(callId, {
      id,
      source: payload.source,
      envelope: sealTranscript(payload, id, await fetchNoteReaders()),
    });
  try {
    await send();
  } catch (e) {
    // An admin was added or removed between reading the readers and sending: seal again once.
    if (!readersChanged(e)) throw e;
    await send();
  }
  return id;
}
