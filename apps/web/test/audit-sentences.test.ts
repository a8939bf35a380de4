/**
 * The audit log speaks in sentences: every action code the server writes (read from the server's
 * sources, so a new code fails here until it is worded) is in the web client's list and has a
 * sentence in every shipped locale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../src/pages/admin/auditActions.js';
import { SHIPPED } from './locales.js';

const LOCALES = SHIPPED;
const serverSrc = path.resolve(import.meta.dirname, '../../server/src');

function serverFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return serverFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Every action code the server can append, including the two families built from parts. */
function serverActionCodes(): Set<string> {
  const domains = readdirSync(serverSrc, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const literal = new RegExp(`'((?:${domains.join('|')})\\.[a-z][a-z0-9-]*)'`, 'g');
  const codes = new Set<string>();
  for (const file of serverFiles(serverSrc)) {
    const text = readFileSync(file, 'utf8');
    if (!/appendAudit|auditIdentity\(/.test(text)) continue;
    for (const m of text.matchAll(literal)) codes.add(m[1]!);
    // auditIdentity(tx, actor, 'invite-created', …) appends `identity.invite-created`.
    for (const m of text.matchAll(/auditIdentity\(\s*\w+,\s*\w+,\s*'([a-z-]+)'/g))
      codes.add(`identity.${m[1]}`);
  }
  // shifts/service.ts appends `shifts.${kind}.${action}` over the unions in shifts/hooks.ts.
  const hooks = readFileSync(path.join(serverSrc, 'shifts', 'hooks.ts'), 'utf8');
  const union = (field: string) =>
    [...(hooks.match(new RegExp(`${field}: ([^;]+);`))?.[1] ?? '').matchAll(/'([a-z-]+)'/g)].map(
      (m) => m[1]!,
    );
  for (const kind of union('kind'))
    for (const action of union('action')) codes.add(`shifts.${kind}.${action}`);
  return codes;
}

function lookup(tree: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], tree);
}

describe('audit action sentences', () => {
  const codes = serverActionCodes();

  it('finds the server action codes (the scan itself works)', () => {
    expect(codes.size).toBeGreaterThan(40);
    expect(codes).toContain('auth.login');
    expect(codes).toContain('identity.invite-created');
    expect(codes).toContain('shifts.shift.created');
  });

  it('lists every server action code', () => {
    const listed = new Set<string>(AUDIT_ACTIONS);
    expect([...codes].filter((c) => !listed.has(c))).toEqual([]);
  });

  for (const locale of LOCALES) {
    it(`has a sentence for every action in ${locale}`, () => {
      const tree = JSON.parse(
        readFileSync(path.resolve(import.meta.dirname, `../src/i18n/locales/${locale}.json`), 'utf8'),
      ) as Record<string, unknown>;
      const missing = [...new Set([...codes, ...AUDIT_ACTIONS])].filter(
        (code) => typeof lookup(tree, `audit.sentence.${code}`) !== 'string',
      );
      expect(missing).toEqual([]);
    });
  }
});
