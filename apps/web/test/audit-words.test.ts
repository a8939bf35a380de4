/** The audit log's words: names resolved from the member list, a fallback for unknown codes, safe exports. */
import type { AuditEntryBody } from '@llamenos/protocol';
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import ar from '../src/i18n/locales/ar.json';
import en from '../src/i18n/locales/en.json';
import {
  auditCsv,
  auditJsonLines,
  auditSentence,
  memberDirectory,
  targetName,
} from '../src/pages/admin/auditWords.js';

const ANA = { id: 'u-ana', pubkey: 'a'.repeat(64), displayName: 'Ana Admin' };
const VERA = { id: 'u-vera', pubkey: 'b'.repeat(64), displayName: '=Vera' };
const members = memberDirectory([ANA, VERA]);
const t = i18next.createInstance();
const plain = (s: string) => s.replace(/[\u2068\u2069]/g, '');

const entry = (over: Partial<AuditEntryBody>): AuditEntryBody => ({
  seq: 7,
  createdAt: '2026-03-01T10:00:00.000Z',
  action: 'identity.user-deactivated',
  actorPubkey: ANA.pubkey,
  target: `user:${VERA.id}`,
  details: {},
  ipHash: null,
  previousHash: '0'.repeat(64),
  hash: '1'.repeat(64),
  ...over,
});

beforeAll(async () => {
  await t.init({
    lng: 'en',
    resources: { en: { translation: en }, ar: { translation: ar } },
    interpolation: { escapeValue: false },
  });
});

describe('audit words', () => {
  it('names the actor and the target member in the sentence, isolated', () => {
    const sentence = auditSentence(entry({}), members, t.t);
    expect(plain(sentence)).toBe('Ana Admin deactivated =Vera');
    expect(sentence).toContain('\u2068Ana Admin\u2069');
  });

  it('speaks Arabic when the reader does', async () => {
    await t.changeLanguage('ar');
    expect(plain(auditSentence(entry({ action: 'identity.invite-created' }), members, t.t))).toBe(
      'أنشأ Ana Admin دعوة',
    );
    await t.changeLanguage('en');
  });

  it('falls back to a short id for someone not in the list, and to System with no actor', () => {
    expect(targetName(`user:${'c'.repeat(36)}`, members)).toBe(`user:${'c'.repeat(7)}…`);
    expect(targetName(`reader:${VERA.pubkey}`, members)).toBe('=Vera');
    expect(plain(auditSentence(entry({ actorPubkey: null, action: 'calls.ended' }), members, t.t))).toBe(
      'A call ended',
    );
  });

  it('names the assignee of a conversation and the member whose sessions ended', () => {
    const assigned = entry({
      action: 'conversations.assigned',
      target: 'conversation:c1',
      details: { assignee: VERA.id },
    });
    expect(plain(auditSentence(assigned, members, t.t))).toBe('A conversation was assigned to =Vera');
    const revoked = entry({ action: 'auth.sessions-revoked', target: VERA.id });
    expect(plain(auditSentence(revoked, members, t.t))).toBe('Ana Admin ended the sessions of =Vera');
  });

  it('still reads an action code it does not know (a newer server)', () => {
    expect(plain(auditSentence(entry({ action: 'future.thing' }), members, t.t))).toBe(
      'Ana Admin: future.thing',
    );
  });

  it('exports the sentences as CSV no spreadsheet runs as a formula, and the raw entries as JSON lines', () => {
    const csv = auditCsv([entry({})], members, t.t, 'en');
    expect(csv).toContain('"Ana Admin deactivated =Vera"');
    expect(csv.split('\r\n')[0]).toContain('"What happened"');
    expect(
      auditCsv([entry({ actorPubkey: VERA.pubkey, action: 'auth.login' })], members, t.t, 'en'),
    ).toContain(`"'=Vera"`);
    const lines = auditJsonLines([entry({}), entry({ seq: 6 })])
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([7, 6]);
  });
});
