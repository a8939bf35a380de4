import type { TranscriptionModelInfo } from '@llamenos/protocol';
import { claimVoicemailTranscription } from '../api/transcription.js';
import { transcribeVoicemail } from './voicemail.js';

/**
 * One voicemail as the automatic transcriber (settings.transcription.autoVoicemails) takes it.
 * Every admin whose calls page is open runs it, so the browser first claims the voicemail on
 * the server (a lease, docs/PROTOCOL.md §9.5) and transcribes only if it got the claim: two
 * admins online never both transcribe one voicemail. An admin's own "Transcribe" does not claim.
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
