/**
 * Every example stated in docs/PROTOCOL.md's running text recomputes from the code.
 *
 * vectors.test.ts checks the label and constants tables and the blocks quoted under a
 * `<!-- vector: … -->` marker. This file checks the sentences: `lp("…")` results, hashes and
 * byte strings stated as results, the numbers of the worked examples, constants named with a
 * value, the padding table and the byte layouts. The last tests make the check complete: a hex
 * literal of four bytes or more that no check here claims, a `text` block without a vector
 * marker, or an upper-case identifier that the code does not define fails, so an example
 * cannot be added to the page without being recomputed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { VECTORS_PATH } from '../scripts/generate-vectors.js';
import * as api from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of known shape
type Json = any;

const DOC = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8');
const V: Json = JSON.parse(readFileSync(VECTORS_PATH, 'utf8'));
const ERROR_CODES: string[] = [
  ...readFileSync(new URL('../src/errors.ts', import.meta.url), 'utf8').matchAll(/\|\s*'([A-Z_]+)'/g),
].map((m) => m[1]!);

/** The server's and the shared schemas' sources: the page also names their constants. */
const OTHER_SOURCES = ['../../../apps/server/src/', '../../protocol/src/']
  .flatMap((root) => {
    const dir = new URL(root, import.meta.url);
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(new URL(f, dir), 'utf8'));
  })
  .join('\n');

const hex = api.toHex;
const compactHex = (s: string): string => s.replace(/\s+/g, '');
/** A constant of @llamenos/crypto, or a numeric `export const` of the server or the shared schemas. */
function constant(name: string): unknown {
  const exported = (api as Record<string, unknown>)[name];
  if (exported !== undefined) return exported;
  const literal = OTHER_SOURCES.match(new RegExp(`export const ${name} = ([0-9_]+);`));
  return literal ? Number(literal[1]!.replace(/_/g, '')) : undefined;
}
/** Defined by the code: a constant, an error code, or a configuration variable of the server. */
const definedByCode = (name: string): boolean =>
  constant(name) !== undefined ||
  ERROR_CODES.includes(name) ||
  new RegExp(`^\\s+${name}: z\\.`, 'm').test(OTHER_SOURCES);

/** Spans of the page that some check below recomputes; the completeness tests read it. */
const claimed: Array<[number, number]> = [];
const claim = (start: number, end: number): void => {
  claimed.push([start, end]);
};
const isClaimed = (index: number): boolean => claimed.some(([s, e]) => index >= s && index < e);

/** `pattern` with each space matching any run of whitespace, as prose wraps anywhere. */
const prose = (pattern: RegExp, flags = ''): RegExp =>
  new RegExp(pattern.source.replace(/ /g, '\\s+'), flags);

/** Every match of `pattern` (see prose) in the page; each match's span counts as checked. */
function examples(pattern: RegExp): RegExpMatchArray[] {
  const found = [...DOC.matchAll(prose(pattern, 'g'))];
  for (const m of found) claim(m.index!, m.index! + m[0].length);
  return found;
}

