/**
 * What can go wrong while transcribing, as codes the UI translates (transcription.errors.<code>).
 * The worker reports its own failures with a code; a worker that dies (whisper.cpp abort, out of
 * memory, a crash) is read from the error event by `workerFailureCode`.
 */

export const TRANSCRIPTION_ERRORS = [
  /** The threaded engine started in a page that is not cross-origin isolated (engine.ts picks the other one there). */
  'not-isolated',
  /** No model uploaded (or transcription switched off). */
  'no-model',
  /** The model could not be downloaded. */
  'model-download',
  /** The downloaded model's SHA-256 differs from the one the hotline published. */
  'model-hash',
  /** Not a whisper.cpp ggml file. */
  'model-format',
  /** The file ends early. */
  'model-truncated',
  /** whisper.cpp refused the file (a tensor missing or of the wrong size). */
  'model-load',
  /** The audio could not be decoded. */
  'audio-decode',
  /** The audio is empty. */
  'audio-empty',
  /** whisper.cpp aborted (e.g. an assertion on a broken model). */
  'engine-aborted',
  /** The engine ran out of memory. */
  'out-of-memory',
  /** The worker died for another reason. */
  'engine-crashed',
] as const;
export type TranscriptionErrorCode = (typeof TRANSCRIPTION_ERRORS)[number];

export class TranscriptionError extends Error {
  override readonly name = 'TranscriptionError';
  constructor(
    readonly code: TranscriptionErrorCode,
    /** Technical detail for the console; never audio or transcript text. */
    readonly detail = '',
  ) {
    super(`transcription failed: ${code}${detail ? ` (${detail})` : ''}`);
  }
}

export const isTranscriptionErrorCode = (code: unknown): code is TranscriptionErrorCode =>
  typeof code === 'string' && (TRANSCRIPTION_ERRORS as readonly string[]).includes(code);

/** The code for a worker that died: the message of its `error` event (or of a thrown value). */
export function workerFailureCode(message: string | undefined): TranscriptionErrorCode {
  const m = (message ?? '').toLowerCase();
  if (m.includes('aborted(') || m.includes('abort(')) {
    return m.includes('oom') || m.includes('out of memory') ? 'out-of-memory' : 'engine-aborted';
  }
  if (
    m.includes('out of memory') ||
    m.includes('cannot enlarge memory') ||
    m.includes('array buffer allocation failed')
  )
    return 'out-of-memory';
  return 'engine-crashed';
}

/** Any failure → a TranscriptionError (unknown values become 'engine-crashed'). */
export function asTranscriptionError(e: unknown): TranscriptionError {
  if (e instanceof TranscriptionError) return e;
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  return new TranscriptionError(workerFailureCode(message), message.slice(0, 200));
}
