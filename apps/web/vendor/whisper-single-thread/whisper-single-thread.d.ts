/**
 * The parts of the single-threaded whisper.cpp module (emscripten output, built by
 * scripts/build-whisper-single-thread.sh) that the worker uses. `_llw_*` are glue.cpp's functions.
 */
export interface WhisperSingleThreadModule {
  HEAPU8: Uint8Array;
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  FS_createDataFile(
    parent: string,
    name: string,
    data: Uint8Array,
    canRead: boolean,
    canWrite: boolean,
  ): void;
  FS_unlink(path: string): void;
  UTF8ToString(pointer: number): string;
  stringToUTF8(text: string, pointer: number, maxBytes: number): void;
  lengthBytesUTF8(text: string): number;
  _llw_load(path: number): number;
  _llw_free(): void;
  _llw_transcribe(pcm: number, count: number, language: number): number;
  _llw_segment_count(): number;
  _llw_segment_start_ms(index: number): number;
  _llw_segment_end_ms(index: number): number;
  _llw_segment_text(index: number): number;
  _llw_language(): number;
  _llw_multilingual(): number;
}

export interface WhisperSingleThreadOptions {
  print?: (line: string) => void;
  printErr?: (line: string) => void;
  onAbort?: (what: unknown) => void;
  /** whisper.cpp's progress, 0–100, while llw_transcribe runs. */
  onProgress?: (percent: number) => void;
  /** The number of segments so far, each time whisper.cpp finishes one. */
  onNewSegment?: (total: number) => void;
  /** whisper.cpp's warning and error log lines (model loading; never audio or text). */
  onEngineLog?: (line: string) => void;
  locateFile?: (path: string, prefix: string) => string;
}

declare const createWhisperSingleThread: (
  options?: WhisperSingleThreadOptions,
) => Promise<WhisperSingleThreadModule>;
export default createWhisperSingleThread;
