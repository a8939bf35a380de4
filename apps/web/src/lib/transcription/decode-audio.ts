import { TranscriptionError } from './errors.js';
import type { EngineAudio } from './protocol.js';
import { looksLikeWav } from './wav.js';

/*
 * Kept apart from voicemail.ts (which reaches the API and the vault) so that the decoding of
 * providers' audio can be run alone in a real browser (e2e/transcription.spec.ts, MP3).
 */

/**
 * What the worker gets: a WAV file as it is (decoded there, off this thread), anything else
 * decoded here by the browser (decodeAudioData runs off the main thread too).
 */
export async function audioForEngine(audio: Blob): Promise<EngineAudio> {
  const bytes = await audio.arrayBuffer();
  if (looksLikeWav(new Uint8Array(bytes, 0, Math.min(12, bytes.byteLength)))) return { kind: 'wav', bytes };
  try {
    // The decoder resamples to the context's rate; whisper wants 16 kHz, so ask for it directly.
    const context = new OfflineAudioContext(1, 1, 16000);
    const decoded = await context.decodeAudioData(bytes);
    const channels = Array.from({ length: decoded.numberOfChannels }, (_, c) =>
      decoded.getChannelData(c).slice(),
    );
    return { kind: 'pcm', sampleRate: decoded.sampleRate, channels };
  } catch (e) {
    throw new TranscriptionError('audio-decode', (e as Error)?.message ?? 'decodeAudioData failed');
  }
}
