/**
 * Every spoken language says every sentence English says, with the same placeholders, and asks
 * the providers for a voice by a well-formed tag: a caller must never hear an empty prompt or a
 * literal "{n}".
 */
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { VOICES } from './index.js';

const placeholders = (text: string) => [...text.matchAll(/\{[a-z]+\}/g)].map((m) => m[0]).sort();
const englishKeys = Object.keys(en.text).sort();

describe('voice files', () => {
  it('include more than English', () => {
    expect(Object.keys(VOICES).length).toBeGreaterThan(1);
  });

  for (const [code, voice] of Object.entries(VOICES)) {
    describe(code, () => {
      it('asks for a BCP 47 voice tag', () => {
        expect(voice.tag).toMatch(/^[a-z]{2,3}(-[A-Z]{2})?$/);
      });

      it('says every English sentence and nothing else', () => {
        expect(Object.keys(voice.text).sort()).toEqual(englishKeys);
      });

      it('has no empty sentence and keeps every placeholder', () => {
        for (const key of englishKeys) {
          const text = (voice.text as Record<string, string>)[key] ?? '';
          expect(text.trim(), `${code}.${key}`).not.toBe('');
          expect(placeholders(text), `${code}.${key}`).toEqual(
            placeholders(en.text[key as keyof typeof en.text]),
          );
        }
      });
    });
  }
});
