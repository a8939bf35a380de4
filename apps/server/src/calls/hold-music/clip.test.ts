import { describe, expect, it } from 'vitest';
import {
  encodeWav,
  HOLD_MUSIC_SAMPLE_RATE,
  HOLD_MUSIC_SECONDS,
  holdMusicClip,
  holdMusicSamples,
  holdMusicValueAt,
} from './clip.js';

/** The header of a canonical 44-byte PCM WAV, field by field. */
function header(wav: Buffer) {
  return {
    riff: wav.toString('ascii', 0, 4),
    riffSize: wav.readUInt32LE(4),
    wave: wav.toString('ascii', 8, 12),
    fmt: wav.toString('ascii', 12, 16),
    fmtSize: wav.readUInt32LE(16),
    format: wav.readUInt16LE(20),
    channels: wav.readUInt16LE(22),
    sampleRate: wav.readUInt32LE(24),
    byteRate: wav.readUInt32LE(28),
    blockAlign: wav.readUInt16LE(32),
    bits: wav.readUInt16LE(34),
    data: wav.toString('ascii', 36, 40),
    dataSize: wav.readUInt32LE(40),
  };
}

const { wav, etag } = await holdMusicClip();

describe('hold music clip', () => {
  const samples = holdMusicSamples();

  it('is a 16-bit PCM mono 8 kHz WAV of the whole clip', () => {
    const dataSize = HOLD_MUSIC_SECONDS * HOLD_MUSIC_SAMPLE_RATE * 2;
    expect(HOLD_MUSIC_SECONDS).toBeGreaterThanOrEqual(20);
    expect(HOLD_MUSIC_SECONDS).toBeLessThanOrEqual(30);
    expect(header(wav)).toEqual({
      riff: 'RIFF',
      riffSize: 36 + dataSize,
      wave: 'WAVE',
      fmt: 'fmt ',
      fmtSize: 16,
      format: 1,
      channels: 1,
      sampleRate: 8000,
      byteRate: 16000,
      blockAlign: 2,
      bits: 16,
      data: 'data',
      dataSize,
    });
    expect(wav.length).toBe(44 + dataSize);
    // The data chunk is the samples, little-endian.
    expect(wav.readInt16LE(44 + 2 * 1000)).toBe(samples[1000]);
    expect(wav.readInt16LE(wav.length - 2)).toBe(samples[samples.length - 1]);
  });

  it('is the same bytes every time it is made (in turns or at once), and cached once made', async () => {
    const again = encodeWav(holdMusicSamples());
    expect(again.equals(wav)).toBe(true);
    expect((await holdMusicClip()).wav).toBe(wav);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });

  it('is audible music at a comfortable level, never clipped', () => {
    let peak = 0;
    let energy = 0;
    for (const s of samples) {
      peak = Math.max(peak, Math.abs(s));
      energy += s * s;
    }
    const rms = Math.sqrt(energy / samples.length);
    expect(peak).toBeLessThan(0.5 * 32767);
    expect(peak).toBeGreaterThan(0.4 * 32767);
    expect(rms).toBeGreaterThan(0.05 * 32767);
    // No stretch of half a second is silent: the caller always hears something.
    const window = HOLD_MUSIC_SAMPLE_RATE / 2;
    for (let at = 0; at + window <= samples.length; at += window / 2) {
      let loudest = 0;
      for (let i = at; i < at + window; i++) loudest = Math.max(loudest, Math.abs(samples[i]!));
      expect(loudest, `silence at ${at / HOLD_MUSIC_SAMPLE_RATE} s`).toBeGreaterThan(0.05 * 32767);
    }
  });

  it('loops without a click: the clip continues into its own start', () => {
    // Past the end is the start again, sample for sample (the signal is periodic in the clip's length)…
    for (const t of [0, 1 / 8000, 2 / 8000, 0.5, 3.25, 17.9]) {
      expect(holdMusicValueAt(t + HOLD_MUSIC_SECONDS)).toBeCloseTo(holdMusicValueAt(t), 6);
    }
    // …and the step from the last sample to the first is no bigger than steps within the clip.
    const steps: number[] = [];
    for (let i = 1; i < samples.length; i++) steps.push(Math.abs(samples[i]! - samples[i - 1]!));
    steps.sort((a, b) => a - b);
    const seam = Math.abs(samples[0]! - samples[samples.length - 1]!);
    expect(seam).toBeLessThanOrEqual(steps[Math.floor(steps.length * 0.99)]!);
  });
});
