import { describe, expect, it } from 'vitest';
import { DisplayName, textBlock, textLine, unsafeTextProblem } from '../src/index.js';

const REFUSED_EVERYWHERE = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00ad',
  '\u034f',
  '\u115f',
  '\u3164',
  '\uffa0',
  '\u009f',
  '\u061c',
  '\u200b',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2060',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufff9',
  '\ufdd0',
  '\ufffe',
  '\uffff',
  '\u{1fffe}',
  '\u{10ffff}',
  '\u{e0041}',
  '\ud800',
  '\udfff',
];

describe('names and labels (textLine)', () => {
  it('refuses controls, bidi overrides, invisible characters, noncharacters and lone surrogates', () => {
    for (const bad of REFUSED_EVERYWHERE) {
      const result = textLine(80).safeParse(`Ana${bad}Mar`);
      expect(result.success, `U+${bad.codePointAt(0)!.toString(16)}`).toBe(false);
      expect(textBlock(300).safeParse(`a${bad}b`).success).toBe(false);
    }
    for (const lineBreak of ['\n', '\r', '\t'])
      expect(textLine(80).safeParse(`a${lineBreak}b`).success).toBe(false);
  });

  it('names the character in the message', () => {
    const result = DisplayName.safeParse('evil\u202Etxt.exe');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must not contain U+202E (a bidirectional control)');
    expect(unsafeTextProblem('a\u0000', false)).toBe(
      'must not contain U+0000 (a control character or line break)',
    );
  });

  it('normalises to NFC before measuring, and trims', () => {
    expect(DisplayName.parse('  Jose\u0301 ')).toBe('Jos\u00e9');
    expect(textLine(4).safeParse('Jose\u0301').success).toBe(true);
  });

  it('keeps the world’s scripts, emoji sequences and joiners', () => {
    for (const ok of [
      'María José',
      'محمد',
      'שרה',
      '山田太郎',
      '김민수',
      'नमस्ते',
      'می‌خواهم', // U+200C ZWNJ is part of Persian spelling
      '👩‍💻', // U+200D ZWJ joins emoji
      '𝒜lice',
    ])
      expect(DisplayName.parse(ok)).toBe(ok.normalize('NFC'));
  });

  it('textBlock allows tab and line breaks, nothing else of the controls', () => {
    expect(textBlock(300).parse('first line\r\n\tsecond')).toBe('first line\r\n\tsecond');
    expect(textBlock(300).safeParse('a\u000bb').success).toBe(false);
    expect(textBlock(300).parse('')).toBe('');
  });
});
