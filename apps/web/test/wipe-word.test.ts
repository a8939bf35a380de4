import { describe, expect, it } from 'vitest';
import { sameWipeWord } from '../src/components/WipeDeviceDialog.js';
import { ALL_LOCALES } from './locales.js';

describe('the typed wipe word', () => {
  it('matches whatever the case and however the accents were composed', () => {
    expect(sameWipeWord('xóa', 'XÓA')).toBe(true);
    expect(sameWipeWord('XO\u0301A', 'XÓA')).toBe(true); // O + combining acute, as some keyboards type it
    expect(sameWipeWord(' borrar ', 'BORRAR')).toBe(true);
    expect(sameWipeWord('XOA', 'XÓA')).toBe(false);
    expect(sameWipeWord('', 'WIPE')).toBe(false);
  });

  it('is matched by its own decomposed spelling in every shipped language', () => {
    for (const [locale, tree] of Object.entries(ALL_LOCALES)) {
      const word = (tree.wipe as { word: string }).word;
      expect(sameWipeWord(word.normalize('NFD').toLowerCase(), word), locale).toBe(true);
    }
  });
});
