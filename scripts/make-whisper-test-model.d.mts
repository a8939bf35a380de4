// Types of make-whisper-test-model.mjs for the TypeScript tests (apps/server/src/transcription).

export interface WhisperTestModelOptions {
  seed?: number;
  english?: boolean;
  state?: number;
  heads?: number;
  audioLayers?: number;
  textLayers?: number;
  broken?: 'truncated' | 'wrong-magic';
}

export interface WhisperTestModelParams {
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

export declare const GGML_MAGIC: number;
export declare const GGUF_MAGIC: number;
export declare function whisperTestModelParams(options?: WhisperTestModelOptions): WhisperTestModelParams;
export declare function whisperTensorTable(
  hp: WhisperTestModelParams,
): { name: string; dims: number[]; type: 0 | 1 }[];
export declare function toHalf(value: number): number;
export declare function makeWhisperTestModel(options?: WhisperTestModelOptions): Buffer;
