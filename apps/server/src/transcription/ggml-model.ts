import { open } from 'node:fs/promises';

/**
 * What the server checks of an uploaded model before every member's browser downloads it: that
 * it is a whole whisper.cpp model in the legacy ggml format (the `ggml-*.bin` files), not some
 * other file, a GGUF file, or one cut short. It walks the file as whisper.cpp's loader does
 * (magic, hyper-parameters, mel filters, vocabulary, then every tensor's header, skipping the
 * data) reading a small window at a time, so a model of gigabytes is checked in little memory.
 * It does not judge the weights; the browser's engine does that when it loads them.
 */

export const GGML_MAGIC = 0x67676d6c;
const GGUF_MAGIC = 0x46554747;

/** The eleven hyper-parameters at the head of a whisper ggml file, in file order. */
export interface WhisperHyperParameters {
  n_vocab: number;
  n_audio_ctx: number;
  n_audio_state: number;
  n_audio_head: number;
  n_audio_layer: number;
  n_text_ctx: number;
  n_text_state: number;
  n_text_head: number;
  n_text_layer: number;
  n_mels: number;
  ftype: number;
}

const HPARAM_NAMES: (keyof WhisperHyperParameters)[] = [
  'n_vocab',
  'n_audio_ctx',
  'n_audio_state',
  'n_audio_head',
  'n_audio_layer',
  'n_text_ctx',
  'n_text_state',
  'n_text_head',
  'n_text_layer',
  'n_mels',
  'ftype',
];

export interface WhisperModelTensor {
  name: string;
  type: number;
  dims: number[];
  /** Where the tensor's data starts in the file. */
  offset: number;
  bytes: number;
}

export interface WhisperModelSummary {
  hparams: WhisperHyperParameters;
  /** whisper.cpp treats a model as multilingual when n_vocab >= 51865. */
  multilingual: boolean;
  melFilters: { nMel: number; nFft: number };
  /** Tokens the file lists (whisper.cpp adds the special tokens up to n_vocab itself). */
  vocabularyTokens: number;
  tensors: WhisperModelTensor[];
}

/** A file that is not a whole whisper.cpp ggml model; the message says what is wrong, for the admin. */
export class WhisperModelFormatError extends Error {
  override readonly name = 'WhisperModelFormatError';
}

const notWhisper = (why: string) =>
  new WhisperModelFormatError(`this is not a whisper.cpp ggml model: ${why}`);
const endsEarly = (where: string) =>
  new WhisperModelFormatError(`the file ends early (in ${where}): upload the whole model file`);

/** ggml tensor types whisper models use: elements per block and bytes per block. */
const TENSOR_TYPES: Record<number, { name: string; block: number; bytes: number }> = {
  0: { name: 'F32', block: 1, bytes: 4 },
  1: { name: 'F16', block: 1, bytes: 2 },
  2: { name: 'Q4_0', block: 32, bytes: 18 },
  3: { name: 'Q4_1', block: 32, bytes: 20 },
  6: { name: 'Q5_0', block: 32, bytes: 22 },
  7: { name: 'Q5_1', block: 32, bytes: 24 },
  8: { name: 'Q8_0', block: 32, bytes: 34 },
  9: { name: 'Q8_1', block: 32, bytes: 36 },
  10: { name: 'Q2_K', block: 256, bytes: 84 },
  11: { name: 'Q3_K', block: 256, bytes: 110 },
  12: { name: 'Q4_K', block: 256, bytes: 144 },
  13: { name: 'Q5_K', block: 256, bytes: 176 },
  14: { name: 'Q6_K', block: 256, bytes: 210 },
  30: { name: 'BF16', block: 1, bytes: 2 },
};

/** The names whisper.cpp's loader expects, for these hyper-parameters; each exactly once. */
export function expectedTensorNames(hp: WhisperHyperParameters): string[] {
  const attention = (prefix: string) => [
    `${prefix}_ln.weight`,
    `${prefix}_ln.bias`,
    `${prefix}.query.weight`,
    `${prefix}.query.bias`,
    `${prefix}.key.weight`,
    `${prefix}.value.weight`,
    `${prefix}.value.bias`,
    `${prefix}.out.weight`,
    `${prefix}.out.bias`,
  ];
  const mlp = (prefix: string) =>
    ['mlp_ln.weight', 'mlp_ln.bias', 'mlp.0.weight', 'mlp.0.bias', 'mlp.2.weight', 'mlp.2.bias'].map(
      (n) => `${prefix}.${n}`,
    );
  const names = [
    'encoder.positional_embedding',
    'encoder.conv1.weight',
    'encoder.conv1.bias',
    'encoder.conv2.weight',
    'encoder.conv2.bias',
    'encoder.ln_post.weight',
    'encoder.ln_post.bias',
    'decoder.positional_embedding',
    'decoder.token_embedding.weight',
    'decoder.ln.weight',
    'decoder.ln.bias',
  ];
  for (let i = 0; i < hp.n_audio_layer; i++)
    names.push(...mlp(`encoder.blocks.${i}`), ...attention(`encoder.blocks.${i}.attn`));
  for (let i = 0; i < hp.n_text_layer; i++)
    names.push(
      ...mlp(`decoder.blocks.${i}`),
      ...attention(`decoder.blocks.${i}.attn`),
      ...attention(`decoder.blocks.${i}.cross_attn`),
    );
  return names;
}

