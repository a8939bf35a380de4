import type { AuditEntryBody } from '@llamenos/protocol';
import type { TFunction } from 'i18next';
import { formatDateTime } from '../../components/format.js';
import { csvCell } from '../../lib/notes/export.js';
import { AUDIT_ACTIONS } from './auditActions.js';

/** The members an admin can see, by id and by public key, to name actors and targets. */
export interface MemberDirectory {
  byPubkey: (pubkey: string) => string | undefined;
  byId: (id: string) => string | undefined;
}

export function memberDirectory(
  members: readonly { id: string; pubkey: string; displayName: string }[] = [],
) {
  const pubkeys = new Map(members.map((m) => [m.pubkey, m.displayName]));
  const ids = new Map(members.map((m) => [m.id, m.displayName]));
  return {
    byPubkey: (k: string) => pubkeys.get(k),
    byId: (id: string) => ids.get(id),
  } satisfies MemberDirectory;
}

const KNOWN = new Set<string>(AUDIT_ACTIONS);
const HEX_KEY = /^[0-9a-f]{64}$/;
// Names are typed by people in any script: isolated so an Arabic name cannot reorder an English sentence.
const isolate = (text: string) => `\u2068${text}\u2069`;
const short = (id: string) => (id.length > 14 ? `${id.slice(0, 12)}…` : id);

/** A target in words: a member's name when the admin can resolve it, else the kind and a short id. */
export function targetName(target: string | null, members: MemberDirectory): string {
  if (!target) return '';
  const colon = target.indexOf(':');
  const kind = colon < 0 ? '' : target.slice(0, colon);
  const rest = target.slice(colon + 1);
  // `user:<id>`, or a bare user id (auth.sessions-revoked).
  if (kind === 'user' || !kind) return members.byId(rest) ?? members.byPubkey(rest) ?? short(target);
  if (kind === 'reader' || HEX_KEY.test(rest)) return members.byPubkey(rest) ?? short(target);
  return short(target);
}

export function actorName(pubkey: string | null, members: MemberDirectory, t: TFunction): string {
  if (!pubkey) return t('audit.system');
  return members.byPubkey(pubkey) ?? short(pubkey);
}

/** One entry as a sentence in the reader's language; an unknown code (a newer server) still reads. */
export function auditSentence(entry: AuditEntryBody, members: MemberDirectory, t: TFunction): string {
  const actor = isolate(actorName(entry.actorPubkey, members, t));
  const { name, assignee } = entry.details;
  // The person or role a sentence is about: a role by its name, an assignment by its assignee.
  const about =
    entry.action.startsWith('identity.role-') && typeof name === 'string'
      ? name
      : typeof assignee === 'string'
        ? targetName(`user:${assignee}`, members)
        : targetName(entry.target, members);
  const target = isolate(about);
  if (!KNOWN.has(entry.action)) return t('audit.unknownAction', { actor, action: entry.action });
  return t(`audit.sentence.${entry.action}`, { actor, target });
}

/** The rows as shown, for a spreadsheet: when (in the reader's locale), the sentence, who, the code, the target. */
export function auditCsv(
  entries: readonly AuditEntryBody[],
  members: MemberDirectory,
  t: TFunction,
  locale: string,
) {
  const strip = (s: string) => s.replace(/[\u2068\u2069]/g, '');
  const rows = [
    ['#', t('audit.when'), t('audit.happened'), t('audit.actor'), t('audit.action'), t('audit.target')],
  ];
  for (const e of entries)
    rows.push([
      String(e.seq),
      formatDateTime(e.createdAt, locale),
      strip(auditSentence(e, members, t)),
      actorName(e.actorPubkey, members, t),
      e.action,
      e.target ?? '',
    ]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** The entries exactly as the server sent them, one JSON object a line (hashes included, so the chain can be rechecked). */
export const auditJsonLines = (entries: readonly AuditEntryBody[]) =>
  entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
