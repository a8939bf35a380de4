import type { EngineAudio } from './protocol.js';
import { WHISPER_SAMPLE_RATE } from './resample.js';

/**
 * Both sides of a call answered in the browser, recorded in this page's memory only while the
 * call is live, for whisper to transcribe once it ends (docs/THREAT-MODEL.md, "Call
 * transcription"). Never written anywhere: no IndexedDB, no OPFS, no Blob URL; the samples go
 * to the worker by transfer and are zeroed here if they are dropped instead.
 *
 * One mono buffer, not two labelled tracks: whisper.cpp reads one stream, so two tracks would
 * mean two passes over the call on a volunteer's laptop (twice the time) and their segments
 * would still have to be interleaved by time. The two sides rarely speak at once, so their sum
 * loses little. The sides reach the mixer as the two channels of one node, so the mix is ours
 * (mixSides, tested) rather than the browser's downmix, which would halve each voice.
 *
 * The context asks for 16 kHz, what whisper reads, so a call costs 64 KB a second; a browser
 * that cannot connect a microphone to a 16 kHz context (Firefox) records at its own rate and the
 * worker resamples. Recording stops at MAX_SAMPLES (30 minutes at 16 kHz, about 115 MB).
 */

export const MAX_SAMPLES = WHISPER_SAMPLE_RATE * 60 * 30;

/** Frames per capture callback: 256 ms at 16 kHz, a copy of 16 KB each time on the page's thread. */
const FRAMES = 4096;

/** The volunteer's and the caller's samples summed, kept within [-1, 1]. */
export function mixSides(
  local: Float32Array | null,
  remote: Float32Array | null,
  length: number,
): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const sum = (local?.[i] ?? 0) + (remote?.[i] ?? 0);
    out[i] = Math.min(1, Math.max(-1, sum));
  }
  return out;
}

/** Chunks of mono samples up to a limit, joined once at the end. */
export class PcmCollector {
  private chunks: Float32Array[] = [];
  private length = 0;

  constructor(
    readonly sampleRate: number,
    private readonly maxSamples: number = MAX_SAMPLES,
  ) {}

  get samples(): number {
    return this.length;
  }

  get full(): boolean {
    return this.length >= this.maxSamples;
  }

  push(chunk: Float32Array): void {
    const room = this.maxSamples - this.length;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.slice(0, room) : chunk;
    this.chunks.push(kept);
    this.length += kept.length;
  }

  /** The recording as one buffer; the collector is empty afterwards. */
  take(): Float32Array {
    const out = new Float32Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
      chunk.fill(0);
    }
    this.chunks = [];
    this.length = 0;
    return out;
  }

  /** Drops the recording, zeroing what it held. */
  discard(): void {
    for (const chunk of this.chunks) chunk.fill(0);
    this.chunks = [];
    this.length = 0;
  }
}

/** What the recorder needs of Web Audio (a test passes its own). */
export type AudioContextFactory = (options?: AudioContextOptions) => AudioContext;
const browserContext: AudioContextFactory = (options) => new AudioContext(options);

export interface CallRecorder {
  readonly sampleRate: number;
  /** Ends the recording: the audio for the engine, or null when nothing was recorded. */
  stop(): Promise<EngineAudio | null>;
  /** Ends the recording and forgets it (the volunteer opted out, the call was not theirs…). */
  discard(): Promise<void>;
}

function connectSides(context: AudioContext, local: MediaStream | null, remote: MediaStream | null) {
  // Input 0 is the volunteer, input 1 the caller; each becomes one channel of the merger.
  const merger = context.createChannelMerger(2);
  const sources: MediaStreamAudioSourceNode[] = [];
  for (const [stream, input] of [
    [local, 0],
    [remote, 1],
  ] as const) {
    if (!stream?.getAudioTracks().length) continue;
    const source = context.createMediaStreamSource(stream);
    source.connect(merger, 0, input);
    sources.push(source);
  }
  return { merger, sources };
}

/**
 * Starts recording the two sides. Either stream may be missing (no microphone; the caller's
 * audio not there yet); with neither there is nothing to record and this returns null.
 */
export function recordCall(
  local: MediaStream | null,
  remote: MediaStream | null,
  makeContext: AudioContextFactory = browserContext,
): CallRecorder | null {
  if (!local?.getAudioTracks().length && !remote?.getAudioTracks().length) return null;
  let context = makeContext({ sampleRate: WHISPER_SAMPLE_RATE });
  let graph: ReturnType<typeof connectSides>;
  try {
    graph = connectSides(context, local, remote);
  } catch {
    // "Connecting nodes of different sample rates": record at the device's rate instead.
    void context.close();
    context = makeContext();
    graph = connectSides(context, local, remote);
  }
  const collector = new PcmCollector(context.sampleRate);
  // A ScriptProcessorNode rather than an AudioWorklet: the copy per callback is small, and a
  // worklet would need a module of its own served and allowed by the CSP for the same result.
  const capture = context.createScriptProcessor(FRAMES, 2, 1);
  capture.onaudioprocess = (event) => {
    const input = event.inputBuffer;
    const channel = (n: number) => (input.numberOfChannels > n ? input.getChannelData(n) : null);
    if (!collector.full) collector.push(mixSides(channel(0), channel(1), input.length));
    // Nothing is played: the output stays silent.
  };
  graph.merger.connect(capture);
  // Chromium runs a script processor only while it is connected to the destination.
  capture.connect(context.destination);
  // Started after the volunteer's click on Answer, so the autoplay policy lets it run.
  if (context.state === 'suspended') void context.resume().catch(() => undefined);

  let ended = false;
  const end = async () => {
    if (ended) return false;
    ended = true;
    capture.onaudioprocess = null;
    for (const source of graph.sources) source.disconnect();
    graph.merger.disconnect();
    capture.disconnect();
    await context.close().catch(() => undefined);
    return true;
  };
  return {
    sampleRate: context.sampleRate,
    async stop() {
      if (!(await end())) return null;
      if (collector.samples === 0) return null;
      return { kind: 'pcm', sampleRate: collector.sampleRate, channels: [collector.take()] };
    },
    async discard() {
      await end();
      collector.discard();
    },
  };
}
