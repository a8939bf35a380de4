import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { LOCALE_CODES } from '../src/i18n/locales/catalog.js';
import { hasOwnPluralRules, withEveryPluralForm } from '../src/i18n/locales/plural-fallback.js';
import { ALL_LOCALES } from './locales.js';

describe('plural forms for a language Intl does not know', () => {
  it('every shipped language but Haitian Creole has plural rules of its own here', () => {
    expect(LOCALE_CODES.filter((code) => !hasOwnPluralRules(code))).toEqual(['ht']);
  });

  it('gives every plural family every category, keeping the forms it has', () => {
    const tree = withEveryPluralForm({ a: { n_one: 'one', n_other: 'many things' }, plain: 'x' });
    expect(tree).toEqual({
      a: {
        n_one: 'one',
        n_other: 'many things',
        n_zero: 'many things',
        n_two: 'many things',
        n_few: 'many things',
        n_many: 'many things',
      },
      plain: 'x',
    });
  });

  it('a count whose rule asks for "few" (as a Russian default would) still reads Creole, not English', async () => {
    const ht = withEveryPluralForm(ALL_LOCALES.ht!);
    const i18n = i18next.createInstance();
    // Creole under Russian plural rules: what a browser with a Russian default does for "ht".
    await i18n.init({
      lng: 'ru',
      fallbackLng: 'en',
      resources: { ru: { translation: ht }, en: { translation: ALL_LOCALES.en! } },
    });
    const creole = i18n.t('shifts.noUpcoming', { count: 3 });
    const english = i18n.t('shifts.noUpcoming', { count: 3, lng: 'en' });
    expect(creole).not.toBe(english);
  });
});
