/**
 * Whisper wants 16 kHz mono float samples. These are pure functions (run in the worker, tested
 * in Node): a downmix, and a windowed-sinc resampler whose low-pass follows the lower of the two
 * rates, so a 44.1 kHz recording does not fold its high frequencies into the speech band.
 */

export const WHISPER_SAMPLE_RATE = 16000;

/** The average of the channels (one channel is returned as it is). */
export function downmixToMono(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first;
  const out = new Float32Array(first.length);
  for (const channel of channels)
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (channel[i] ?? 0);
  const scale = 1 / channels.length;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale;
  return out;
}

/** Zero crossings of the sinc on each side of a sample: quality against time. */
const HALF_WIDTH = 16;

/** Blackman window over [-1, 1]. */
function blackman(x: number): number {
  return 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
}

/**
 * Resamples `input` from `fromRate` to `toRate` (Hz). The output has round(n · to / from)
 * samples; the same rate returns a copy.
 */
export function resample(
  input: Float32Array,
  fromRate: number,
  toRate: number = WHISPER_SAMPLE_RATE,
): Float32Array {
  if (!(fromRate > 0 && toRate > 0)) throw new RangeError('sample rates must be positive');
  if (fromRate === toRate) return input.slice();
  const ratio = toRate / fromRate;
  const outLength = Math.round(input.length * ratio);
  const out = new Float32Array(outLength);
  // Below 1 when downsampling: the filter's cut-off moves to the new Nyquist frequency.
  const cutoff = Math.min(1, ratio);
  const reach = HALF_WIDTH / cutoff;
  for (let i = 0; i < outLength; i++) {
    const centre = i / ratio;
    const first = Math.max(0, Math.ceil(centre - reach));
    const last = Math.min(input.length - 1, Math.floor(centre + reach));
    let sum = 0;
    let weights = 0;
    for (let j = first; j <= last; j++) {
      const x = (j - centre) * cutoff;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = sinc * blackman(x / HALF_WIDTH);
      sum += (input[j] as number) * w;
      weights += w;
    }
    out[i] = weights === 0 ? 0 : sum / weights;
  }
  return out;
}

/** Decoded audio of any rate and channel count → what whisper.cpp reads. */
export function toWhisperInput(channels: readonly Float32Array[], sampleRate: number): Float32Array {
  return resample(downmixToMono(channels), sampleRate, WHISPER_SAMPLE_RATE);
}
