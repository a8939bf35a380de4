#!/usr/bin/env node
// A small whisper model with random weights, in the legacy ggml file format whisper.cpp loads
// (whisper_model_load): the tests run the real transcription pipeline on it without shipping or
// downloading any real weights. Its text is gibberish; what it proves is the pipeline.
//
//   node scripts/make-whisper-test-model.mjs [out] [--seed N] [--english] [--state N]
//                                            [--truncated | --wrong-magic]
//
// --english      an English-only vocabulary (n_vocab 51864, like ggml-tiny.en.bin) instead of the
//                multilingual one (51865, like ggml-tiny.bin: whisper.cpp calls a model
//                multilingual when n_vocab >= 51865).
// --truncated    the same file cut off in the middle of its tensor data (an upload that ended early).
// --wrong-magic  the same file with the GGUF magic in place of ggml's (a llama.cpp file, say).
//
// The same options and seed always give the same bytes. Layout (all little-endian):
//   magic u32 0x67676d6c; eleven i32 hyper-parameters; the mel filter bank (i32 n_mel, i32 n_fft,
//   n_mel*n_fft f32); the vocabulary (i32 count, then per token u32 length + bytes); then each
//   tensor: i32 n_dims, i32 name length, i32 type (0 F32, 1 F16), n_dims i32 dims (innermost
//   first), the name, the data. 2-D weight matrices are F16 (whisper.cpp aborts on a model whose
//   ftype says F16 but whose matrices are F32); biases, norms and positional embeddings are F32.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GGML_MAGIC = 0x67676d6c;
/** "GGUF" read as a little-endian u32: the magic of llama.cpp's newer format. */
export const GGUF_MAGIC = 0x46554747;
const TYPE_F32 = 0;
const TYPE_F16 = 1;

/** whisper.cpp's sizes for the audio front end: 16 kHz audio, 400-sample FFT window. */
const SAMPLE_RATE = 16_000;
const N_FFT = 400;

/** The regular (non-special) tokens a whisper vocabulary file lists; the loader adds the rest. */
const BASE_TOKENS = { multilingual: 50_257, english: 50_256 };

/**
 * @param {{ seed?: number, english?: boolean, state?: number, heads?: number,
 *           audioLayers?: number, textLayers?: number }} [options]
 */
export function whisperTestModelParams(options = {}) {
  const state = options.state ?? 64;
  return {
    n_vocab: options.english ? 51_864 : 51_865,
    n_audio_ctx: 1500,
    n_audio_state: state,
    n_audio_head: options.heads ?? 2,
    n_audio_layer: options.audioLayers ?? 1,
    n_text_ctx: 448,
    n_text_state: state,
    n_text_head: options.heads ?? 2,
    n_text_layer: options.textLayers ?? 1,
    n_mels: 80,
    ftype: 1,
  };
}

