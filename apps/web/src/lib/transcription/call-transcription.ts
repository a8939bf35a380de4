import type { TranscriptionModelInfo, TranscriptPayload } from '@llamenos/protocol';
import { useSyncExternalStore } from 'react';
import { providerPhoneLink } from '../calls/provider-phone/link.js';
import { type CallAudioStreams, callAudioStreams } from '../calls/webrtc.js';
import { type CallRecorder, recordCall } from './call-recorder.js';
import type { EngineAudio, EngineResult } from './protocol.js';
import { sessionEngine } from './session-engine.js';
import { storeTranscript } from './store-transcript.js';
import { transcriptPayload } from './transcripts.js';

/**
 * A call answered in the browser, transcribed on the volunteer's own device (issue 16): when
 * the hotline allows it (settings.transcription.browserCalls, a model uploaded) and the
 * volunteer has not opted out (My settings), both sides are recorded in memory from the moment
 * the audio connects (call-recorder.ts); when the call ends the recording goes to the whisper
 * worker, and the text is sealed for the volunteer and every admin and stored with the call.
 * If the permission goes away during the call (opt-out, the admin turns it off) the recording
 * is dropped there and then.
 */

export type CallTranscriptionPhase = 'idle' | 'recording' | 'transcribing' | 'done' | 'failed';

export interface CallTranscriptionState {
  phase: CallTranscriptionPhase;
  callId: string | null;
  /** The stored transcript, once done. */
  transcriptId: string | null;
  error: unknown;
}

/** What the page knows at each render: the call's audio, and whether (and with what) to transcribe it. */
export interface CallTranscriptionInput {
  /** The call whose audio this tab carries, or null once it ended. */
  callId: string | null;
  connected: boolean;
  /** The model to use when transcription of this volunteer's calls is allowed here; otherwise null. */
  model: TranscriptionModelInfo | null;
  /** The call's language for whisper ('auto': the model's detection). */
  language: string;
}

export interface CallTranscriberDeps {
  streams: () => CallAudioStreams | null;
  record: (local: MediaStream | null, remote: MediaStream | null) => CallRecorder | null;
  transcribe: (audio: EngineAudio, model: TranscriptionModelInfo, language: string) => Promise<EngineResult>;
  store: (callId: string, payload: TranscriptPayload) => Promise<string>;
}

const IDLE: CallTranscriptionState = { phase: 'idle', callId: null, transcriptId: null, error: null };

interface Recording {
  callId: string;
  recorder: CallRecorder;
  model: TranscriptionModelInfo;
  language: string;
}

export class CallTranscriber {
  private state: CallTranscriptionState = IDLE;
  private recording: Recording | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: CallTranscriberDeps) {}

  current = (): CallTranscriptionState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(next: CallTranscriptionState): void {
    this.state = next;
    for (const l of [...this.listeners]) l();
  }

  /** Follows the page's call: starts, drops or finishes the recording. Returns the work it started, if any. */
  sync(input: CallTranscriptionInput): Promise<void> | null {
    const rec = this.recording;
    if (rec && rec.callId !== input.callId) return this.finish(rec);
    if (rec && !input.model) {
      this.recording = null;
      this.set(IDLE);
      return rec.recorder.discard();
    }
    const fresh = !(this.state.callId === input.callId && this.state.phase !== 'idle');
    if (!rec && input.callId && input.connected && input.model && fresh) this.start(input, input.model);
    return null;
  }

  private start(input: CallTranscriptionInput, model: TranscriptionModelInfo): void {
    const streams = this.deps.streams();
    if (!input.callId || streams?.callId !== input.callId) return;
    const recorder = this.deps.record(streams.local, streams.remote);
    if (!recorder) return;
    this.recording = { callId: input.callId, recorder, model, language: input.language };
    this.set({ ...IDLE, phase: 'recording', callId: input.callId });
  }

  private async finish(rec: Recording): Promise<void> {
    this.recording = null;
    this.set({ ...IDLE, phase: 'transcribing', callId: rec.callId });
    try {
      const audio = await rec.recorder.stop();
      if (!audio) return this.set(IDLE);
      const result = await this.deps.transcribe(audio, rec.model, rec.language);
      const transcriptId = await this.deps.store(
        rec.callId,
        transcriptPayload('call', rec.model.sha256, result),
      );
      if (this.state.callId === rec.callId)
        this.set({ ...IDLE, phase: 'done', callId: rec.callId, transcriptId });
    } catch (error) {
      if (this.state.callId === rec.callId) this.set({ ...IDLE, phase: 'failed', callId: rec.callId, error });
    }
  }

  /** Hides a finished or failed transcription's notice. */
  dismiss(): void {
    if (this.state.phase === 'done' || this.state.phase === 'failed') this.set(IDLE);
  }

  /** The page is going away (sign-out): a recording in progress is dropped, never transcribed. */
  async discard(): Promise<void> {
    const rec = this.recording;
    this.recording = null;
    if (this.state.phase === 'recording') this.set(IDLE);
    await rec?.recorder.discard();
  }
}

/** The page's one transcriber, on the real call audio, engine and API. */
export const callTranscriber = new CallTranscriber({
  // The simulated carrier's WebRTC audio, or a provider's browser phone (provider-phone/).
  streams: () => callAudioStreams() ?? providerPhoneLink.audioStreams(),
  record: (local, remote) => recordCall(local, remote),
  transcribe: (audio, model, language) =>
    // Ended on lock like every transcription (session-engine.ts): the call's audio goes with it.
    sessionEngine().transcribe({
      model: { sha256: model.sha256, url: `/api/transcription/models/${model.sha256}` },
      audio,
      language,
    }),
  store: storeTranscript,
});

export const useCallTranscription = (): CallTranscriptionState =>
  useSyncExternalStore(callTranscriber.subscribe, callTranscriber.current);
