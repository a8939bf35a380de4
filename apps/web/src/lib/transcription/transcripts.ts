import { getPublicKeyBytes, PURPOSES, type SealedEnvelope, sealForReaders, utf8 } from '@llamenos/crypto';
import { type TranscriptPayload, type TranscriptSource, transcriptRecordId } from '@llamenos/protocol';
import type { TranscriptForReaderView } from '../api/index.js';
import { openOwnWrap } from '../sealed-records.js';
import type { EngineResult } from './protocol.js';

/**
 * A transcript is sealed in the browser like a note, under its own labels (PURPOSES.transcript,
 * target.md lesson 9) and record id `transcript:<id>`, for its creator and every current admin.
 * The server stores ciphertext and wraps only.
 */

/** The payload sealed for a finished transcription. */
export function transcriptPayload(
  source: TranscriptSource,
  modelSha256: string,
  result: EngineResult,
): TranscriptPayload {
  const segments = result.segments
    .filter((s) => s.text.length > 0)
    .map((s) => ({ start: round(s.start), end: round(s.end), text: s.text }));
  return {
    v: 1,
    source,
    language: result.language,
    model: modelSha256,
    text: segments.map((s) => s.text).join(' '),
    segments,
  };
}

const round = (seconds: number) => Math.round(seconds * 100) / 100;

export function sealTranscript(payload: TranscriptPayload, id: string, readers: string[]): SealedEnvelope {
  return sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.transcript,
    recordId: transcriptRecordId(id),
  });
}

export type OpenedTranscript =
  | { state: 'open'; payload: TranscriptPayload }
  /** No wrap for this reader (e.g. an admin added after it was sealed, before a grant). */
  | { state: 'not-shared' }
  /** The wrap or ciphertext did not authenticate, or the payload is not a transcript. */
  | { state: 'failed' };

function isPayload(value: unknown): value is TranscriptPayload {
  const p = value as TranscriptPayload;
  return (
    typeof p === 'object' &&
    p !== null &&
    p.v === 1 &&
    (p.source === 'voicemail' || p.source === 'call') &&
    typeof p.text === 'string' &&
    typeof p.language === 'string' &&
    typeof p.model === 'string' &&
    Array.isArray(p.segments) &&
    p.segments.every(
      (s) => typeof s?.text === 'string' && typeof s.start === 'number' && typeof s.end === 'number',
    )
  );
}

/** Opens a transcript with the reader's own wrap. */
export function openTranscript(transcript: TranscriptForReaderView, secretKey: Uint8Array): OpenedTranscript {
  if (!transcript.wrap) return { state: 'not-shared' };
  const opened = openOwnWrap(
    { secretKey, publicKey: getPublicKeyBytes(secretKey) },
    { labels: PURPOSES.transcript, recordId: transcriptRecordId(transcript.id) },
    { ciphertext: transcript.ciphertext, wrap: transcript.wrap.wrap },
    (plain) => {
      try {
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)) as unknown;
      } catch {
        return null;
      }
    },
  );
  if (!opened || !isPayload(opened.value)) return { state: 'failed' };
  return { state: 'open', payload: opened.value };
}