/** The tensors whisper.cpp expects, by name, with their ggml shape (innermost first) and type. */
export function whisperTensorTable(hp) {
  const s = hp.n_audio_state;
  const tensors = [];
  const add = (name, dims, type) => tensors.push({ name, dims, type });
  const vector = (name, n) => add(name, [n], TYPE_F32);
  const matrix = (name, cols, rows) => add(name, [cols, rows], TYPE_F16);
  const block = (prefix, withCross) => {
    vector(`${prefix}.mlp_ln.weight`, s);
    vector(`${prefix}.mlp_ln.bias`, s);
    matrix(`${prefix}.mlp.0.weight`, s, 4 * s);
    vector(`${prefix}.mlp.0.bias`, 4 * s);
    matrix(`${prefix}.mlp.2.weight`, 4 * s, s);
    vector(`${prefix}.mlp.2.bias`, s);
    const attention = (kind) => {
      vector(`${prefix}.${kind}_ln.weight`, s);
      vector(`${prefix}.${kind}_ln.bias`, s);
      matrix(`${prefix}.${kind}.query.weight`, s, s);
      vector(`${prefix}.${kind}.query.bias`, s);
      matrix(`${prefix}.${kind}.key.weight`, s, s); // the key projection has no bias
      matrix(`${prefix}.${kind}.value.weight`, s, s);
      vector(`${prefix}.${kind}.value.bias`, s);
      matrix(`${prefix}.${kind}.out.weight`, s, s);
      vector(`${prefix}.${kind}.out.bias`, s);
    };
    attention('attn');
    if (withCross) attention('cross_attn');
  };

  add('encoder.positional_embedding', [s, hp.n_audio_ctx], TYPE_F32);
  add('encoder.conv1.weight', [3, hp.n_mels, s], TYPE_F16);
  add('encoder.conv1.bias', [1, s], TYPE_F32);
  add('encoder.conv2.weight', [3, s, s], TYPE_F16);
  add('encoder.conv2.bias', [1, s], TYPE_F32);
  for (let i = 0; i < hp.n_audio_layer; i++) block(`encoder.blocks.${i}`, false);
  vector('encoder.ln_post.weight', s);
  vector('encoder.ln_post.bias', s);

  add('decoder.positional_embedding', [s, hp.n_text_ctx], TYPE_F32);
  matrix('decoder.token_embedding.weight', s, hp.n_vocab);
  for (let i = 0; i < hp.n_text_layer; i++) block(`decoder.blocks.${i}`, true);
  vector('decoder.ln.weight', s);
  vector('decoder.ln.bias', s);
  return tensors;
}

/** mulberry32: a tiny seeded generator, so the same seed always gives the same file. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seededNormal(random) {
  return () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

/** IEEE 754 binary32 → binary16 bits, rounding to nearest even (the values here are small and finite). */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export function toHalf(value) {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half += 1; // a carry into the exponent is still right
  return sign | half;
}

/** A triangular mel filter bank (n_mel × (1 + N_FFT/2)) on the HTK mel scale. */
function melFilterBank(nMel) {
  const bins = 1 + N_FFT / 2;
  const mel = (hz) => 2595 * Math.log10(1 + hz / 700);
  const hz = (m) => 700 * (10 ** (m / 2595) - 1);
  const top = mel(SAMPLE_RATE / 2);
  const edges = Array.from({ length: nMel + 2 }, (_, i) => hz((top * i) / (nMel + 1)));
  const data = new Float32Array(nMel * bins);
  for (let m = 0; m < nMel; m++) {
    const [lo, mid, hi] = [edges[m], edges[m + 1], edges[m + 2]];
    for (let k = 0; k < bins; k++) {
      const f = (k * SAMPLE_RATE) / N_FFT;
      const w = f <= lo || f >= hi ? 0 : f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      data[m * bins + k] = (w * 2) / (hi - lo); // area-normalised like Slaney's filters
    }
  }
  return { nMel, bins, data };
}

/**
 * Short pronounceable tokens, unique by index, some with a leading space like BPE word starts.
 * Like GPT-2's byte-level vocabulary, ids 0–93 are the printable ASCII characters and id 220 is
 * a lone space: whisper.cpp looks the space up by text (suppress_blank) and fails without it.
 */
function vocabulary(count, random) {
  const consonants = 'bdfgklmnprstvz';
  const vowels = 'aeiou';
  const syllables = [];
  for (const c of consonants) for (const v of vowels) syllables.push(c + v);
  const tokens = [];
  for (let i = 0; i < count; i++) {
    if (i < 94) {
      tokens.push(String.fromCharCode(0x21 + i));
      continue;
    }
    if (i === 220) {
      tokens.push(' ');
      continue;
    }
    let n = i;
    let word = '';
    do {
      word += syllables[n % syllables.length];
      n = Math.floor(n / syllables.length);
    } while (n > 0);
    tokens.push(random() < 0.5 ? ` ${word}` : word);
  }
  return tokens;
}

