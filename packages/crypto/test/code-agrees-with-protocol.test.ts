/**
 * Rules of PROTOCOL.md that a second implementation must follow byte for byte, checked
 * against the code (and, where the rule is a sentence, against the sentence): version before
 * length, ASCII-only case and whitespace rules, no byte-order mark, audit order, the limits'
 * error codes, the hub key id form, the envelope's checks, the labels' stated use.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import {
  AUDIT_GENESIS_HASH,
  auditEntryHash,
  CryptoError,
  concat,
  decryptBuffer,
  decryptHubEvent,
  decryptStream,
  deriveEventKey,
  encryptContent,
  formatRecoveryKey,
  fromUtf8,
  generateHubKey,
  generateSecretKey,
  getPublicKey,
  hashIp,
  keyedHash,
  LABEL_IP_HASH,
  LABEL_NOTE_CONTENT,
  lengthPrefixed,
  lengthPrefixedList,
  normalizePhone,
  openAsReader,
  PURPOSES,
  parseRecoveryKey,
  sealForReaders,
  toBase64url,
  unwrapHubKey,
  utf8,
  verifyAuditChain,
  wrapHubKey,
} from '../src/index.js';
import { codeOf } from './error-code.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const protocol = readFileSync(join(repoRoot, 'docs/PROTOCOL.md'), 'utf8');

/** The text of one numbered section ("## 15." or "### 1.2"), up to the next heading of any level. */
function section(number: string): string {
  const start = protocol.search(new RegExp(`^#{2,3} ${number.replace('.', '\\.')}[. ]`, 'm'));
  expect(start, `section ${number}`).toBeGreaterThanOrEqual(0);
  const rest = protocol.slice(protocol.indexOf('\n', start) + 1);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

async function streamCodeOf(input: Uint8Array[]): Promise<string> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of input) controller.enqueue(piece);
      controller.close();
    },
  });
  try {
    const reader = source.pipeThrough(decryptStream(new Uint8Array(32), ctx)).getReader();
    while (!(await reader.read()).done);
  } catch (error) {
    return error instanceof CryptoError ? error.code : `not a CryptoError: ${String(error)}`;
  }
  return 'accepted';
}

const ctx = { label: api.LABEL_ATTACHMENT_STREAM, recordId: 'r' };
const hashKey = new Uint8Array(32).fill(7);

describe('§1.1: the version byte is checked before the length', () => {
  it('a stream that is only a wrong version byte is UNSUPPORTED_VERSION, whole or streamed', async () => {
    expect(codeOf(() => decryptBuffer(new Uint8Array(32), new Uint8Array([2]), ctx))).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(codeOf(() => decryptBuffer(new Uint8Array(32), new Uint8Array([0, 16, 1]), ctx))).toBe(
      'UNSUPPORTED_VERSION',
    );
    expect(await streamCodeOf([new Uint8Array([2])])).toBe('UNSUPPORTED_VERSION');
    expect(await streamCodeOf([new Uint8Array([2]), new Uint8Array([16, 0])])).toBe('UNSUPPORTED_VERSION');
    // The right version, cut inside the header, is still TRUNCATED.
    expect(codeOf(() => decryptBuffer(new Uint8Array(32), new Uint8Array([1, 16]), ctx))).toBe('TRUNCATED');
    expect(await streamCodeOf([new Uint8Array([1, 16])])).toBe('TRUNCATED');
  });
});

