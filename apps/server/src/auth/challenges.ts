import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';

/** A ceremony must be completed within five minutes of asking for its options. */
export const CHALLENGE_MINUTES = 5;

type ChallengePurpose = 'register' | 'login';

/**
 * Stores a challenge the server handed out. Expired rows are swept on each insert so the
 * table stays small without a background job.
 */
export async function storeChallenge(
  db: Queryable,
  challenge: string,
  purpose: ChallengePurpose,
  userId: string | null,
  now: Date,
): Promise<string> {
  const id = randomUUID();
  await db.query('delete from webauthn_challenges where expires_at < $1', [now]);
  await db.query(
    `insert into webauthn_challenges (id, user_id, challenge, purpose, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6)`,
    [id, userId, challenge, purpose, now, new Date(now.getTime() + CHALLENGE_MINUTES * 60_000)],
  );
  return id;
}

/**
 * Marks a challenge used and returns it, or null when it is unknown, expired, already used,
 * meant for another purpose or (for registration) another user. The conditional update is
 * the check, so two concurrent verifications of one challenge on any server processes cannot
 * both succeed. It is consumed before the response is verified: a failed attempt burns it too.
 */
export async function consumeChallenge(
  db: Queryable,
  id: string,
  purpose: ChallengePurpose,
  userId: string | null,
  now: Date,
): Promise<string | null> {
  const [row] = await db.query<{ challenge: string }>(
    `update webauthn_challenges set used_at = $3
     where id = $1 and purpose = $2 and used_at is null and expires_at > $3
       and user_id is not distinct from $4
     returning challenge`,
    [id, purpose, now, userId],
  );
  return row?.challenge ?? null;
}