/** Fills a tensor the way a trained model roughly looks: unit norms, zero-ish biases, small weights. */
function tensorValues(tensor, normal) {
  const n = tensor.dims.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  const name = tensor.name;
  if (name.endsWith('positional_embedding')) {
    const [width, length] = tensor.dims;
    for (let p = 0; p < length; p++) {
      for (let i = 0; i < width; i++) {
        const rate = 1 / 10_000 ** ((2 * Math.floor(i / 2)) / width);
        values[p * width + i] = i % 2 === 0 ? Math.sin(p * rate) : Math.cos(p * rate);
      }
    }
  } else if (/_ln\.weight$|ln_post\.weight$|\.ln\.weight$/.test(name)) {
    values.fill(1);
  } else {
    const scale = tensor.type === TYPE_F16 ? 1 / Math.sqrt(tensor.dims[0]) : 0.02;
    for (let i = 0; i < n; i++) values[i] = normal() * scale;
  }
  return values;
}

/**
 * The model file's bytes.
 * @param {{ seed?: number, english?: boolean, state?: number, heads?: number,
 *           audioLayers?: number, textLayers?: number,
 *           broken?: 'truncated' | 'wrong-magic' }} [options]
 * @returns {Buffer}
 */
export function makeWhisperTestModel(options = {}) {
  const hp = whisperTestModelParams(options);
  const random = seededRandom(options.seed ?? 1);
  const normal = seededNormal(random);
  const parts = [];
  const i32s = (...values) => {
    const b = Buffer.alloc(4 * values.length);
    for (const [i, v] of values.entries()) b.writeInt32LE(v, 4 * i);
    parts.push(b);
  };

  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(options.broken === 'wrong-magic' ? GGUF_MAGIC : GGML_MAGIC);
  parts.push(magic);
  i32s(
    hp.n_vocab,
    hp.n_audio_ctx,
    hp.n_audio_state,
    hp.n_audio_head,
    hp.n_audio_layer,
    hp.n_text_ctx,
    hp.n_text_state,
    hp.n_text_head,
    hp.n_text_layer,
    hp.n_mels,
    hp.ftype,
  );

  const filters = melFilterBank(hp.n_mels);
  i32s(filters.nMel, filters.bins);
  parts.push(Buffer.from(filters.data.buffer));

  const tokens = vocabulary(options.english ? BASE_TOKENS.english : BASE_TOKENS.multilingual, random);
  i32s(tokens.length);
  for (const token of tokens) {
    const bytes = Buffer.from(token, 'utf8');
    i32s(bytes.length);
    parts.push(bytes);
  }

  for (const tensor of whisperTensorTable(hp)) {
    const name = Buffer.from(tensor.name, 'utf8');
    i32s(tensor.dims.length, name.length, tensor.type);
    i32s(...tensor.dims);
    parts.push(name);
    const values = tensorValues(tensor, normal);
    if (tensor.type === TYPE_F32) {
      parts.push(Buffer.from(values.buffer));
    } else {
      const half = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) half[i] = toHalf(values[i]);
      parts.push(Buffer.from(half.buffer));
    }
  }

  const file = Buffer.concat(parts);
  // Cut inside the tensor data, well past the header, as an interrupted download would be.
  return options.broken === 'truncated' ? file.subarray(0, Math.floor(file.length * 0.6)) : file;
}

function parseArguments(argv) {
  const options = {};
  let out = 'ggml-whisper-test.bin';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const number = () => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0) throw new Error(`${arg} needs a whole number`);
      return value;
    };
    if (arg === '--seed') options.seed = number();
    else if (arg === '--state') options.state = number();
    else if (arg === '--english') options.english = true;
    else if (arg === '--truncated') options.broken = 'truncated';
    else if (arg === '--wrong-magic') options.broken = 'wrong-magic';
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else out = arg;
  }
  return { out, options };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { out, options } = parseArguments(process.argv.slice(2));
  const file = makeWhisperTestModel(options);
  writeFileSync(out, file);
  const sha256 = createHash('sha256').update(file).digest('hex');
  process.stdout.write(`${out}: ${file.length} bytes, sha256 ${sha256}\n`);
}