describe('§1: lengths and text', () => {
  it('a string over 65,535 UTF-8 bytes in lp() is TOO_LARGE, and §1 says so', () => {
    expect(codeOf(() => lengthPrefixed('a'.repeat(65_536)))).toBe('TOO_LARGE');
    expect(lengthPrefixed('a'.repeat(65_535))).toHaveLength(65_537);
    // The one-buffer form is the same bytes, the same limit counted in bytes, not characters.
    const texts = ['', 'llamenos/v1/request-mac', 'ñandú ☎', '\u{1F4DE}', '\ud800', 'é'.repeat(32_767)];
    expect(lengthPrefixedList(texts)).toEqual(concat(...texts.map(lengthPrefixed)));
    expect(codeOf(() => lengthPrefixedList(['a', 'é'.repeat(32_768)]))).toBe('TOO_LARGE');
    expect(codeOf(() => lengthPrefixed('é'.repeat(32_768)))).toBe('TOO_LARGE');
    const bullet = section('1')
      .split('\n- ')
      .find((b) => b.startsWith('**Length-prefixed strings.**'));
    expect(bullet).toMatch(/65535[^.]*`TOO_LARGE`/);
  });

  it('UTF-8 decoding keeps a leading byte-order mark as U+FEFF instead of stripping it', () => {
    expect(fromUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\uFEFFa');
  });

  it('a hub event payload that starts with a byte-order mark is refused', () => {
    const eventKey = deriveEventKey(generateHubKey());
    const blob = encryptContent(eventKey, utf8('\uFEFF{"type":"x"}'), {
      label: api.LABEL_HUB_EVENT,
      recordId: '',
    });
    expect(codeOf(() => decryptHubEvent(eventKey, toBase64url(blob)))).toBe('MALFORMED');
  });

  it('§1 defines ASCII whitespace, and §5.1, §14 and §15 use only ASCII case and whitespace rules', () => {
    expect(section('1')).toMatch(/ASCII whitespace[^.]*U\+0009[^.]*U\+0020/);
    for (const n of ['5.1', '14', '15'])
      expect(section(n), `§${n}`).not.toMatch(
        /(?<!ASCII[ -])\b(uppercased?|lowercased?|whitespace)\b(?! hex)/i,
      );
  });
});

describe('§15: keyed hashes fold case and trim in ASCII only', () => {
  it('hashIp lowercases A–Z and trims ASCII whitespace, nothing else', () => {
    const asIs = (value: string) => keyedHash(hashKey, LABEL_IP_HASH, value);
    expect(hashIp(hashKey, ' FE80::1\t')).toBe(asIs('fe80::1'));
    expect(hashIp(hashKey, '\u0130')).toBe(asIs('\u0130'));
    expect(hashIp(hashKey, 'K')).toBe(asIs('k'));
    expect(hashIp(hashKey, '\u212a')).toBe(asIs('\u212a'));
    expect(hashIp(hashKey, '\u00a0127.0.0.1')).toBe(asIs('\u00a0127.0.0.1'));
  });

  it('phone numbers lose ASCII whitespace only', () => {
    expect(normalizePhone('+1 (555)\t010-4477')).toBe('+15550104477');
    expect(codeOf(() => normalizePhone('+1\u00a0555 010 4477'))).toBe('MALFORMED');
    expect(codeOf(() => normalizePhone('+1\u2003555 010 4477'))).toBe('MALFORMED');
  });
});

describe('§14: a typed recovery key is read in ASCII only', () => {
  const text = formatRecoveryKey(new Uint8Array(16).fill(0x42));

  it('accepts lowercase ASCII and ASCII whitespace', () => {
    expect(parseRecoveryKey(` ${text.toLowerCase().replaceAll('-', ' ')}\n`)).toEqual(
      new Uint8Array(16).fill(0x42),
    );
  });

  it('refuses letters that only Unicode case mapping turns into A–Z, and non-ASCII spaces', () => {
    expect(text).toMatch(/I|S/);
    const dotless = text.replace(/I/g, '\u0131').replace(/S/g, '\u017f');
    expect(codeOf(() => parseRecoveryKey(dotless))).toBe('MALFORMED');
    expect(codeOf(() => parseRecoveryKey(text.replaceAll('-', '\u00a0')))).toBe('MALFORMED');
  });
});

describe('§17: the audit chain is verified in sequence order', () => {
  const chain = (seqs: number[]) => {
    let previousHash = AUDIT_GENESIS_HASH;
    return seqs.map((seq, i) => {
      const entry = { action: 'x', i };
      const hash = auditEntryHash(previousHash, entry);
      const row = { seq, previousHash, hash, entry };
      previousHash = hash;
      return row;
    });
  };

  it('refuses entries whose seq does not strictly increase, even when the hashes link', () => {
    expect(verifyAuditChain(chain([1, 2, 3]))).toEqual({ ok: true, count: 3 });
    expect(verifyAuditChain(chain([1, 3, 2]))).toEqual({
      ok: false,
      brokenAt: 2,
      reason: 'entries out of sequence order',
    });
    expect(verifyAuditChain(chain([1, 1]))).toMatchObject({ ok: false, brokenAt: 1 });
    expect(section('17')).toMatch(/out of sequence\s+order/);
  });
});

describe('§11: hub key ids are lowercase', () => {
  const owner = generateSecretKey();
  const id = '3b8e1f20-6a4d-4c1e-b7a9-0f2e3d4c5b6a';

  it('refuses an id with an uppercase letter, or an empty one, instead of failing to decrypt', () => {
    const hubKey = generateHubKey();
    const wrap = wrapHubKey(hubKey, getPublicKey(owner), id);
    expect(unwrapHubKey(wrap, owner, id)).toEqual(hubKey);
    expect(codeOf(() => unwrapHubKey(wrap, owner, id.toUpperCase()))).toBe('MALFORMED');
    expect(codeOf(() => wrapHubKey(hubKey, getPublicKey(owner), id.toUpperCase()))).toBe('MALFORMED');
    expect(codeOf(() => wrapHubKey(hubKey, getPublicKey(owner), 'Hk-1'))).toBe('MALFORMED');
    expect(codeOf(() => wrapHubKey(hubKey, getPublicKey(owner), ''))).toBe('MALFORMED');
    expect(section('11')).toMatch(/uppercase letter `A–Z`[^.]*`MALFORMED`/);
  });
});

describe('§9: what opening an envelope checks', () => {
  const me = generateSecretKey();
  const sealCtx = { purpose: PURPOSES.note, recordId: 'note:x:v1' };
  const good = sealForReaders(utf8('hi'), [getPublicKey(me)], sealCtx);

  it('refuses a malformed envelope with MALFORMED, never a TypeError', () => {
    const open = (envelope: unknown) => codeOf(() => openAsReader(envelope as typeof good, me, sealCtx));
    expect(open(good)).toBe('accepted');
    expect(open({ ...good, v: 2 })).toBe('UNSUPPORTED_VERSION');
    expect(open(null)).toBe('MALFORMED');
    expect(open([])).toBe('MALFORMED');
    expect(open({ ...good, wraps: 'x' })).toBe('MALFORMED');
    expect(open({ ...good, wraps: [null, ...good.wraps] })).toBe('MALFORMED');
    expect(open({ ...good, wraps: [{ reader: 1, wrap: 'x' }, ...good.wraps] })).toBe('MALFORMED');
    expect(open({ ...good, wraps: [{ reader: getPublicKey(me) }] })).toBe('MALFORMED');
    expect(open({ ...good, ciphertext: 5 })).toBe('MALFORMED');
    // Extra fields are ignored, on the envelope and on its entries.
    expect(open({ ...good, note: 1, wraps: good.wraps.map((w) => ({ ...w, x: 1 })) })).toBe('accepted');
  });
});

describe('§1.2, §13, labels: the text states what the code does', () => {
  it('§1.2 names the one derivation of another length than 32 bytes', () => {
    const rule = section('1.2');
    expect(rule).toMatch(/LABEL_SIMULATOR_CARRIER[^.]*48/);
    expect(rule).not.toMatch(/No key is ever used under two\s+labels\./);
  });

  it('§13 states the Unicode version of the NFKC the reference runtime applies', () => {
    const stated = section('13').match(/NFKC[^.]*Unicode (\d+\.\d+)/)?.[1];
    expect(stated).toBe(process.versions.unicode);
  });

  it('no label the table calls reserved is used by any application source', () => {
    const table = protocol.slice(protocol.indexOf('## Labels'));
    const reserved = [...table.matchAll(/^\| `(LABEL_\w+)` \| `[^`]+` \| reserved/gm)].map((m) => m[1]!);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.tsx?$/.test(name)) files.push(path);
      }
    };
    walk(join(repoRoot, 'apps'));
    const used = reserved.filter((label) =>
      files.some((f) => new RegExp(`\\b${label}\\b`).test(readFileSync(f, 'utf8'))),
    );
    expect(used).toEqual([]);
    expect(table).toMatch(/`LABEL_DRAFT_KEY`[^\n]*draft/);
  });

  it('the export content label is documented for both file versions', () => {
    expect(PURPOSES.export.content).toBe(api.LABEL_EXPORT_CONTENT);
    expect(section('10.1')).toMatch(/LABEL_EXPORT_CONTENT[\s\S]*version 1[\s\S]*Section 7/);
    expect(LABEL_NOTE_CONTENT).not.toBe(api.LABEL_EXPORT_CONTENT);
  });
});
