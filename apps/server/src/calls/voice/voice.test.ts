/**
 * Every spoken language says every sentence English says, with the same placeholders, and asks
 * the providers for a voice by a well-formed tag: a caller must never hear an empty prompt or a
 * literal "{n}".
 */
import { describe, expect, it } from 'vitest';
import { sayCount } from '../documents.js';
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
        expect(Object.keys(voice.counted).sort()).toEqual(Object.keys(en.counted).sort());
      });

      it('has a form of every counted sentence for each plural category its whole numbers use', () => {
        const rules = new Intl.PluralRules(code);
        const used = new Set(Array.from({ length: 1001 }, (_, n) => rules.select(n)));
        for (const [key, forms] of Object.entries(voice.counted)) {
          for (const category of used) expect(forms, `${code}.${key} ${category}`).toHaveProperty(category);
          // No form for a category the language never uses (a typo such as "few" in English).
          for (const category of Object.keys(forms))
            expect(rules.resolvedOptions().pluralCategories, `${code}.${key}`).toContain(category);
          expect(forms.other, `${code}.${key}`).toContain('{n}');
        }
      });

      it('renders counts: the number said (or the one-word form), never a literal placeholder', () => {
        for (const key of Object.keys(en.counted) as (keyof typeof en.counted)[]) {
          for (const n of [1, 2, 3, 4, 5, 11, 12, 21, 22, 25, 101, 111]) {
            const { text, language } = sayCount(code, key, n);
            expect(language).toBe(voice.tag);
            expect(text, `${code}.${key}(${n})`).not.toMatch(/[{}]/);
            expect(text.trim(), `${code}.${key}(${n})`).not.toBe('');
            // Only a form written without the number (Arabic "دقيقة واحدة", "دقيقتان") may leave it out.
            const form = new Intl.PluralRules(code).select(n);
            const written = (voice.counted[key] as Record<string, string>)[form] ?? voice.counted[key].other;
            if (written.includes('{n}')) expect(text, `${code}.${key}(${n})`).toContain(String(n));
          }
        }
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

describe('counted sentences', () => {
  it('follow each language grammar for the number', () => {
    expect(sayCount('en', 'waitMinutes', 1).text).toBe('The expected wait is about 1 minute.');
    expect(sayCount('en-US', 'waitMinutes', 4).text).toBe('The expected wait is about 4 minutes.');
    expect(sayCount('ru', 'waitMinutes', 1).text).toMatch(/ 1 минута\.$/);
    expect(sayCount('ru', 'waitMinutes', 3).text).toMatch(/ 3 минуты\.$/);
    expect(sayCount('ru', 'waitMinutes', 5).text).toMatch(/ 5 минут\.$/);
    expect(sayCount('ru', 'waitMinutes', 21).text).toMatch(/ 21 минута\.$/);
    expect(sayCount('uk', 'waitMinutes', 12).text).toMatch(/ 12 хвилин\.$/);
    expect(sayCount('ar', 'waitMinutes', 2).text).toContain('دقيقتان');
    expect(sayCount('ar', 'waitMinutes', 4).text).toContain('4 دقائق');
    expect(sayCount('ar', 'waitMinutes', 15).text).toContain('15 دقيقة');
    expect(sayCount('pt-BR', 'waitMinutes', 1).text).toMatch(/ 1 minuto\.$/);
    expect(sayCount('fr', 'waitMinutes', 2).text).toMatch(/ 2 minutes\.$/);
  });

  it('speak English for a language without a voice file', () => {
    expect(sayCount('sw', 'waitMinutes', 2)).toEqual({
      kind: 'say',
      text: 'The expected wait is about 2 minutes.',
      language: 'en-US',
    });
  });
});
