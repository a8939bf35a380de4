import { ar } from './ar.js';
import { en } from './en.js';
import { es } from './es.js';
import { fa } from './fa.js';
import { fr } from './fr.js';
import { ht } from './ht.js';
import { ko } from './ko.js';
import { pt } from './pt.js';
import { ru } from './ru.js';
import { tl } from './tl.js';
import type { VoiceLanguage } from './types.js';
import { uk } from './uk.js';
import { vi } from './vi.js';
import { zh } from './zh.js';

export type { VoiceLanguage } from './types.js';

/** Each spoken language by its base code ("pt" for pt-BR): one line per file in this folder. */
export const VOICES: Readonly<Record<string, VoiceLanguage>> & { en: VoiceLanguage } = {
  ar,
  en,
  es,
  fa,
  fr,
  ht,
  ko,
  pt,
  ru,
  tl,
  uk,
  vi,
  zh,
};