/** The text of the section whose heading line starts with `heading`, up to the next heading. */
function section(heading: string): { text: string; start: number } {
  const start = DOC.split('\n').findIndex((l) => l.startsWith(heading));
  expect(start, `PROTOCOL.md has a heading "${heading}"`).toBeGreaterThanOrEqual(0);
  const offset = DOC.split('\n').slice(0, start).join('\n').length + 1;
  const rest = DOC.slice(offset);
  const next = rest.slice(1).search(/\n#/);
  return { text: next < 0 ? rest : rest.slice(0, next + 2), start: offset };
}

/** Inline code spans with their positions. */
const codeSpans = [...DOC.matchAll(/`([^`\n]+)`/g)].map((m) => ({
  start: m.index!,
  end: m.index! + m[0].length,
  content: m[1]!,
}));

// Extraction runs at load time, so that the completeness tests see every claim.
const lpExamples = examples(/lp\("((?:[^"\\]|\\.)*)"\)/).map((m) => {
  const at = m.index!;
  const inside = codeSpans.find((s) => at >= s.start && at < s.end);
  const after = inside ? inside.end : at + m[0].length;
  const sentenceEnd = DOC.slice(after).search(/\.(\s|$)|\n\n/);
  const result = codeSpans.find(
    (s) =>
      s.start >= after && s.start < after + sentenceEnd && /^[0-9a-f]{2}( ?[0-9a-f]{2})*$/.test(s.content),
  );
  if (result) claim(result.start, result.end);
  return { text: JSON.parse(`"${m[1]}"`) as string, stated: result?.content, where: m[0] };
});
const emptyHashes = examples(/SHA-256 of zero bytes,\s*`([0-9a-f]{64})`/);
const phoneExamples = examples(/((?:`[^`\n]+`(?:,\s+|\s+and\s+)?)+)\s+both hash as\s+`([^`]+)`/);
const constantEquals = examples(/`([A-Z][A-Z0-9_]+)`\s*=\s*(\d+)/);
const constantStrings = examples(/`([A-Z][A-Z0-9_]+) = "([^"]*)"`/);
const valueThenConstant = examples(/`(\d+)`\s+\(`([A-Z][A-Z0-9_]+)`/);
const constantThenValue = examples(/`([A-Z][A-Z0-9_]+)`\s+\((\d+)( [KM]iB)?\)/);
const rangesThenConstants = examples(
  /(\d+) (?:and|to)\s+(\d+)[^()`]*\(`([A-Z][A-Z0-9_]+)`,\s+`([A-Z][A-Z0-9_]+)`\)/,
);
const atMostThenConstant = examples(/at most (\d+) [^()`.]*\(`([A-Z][A-Z0-9_]+)`/);
const secondsThenConstant = examples(/(\d+)`?\s+seconds\s+\(`([A-Z][A-Z0-9_]+)`/);
const log2Sizes = examples(/\b(\d+) \((\d+) ([KM])iB\)/);
const log2Ranges = examples(/\b(\d+) to (\d+) \((\d+) ([KM])iB to (\d+) ([KM])iB\)/);
const surrogateExamples = examples(
  /U\+([0-9A-F]{4,6}), written as the surrogate pair\s+`([0-9a-f]{4}) ([0-9a-f]{4})`, sorts before U\+([0-9A-F]{4,6})/,
);
const genesisExamples = examples(/the genesis hash, (\d+) zeros \(`AUDIT_GENESIS_HASH`\)/);
const worked = section('### 7.4 Worked example');
claim(worked.start, worked.start + worked.text.length);
const paddingSection = section('### 7.1 Padding');
claim(paddingSection.start, paddingSection.start + paddingSection.text.length);

// ---------------------------------------------------------------------------------------------

describe('PROTOCOL.md: examples in running text', () => {
  it('every lp("…") example states the bytes lp gives', () => {
    expect(lpExamples.length).toBeGreaterThanOrEqual(2);
    for (const e of lpExamples) {
      expect(e.stated, `${e.where} has its bytes stated in the same sentence`).toBeDefined();
      expect(compactHex(e.stated!), `PROTOCOL.md example ${e.where}`).toBe(hex(api.lengthPrefixed(e.text)));
    }
  });

  it('the SHA-256 of zero bytes', () => {
    expect(emptyHashes.length).toBe(1);
    for (const m of emptyHashes) expect(m[1]).toBe(hex(sha256(new Uint8Array(0))));
  });

  it('phone numbers that "both hash as" one E.164 form normalize to it', () => {
    expect(phoneExamples.length).toBe(1);
    for (const m of phoneExamples) {
      const inputs = [...m[1]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]!);
      expect(inputs.length).toBeGreaterThanOrEqual(2);
      for (const input of inputs) expect(api.normalizePhone(input), input).toBe(m[2]);
    }
  });

  it('constants named with a value in the text have that value', () => {
    const checks: Array<[string, unknown]> = [];
    for (const m of constantEquals) checks.push([m[1]!, Number(m[2])]);
    for (const m of constantStrings) checks.push([m[1]!, m[2]]);
    for (const m of valueThenConstant) checks.push([m[2]!, Number(m[1])]);
    for (const m of constantThenValue) {
      const unit = m[3]?.trim() === 'MiB' ? 2 ** 20 : m[3]?.trim() === 'KiB' ? 2 ** 10 : 1;
      checks.push([m[1]!, Number(m[2]) * unit]);
    }
    for (const m of rangesThenConstants) {
      checks.push([m[3]!, Number(m[1])]);
      checks.push([m[4]!, Number(m[2])]);
    }
    for (const m of secondsThenConstant) checks.push([m[2]!, Number(m[1])]);
    for (const m of atMostThenConstant) checks.push([m[2]!, Number(m[1])]);
    expect(checks.length).toBeGreaterThanOrEqual(10);
    for (const [name, value] of checks) {
      expect(constant(name), `${name} is a constant of the code`).not.toBeUndefined();
      expect(constant(name), `PROTOCOL.md states ${name} = ${value}`).toBe(value);
    }
  });

  it('chunk sizes written as log2 with their size', () => {
    const size = (n: string, unit: string) => Number(n) * (unit === 'M' ? 2 ** 20 : 2 ** 10);
    expect(log2Sizes.length + log2Ranges.length).toBeGreaterThanOrEqual(2);
    for (const m of log2Sizes) expect(2 ** Number(m[1]), m[0]).toBe(size(m[2]!, m[3]!));
    for (const m of log2Ranges) {
      expect(2 ** Number(m[1]), m[0]).toBe(size(m[3]!, m[4]!));
      expect(2 ** Number(m[2]), m[0]).toBe(size(m[5]!, m[6]!));
    }
    expect(DOC).toContain(`default ${api.DEFAULT_CHUNK_LOG2} (`);
  });

  it('UTF-16 order example of the canonical JSON', () => {
    expect(surrogateExamples.length).toBe(1);
    for (const m of surrogateExamples) {
      const high = String.fromCodePoint(Number.parseInt(m[1]!, 16));
      const low = String.fromCodePoint(Number.parseInt(m[4]!, 16));
      expect([high.charCodeAt(0), high.charCodeAt(1)].map((c) => c.toString(16))).toEqual([m[2], m[3]]);
      const json = api.canonicalJson({ [low]: 1, [high]: 2 });
      expect(json.indexOf(high)).toBeLessThan(json.indexOf(low));
    }
  });

  it('the genesis hash is the stated number of zeros', () => {
    expect(genesisExamples.length).toBe(1);
    for (const m of genesisExamples) expect(api.AUDIT_GENESIS_HASH).toBe('0'.repeat(Number(m[1])));
  });

  it('lengths of keys, ids, signatures and nonces in text', () => {
    const event = V.nip98.cases[0].event;
    const stated = examples(/a\s+public key is (\d+) hex characters, an event id (\d+), a signature (\d+)/);
    expect(stated.length).toBe(1);
    expect([event.pubkey.length, event.id.length, event.sig.length]).toEqual(stated[0]!.slice(1).map(Number));
    const nonce = examples(/`nonce` is (\d+) random bytes in hex \((\d+) characters\)/);
    expect(nonce.length).toBe(1);
    expect(V.nip98.cases[0].nonceHex.length).toBe(Number(nonce[0]![1]) * 2);
    expect(V.nip98.cases[0].nonceHex.length).toBe(Number(nonce[0]![2]));
  });

  it('the hub event kind and tag', () => {
    const m = examples(/kind `(\d+)` \(ephemeral\), with the single generic tag\s+`(\[[^`]+\])`/);
    expect(m.length).toBe(1);
    expect(Number(m[0]![1])).toBe(api.HUB_EVENT_KIND);
    expect(JSON.parse(m[0]![2]!)).toEqual([...api.HUB_EVENT_TAG]);
    expect(V.hubKey.nostrEvent.event.tags).toEqual([JSON.parse(m[0]![2]!)]);
  });

  it('the note record id example follows its rule', () => {
    const m = examples(/\(example:\s+`(note:[^`]+)`\)/);
    expect(m.length).toBe(1);
    expect(m[0]![1]).toMatch(
      /^note:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:v[1-9][0-9]*$/,
    );
  });

  it('recovery key text: 29 characters, groups of four, 36 characters', () => {
    const m = examples(
      /padding removed: (\d+) characters, the last of which carries (\d+) data bits and one zero bit[\s\S]*?giving (\d+) groups of four and a\s+final group of one: (\d+) characters/,
    );
    expect(m.length).toBe(1);
    const [, compact, lastBits, groups, total] = m[0]!.map(Number);
    const text = V.recovery.text as string;
    expect(text.replace(/-/g, '').length).toBe(compact);
    expect(18 * 8 - (compact! - 1) * 5).toBe(lastBits);
    expect(text.split('-').filter((g) => g.length === 4).length).toBe(groups);
    expect(text.split('-').at(-1)!.length).toBe(1);
    expect(text.length).toBe(total);
  });

  it('the PIN brute-force estimate', () => {
    const m = examples(
      /all 10\^(\d+) six-digit PINs, and PBKDF2 with\s+([\d,]+) iterations[\s\S]*?at ([\d.]+) s per guess on one core, all six-digit PINs fall within about (\d+) hours/,
    );
    expect(m.length).toBe(1);
    const [, power, iterations, perGuess, hours] = m[0]!;
    expect(Number(power)).toBe(6);
    expect(Number(iterations!.replace(/,/g, ''))).toBe(api.MIN_PIN_ITERATIONS);
    expect(Math.round((10 ** Number(power) * Number(perGuess)) / 3600)).toBe(Number(hours));
  });
});

describe('PROTOCOL.md: the worked example (7.4) and padding (7.1)', () => {
  const c = V.content.cases[0];
  const t = worked.text;
  const num = (pattern: RegExp): number => {
    const m = t.match(prose(pattern));
    expect(m, `7.4 states ${pattern}`).not.toBeNull();
    return Number(m![1]);
  };

  it('lengths and prefixes stated in 7.4 recompute from the vector', () => {
    const plain = api.utf8(c.plaintext);
    expect(plain.length).toBe(num(/plaintext \((\d+) UTF-8 bytes\)/));
    const aad = t.match(
      prose(
        /`01`, then `([0-9a-f]{4})` and the (\d+) label bytes, then `([0-9a-f]{4})` and the (\d+) record-id bytes/,
      ),
    );
    expect(aad, '7.4 describes the AAD').not.toBeNull();
    const [, labelPrefix, labelBytes, recordPrefix, recordBytes] = aad!;
    expect(api.utf8(c.label).length).toBe(Number(labelBytes));
    expect(api.utf8(c.recordId).length).toBe(Number(recordBytes));
    expect(labelPrefix).toBe(hex(api.u16be(Number(labelBytes))));
    expect(recordPrefix).toBe(hex(api.u16be(Number(recordBytes))));
    expect(c.aadHex).toBe(`01${hex(api.lengthPrefixed(c.label))}${hex(api.lengthPrefixed(c.recordId))}`);
    const padded = t.match(prose(/`([0-9a-f]{8})` = (\d+), the text, (\d+) zero bytes up to (\d+)/));
    expect(padded, '7.4 describes the padded plaintext').not.toBeNull();
    expect(padded![1]).toBe(hex(api.u32be(Number(padded![2]))));
    expect(Number(padded![2])).toBe(plain.length);
    expect(Number(padded![4])).toBe(api.paddedLength(plain.length));
    expect(Number(padded![3])).toBe(api.paddedLength(plain.length) - plain.length);
    expect(c.paddedPlaintextHex.startsWith(padded![1]!)).toBe(true);
    expect(api.fromBase64url(c.blobBase64url).length).toBe(num(/blob, base64url \((\d+) bytes\)/));
    expect(t).toMatch(/label `LABEL_NOTE_CONTENT`/);
    expect(c.label).toBe(api.LABEL_NOTE_CONTENT);
  });

  it('the padding table and the stated bounds', () => {
    const text = paddingSection.text;
    const row = (name: string) =>
      text
        .split('\n')
        .find((l) => l.startsWith(`| ${name} |`))
        ?.split('|')
        .slice(2, -1)
        .map((x) => Number(x.trim()));
    const ns = row('n');
    const lengths = row('paddedLength');
    expect(ns && lengths && ns.length === lengths.length && ns.length > 5).toBe(true);
    for (const [i, n] of ns!.entries()) expect(api.paddedLength(n), `paddedLength(${n})`).toBe(lengths![i]);
    expect(text).toMatch(/`MAX_CONTENT_BYTES` \(16 MiB\)/);
    for (let n = 0; n <= 4200; n++) {
      const p = api.paddedLength(n);
      if (n <= 256) expect(p, `paddedLength(${n})`).toBe(Math.max(32, Math.ceil(n / 32) * 32));
      else expect(p - n, `padding of ${n} is under a quarter of n`).toBeLessThan(n / 4);
    }
    const blob = section('### 7.2 Encryption').text.match(/`45 \+ paddedLength\(n\)` bytes: at least (\d+)/);
    expect(blob).not.toBeNull();
    expect(45 + api.paddedLength(0)).toBe(Number(blob![1]));
    expect(1 + 24 + 4 + 16).toBe(45);
  });
});

describe('PROTOCOL.md: byte layouts', () => {
  /** Each `| Offset | Length | Field |` table with numeric rows, and the section it is in. */
  const layouts = [
    ...DOC.matchAll(/\| Offset \| Length \| Field \|\n\| --- \| --- \| --- \|\n((?:\|.*\|\n)+)/g),
  ].map((m) => {
    const rows = m[1]!
      .trim()
      .split('\n')
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((x) => x.trim()),
      );
    const before = DOC.slice(0, m.index!).lastIndexOf('\n#');
    const after = DOC.indexOf('\n#', m.index!);
    return { rows, sectionText: DOC.slice(before, after < 0 ? undefined : after) };
  });

  it('offsets follow from lengths, and the total is the stated length constant', () => {
    expect(layouts.length).toBeGreaterThanOrEqual(5);
    let checkedTotals = 0;
    for (const { rows, sectionText } of layouts) {
      const numeric = rows.every(([o, l]) => /^\d+$/.test(o!) && /^\d+$/.test(l!));
      if (!numeric) continue;
      let offset = 0;
      for (const [o, l, field] of rows) {
        expect(Number(o), `offset of ${field}`).toBe(offset);
        offset += Number(l);
      }
      const stated = [...sectionText.matchAll(/`([A-Z_]+_LENGTH)`\s*=\s*(\d+) bytes/g)];
      if (stated.length > 0) {
        checkedTotals++;
        expect(Number(stated[0]![2]), `${stated[0]![1]} is the sum of its layout`).toBe(offset);
      }
    }
    expect(checkedTotals).toBeGreaterThanOrEqual(4);
  });

  it('the constants table: each "a + b + …" in a meaning adds up to the value', () => {
    const rows = DOC.split('\n').filter((l) => /^\| `[A-Z_]+` \| `\d+` \|.*: [\d+ ]+\|$/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const line of rows) {
      const [, value, meaning] = line.split('|').map((x) => x.trim());
      const sum = meaning!
        .split(':')
        .at(-1)!
        .split('+')
        .reduce((a, x) => a + Number(x.trim()), 0);
      expect(sum, line).toBe(Number(value!.replace(/`/g, '')));
    }
  });
});

