/**
 * The audio side of transcription, in Node: WAV files as providers send them decoded by our
 * own decoder (the worker's path), and the resampler that turns any rate into whisper's
 * 16 kHz mono. MP3 goes through the browser's decoder (decode-audio.ts): e2e/transcription.spec.ts
 * decodes a committed MP3 in Chromium.
 */
import { describe, expect, it } from 'vitest';
import {
  downmixToMono,
  resample,
  toWhisperInput,
  WHISPER_SAMPLE_RATE,
} from '../src/lib/transcription/resample.js';
import { decodeWav, looksLikeWav, WavFormatError } from '../src/lib/transcription/wav.js';

interface WavSpec {
  format: number;
  bits: number;
  channels: number;
  rate: number;
  data: Uint8Array;
  /** Declared data size (defaults to the real one). */
  declared?: number;
  extensible?: boolean;
  /** A chunk placed before `fmt ` (e.g. LIST), as some encoders write. */
  leadingChunk?: boolean;
}

function wav(spec: WavSpec): Uint8Array {
  const fmtSize = spec.extensible ? 40 : 16;
  const extra = spec.leadingChunk ? 8 + 6 : 0;
  const out = new Uint8Array(12 + extra + 8 + fmtSize + 8 + spec.data.length);
  const v = new DataView(out.buffer);
  const text = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i));
  };
  text(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  text(8, 'WAVE');
  let at = 12;
  if (spec.leadingChunk) {
    text(at, 'LIST');
    v.setUint32(at + 4, 6, true);
    at += 14;
  }
  text(at, 'fmt ');
  v.setUint32(at + 4, fmtSize, true);
  v.setUint16(at + 8, spec.extensible ? 0xfffe : spec.format, true);
  v.setUint16(at + 10, spec.channels, true);
  v.setUint32(at + 12, spec.rate, true);
  const block = (spec.bits / 8) * spec.channels;
  v.setUint32(at + 16, spec.rate * block, true);
  v.setUint16(at + 20, block, true);
  v.setUint16(at + 22, spec.bits, true);
  if (spec.extensible) {
    v.setUint16(at + 24, 22, true);
    v.setUint16(at + 32, spec.format, true); // first two bytes of the sub-format GUID
  }
  at += 8 + fmtSize;
  text(at, 'data');
  v.setUint32(at + 4, spec.declared ?? spec.data.length, true);
  out.set(spec.data, at + 8);
  return out;
}

const int16 = (values: number[]) => new Uint8Array(new Int16Array(values).buffer);

describe('decodeWav', () => {
  it('reads 16-bit PCM, channel by channel', () => {
    const audio = decodeWav(
      wav({ format: 1, bits: 16, channels: 2, rate: 44100, data: int16([16384, -32768, 0, 32767]) }),
    );
    expect(audio.sampleRate).toBe(44100);
    expect(audio.channels).toHaveLength(2);
    expect([...(audio.channels[0] as Float32Array)]).toEqual([0.5, 0]);
    expect([...(audio.channels[1] as Float32Array)]).toEqual([-1, 32767 / 32768]);
  });

  it('reads 8 kHz G.711 μ-law and A-law as telephony providers send them', () => {
    // μ-law 0xff and A-law 0xd5 are zero; μ-law 0x80 / 0x00 are the loudest positive / negative.
    const mu = decodeWav(
      wav({ format: 7, bits: 8, channels: 1, rate: 8000, data: new Uint8Array([0xff, 0x80, 0x00]) }),
    );
    expect(mu.sampleRate).toBe(8000);
    const [zero, loud, quiet] = mu.channels[0] as Float32Array;
    expect(zero).toBe(0);
    expect(loud).toBeCloseTo(32124 / 32768, 4);
    expect(quiet).toBeCloseTo(-32124 / 32768, 4);
    const a = decodeWav(
      wav({ format: 6, bits: 8, channels: 1, rate: 8000, data: new Uint8Array([0xd5, 0xaa, 0x2a]) }),
    );
    const [aZero, aLoud, aNeg] = a.channels[0] as Float32Array;
    expect(Math.abs(aZero as number)).toBeLessThan(0.001);
    expect(aLoud).toBeCloseTo(32256 / 32768, 4);
    expect(aNeg).toBeCloseTo(-32256 / 32768, 4);
  });

  it('reads 32-bit float, 24-bit and 8-bit PCM, and the extensible header', () => {
    const f32 = decodeWav(
      wav({
        format: 3,
        bits: 32,
        channels: 1,
        rate: 16000,
        data: new Uint8Array(new Float32Array([0.25, -0.75]).buffer),
      }),
    );
    expect([...(f32.channels[0] as Float32Array)]).toEqual([0.25, -0.75]);
    const b24 = decodeWav(
      wav({ format: 1, bits: 24, channels: 1, rate: 48000, data: new Uint8Array([0, 0, 0x40, 0, 0, 0xc0]) }),
    );
    expect([...(b24.channels[0] as Float32Array)]).toEqual([0.5, -0.5]);
    const u8 = decodeWav(
      wav({ format: 1, bits: 8, channels: 1, rate: 8000, data: new Uint8Array([128, 0, 192]) }),
    );
    expect([...(u8.channels[0] as Float32Array)]).toEqual([0, -1, 0.5]);
    const ext = decodeWav(
      wav({
        format: 1,
        bits: 16,
        channels: 1,
        rate: 8000,
        data: int16([8192]),
        extensible: true,
        leadingChunk: true,
      }),
    );
    expect([...(ext.channels[0] as Float32Array)]).toEqual([0.25]);
  });

  it('reads a recording whose data size was never filled in up to its last whole frame', () => {
    const data = int16([1000, 2000, 3000]);
    const audio = decodeWav(
      wav({ format: 1, bits: 16, channels: 1, rate: 8000, data, declared: 0xffffffff }),
    );
    expect(audio.channels[0]).toHaveLength(3);
    const cut = wav({ format: 1, bits: 16, channels: 2, rate: 8000, data: int16([1, 2, 3, 4, 5]) });
    expect(decodeWav(cut).channels[0]).toHaveLength(2);
  });

  it('refuses what it cannot read, with the reason', () => {
    expect(looksLikeWav(new TextEncoder().encode('ID3\u0004 an mp3 file'))).toBe(false);
    expect(() => decodeWav(new TextEncoder().encode('ID3\u0004 an mp3 file'))).toThrow(WavFormatError);
    expect(() =>
      decodeWav(wav({ format: 2, bits: 4, channels: 1, rate: 8000, data: new Uint8Array(8) })),
    ).toThrow(/encoding 2 with 4 bits/);
    expect(() =>
      decodeWav(wav({ format: 1, bits: 16, channels: 1, rate: 8000, data: new Uint8Array(0) })),
    ).toThrow(/no samples/);
    const noData = wav({ format: 1, bits: 16, channels: 1, rate: 8000, data: new Uint8Array(0) }).slice(
      0,
      36,
    );
    expect(() => decodeWav(noData)).toThrow(/no data chunk/);
  });
});

