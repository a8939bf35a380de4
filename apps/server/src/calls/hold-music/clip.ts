import { createHash } from 'node:crypto';

/**
 * The hotline's hold music: a calm, looping chord progression synthesised here, so that no
 * downloaded or third-party recording is ever played to a caller and the server needs no asset
 * file. It is made once per process on first use, the same bytes every time (no randomness,
 * only arithmetic), and served by routes.ts for providers to play while a caller waits or is
 * held (docs/CALLS.md, "What the caller hears").
 *
 * The format is what every provider's player takes: a WAV file of 16-bit signed little-endian
 * PCM, mono, 8 kHz (telephone audio; Twilio and SignalWire <Play>, Plivo <Play>, Vonage streams
 * and musicOnHoldUrl all accept 16-bit PCM WAV). Every tone stays under 3.4 kHz, the telephone
 * band, so nothing is lost or aliased at 8 kHz.
 *
 * It loops without a click: each chord fades in and out with raised-cosine windows computed
 * around the loop, so the last chord crossfades into the first across the end of the file
 * exactly as it does between any two chords, and every slow swell completes whole periods.
 */

export const HOLD_MUSIC_SAMPLE_RATE = 8000;
/** Four chords of six seconds: long enough not to feel repetitive, short enough to stay small (384 KB). */
const CHORD_SECONDS = 6;
/** MIDI notes of each chord, voiced between 146 Hz and 440 Hz: Fmaj7, Dm7, B♭maj7, C6/9-ish sus. */
const PROGRESSION: readonly (readonly number[])[] = [
  [53, 57, 60, 64],
  [50, 57, 60, 65],
  [58, 62, 65, 69],
  [55, 60, 62, 67],
];
export const HOLD_MUSIC_SECONDS = CHORD_SECONDS * PROGRESSION.length;
/** The crossfade between two chords, centred on their boundary. */
const CROSSFADE_SECONDS = 1.5;
/** A soft bell plays the chord's notes an octave up, one every 0.75 s, each gone before the next chord. */
const ARPEGGIO_STEP_SECONDS = 0.75;
const ARPEGGIO_NOTE_SECONDS = 0.7;
const ARPEGGIO_PATTERN = [0, 1, 2, 3, 2, 1, 2, 3];
/** Peak level of the finished clip: well below full scale, so no provider's gain makes it harsh. */
const PEAK = 0.45;

const frequencyOf = (midi: number): number => 440 * 2 ** ((midi - 69) / 12);

/** A chord's weight at `rel` seconds from its start (wrapped around the loop): 1 inside, raised-cosine edges. */
function chordWindow(rel: number): number {
  const half = CROSSFADE_SECONDS / 2;
  if (rel <= -half || rel >= CHORD_SECONDS + half) return 0;
  if (rel < half) return Math.sin((Math.PI / 2) * ((rel + half) / CROSSFADE_SECONDS)) ** 2;
  if (rel > CHORD_SECONDS - half)
    return Math.cos((Math.PI / 2) * ((rel - (CHORD_SECONDS - half)) / CROSSFADE_SECONDS)) ** 2;
  return 1;
}

/** One arpeggio note at `rel` seconds from its start: a quick soft attack, a gentle decay, silent by its end. */
function bellEnvelope(rel: number): number {
  if (rel < 0 || rel >= ARPEGGIO_NOTE_SECONDS) return 0;
  const attack = 0.015;
  const release = 0.08;
  const rise = rel < attack ? Math.sin((Math.PI / 2) * (rel / attack)) ** 2 : 1;
  const tail = ARPEGGIO_NOTE_SECONDS - rel;
  const fall = tail < release ? Math.sin((Math.PI / 2) * (tail / release)) ** 2 : 1;
  return rise * fall * Math.exp(-rel / 0.35);
}

/**
 * The clip's value at `t` seconds, before scaling: the pad of each chord, its swell, and the bell.
 * A function of time alone, periodic in HOLD_MUSIC_SECONDS: that is what makes the loop seamless.
 */