describe('PROTOCOL.md: nothing stated is left unchecked', () => {
  it('every hex literal of four bytes or more is recomputed by a check', () => {
    const unchecked = codeSpans.filter((s) => {
      const digits = compactHex(s.content);
      return (
        /^[0-9a-f ]+$/.test(s.content) && /[0-9]/.test(digits) && digits.length >= 8 && !isClaimed(s.start)
      );
    });
    const tableRows = DOC.split('\n').filter((l) => l.startsWith('| `AUDIT_GENESIS_HASH`'));
    expect(tableRows.length, 'the genesis hash is in the constants table (checked by vectors.test.ts)').toBe(
      1,
    );
    const outsideTables = unchecked.filter(
      (s) => !DOC.slice(DOC.lastIndexOf('\n', s.start) + 1).startsWith('| '),
    );
    expect(
      outsideTables.map((s) => s.content),
      'hex stated in PROTOCOL.md that no test recomputes: add a check to protocol-examples.test.ts or quote a vector',
    ).toEqual([]);
  });

  it('every text block quotes a vector', () => {
    const blocks = [...DOC.matchAll(/(<!-- vector: [\w.]+ -->\s*)?```text\n/g)];
    expect(blocks.length).toBeGreaterThan(5);
    for (const b of blocks)
      expect(b[1], `text block at offset ${b.index} has a <!-- vector: … --> marker`).toBeDefined();
  });

  it('every upper-case identifier is a constant, an error code or a setting of the code', () => {
    const names = new Set(
      codeSpans.map((s) => s.content).filter((c) => /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(c)),
    );
    expect(names.size).toBeGreaterThan(40);
    for (const name of names)
      expect(definedByCode(name), `PROTOCOL.md names ${name}, which the code does not define`).toBe(true);
  });
});