/** Reads little-endian integers from a file through a small window; positions past the end throw `endsEarly`. */
class WindowReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  position = 0;

  constructor(
    private readonly handle: Awaited<ReturnType<typeof open>>,
    readonly size: number,
  ) {}

  private async ensure(bytes: number, where: string): Promise<void> {
    if (this.position + bytes > this.size) throw endsEarly(where);
    const end = this.windowStart + this.window.length;
    if (this.position >= this.windowStart && this.position + bytes <= end) return;
    const length = Math.min(Math.max(bytes, 64 * 1024), this.size - this.position);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, this.position);
    if (bytesRead < bytes) throw endsEarly(where);
    this.window = buffer.subarray(0, bytesRead);
    this.windowStart = this.position;
  }

  async u32(where: string): Promise<number> {
    await this.ensure(4, where);
    const value = this.window.readUInt32LE(this.position - this.windowStart);
    this.position += 4;
    return value;
  }

  async i32(where: string): Promise<number> {
    await this.ensure(4, where);
    const value = this.window.readInt32LE(this.position - this.windowStart);
    this.position += 4;
    return value;
  }

  async text(length: number, where: string): Promise<string> {
    await this.ensure(length, where);
    const start = this.position - this.windowStart;
    this.position += length;
    return this.window.toString('utf8', start, start + length);
  }

  skip(bytes: number, where: string): void {
    if (this.position + bytes > this.size) throw endsEarly(where);
    this.position += bytes;
  }
}

function checkHyperParameters(hp: WhisperHyperParameters): void {
  const within = (name: keyof WhisperHyperParameters, min: number, max: number) => {
    if (!(hp[name] >= min && hp[name] <= max))
      throw notWhisper(`${name} is ${hp[name]}, outside ${min}…${max}`);
  };
  // Wide bounds around every published whisper model (n_vocab 51864–51866, 80 or 128 mels).
  within('n_vocab', 51_864, 51_999);
  within('n_audio_ctx', 1, 4096);
  within('n_audio_state', 1, 8192);
  within('n_audio_head', 1, 256);
  within('n_audio_layer', 1, 128);
  within('n_text_ctx', 1, 4096);
  within('n_text_state', 1, 8192);
  within('n_text_head', 1, 256);
  within('n_text_layer', 1, 128);
  within('n_mels', 1, 512);
  if (hp.n_audio_state !== hp.n_text_state) throw notWhisper('the audio and text widths differ');
  if (hp.n_audio_state % hp.n_audio_head || hp.n_text_state % hp.n_text_head)
    throw notWhisper('the width is not a multiple of the attention heads');
}

/** Walks the file at `file` and returns what it holds, or throws WhisperModelFormatError. */
export async function inspectWhisperModel(file: string): Promise<WhisperModelSummary> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const r = new WindowReader(handle, size);
    if (size < 4) throw notWhisper('the file is too short to be a model');
    const magic = await r.u32('the magic number');
    if (magic === GGUF_MAGIC)
      throw notWhisper("it is a GGUF file (llama.cpp's newer format); whisper.cpp needs a ggml-*.bin file");
    if (magic !== GGML_MAGIC) throw notWhisper('it does not start with the ggml magic number');

    const hparams = {} as WhisperHyperParameters;
    for (const name of HPARAM_NAMES) hparams[name] = await r.i32('the hyper-parameters');
    checkHyperParameters(hparams);

    const nMel = await r.i32('the mel filters');
    const nFft = await r.i32('the mel filters');
    if (nMel < 1 || nMel > 512 || nFft < 1 || nFft > 4096)
      throw notWhisper('the mel filter bank is malformed');
    r.skip(nMel * nFft * 4, 'the mel filters');

    const vocabularyTokens = await r.i32('the vocabulary');
    if (vocabularyTokens < 0 || vocabularyTokens > hparams.n_vocab)
      throw notWhisper(`the vocabulary lists ${vocabularyTokens} tokens for n_vocab ${hparams.n_vocab}`);
    for (let i = 0; i < vocabularyTokens; i++) {
      const length = await r.u32('the vocabulary');
      if (length > 1024) throw notWhisper(`vocabulary token ${i} is ${length} bytes long`);
      r.skip(length, 'the vocabulary');
    }

    const expected = new Set(expectedTensorNames(hparams));
    const tensors: WhisperModelTensor[] = [];
    const seen = new Set<string>();
    while (r.position < size) {
      const where = `the header of tensor ${tensors.length + 1}`;
      const nDims = await r.i32(where);
      const nameLength = await r.i32(where);
      const type = await r.i32(where);
      if (nDims < 1 || nDims > 4) throw notWhisper(`tensor ${tensors.length + 1} has ${nDims} dimensions`);
      if (nameLength < 1 || nameLength > 256)
        throw notWhisper(`tensor ${tensors.length + 1}'s name is malformed`);
      const kind = TENSOR_TYPES[type];
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(await r.i32(where));
      const name = await r.text(nameLength, where);
      if (!kind) throw notWhisper(`tensor ${name} has the unknown type ${type}`);
      if (!expected.has(name))
        throw notWhisper(`it holds the tensor ${name}, which whisper.cpp does not know`);
      if (seen.has(name)) throw notWhisper(`it holds the tensor ${name} twice`);
      if (dims.some((n) => n < 1)) throw notWhisper(`tensor ${name} has an empty dimension`);
      const elements = dims.reduce((a, b) => a * b, 1);
      if (elements % kind.block) throw notWhisper(`tensor ${name} does not fill whole ${kind.name} blocks`);
      const bytes = (elements / kind.block) * kind.bytes;
      const offset = r.position;
      r.skip(bytes, `the data of tensor ${name}`);
      seen.add(name);
      tensors.push({ name, type, dims, offset, bytes });
    }
    const missing = [...expected].filter((n) => !seen.has(n));
    if (missing.length) throw endsEarly(`the tensors: ${missing.length} of ${expected.size} are missing`);
    return {
      hparams,
      multilingual: hparams.n_vocab >= 51_865,
      melFilters: { nMel, nFft },
      vocabularyTokens,
      tensors,
    };
  } finally {
    await handle.close();
  }
}