/** A sine of `hz` at `rate` for `seconds`. */
const sine = (hz: number, rate: number, seconds: number, phase = 0) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.sin(2 * Math.PI * hz * (i / rate) + phase),
  );

/** Root mean square of a slice away from the edges (where the filter sees zeros). */
function rms(x: Float32Array, from = 0.1, to = 0.9): number {
  const part = x.subarray(Math.floor(x.length * from), Math.floor(x.length * to));
  return Math.sqrt(part.reduce((s, v) => s + v * v, 0) / part.length);
}

describe('resample', () => {
  it('turns 8 kHz telephone audio into 16 kHz with the same tone', () => {
    const out = resample(sine(440, 8000, 0.5), 8000, WHISPER_SAMPLE_RATE);
    expect(out).toHaveLength(8000);
    const expected = sine(440, 16000, 0.5);
    const error = Float32Array.from(out, (v, i) => v - (expected[i] as number));
    expect(rms(error)).toBeLessThan(0.01);
  });

  it('brings 44.1 kHz down to 16 kHz, keeping speech frequencies and removing what would alias', () => {
    const out = resample(sine(1000, 44100, 0.5), 44100);
    expect(out).toHaveLength(8000);
    const expected = sine(1000, 16000, 0.5);
    expect(rms(Float32Array.from(out, (v, i) => v - (expected[i] as number)))).toBeLessThan(0.01);
    // 12 kHz is above the new Nyquist frequency (8 kHz): a plain decimation would fold it to 4 kHz.
    const high = resample(sine(12000, 48000, 0.5), 48000);
    expect(rms(high)).toBeLessThan(0.02);
  });

  it('copies audio already at 16 kHz, and refuses nonsense rates', () => {
    const input = sine(300, 16000, 0.1);
    const out = resample(input, 16000);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
    expect(() => resample(input, 0)).toThrow(RangeError);
  });

  it('averages channels into mono before resampling', () => {
    const left = Float32Array.from([1, 0.5, 0]);
    const right = Float32Array.from([0, 0.5, -1]);
    expect([...downmixToMono([left, right])]).toEqual([0.5, 0.5, -0.5]);
    expect(downmixToMono([left])).toBe(left);
    expect(downmixToMono([])).toHaveLength(0);
    const mono = toWhisperInput([sine(440, 8000, 0.25), sine(440, 8000, 0.25, Math.PI)], 8000);
    expect(mono).toHaveLength(4000);
    expect(rms(mono)).toBeLessThan(0.001); // opposite phases cancel
  });
});
