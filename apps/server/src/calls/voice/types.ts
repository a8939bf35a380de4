import type { en } from './en.js';

/**
 * A sentence with a count in it, one form per plural category of the language (Intl.PluralRules:
 * Russian "1 минута, 2 минуты, 5 минут", Arabic's six). `other` is always there; a language
 * gives every other category its whole numbers fall into (voice.test.ts checks it), so a count
 * never lands on a form meant for fractions.
 */
export type PluralForms = { readonly other: string } & {
  readonly [C in Exclude<Intl.LDMLPluralRule, 'other'>]?: string;
};

/**
 * One language's voice: the BCP 47 tag the providers' text-to-speech is asked for, and every
 * sentence the hotline says (English decides the keys; a language must say them all).
 */
export interface VoiceLanguage {
  readonly tag: string;
  readonly text: { readonly [K in keyof (typeof en)['text']]: string };
  /** Sentences with a count `{n}`, by plural form. */
  readonly counted: { readonly [K in keyof (typeof en)['counted']]: PluralForms };
}
