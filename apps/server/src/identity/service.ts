import { createHash, randomBytes } from 'node:crypto';
import type { CanonicalValue } from '@llamenos/crypto';
import { type AuditHeadCache, type AuditInput, appendAuditInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { Actor } from '../domain/actor.js';

/**
 * What the Identity services share. The services hold the rules and never see HTTP: they throw
 * DomainError (domain/errors.ts), which the app's error handler turns into statuses.
 */

export type { Actor } from '../domain/actor.js';

/** The `identity.*` entry `actor` makes by `action` on `target`. */
export const identityEntry = (
  actor: Pick<Actor, 'pubkey' | 'ipHash'>,
  action: string,
  target: string,
  details: Record<string, CanonicalValue>,
): AuditInput => ({
  action: `identity.${action}`,
  actorPubkey: actor.pubkey,
  target,
  details,
  ipHash: actor.ipHash,
});

/**
 * Appends an `identity.*` entry in the caller's transaction. Details never carry phone numbers or
 * tokens. With the process's audit head (ctx.caches.auditHead) the append is one statement
 * instead of two when no other process moved the chain since (appendAuditInTx).
 */
export function auditIdentity(
  tx: Queryable,
  actor: Pick<Actor, 'pubkey' | 'ipHash'>,
  action: string,
  target: string,
  details: Record<string, CanonicalValue>,
  now: Date,
  head?: AuditHeadCache,
) {
  return appendAuditInTx(tx, identityEntry(actor, action, target, details), now, head);
}

/** A fresh one-time code (256 bits) for a link; only its hash is stored. */
export const newOneTimeToken = (): string => randomBytes(32).toString('base64url');

export const hashOneTimeToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Serializes changes to the set of admins, so two admins demoting each other cannot leave none. */
const ADMIN_SET_LOCK = 7_406_202_611;

export async function lockAdminSet(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1)', [ADMIN_SET_LOCK]);
}

/** Active users holding the built-in admin role. */
export async function countActiveAdmins(tx: Queryable): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    `select count(*)::int as n from users where active and roles @> '["admin"]'::jsonb`,
  );
  return Number(row?.n ?? 0);
}

/** PostgreSQL's unique_violation, as both drivers report it. */
export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

export const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();
