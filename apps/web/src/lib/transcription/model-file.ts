/**
 * A first look at a whisper.cpp model file (the legacy ggml format) before handing it to the
 * engine, so a wrong or cut-short file gets a clear reason instead of an abort deep in
 * whisper.cpp. Pure: tested in Node on generated files.
 *
 * Layout read here: magic "ggml" (0x67676d6c, little-endian), eleven int32 hyper-parameters,
 * the mel filter bank (n_mel, n_fft, n_mel·n_fft float32), the vocabulary (count, then length +
 * bytes per token), then each tensor (n_dims, name length, type, dims, name, data). The walk over
 * the tensors only adds up their sizes, so a file cut short is named as such; whether each
 * tensor is the one whisper.cpp expects is its own loader's business.
 */

export const GGML_MAGIC = 0x67676d6c;
const HPARAMS = [
  'nVocab',
  'nAudioCtx',
  'nAudioState',
  'nAudioHead',
  'nAudioLayer',
  'nTextCtx',
  'nTextState',
  'nTextHead',
  'nTextLayer',
  'nMels',
  'ftype',
] as const;
const HEADER_BYTES = 4 + HPARAMS.length * 4;

export type ModelHyperParameters = Record<(typeof HPARAMS)[number], number>;

export interface WhisperModelInfo extends ModelHyperParameters {
  /** whisper.cpp treats a vocabulary of 51865 tokens or more as multilingual (language detection works). */
  multilingual: boolean;
  /** Tensors whose size was checked (the walk stops at a tensor type it does not know). */
  tensors: number;
}

export type ModelFileProblem = 'not-ggml' | 'truncated' | 'implausible';

export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
  constructor(
    readonly problem: ModelFileProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Reads and sanity-checks the header of a whole model file (or at least its first bytes). */
export function inspectWhisperModel(bytes: Uint8Array): WhisperModelInfo {
  if (bytes.length < 4) throw new ModelFileError('truncated', 'the model file ends before its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GGML_MAGIC)
    throw new ModelFileError('not-ggml', 'this is not a whisper.cpp ggml model (wrong magic number)');
  if (bytes.length < HEADER_BYTES)
    throw new ModelFileError('truncated', 'the model file ends inside its header');
  const h = Object.fromEntries(
    HPARAMS.map((name, i) => [name, view.getInt32(4 + i * 4, true)]),
  ) as ModelHyperParameters;
  const positive = HPARAMS.filter((n) => n !== 'ftype').every((n) => h[n] > 0);
  if (!positive || h.nVocab < 50000 || h.nVocab > 60000 || (h.nMels !== 80 && h.nMels !== 128))
    throw new ModelFileError('implausible', 'the model header does not describe a whisper model');
  if (h.nAudioState % h.nAudioHead !== 0 || h.nTextState % h.nTextHead !== 0)
    throw new ModelFileError('implausible', 'the model header does not describe a whisper model');

  // The mel filter bank, then the vocabulary count: both must be inside the file.
  let at = HEADER_BYTES;
  if (bytes.length < at + 8)
    throw new ModelFileError('truncated', 'the model file ends before its mel filters');
  const nMel = view.getInt32(at, true);
  const nFft = view.getInt32(at + 4, true);
  if (nMel !== h.nMels || nFft <= 0 || nFft > 4096)
    throw new ModelFileError('implausible', 'the mel filter bank does not match the header');
  at += 8 + nMel * nFft * 4;
  if (bytes.length < at + 4)
    throw new ModelFileError('truncated', 'the model file ends inside its mel filters');
  const nVocab = view.getInt32(at, true);
  if (nVocab <= 0 || nVocab > h.nVocab)
    throw new ModelFileError('implausible', 'the vocabulary size does not match the header');
  at += 4;
  for (let i = 0; i < nVocab; i++) {
    if (bytes.length < at + 4)
      throw new ModelFileError('truncated', 'the model file ends inside its vocabulary');
    at += 4 + view.getUint32(at, true);
  }
  if (bytes.length < at) throw new ModelFileError('truncated', 'the model file ends inside its vocabulary');
  const tensors = walkTensors(view, at);
  return { ...h, multilingual: h.nVocab >= 51865, tensors };
}

/** Bytes per block and elements per block of the ggml tensor types whisper files use. */
const GGML_TYPES: Record<number, { bytes: number; elements: number }> = {
  0: { bytes: 4, elements: 1 }, // F32
  1: { bytes: 2, elements: 1 }, // F16
  2: { bytes: 18, elements: 32 }, // Q4_0
  3: { bytes: 20, elements: 32 }, // Q4_1
  6: { bytes: 22, elements: 32 }, // Q5_0
  7: { bytes: 24, elements: 32 }, // Q5_1
  8: { bytes: 34, elements: 32 }, // Q8_0
};

/** Counts the tensors, failing if one's data runs past the end; stops at a type it does not know. */
function walkTensors(view: DataView, start: number): number {
  let at = start;
  let count = 0;
  while (at < view.byteLength) {
    if (view.byteLength < at + 12)
      throw new ModelFileError('truncated', 'the model file ends inside a tensor header');
    const nDims = view.getInt32(at, true);
    const nameLength = view.getInt32(at + 4, true);
    const type = view.getInt32(at + 8, true);
    if (nDims < 1 || nDims > 4 || nameLength < 1 || nameLength > 256)
      throw new ModelFileError('implausible', 'a tensor header is not readable');
    at += 12;
    if (view.byteLength < at + nDims * 4 + nameLength)
      throw new ModelFileError('truncated', 'the model file ends inside a tensor header');
    let elements = 1;
    for (let d = 0; d < nDims; d++) elements *= view.getInt32(at + d * 4, true);
    at += nDims * 4 + nameLength;
    const size = GGML_TYPES[type];
    if (!size) return count;
    at += Math.ceil(elements / size.elements) * size.bytes;
    if (at > view.byteLength)
      throw new ModelFileError('truncated', 'the file ends early: a tensor is cut short');
    count++;
  }
  return count;
}
