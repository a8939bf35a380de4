import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendAuditInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { AuditActor } from '../domain/actor.js';
import { notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { userExists } from '../identity/lookup.js';

/** A passkey log-in gives a bearer token valid for eight hours. Only its SHA-256 is stored. */
export const SESSION_HOURS = 8;
const SESSION_TOKEN_PREFIX = 'lls_';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

interface SessionRow {
  id: string;
  user_id: string;
  pubkey: string;
  created_at: Date;
  expires_at: Date;
}

export async function createSession(
  db: Queryable,
  user: { id: string; pubkey: string },
  now: Date,
): Promise<{ token: string; session: SessionRow }> {
  const token = `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const expires = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  const [session] = await db.query<SessionRow>(
    `insert into sessions (id, token_hash, user_id, pubkey, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6) returning id, user_id, pubkey, created_at, expires_at`,
    [randomUUID(), hashToken(token), user.id, user.pubkey, now, expires],
  );
  return { token, session: session! };
}

/**
 * The stored hash of a bearer token, or null for a string that cannot be one of ours. The live
 * session behind it is read with the member's standing (signed-requests.ts standingOfSession).
 */
export const sessionTokenHash = (token: string): string | null =>
  token.startsWith(SESSION_TOKEN_PREFIX) && token.length <= 100 ? hashToken(token) : null;

export async function revokeSession(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query('update sessions set revoked_at = $2 where id = $1 and revoked_at is null', [id, now]);
}

/** Revokes every session of a user (log out everywhere, deactivation). */
export async function revokeUserSessions(db: Queryable, userId: string, now: Date): Promise<number> {
  const rows = await db.query(
    'update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null returning id',
    [userId, now],
  );
  return rows.length;
}

export async function listSessions(db: Queryable, userId: string, now: Date): Promise<SessionRow[]> {
  return db.query<SessionRow>(
    `select id, user_id, pubkey, created_at, expires_at from sessions
     where user_id = $1 and revoked_at is null and expires_at > $2 order by created_at desc`,
    [userId, now],
  );
}

/**
 * Ends every session of `userId` and audits it in the same transaction: 'own' when members
 * sign themselves out everywhere, 'admin' when a users:write holder does it for someone.
 */
export async function revokeAllSessions(
  ctx: ServerContext,
  actor: AuditActor,
  userId: string,
  scope: 'own' | 'admin',
): Promise<number> {
  if (scope === 'admin' && !(await userExists(ctx.db, userId))) throw notFound('no such user');
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const count = await revokeUserSessions(tx, userId, now);
    await appendAuditInTx(
      tx,
      {
        action: 'auth.sessions-revoked',
        actorPubkey: actor.pubkey,
        target: userId,
        details: { count, scope },
        ipHash: actor.ipHash,
      },
      now,
    );
    return count;
  });
}
