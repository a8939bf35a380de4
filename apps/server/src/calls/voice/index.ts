import { ar } from './ar.js';
import { en } from './en.js';
import { es } from './es.js';
import { zh } from './zh.js';
import type { VoiceLanguage } from './types.js';

export type { VoiceLanguage } from './types.js';

/** Each spoken language by its base code ("pt" for pt-BR): one line per file in this folder. */
export const VOICES: Readonly<Record<string, VoiceLanguage>> & { en: VoiceLanguage } = {
  ar,
  en,
  es,
  zh,
};
