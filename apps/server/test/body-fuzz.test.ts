import { randomUUID } from 'node:crypto';
import { createAuthHeader } from '@llamenos/crypto';
import { DEFAULT_SETTINGS } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleCallWork } from '../src/calls/index.js';
import { saveProviderCredentials } from '../src/settings/service.js';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from './helpers.js';
import { testVonageAccount, vonageToken } from './vonage-webhooks.js';

/**
 * Every route that takes a body, sent bodies a parser must survive: nesting 5,000 levels deep,
 * strings near the body limit, wrong types, NUL, bidi overrides and other controls, lone
 * surrogates, prototype keys, invalid UTF-8, a BOM. Sent as an admin (so guards let the body
 * through to the parser) and, on the provider webhooks, signed as Vonage signs (so the body is
 * parsed and hashed). No answer may be a 5xx; bodies that are not well-formed JSON of sane depth
 * must be refused with a 4xx. The routes are learnt from the app, as the route-guard matrix does.
 */

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

const DEEP = 5000;
/** Bodies nobody may accept: each must get a 4xx. */
const MALFORMED: Record<string, Uint8Array> = {
  'deep array': utf8(`${'['.repeat(DEEP)}${']'.repeat(DEEP)}`),
  'deep object': utf8(`${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`),
  'deep inside a string-laden object': utf8(
    `{"name":"[[{","x":${'[{"y":'.repeat(DEEP / 2)}0${'}]'.repeat(DEEP / 2)}}`,
  ),
  'invalid UTF-8': concat(utf8('{"name":"'), new Uint8Array([0xff, 0xfe, 0xc3]), utf8('"}')),
  'UTF-8 BOM': concat(new Uint8Array([0xef, 0xbb, 0xbf]), utf8('{}')),
  'raw NUL byte': utf8('{"name":"a\u0000b"}'),
  'not JSON': utf8('{"name": '),
};
/** Well-formed JSON of the wrong kind or with hostile content: never a 5xx. */
const HOSTILE: Record<string, string> = {
  'huge string': JSON.stringify({ name: 'x'.repeat(900_000) }),
  'wrong types': JSON.stringify({ name: 1, displayName: [], value: { a: null }, version: '0' }),
  array: '[1,2,3]',
  string: '"text"',
  null: 'null',
  'escaped NUL': JSON.stringify({ name: 'a\u0000b', displayName: '\u0000' }),
  'unicode controls': JSON.stringify({ name: '\u202Eevil\u2066\u200F\u061C\uFEFF', displayName: '\u0085x' }),
  'lone surrogate': '{"name":"\\ud800","displayName":"\\udfff"}',
  'prototype keys': '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"prototype":1}',
};

/**
 * Valid bodies for routes that accept names and labels: each string in them is replaced in turn
 * with hostile text, so the values reach the schemas and the database rather than being stopped
 * by an unknown key.
 */
const VALID_BODIES: Record<string, () => unknown> = {
  'PATCH /api/me': () => ({ displayName: 'Ana' }),
  'PATCH /api/users/:id': () => ({ displayName: 'Ana' }),
  'POST /api/invites': () => ({ displayName: 'Ana', roles: ['volunteer'] }),
  'POST /api/roles': () => ({
    name: `Dispatch ${randomUUID().slice(0, 8)}`,
    description: 'd',
    permissions: ['audit:read'],
  }),
  'POST /api/shifts': () => ({ name: 'Morning', weekday: 0, start: '08:00', durationMinutes: 60 }),
  'POST /api/ring-groups': () => ({ name: 'Group' }),
  'POST /api/shift-exceptions': () => ({ date: '2026-01-05', kind: 'cancel', note: 'holiday' }),
  'POST /api/bans': () => ({ numbers: ['+15551230000'], reason: 'abuse' }),
  'PATCH /api/settings/:section': () => ({ value: 'Line', version: 0 }),
  'PUT /api/settings': () => ({
    settings: {
      ...DEFAULT_SETTINGS,
      hotlineName: 'Line',
      customFields: [{ id: 'topic', label: 'Topic', type: 'select', options: ['Housing'], order: 0 }],
    },
    version: 0,
  }),
};
/** Text that must never come back from the server as sent: refused, or (the last) stored as NFC. */
const NEVER_ECHOED = ['a\u0000b', 'a\u202Eb', 'a\u0007b', 'a\u2066b', '\ud800', 'Jose\u0301'];
const STRING_MUTATIONS: unknown[] = [...NEVER_ECHOED, 'x'.repeat(200_000), 42];

