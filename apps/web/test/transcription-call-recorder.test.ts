/**
 * Recording a browser call for transcription on the volunteer's device (issue 16), in Node with a
 * stand-in for Web Audio: the two sides are mixed into one mono buffer, recorded at whisper's
 * 16 kHz (or at the device's rate and resampled), the recording stops and is handed over when
 * the call ends, and it is dropped — never transcribed — when the permission goes away mid-call.
 */
import type { TranscriptionModelInfo, TranscriptPayload } from '@llamenos/protocol';
import { describe, expect, it, vi } from 'vitest';
import {
  type AudioContextFactory,
  type CallRecorder,
  MAX_SAMPLES,
  mixSides,
  PcmCollector,
  recordCall,
} from '../src/lib/transcription/call-recorder.js';
import { CallTranscriber } from '../src/lib/transcription/call-transcription.js';
import type { EngineAudio, EngineResult } from '../src/lib/transcription/protocol.js';
import { toWhisperInput, WHISPER_SAMPLE_RATE } from '../src/lib/transcription/resample.js';

const tone = (frequency: number, seconds: number, rate: number, amplitude = 0.4) =>
  Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => Math.sin((2 * Math.PI * frequency * i) / rate) * amplitude,
  );

/** The strength of one frequency in a signal (Goertzel), normalised to the amplitude of a pure tone. */
function strength(signal: Float32Array, frequency: number, rate: number): number {
  const w = (2 * Math.PI * frequency) / rate;
  let s1 = 0;
  let s2 = 0;
  for (const x of signal) {
    const s0 = x + 2 * Math.cos(w) * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (2 * Math.sqrt(s1 * s1 + s2 * s2 - 2 * Math.cos(w) * s1 * s2)) / signal.length;
}

const stream = () => ({ getAudioTracks: () => [{}] }) as unknown as MediaStream;

interface FakeNode {
  connect: (target?: unknown, output?: number, input?: number) => void;
  disconnect: () => void;
  stream?: MediaStream;
  input?: number;
  onaudioprocess?: ((event: { inputBuffer: unknown }) => void) | null;
}

/** Enough of an AudioContext for the recorder; `refuse16k` plays Firefox, which cannot mix rates. */
function fakeAudio(options: { refuse16k?: boolean; deviceRate?: number } = {}) {
  const made: { sampleRate: number; closed: boolean; processor: FakeNode | null; sources: FakeNode[] }[] = [];
  const factory: AudioContextFactory = (wanted) => {
    const rate = wanted?.sampleRate ?? options.deviceRate ?? 48_000;
    const record = {
      sampleRate: rate,
      closed: false,
      processor: null as FakeNode | null,
      sources: [] as FakeNode[],
    };
    made.push(record);
    const node = (): FakeNode => ({ connect: () => undefined, disconnect: () => undefined });
    const context = {
      sampleRate: rate,
      destination: node(),
      createChannelMerger: () => node(),
      createMediaStreamSource: (s: MediaStream) => {
        if (options.refuse16k && rate === WHISPER_SAMPLE_RATE)
          throw new DOMException('different sample-rate', 'NotSupportedError');
        const source: FakeNode = {
          stream: s,
          connect: (_target, _output, input) => {
            source.input = input;
          },
          disconnect: () => undefined,
        };
        record.sources.push(source);
        return source;
      },
      createScriptProcessor: () => {
        record.processor = { ...node(), onaudioprocess: null };
        return record.processor;
      },
      close: async () => {
        record.closed = true;
      },
    };
    return context as unknown as AudioContext;
  };
  /** Plays the two sides through the processor in blocks of 4096 frames, as the browser would. */
  const play = (local: Float32Array, remote: Float32Array | null) => {
    const processor = made.at(-1)?.processor;
    for (let at = 0; at < local.length; at += 4096) {
      const l = local.subarray(at, at + 4096);
      const r = remote?.subarray(at, at + 4096) ?? new Float32Array(l.length);
      processor?.onaudioprocess?.({
        inputBuffer: {
          numberOfChannels: 2,
          length: l.length,
          getChannelData: (n: number) => (n === 0 ? l : r),
        },
      });
    }
  };
  return { factory, made, play };
}

describe('mixing the two sides', () => {
  it('sums the volunteer and the caller sample by sample, kept within [-1, 1]', () => {
    const mixed = mixSides(Float32Array.of(0.25, 0.9, -0.9, 0.1), Float32Array.of(0.5, 0.5, -0.5, 0), 4);
    expect(Array.from(mixed)).toEqual([0.75, 1, -1, Math.fround(0.1)]);
    expect(Array.from(mixSides(null, Float32Array.of(0.5, -0.25), 2))).toEqual([0.5, -0.25]);
  });

  it('stops collecting at the limit and zeroes what it held when dropped', () => {
    const collector = new PcmCollector(16_000, 10);
    const chunk = Float32Array.from({ length: 8 }, () => 0.5);
    collector.push(chunk);
    collector.push(Float32Array.from({ length: 8 }, () => 0.5));
    expect([collector.samples, collector.full]).toEqual([10, true]);
    collector.discard();
    expect(collector.samples).toBe(0);
    expect(Array.from(chunk).every((x) => x === 0)).toBe(true);
    expect(MAX_SAMPLES).toBe(16_000 * 60 * 30);
  });
});

describe('recording a call', () => {
  it('records both sides at 16 kHz into one mono buffer: both tones are in it', async () => {
    const audio = fakeAudio();
    const recorder = recordCall(stream(), stream(), audio.factory);
    expect(recorder?.sampleRate).toBe(WHISPER_SAMPLE_RATE);
    const [context] = audio.made;
    expect(context?.sources.map((s) => s.input)).toEqual([0, 1]);
    audio.play(tone(440, 2, 16_000), tone(1000, 2, 16_000));
    const result = (await recorder?.stop()) as Extract<EngineAudio, { kind: 'pcm' }>;
    expect(result.sampleRate).toBe(16_000);
    expect(result.channels).toHaveLength(1);
    const samples = result.channels[0] as Float32Array;
    expect(samples.length).toBe(32_000);
    expect(strength(samples, 440, 16_000)).toBeCloseTo(0.4, 1);
    expect(strength(samples, 1000, 16_000)).toBeCloseTo(0.4, 1);
    expect(strength(samples, 3000, 16_000)).toBeLessThan(0.01);
    expect(context?.closed).toBe(true);
  });

  it("records at the device's rate where 16 kHz cannot take a microphone, and resamples to 16 kHz for whisper", async () => {
    const audio = fakeAudio({ refuse16k: true, deviceRate: 48_000 });
    const recorder = recordCall(stream(), stream(), audio.factory);
    expect(recorder?.sampleRate).toBe(48_000);
    expect(audio.made.map((c) => [c.sampleRate, c.closed])).toEqual([
      [16_000, true],
      [48_000, false],
    ]);
    audio.play(tone(440, 1, 48_000), tone(1000, 1, 48_000));
    const result = (await recorder?.stop()) as Extract<EngineAudio, { kind: 'pcm' }>;
    const whisper = toWhisperInput(result.channels, result.sampleRate);
    expect(whisper.length).toBe(16_000);
    const middle = whisper.subarray(2000, 14_000);
    expect(strength(middle, 440, 16_000)).toBeCloseTo(0.4, 1);
    expect(strength(middle, 1000, 16_000)).toBeCloseTo(0.4, 1);
  });

  it('records nothing without either side, and nothing after it stopped', async () => {
    const none = { getAudioTracks: () => [] } as unknown as MediaStream;
    expect(recordCall(none, null, fakeAudio().factory)).toBeNull();
    const audio = fakeAudio();
    const recorder = recordCall(null, stream(), audio.factory);
    const processor = audio.made[0]?.processor;
    audio.play(tone(440, 0.5, 16_000), null);
    const recorded = (await recorder?.stop()) as Extract<EngineAudio, { kind: 'pcm' }> | null;
    expect(recorded?.channels[0]?.length).toBe(8000);
    expect(processor?.onaudioprocess).toBeNull();
    expect(await recorder?.stop()).toBeNull();
  });
});

describe('transcribing the call when it ends', () => {
  const model: TranscriptionModelInfo = {
    sha256: 'a'.repeat(64),
    name: 'ggml-test.bin',
    size: 1,
    uploadedAt: '',
  };
  const result: EngineResult = {
    engine: 'single-thread',
    language: 'en',
    segments: [{ start: 0, end: 1.234, text: 'hello' }],
    audioSeconds: 2,
    threads: 1,
    multilingual: false,
    memoryBytes: 0,
    timings: { modelMs: 0, audioMs: 0, transcribeMs: 0, firstSegmentMs: 0 },
  };

  function setUp() {
    const audio: EngineAudio = { kind: 'pcm', sampleRate: 16_000, channels: [new Float32Array(16)] };
    const recorder = {
      sampleRate: 16_000,
      stop: vi.fn(async () => audio),
      discard: vi.fn(async () => undefined),
    };
    const deps = {
      streams: vi.fn(() => ({ callId: 'call-1', local: stream(), remote: stream() })),
      record: vi.fn((): CallRecorder => recorder),
      transcribe: vi.fn(async () => result),
      store: vi.fn(async (_callId: string, _payload: TranscriptPayload) => 'transcript-1'),
    };
    return { recorder, deps, transcriber: new CallTranscriber(deps), audio };
  }
  const live = { callId: 'call-1', connected: true, model, language: 'es' };

  it('starts once the audio connects, stops when the call ends, and stores the sealed transcript', async () => {
    const { recorder, deps, transcriber, audio } = setUp();
    transcriber.sync({ ...live, connected: false });
    expect(deps.record).not.toHaveBeenCalled();
    transcriber.sync(live);
    transcriber.sync(live);
    expect(deps.record).toHaveBeenCalledTimes(1);
    expect(transcriber.current()).toMatchObject({ phase: 'recording', callId: 'call-1' });

    const work = transcriber.sync({ callId: null, connected: false, model, language: 'auto' });
    expect(transcriber.current().phase).toBe('transcribing');
    await work;
    expect(recorder.stop).toHaveBeenCalledTimes(1);
    expect(deps.transcribe).toHaveBeenCalledWith(audio, model, 'es');
    expect(deps.store).toHaveBeenCalledWith('call-1', {
      v: 1,
      source: 'call',
      language: 'en',
      model: model.sha256,
      text: 'hello',
      segments: [{ start: 0, end: 1.23, text: 'hello' }],
    });
    expect(transcriber.current()).toMatchObject({
      phase: 'done',
      callId: 'call-1',
      transcriptId: 'transcript-1',
    });
    transcriber.dismiss();
    expect(transcriber.current().phase).toBe('idle');
  });

  it('drops the recording, untranscribed, when the permission goes away during the call', async () => {
    const { recorder, deps, transcriber } = setUp();
    transcriber.sync(live);
    await transcriber.sync({ ...live, model: null });
    expect(recorder.discard).toHaveBeenCalledTimes(1);
    expect(transcriber.current().phase).toBe('idle');
    await transcriber.sync({ callId: null, connected: false, model, language: 'auto' });
    expect([recorder.stop, deps.transcribe, deps.store].map((f) => f.mock.calls.length)).toEqual([0, 0, 0]);
  });

  it('never records when not allowed, nor another call than the one whose audio this tab carries', () => {
    const { deps, transcriber } = setUp();
    transcriber.sync({ ...live, model: null });
    transcriber.sync({ ...live, callId: 'call-2' });
    expect(deps.record).not.toHaveBeenCalled();
  });

  it('says so when the engine fails, and the page leaving drops a recording in progress', async () => {
    const { recorder, deps, transcriber } = setUp();
    deps.transcribe.mockRejectedValueOnce(new Error('worker crashed'));
    transcriber.sync(live);
    await transcriber.sync({ callId: null, connected: false, model, language: 'auto' });
    expect(transcriber.current()).toMatchObject({ phase: 'failed', callId: 'call-1' });
    expect(deps.store).not.toHaveBeenCalled();

    deps.streams.mockReturnValue({ callId: 'call-3', local: stream(), remote: stream() });
    transcriber.sync({ ...live, callId: 'call-3' });
    expect(transcriber.current().phase).toBe('recording');
    await transcriber.discard();
    expect(recorder.discard).toHaveBeenCalledTimes(1);
    expect(transcriber.current().phase).toBe('idle');
  });
});
