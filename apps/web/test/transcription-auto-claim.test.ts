/**
 * The automatic voicemail transcriber claims a voicemail on the server before transcribing it
 * and goes on only with the claim: of two admins' browsers, the one told someone else is
 * transcribing (or that a transcript exists) transcribes nothing.
 */
import type { TranscriptionModelInfo, VoicemailClaim } from '@llamenos/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls: string[] = [];
let answer: VoicemailClaim | Error;

vi.mock('../src/lib/api/transcription.js', () => ({
  claimVoicemailTranscription: async (callId: string) => {
    calls.push(`claim ${callId}`);
    if (answer instanceof Error) throw answer;
    return answer;
  },
}));
vi.mock('../src/lib/transcription/voicemail.js', () => ({
  transcribeVoicemail: async (callId: string, _model: unknown, options: { language?: string }) => {
    calls.push(`transcribe ${callId} ${options.language ?? ''}`);
    return { transcriptId: 'x', result: {} };
  },
}));

import {
  autoTranscribeVoicemail,
  claimForOwnTranscription,
} from '../src/lib/transcription/auto-voicemail.js';

const model: TranscriptionModelInfo = { sha256: 'ab'.repeat(32), name: 'm.bin', size: 1, uploadedAt: '' };
const callId = '5e1f0c3a-9b8d-4c7e-a6f5-1d2c3b4a5e6f';

describe('the automatic voicemail transcriber', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it('claims the voicemail first and transcribes it with the claim', async () => {
    answer = { callId, claimed: true, reason: null, expiresAt: new Date().toISOString() };
    const started = vi.fn();
    expect(await autoTranscribeVoicemail(callId, model, { language: 'es', onStart: started })).toBe(
      'transcribed',
    );
    expect(calls).toEqual([`claim ${callId}`, `transcribe ${callId} es`]);
    expect(started).toHaveBeenCalledOnce();
  });

  it("leaves a voicemail another admin's browser claimed, and one already transcribed", async () => {
    const started = vi.fn();
    answer = {
      callId,
      claimed: false,
      reason: 'transcribing-elsewhere',
      expiresAt: new Date().toISOString(),
    };
    expect(await autoTranscribeVoicemail(callId, model, { onStart: started })).toBe('transcribing-elsewhere');
    answer = { callId, claimed: false, reason: 'transcribed', expiresAt: null };
    expect(await autoTranscribeVoicemail(callId, model, { onStart: started })).toBe('already-transcribed');
    expect(calls).toEqual([`claim ${callId}`, `claim ${callId}`]);
    expect(started).not.toHaveBeenCalled();
  });

  it("an admin's own Transcribe claims too and says when another admin's browser holds the voicemail", async () => {
    answer = { callId, claimed: true, reason: null, expiresAt: new Date().toISOString() };
    expect(await claimForOwnTranscription(callId)).toBe(false);
    answer = {
      callId,
      claimed: false,
      reason: 'transcribing-elsewhere',
      expiresAt: new Date().toISOString(),
    };
    expect(await claimForOwnTranscription(callId)).toBe(true);
    answer = { callId, claimed: false, reason: 'transcribed', expiresAt: null };
    expect(await claimForOwnTranscription(callId)).toBe(false);
    // A claim that fails (offline, turned off) blocks nothing.
    answer = new Error('offline');
    expect(await claimForOwnTranscription(callId)).toBe(false);
    expect(calls.every((c) => c.startsWith('claim'))).toBe(true);
  });
});
