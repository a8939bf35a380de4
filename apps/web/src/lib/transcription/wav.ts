/**
 * A WAV decoder as a pure function, so the worker (and Vitest in Node) can read the voicemails
 * telephony providers send — 8 kHz μ-law or A-law, 16-bit PCM, 32-bit float — without the
 * browser's decoder. Anything else (MP3, Ogg…) goes through the browser's decodeAudioData.
 */

export interface DecodedAudio {
  sampleRate: number;
  /** One Float32Array per channel, samples in [-1, 1]. */
  channels: Float32Array[];
}

export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

const tag = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));

/** True when the bytes start like a RIFF/WAVE file (cheap sniff before choosing a decoder). */
export function looksLikeWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && tag(bytes, 0) === 'RIFF' && tag(bytes, 8) === 'WAVE';
}

/** G.711 μ-law byte → linear sample in [-1, 1]. */
function mulaw(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return (u & 0x80 ? -magnitude : magnitude) / 32768;
}

/** G.711 A-law byte → linear sample in [-1, 1]. */
function alaw(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return (a & 0x80 ? magnitude : -magnitude) / 32768;
}

function sampleReader(format: number, bits: number, view: DataView): ((offset: number) => number) | null {
  if (format === FORMAT_PCM) {
    if (bits === 8) return (o) => (view.getUint8(o) - 128) / 128;
    if (bits === 16) return (o) => view.getInt16(o, true) / 32768;
    if (bits === 24)
      return (o) => (view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16)) / 8388608;
    if (bits === 32) return (o) => view.getInt32(o, true) / 2147483648;
  }
  if (format === FORMAT_FLOAT) {
    if (bits === 32) return (o) => view.getFloat32(o, true);
    if (bits === 64) return (o) => view.getFloat64(o, true);
  }
  if (format === FORMAT_MULAW && bits === 8) return (o) => mulaw(view.getUint8(o));
  if (format === FORMAT_ALAW && bits === 8) return (o) => alaw(view.getUint8(o));
  return null;
}

/**
 * Decodes a RIFF/WAVE file. A data chunk whose declared size runs past the end (a recording
 * written while streaming) is read up to the last whole frame; a file with no samples, no
 * `fmt ` chunk, or an encoding this decoder does not know is refused with a reason.
 */
export function decodeWav(bytes: Uint8Array): DecodedAudio {
  if (!looksLikeWav(bytes)) throw new WavFormatError('not a RIFF/WAVE file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { format: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | null =
    null;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavFormatError('the fmt chunk is cut short');
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= bytes.length)
        format = view.getUint16(body + 24, true);
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError('the data chunk comes before the fmt chunk');
      return readSamples(view, fmt, body, Math.min(size, bytes.length - body));
    }
    offset = body + size + (size % 2);
  }
  throw new WavFormatError(fmt ? 'no data chunk' : 'no fmt chunk');
}

function readSamples(
  view: DataView,
  fmt: { format: number; channels: number; sampleRate: number; blockAlign: number; bits: number },
  start: number,
  length: number,
): DecodedAudio {
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1 || channels > 8) throw new WavFormatError(`${channels} channels`);
  if (sampleRate < 1000 || sampleRate > 384000) throw new WavFormatError(`sample rate ${sampleRate} Hz`);
  const read = sampleReader(format, bits, view);
  if (!read) throw new WavFormatError(`encoding ${format} with ${bits} bits per sample is not supported`);
  const bytesPerSample = bits / 8;
  const frameSize = Math.max(fmt.blockAlign, bytesPerSample * channels);
  const frames = Math.floor(length / frameSize);
  if (frames === 0) throw new WavFormatError('no samples');
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    const base = start + f * frameSize;
    for (let c = 0; c < channels; c++) (out[c] as Float32Array)[f] = read(base + c * bytesPerSample);
  }
  return { sampleRate, channels: out };
}
