/**
 * NIP-98 without leniency (PROTOCOL.md §5): a token binds one URL byte for byte, its event has
 * exactly the NIP-01 keys, an empty content and exactly the four tags in order; nothing is
 * trimmed, stripped or case-folded beyond what the protocol names.
 */
import { describe, expect, it } from 'vitest';
import {
  createAuthHeader,
  generateSecretKey,
  HTTP_AUTH_KIND,
  type NostrEvent,
  signEvent,
  toBase64,
  toHex,
  utf8,
  verifyAuthHeader,
} from '../src/index.js';
import { codeOf } from './error-code.js';

const NOW = 1_767_225_600;
const key = generateSecretKey();
const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const NONCE = '00112233445566778899aabbccddeeff';

const headerOf = (json: string): string => `Nostr ${toBase64(utf8(json))}`;

/** A correctly signed auth event with the given overrides, as its header. */
function signed(
  over: { content?: string; tags?: string[][]; url?: string } = {},
  extra: Record<string, unknown> = {},
): string {
  const event: NostrEvent = signEvent(
    {
      kind: HTTP_AUTH_KIND,
      created_at: NOW,
      content: over.content ?? '',
      tags: over.tags ?? [
        ['u', over.url ?? 'https://h.example/api/me'],
        ['method', 'GET'],
        ['payload', EMPTY_HASH],
        ['nonce', NONCE],
      ],
    },
    key,
  );
  return headerOf(JSON.stringify({ ...event, ...extra }));
}

const verify = (header: string, url = 'https://h.example/api/me', method = 'GET') =>
  codeOf(() => verifyAuthHeader(header, { url, method, body: '' }, NOW));

describe('NIP-98: the URL is bound byte for byte, and must be canonical', () => {
  it('accepts the exact URL, with or without a query', () => {
    expect(verify(signed())).toBe('accepted');
    const q = 'https://h.example/api/users?active=true&x=%2F';
    expect(verify(signed({ url: q }), q)).toBe('accepted');
  });

  it('an empty query "?" is another URL', () => {
    expect(verify(signed(), 'https://h.example/api/me?')).toBe('AUTH_MISMATCH');
    expect(verify(signed({ url: 'https://h.example/api/me?' }))).toBe('AUTH_MISMATCH');
  });

  it('refuses a u tag with dot segments, plain or percent-encoded, even when the request matches', () => {
    for (const url of [
      'https://h.example/api/./me',
      'https://h.example/api/x/../me',
      'https://h.example/api/me/.',
      'https://h.example/api/me/..',
      'https://h.example/api/%2e/me',
      'https://h.example/api/%2E%2e/me',
      'https://h.example/api/.%2E/me',
    ])
      expect(verify(signed({ url }), url), url).toBe('AUTH_INVALID');
    // A segment that merely contains dots is not a dot segment.
    const dotted = 'https://h.example/api/.well-known/x..y';
    expect(verify(signed({ url: dotted }), dotted)).toBe('accepted');
  });

  it('refuses a u tag with a fragment, a backslash, a space, non-ASCII or a bad percent escape', () => {
    for (const url of [
      'https://h.example/api/me#x',
      'https://h.example/api\\me',
      'https://h.example/api/a b',
      'https://h.example/api/é',
      'https://h.example/api/%zz',
      'https://h.example/api/%4',
      'h.example/api/me',
    ])
      expect(verify(signed({ url }), url), url).toBe('AUTH_INVALID');
  });
});

describe('NIP-98: the event has exactly the NIP-01 shape', () => {
  it('refuses a non-empty content (correctly signed)', () => {
    expect(verify(signed({ content: 'x' }))).toBe('AUTH_INVALID');
  });

  it('refuses extra keys in the event JSON', () => {
    expect(verify(signed({}, { extra: 1 }))).toBe('AUTH_INVALID');
    expect(verify(signed({}, { __proto__x: 'y', relays: [] }))).toBe('AUTH_INVALID');
  });

  it('refuses extra, reordered or longer tags, and a nonce that is not 16 bytes of lowercase hex', () => {
    const u = ['u', 'https://h.example/api/me'];
    const method = ['method', 'GET'];
    const payload = ['payload', EMPTY_HASH];
    const nonce = ['nonce', NONCE];
    expect(verify(signed({ tags: [u, method, payload, nonce, ['x', 'y']] }))).toBe('AUTH_INVALID');
    expect(verify(signed({ tags: [method, u, payload, nonce] }))).toBe('AUTH_INVALID');
    expect(verify(signed({ tags: [[...u, 'extra'], method, payload, nonce] }))).toBe('AUTH_INVALID');
    expect(verify(signed({ tags: [u, method, payload, ['nonce', 'abc']] }))).toBe('AUTH_INVALID');
    expect(verify(signed({ tags: [u, method, payload, ['nonce', NONCE.toUpperCase()]] }))).toBe(
      'AUTH_INVALID',
    );
  });
});

describe('NIP-98: no Unicode leniency in the header', () => {
  it('refuses a token whose JSON starts with a byte-order mark', () => {
    const event = JSON.parse(Buffer.from(signed().slice(6), 'base64').toString('utf8'));
    expect(verify(headerOf(`\uFEFF${JSON.stringify(event)}`))).toBe('AUTH_INVALID');
    expect(verify(headerOf(JSON.stringify(event)))).toBe('accepted');
  });

  it('removes only ASCII whitespace around the token', () => {
    const token = signed().slice(6);
    expect(verify(`Nostr ${token} \t`)).toBe('accepted');
    expect(verify(`Nostr \u00a0${token}`)).toBe('AUTH_INVALID');
    expect(verify(`Nostr ${token}\u2003`)).toBe('AUTH_INVALID');
  });

  it('uppercases the method in ASCII only', () => {
    const header = createAuthHeader(
      { url: 'https://h.example/api/me', method: 'get', body: '' },
      key,
      NOW,
      (n) => new Uint8Array(n).fill(1),
    );
    expect(verify(header, 'https://h.example/api/me', 'get')).toBe('accepted');
    // U+0131 (dotless i) uppercases to "I" under Unicode rules: not an ASCII method.
    const tags = [
      ['u', 'https://h.example/api/me'],
      ['method', 'LIST'],
      ['payload', EMPTY_HASH],
      ['nonce', toHex(new Uint8Array(16))],
    ];
    expect(verify(signed({ tags }), 'https://h.example/api/me', 'l\u0131st')).toBe('AUTH_MISMATCH');
  });
});