/** Does any string in `value` contain `text`? */
function holds(value: unknown, text: string): boolean {
  if (typeof value === 'string') return value.includes(text);
  if (value && typeof value === 'object') return Object.values(value).some((v) => holds(v, text));
  return false;
}

/** Every path to a string leaf of `value`. */
function stringPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...at, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...at, k]));
  return [];
}

function replaced(value: unknown, path: (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head!] = replaced(copy[head!], rest, by);
  return copy;
}

const VONAGE = testVonageAccount().credentials;

/** Hono wraps handlers of sub-apps with their own error handler; routes are listed by method and path. */
function bodyRoutes(routes: readonly { method: string; path: string }[]): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of routes)
    if (!['ALL', 'GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.path.startsWith('/api/'))
      seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  return [...seen.values()];
}

// The app is built at collection time so that every route gets a test of its own.
const h: TestHotline = await createTestHotline();
const routes = bodyRoutes(h.app.routes);
let admin: TestUser;
let target: TestUser;
let clock = Date.now();

/** Path parameters that reach the body: real rows where one exists, else a plausible value. */
function concretePath(pattern: string): string {
  return pattern
    .split('/')
    .map((segment) => {
      const param = /^:([A-Za-z0-9_]+)(?:\{.+\})?\??$/.exec(segment);
      if (!param) return segment;
      const name = param[1];
      // Webhooks go to the configured provider, so bodies get past its signature check; the
      // settings routes name another, so no request deletes the credentials the webhooks need.
      if (name === 'provider') return pattern.startsWith('/api/telephony/') ? 'vonage' : 'plivo';
      if (name === 'section') return 'hotlineName';
      if (name === 'id' && pattern.startsWith('/api/users/')) return target.id;
      return randomUUID();
    })
    .join('/');
}

async function send(method: string, pattern: string, body: Uint8Array): Promise<Response> {
  // A day per request: no rate-limit window carries over, so every body reaches its parser.
  clock += 24 * 3600 * 1000;
  h.setNow(new Date(clock));
  const path = concretePath(pattern);
  const now = Math.floor(clock / 1000);
  const authorization = pattern.startsWith('/api/telephony/')
    ? `Bearer ${vonageToken(VONAGE, body)}`
    : createAuthHeader({ url: `${PUBLIC_URL}${path}`, method, body }, admin.secretKey, now);
  return h.app.request(`${PUBLIC_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization },
    body: body as Uint8Array<ArrayBuffer>,
  });
}

beforeAll(async () => {
  admin = await h.addUser(['admin'], 'Fuzz admin');
  target = await h.addUser(['volunteer'], 'Fuzz target');
  await saveProviderCredentials(h.ctx, { pubkey: null, ipHash: null }, 'vonage', {
    ...VONAGE,
    phoneNumbers: ['+15550177001'],
  });
});
afterAll(async () => {
  await settleCallWork(h.ctx);
  await h.close();
});

describe('request bodies', () => {
  it('finds the body routes', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.some((r) => r.path === '/api/telephony/:provider/status')).toBe(true);
  });

  for (const route of routes) {
    it(`${route.method} ${route.path}`, async () => {
      const wrong: string[] = [];
      if (route.path.startsWith('/api/telephony/')) {
        // The signature must verify for the bodies below to reach the parser and the hash.
        const res = await send(route.method, route.path, utf8('{}'));
        expect([200, 204, 400], await res.text()).toContain(res.status);
      }
      for (const [name, body] of Object.entries(MALFORMED)) {
        const res = await send(route.method, route.path, body);
        const text = await res.text();
        if (res.status < 400 || res.status >= 500) wrong.push(`${name}: ${res.status} ${text.slice(0, 200)}`);
      }
      for (const [name, body] of Object.entries(HOSTILE)) {
        const res = await send(route.method, route.path, utf8(body));
        const text = await res.text();
        if (res.status >= 500) wrong.push(`${name}: ${res.status} ${text.slice(0, 200)}`);
      }
      const valid = VALID_BODIES[`${route.method} ${route.path}`];
      if (valid) {
        const bodies: [string, string, unknown][] = [
          ['__proto__ key', JSON.stringify(valid()).replace(/^\{/, '{"__proto__":{"admin":true},'), null],
        ];
        for (const path of stringPaths(valid()))
          for (const value of STRING_MUTATIONS)
            bodies.push([
              `${path.join('.')}=${JSON.stringify(value).slice(0, 20)}`,
              JSON.stringify(replaced(valid(), path, value)),
              value,
            ]);
        for (const [name, text, sent] of bodies) {
          const res = await send(route.method, route.path, utf8(text));
          const answer = await res.text();
          if (res.status >= 500) wrong.push(`${name}: ${res.status} ${answer.slice(0, 200)}`);
          if (
            res.ok &&
            typeof sent === 'string' &&
            NEVER_ECHOED.includes(sent) &&
            holds(JSON.parse(answer), sent)
          )
            wrong.push(`${name}: ${res.status}, and the text came back as sent: ${answer.slice(0, 200)}`);
        }
      }
      expect(wrong, `answers out of range:\n${wrong.join('\n')}`).toEqual([]);
    });
  }
});

describe('names and labels', () => {
  let member: TestUser;
  beforeAll(async () => {
    member = await h.addUser(['volunteer'], 'Named member');
  });

  const patchMe = async (displayName: string) => {
    clock += 1000;
    h.setNow(new Date(clock));
    return h.request('PATCH', '/api/me', { as: member, body: { displayName } });
  };

  it('refuses a display name with a bidi override, saying which character and where', async () => {
    const res = await patchMe('Ana\u202Eevil');
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string } };
    expect(error.message).toBe(
      'invalid body at displayName: must not contain U+202E (a bidirectional control)',
    );
    const [row] = await h.ctx.db.query<{ display_name: string }>(
      'select display_name from users where id = $1',
      [member.id],
    );
    expect(row!.display_name).toBe('Named member');
  });

  it('stores a decomposed é as NFC', async () => {
    const res = await patchMe('Jose\u0301');
    expect(res.status).toBe(200);
    const [row] = await h.ctx.db.query<{ display_name: string }>(
      'select display_name from users where id = $1',
      [member.id],
    );
    expect(row!.display_name).toBe('Jos\u00e9');
    expect(row!.display_name.length).toBe(4);
  });

  it('refuses overrides in role, shift, group and hotline names and in ban reasons', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/roles', { name: 'Dis\u2067patch', permissions: ['audit:read'] }],
      ['POST', '/api/shifts', { name: 'Night\u200F', weekday: 1, start: '22:00', durationMinutes: 60 }],
      ['POST', '/api/ring-groups', { name: '\u202DGroup' }],
      ['PATCH', '/api/settings/hotlineName', { value: 'Line\u061C', version: 0 }],
      ['POST', '/api/bans', { numbers: ['+15551230001'], reason: 'spam\u0000' }],
      ['POST', '/api/bans', { numbers: ['+15551230001'], reason: 'spam\u0085' }],
    ];
    for (const [method, path, body] of cases) {
      clock += 1000;
      h.setNow(new Date(clock));
      const res = await h.request(method, path, { as: admin, body });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /must not contain U\+|NUL/,
      );
    }
  });
});
