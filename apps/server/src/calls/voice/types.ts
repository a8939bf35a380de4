import type { en } from './en.js';

/**
 * One language's voice: the BCP 47 tag the providers' text-to-speech is asked for, and every
 * sentence the hotline says (English decides the keys; a language must say them all).
 */
export interface VoiceLanguage {
  readonly tag: string;
  readonly text: { readonly [K in keyof (typeof en)['text']]: string };
}