export function holdMusicValueAt(t: number): number {
  const loop = HOLD_MUSIC_SECONDS;
  // A slow swell, one per chord: a whole number of periods over the loop.
  const swell = 1 + 0.15 * Math.sin((2 * Math.PI * PROGRESSION.length * t) / loop);
  let sample = 0;
  for (let k = 0; k < PROGRESSION.length; k++) {
    const chord = PROGRESSION[k]!;
    // Time from this chord's start, wrapped into [-loop/2, loop/2): the first chord's fade-in
    // lies at the end of the file, continuous with its start.
    let rel = (t - k * CHORD_SECONDS) % loop;
    if (rel >= loop / 2) rel -= loop;
    if (rel < -loop / 2) rel += loop;
    const weight = chordWindow(rel);
    if (weight > 0)
      for (const note of chord) {
        const phase = 2 * Math.PI * frequencyOf(note) * rel;
        sample +=
          weight * swell * (Math.sin(phase) + 0.25 * Math.sin(2 * phase) + 0.08 * Math.sin(3 * phase));
      }
    if (rel >= 0 && rel < CHORD_SECONDS) {
      const step = Math.floor(rel / ARPEGGIO_STEP_SECONDS);
      const noteRel = rel - step * ARPEGGIO_STEP_SECONDS;
      const note = chord[ARPEGGIO_PATTERN[step % ARPEGGIO_PATTERN.length]!]! + 12;
      const phase = 2 * Math.PI * frequencyOf(note) * noteRel;
      sample += 1.6 * bellEnvelope(noteRel) * (Math.sin(phase) + 0.2 * Math.sin(2 * phase));
    }
  }
  return sample;
}

/** A RIFF/WAVE file of 16-bit PCM, mono, at HOLD_MUSIC_SAMPLE_RATE. */
export function encodeWav(samples: Int16Array): Buffer {
  const dataBytes = samples.length * 2;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // the PCM format chunk's size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(HOLD_MUSIC_SAMPLE_RATE, 24);
  wav.writeUInt32LE(HOLD_MUSIC_SAMPLE_RATE * 2, 28); // bytes a second
  wav.writeUInt16LE(2, 32); // bytes a frame
  wav.writeUInt16LE(16, 34); // bits a sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) wav.writeInt16LE(samples[i]!, 44 + 2 * i);
  return wav;
}

const TOTAL_SAMPLES = HOLD_MUSIC_SECONDS * HOLD_MUSIC_SAMPLE_RATE;

/** The clip as 16-bit samples, scaled to PEAK. */
export function holdMusicSamples(): Int16Array {
  const raw = new Float64Array(TOTAL_SAMPLES);
  for (let i = 0; i < raw.length; i++) raw[i] = holdMusicValueAt(i / HOLD_MUSIC_SAMPLE_RATE);
  return scaled(raw);
}

function scaled(raw: Float64Array): Int16Array {
  let peak = 0;
  for (const s of raw) peak = Math.max(peak, Math.abs(s));
  const scale = (PEAK * 32767) / peak;
  return Int16Array.from(raw, (s) => Math.round(s * scale));
}

export interface HoldMusicClip {
  wav: Buffer;
  /** A strong validator: a digest of the bytes, so a changed clip is never served from a stale cache. */
  etag: string;
}

/**
 * Samples computed between two turns of the event loop: making the whole clip takes about half a
 * second of arithmetic on a busy machine, which must not stall the webhooks of live calls served
 * by the same process; one second of audio at a time keeps each pause to a few tens of ms.
 */
const SAMPLES_PER_TURN = HOLD_MUSIC_SAMPLE_RATE;

async function makeClip(): Promise<HoldMusicClip> {
  const raw = new Float64Array(TOTAL_SAMPLES);
  for (let start = 0; start < raw.length; start += SAMPLES_PER_TURN) {
    const end = Math.min(raw.length, start + SAMPLES_PER_TURN);
    for (let i = start; i < end; i++) raw[i] = holdMusicValueAt(i / HOLD_MUSIC_SAMPLE_RATE);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const wav = encodeWav(scaled(raw));
  const etag = `"${createHash('sha256').update(wav).digest('base64url').slice(0, 27)}"`;
  return { wav, etag };
}

let clip: Promise<HoldMusicClip> | null = null;

/**
 * The clip, made on first use (requests that arrive meanwhile wait for the same making) and then
 * kept for the life of the process: it never changes.
 */
export function holdMusicClip(): Promise<HoldMusicClip> {
  clip ??= makeClip();
  return clip;
}
