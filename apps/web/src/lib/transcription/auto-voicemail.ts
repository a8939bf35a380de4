import type { TranscriptionModelInfo } from '@llamenos/protocol';
import { claimVoicemailTranscription } from '../api/transcription.js';
import { transcribeVoicemail } from './voicemail.js';

/**
 * One voicemail as the automatic transcriber (settings.transcription.autoVoicemails) takes it.
 * Every admin whose calls page is open runs it, so the browser first claims the voicemail on
 * the server (a lease, docs/PROTOCOL.md §9.5) and transcribes only if it got the claim: two
 * admins online never both transcribe one voicemail. An admin's own "Transcribe" claims but is
 * never stopped by the answer (claimForOwnTranscription).
 */
export type AutoVoicemailOutcome = 'transcribed' | 'already-transcribed' | 'transcribing-elsewhere';

export async function autoTranscribeVoicemail(
  callId: string,
  model: TranscriptionModelInfo,
  options: { language?: string; onStart?: () => void } = {},
): Promise<AutoVoicemailOutcome> {
  const claim = await claimVoicemailTranscription(callId);
  if (!claim.claimed)
    return claim.reason === 'transcribed' ? 'already-transcribed' : 'transcribing-elsewhere';
  options.onStart?.();
  await transcribeVoicemail(callId, model, options.language ? { language: options.language } : {});
  return 'transcribed';
}

/**
 * An admin's own "Transcribe" is never blocked by a claim, but it claims too (so the automatic
 * transcribers of other admins leave the voicemail alone) and says when another admin's browser
 * holds it: true then. A claim that cannot be made (offline, transcription turned off) changes
 * nothing: the transcription itself reports what is wrong.
 */
export async function claimForOwnTranscription(callId: string): Promise<boolean> {
  try {
    const claim = await claimVoicemailTranscription(callId);
    return !claim.claimed && claim.reason === 'transcribing-elsewhere';
  } catch {
    return false;
  }
}
