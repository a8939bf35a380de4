import {
  CONTENT_VERSION,
  CryptoError,
  fromBase64url,
  parsePublicKey,
  WRAP_LENGTH,
  WRAP_VERSION,
} from '@llamenos/crypto';
import { hasPermission, NOTE_WRAP_BYTES, type NoteEnvelope, type Permission } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import { type DomainError, invalid, validationFailed } from '../domain/errors.js';
import { grantsOf, lookupActiveUser } from '../identity/lookup.js';

/*
 * A sealed record's envelope, as far as the server can judge it without reading it: its form,
 * and who it must be sealed for (the readers of notes, call records and voicemails).
 */

/** Smallest content blob: version, nonce, padded empty plaintext (4 + 32), tag (docs/PROTOCOL.md §7.2). */
const MIN_CIPHERTEXT_BYTES = 1 + 24 + 4 + 32 + 16;

// The protocol package cannot import the crypto package; this keeps the two constants honest.
if (NOTE_WRAP_BYTES !== WRAP_LENGTH) throw new Error('NOTE_WRAP_BYTES and WRAP_LENGTH disagree');

interface Issue {
  path: string;
  message: string;
}

/** The same 400 shape http/validate.ts gives for a schema violation. */
export function invalidBody(issues: Issue[]): DomainError {
  const first = issues[0];
  return validationFailed(`invalid body at ${first?.path}: ${first?.message ?? 'invalid'}`, issues);
}

/** Decodes with the protocol's strict decoder, so canonical form is judged by the same code the readers use. */
function decode(text: string): Uint8Array | null {
  try {
    return fromBase64url(text);
  } catch {
    return null;
  }
}

/** Checks one wrap's bytes: canonical, WRAP_LENGTH long, version byte 1. Null when fine. */
export function wrapProblem(text: string): string | null {
  const bytes = decode(text);
  if (!bytes) return 'wrap must be canonical unpadded base64url';
  if (bytes[0] !== WRAP_VERSION) return `wrap version must be ${WRAP_VERSION}`;
  if (bytes.length !== WRAP_LENGTH) return `a wrap is exactly ${WRAP_LENGTH} bytes`;
  return null;
}

/**
 * What the server can check of an envelope without reading it, beyond the zod shape: every
 * reader is a real secp256k1 x-only key, every wrap and the ciphertext are well-formed
 * version-1 blobs. It cannot tell a tampered ciphertext from a genuine one; readers can.
 */
export function checkEnvelope(envelope: NoteEnvelope, at = 'envelope'): void {
  const issues: Issue[] = [];
  const ciphertext = decode(envelope.ciphertext);
  if (!ciphertext) issues.push({ path: `${at}.ciphertext`, message: 'not canonical unpadded base64url' });
  else if (ciphertext[0] !== CONTENT_VERSION)
    issues.push({ path: `${at}.ciphertext`, message: `content version must be ${CONTENT_VERSION}` });
  else if (ciphertext.length < MIN_CIPHERTEXT_BYTES)
    issues.push({ path: `${at}.ciphertext`, message: `shorter than ${MIN_CIPHERTEXT_BYTES} bytes` });
  envelope.wraps.forEach((w, i) => {
    try {
      parsePublicKey(w.reader);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      issues.push({ path: `${at}.wraps.${i}.reader`, message: 'not a valid public key' });
    }
    const problem = wrapProblem(w.wrap);
    if (problem) issues.push({ path: `${at}.wraps.${i}.wrap`, message: problem });
  });
  if (issues.length) throw invalidBody(issues);
}

/**
 * The wraps must be for exactly the required readers: the author and every current admin.
 * A missing admin means a note they could never read; an extra reader (say, a removed admin
 * on a stale client) means a note readable by someone who should no longer read new notes.
 * The 400 names both lists so the client refetches GET /api/records/readers and seals again.
 */
export function checkReaders(
  envelope: NoteEnvelope,
  required: readonly string[],
  what: { record: string; readersRoute: string } = { record: 'note', readersRoute: '/api/records/readers' },
): void {
  requireExactReaders(
    envelope.wraps.map((w) => w.reader),
    required,
    {
      rule: `the ${what.record} must be sealed for its author and every current admin`,
      unexpected: `readers who may not read new ${what.record}s`,
      remedy: `Fetch GET ${what.readersRoute} and seal again`,
    },
  );
}

/**
 * Refuses wraps that are not for exactly `required` (checkReaders; an attachment's file key):
 * the 400 states `rule`, names the missing and the `unexpected` readers, and says what to do (`remedy`).
 */
export function requireExactReaders(
  given: readonly string[],
  required: readonly string[],
  say: { rule: string; unexpected: string; remedy: string },
): void {
  const givenSet = new Set(given);
  const wanted = new Set(required);
  const missing = required.filter((r) => !givenSet.has(r));
  const unexpected = [...givenSet].filter((r) => !wanted.has(r));
  if (!missing.length && !unexpected.length) return;
  const parts = [
    missing.length ? `missing readers ${missing.join(', ')}` : '',
    unexpected.length ? `${say.unexpected} ${unexpected.join(', ')}` : '',
  ].filter(Boolean);
  throw invalid(`${say.rule}: ${parts.join('; ')}. ${say.remedy}`, {
    missingReaders: missing,
    unexpectedReaders: unexpected,
  });
}

// ---------------------------------------------------------------------------------------------
// Who a sealed record is for

/**
 * Active users whose roles (built-in or custom) grant `permission`, ordered by pubkey. The
 * readers of anything sealed "for the admins" are chosen with this, each by its own permission.
 */
export async function activeUsersHolding(
  db: Queryable,
  permission: Permission,
): Promise<{ id: string; pubkey: string }[]> {
  const users = await db.query<{ id: string; pubkey: string; roles: string[] }>(
    'select id, pubkey, roles from users where active order by pubkey',
  );
  const custom = Object.fromEntries(
    (await db.query<{ id: string; permissions: string[] }>('select id, permissions from custom_roles')).map(
      (r) => [r.id, r.permissions] as const,
    ),
  );
  return users
    .filter((u) => hasPermission(grantsOf(u.roles, custom), permission))
    .map((u) => ({ id: u.id, pubkey: u.pubkey }));
}

/**
 * The "current admins" of the notes design: active users whose roles grant notes:read-all
 * (built-in admins and any custom role that holds it). Every new note version must be
 * wrapped for each of them; a removed admin drops out of this set and so stops receiving
 * wraps for new notes.
 */
export async function currentNoteAdmins(db: Queryable): Promise<string[]> {
  return (await activeUsersHolding(db, 'notes:read-all')).map((u) => u.pubkey);
}

/** True if `pubkey` is one of the current admins (the only valid target of a grant). */
export async function isCurrentNoteAdmin(db: Queryable, pubkey: string): Promise<boolean> {
  const user = await lookupActiveUser(db, pubkey);
  return user !== null && hasPermission(user.permissions, 'notes:read-all');
}

/** Everyone a note by `authorPubkey` must be sealed for: the author, then every current admin. */
export async function requiredReaders(db: Queryable, authorPubkey: string): Promise<string[]> {
  return [...new Set([authorPubkey, ...(await currentNoteAdmins(db))])];
}
