import { decryptStream, fromBase64url, PURPOSES, unwrapKey } from '@llamenos/crypto';
import type { TranscriptionModelInfo } from '@llamenos/protocol';
import { fetchVoicemail, fetchVoicemailAudio } from '../api/index.js';
import { unlockedSecretKey } from '../vault.js';
import { audioForEngine } from './decode-audio.js';
import type { EngineResult, EngineStage } from './protocol.js';
import { sessionEngine } from './session-engine.js';
import { storeTranscript } from './store-transcript.js';
import { transcriptPayload } from './transcripts.js';

/**
 * A voicemail from its encrypted file to a sealed transcript, all in this browser: the file is
 * decrypted as VoicemailPlayer does, decoded (WAV by our decoder in the worker; MP3 and the rest
 * by the browser's decodeAudioData), transcribed by whisper.cpp in the worker, sealed for the
 * admin and every current admin, and stored. Neither audio nor text leaves the browser in the clear.
 */

export class VoicemailLockedError extends Error {
  override readonly name = 'VoicemailLockedError';
}

/**
 * The voicemail's audio, decrypted chunk by chunk as it downloads (PURPOSES.voicemail, record
 * id "voicemail:<callId>"); any altered, reordered or missing chunk fails.
 */
export async function decryptVoicemail(callId: string, signal?: AbortSignal): Promise<Blob> {
  const secretKey = unlockedSecretKey();
  if (!secretKey) throw new VoicemailLockedError('the key is locked');
  const recordId = `voicemail:${callId}`;
  const view = await fetchVoicemail(callId);
  const fileKey = unwrapKey(fromBase64url(view.wrap, 'wrap'), secretKey, {
    label: PURPOSES.voicemail.wrap,
    recordId,
  });
  try {
    const encrypted = await fetchVoicemailAudio(callId, signal);
    const plain = encrypted.pipeThrough(
      decryptStream(fileKey, { label: PURPOSES.voicemail.content, recordId }),
    );
    const audio = await new Response(plain).blob();
    return new Blob([audio], { type: view.contentType });
  } finally {
    fileKey.fill(0);
  }
}

export interface TranscribedVoicemail {
  transcriptId: string;
  result: EngineResult;
}

/** Transcribes one voicemail and stores the sealed transcript; rejects with a TranscriptionError or an API error. */
export async function transcribeVoicemail(
  callId: string,
  model: TranscriptionModelInfo,
  options: { language?: string; onStage?: (stage: EngineStage | 'decrypting' | 'sealing') => void } = {},
): Promise<TranscribedVoicemail> {
  options.onStage?.('decrypting');
  const audio = await audioForEngine(await decryptVoicemail(callId));
  const result = await sessionEngine().transcribe({
    model: { sha256: model.sha256, url: `/api/transcription/models/${model.sha256}` },
    audio,
    language: options.language || 'auto',
    ...(options.onStage ? { onStage: options.onStage } : {}),
  });
  options.onStage?.('sealing');
  const id = await storeTranscript(callId, transcriptPayload('voicemail', model.sha256, result));
  return { transcriptId: id, result };
}
