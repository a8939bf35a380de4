import { describe, expect, it } from 'vitest';
import {
  BodyError,
  checkJsonDepth,
  decodeUtf8,
  isJsonType,
  isTextType,
  MAX_JSON_DEPTH,
  parseJsonBytes,
  parseJsonText,
} from './json-body.js';

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const refused = (run: () => unknown, message: RegExp) => {
  expect(run).toThrow(BodyError);
  expect(run).toThrow(message);
};

describe('JSON body rules', () => {
  it(`allows ${MAX_JSON_DEPTH} levels and refuses one more, before parsing`, () => {
    expect(parseJsonText(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    refused(() => parseJsonText(nested(MAX_JSON_DEPTH + 1)), /nested more than 64 levels/);
    refused(() => parseJsonText(`{"a":${'{"b":'.repeat(5000)}1${'}'.repeat(5001)}`), /nested/);
    // Unbalanced, too: the scan refuses as soon as the depth is passed.
    refused(() => checkJsonDepth('['.repeat(1_000_000)), /nested/);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = `{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}\\\\","b":[1]}`;
    expect(parseJsonText(text)).toEqual({ a: `${'['.repeat(100)}"${'{'.repeat(100)}\\`, b: [1] });
  });

  it('decodes strictly: invalid UTF-8 and a BOM are refused, not repaired or dropped', () => {
    refused(() => decodeUtf8(new Uint8Array([0x7b, 0xff, 0x7d])), /not valid UTF-8/);
    refused(() => parseJsonBytes(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22])), /not valid UTF-8/); // encoded surrogate
    refused(() => parseJsonBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), /not valid JSON/);
    expect(parseJsonBytes(new TextEncoder().encode('{"n":"Jos\u00e9 \u{1f600}"}'))).toEqual({
      n: 'Jos\u00e9 \u{1f600}',
    });
  });

  it('refuses NUL and lone surrogates in keys and values, which the database cannot store', () => {
    refused(() => parseJsonText('{"name":"a\\u0000b"}'), /NUL \(U\+0000\) at "name"/);
    refused(() => parseJsonText('{"a\\u0000":1}'), /key containing NUL/);
    refused(() => parseJsonText('["\\ud800"]'), /surrogate/);
    refused(() => parseJsonText('{"x":"\\udc00\\ud800"}'), /surrogate/);
    expect(parseJsonText('"\\ud83d\\ude00"')).toBe('\u{1f600}');
  });

  it('refuses a __proto__ key at any depth; other keys named like built-ins are plain data', () => {
    refused(() => parseJsonText('{"__proto__":{"admin":true}}'), /__proto__/);
    refused(() => parseJsonText('{"a":[{"\\u005f_proto__":1}]}'), /__proto__/);
    const parsed = parseJsonText('{"constructor":{"prototype":{"admin":true}}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['constructor']);
  });

  it('tells JSON and text content types apart', () => {
    expect(isJsonType('application/json')).toBe(true);
    expect(isJsonType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonType('application/merge-patch+json')).toBe(true);
    expect(isJsonType('application/jsonx')).toBe(false);
    expect(isTextType('application/x-www-form-urlencoded')).toBe(true);
    expect(isTextType('text/plain;charset=utf-8')).toBe(true);
    expect(isTextType('application/octet-stream')).toBe(false);
    expect(isTextType('')).toBe(false);
  });
});
