import { z } from 'zod';

/**
 * Small schemas several modules' bodies and queries use, kept here so each rule is written once.
 * Not exported from the package: each module names them in its own schemas.
 */

/** An x-only public key: 64 lowercase hex characters. */
export const Pubkey = z.string().regex(/^[0-9a-f]{64}$/, 'a 64-character lowercase hex public key');

/** A lowercase UUID (the ids clients choose for what they create). */
export const Uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lowercase UUID');

/** One ECIES key wrap, base64url of exactly 106 bytes (142 characters). */
export const WrapText = z
  .string()
  .regex(/^[A-Za-z0-9_-]{141}[AQgw]$/, 'a key wrap: 106 bytes, canonical base64url');

/** An ISO 8601 timestamp with a time zone (`2025-01-31T22:00:00Z`, `…+01:00`). */
export const IsoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** A calendar date "YYYY-MM-DD" that exists (2026-02-30 does not). */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date "YYYY-MM-DD"')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'a date that exists');

/** Opaque paging cursor of a newest-first list (notes, reports): the last row's creation time and id. */
export const NewestFirstCursor = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z_[0-9a-f-]{36}$/, 'a cursor from a previous page');

/** A Plivo account's auth id (voice and SMS use the same account). */
export const PlivoAuthId = z
  .string()
  .regex(/^[A-Z0-9]{20}$/, 'a Plivo auth id: 20 capital letters and digits');

/**
 * An API token, password or signing secret an admin pastes in (provider or channel credentials):
 * printable, no whitespace, at most `max` characters (channels allow longer tokens than voice
 * providers).
 */
export const credentialSecret = (max: number) =>
  z
    .string()
    .min(8, 'too short to be a real credential')
    .max(max)
    .regex(/^\S+$/, 'must not contain whitespace');

/** A short credential identifier (username, key id, ARI application name). */
export const CredentialIdentifier = z.string().min(1).max(128).regex(/^\S+$/, 'must not contain whitespace');

/**
 * The choice-list rules of an admin-defined form field (note fields, report fields): a field of
 * a type with choices needs options and no other type has them (`needMessage` names the type),
 * and no option repeats. Added after the field's own checks, so their issues come first.
 */
export function withChoiceRules<S extends z.ZodType<{ type: string; options?: string[] | undefined }>>(
  field: S,
  hasChoices: (type: string) => boolean,
  needMessage: string,
): S {
  return field
    .refine((f) => hasChoices(f.type) === Boolean(f.options?.length), {
      message: needMessage,
      path: ['options'],
    })
    .refine((f) => !f.options || new Set(f.options).size === f.options.length, {
      message: 'options must not repeat',
      path: ['options'],
    });
}
