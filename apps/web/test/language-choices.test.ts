/**
 * The hotline settings' language choices (what the IVR menu offers and what a conversation or a
 * volunteer may speak) include every language the web client ships, by the base code the
 * hotline's voices use ("pt" for pt-BR, "zh" for zh-Hans: apps/server/src/calls/voice).
 */
import { describe, expect, it } from 'vitest';
import { COMMON_LANGUAGES, languageChoices } from '../src/components/format.js';
import { LOCALE_CODES } from '../src/i18n/locales/catalog.js';

const base = (code: string) => code.split('-')[0] ?? code;

describe('hotline language choices', () => {
  it('offer every shipped interface language', () => {
    expect(LOCALE_CODES.length).toBeGreaterThanOrEqual(13);
    const missing = LOCALE_CODES.map(base).filter((code) => !COMMON_LANGUAGES.includes(code));
    expect(missing).toEqual([]);
  });

  it("name each one in the reader's language, without repeats", () => {
    expect(new Set(COMMON_LANGUAGES).size).toBe(COMMON_LANGUAGES.length);
    const choices = languageChoices(COMMON_LANGUAGES, 'en');
    expect(choices.find((c) => c.value === 'ht')?.label).toBe('Haitian Creole (ht)');
    expect(choices.find((c) => c.value === 'tl')?.label).toMatch(/^(Tagalog|Filipino) \(tl\)$/);
  });
});
