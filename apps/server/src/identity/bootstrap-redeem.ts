import type { JoinLinkStatus, UserView } from '@llamenos/protocol';
import type { Database, Queryable } from '../db/database.js';
import { DomainError } from '../domain/errors.js';
import { hashBootstrapToken } from './bootstrap.js';
import { type Actor, auditIdentity, countActiveAdmins, lockAdminSet } from './service.js';
import { insertUser } from './users.js';

/**
 * The first admin: whoever holds the one-time code printed at start signs this request with
 * their new key, which becomes the hotline's first admin. The code works once, only while no
 * admin exists, and never after it expires.
 */
export async function redeemBootstrap(
  db: Database,
  settingsKey: Uint8Array,
  token: string,
  displayName: string,
  redeemer: Pick<Actor, 'pubkey' | 'ipHash'>,
  now: Date,
): Promise<UserView> {
  return db.transaction(async (tx) => {
    // The same lock as every admin-set change: two bootstraps (or a bootstrap and a CLI grant) cannot interleave.
    await lockAdminSet(tx);
    const [row] = await tx.query<{ used_at: Date | null; expires_at: Date }>(
      'select used_at, expires_at from bootstrap_tokens where token_hash = $1 for update',
      [hashBootstrapToken(token)],
    );
    if (!row)
      throw new DomainError('not-found', 'this bootstrap code is not valid; check that it was copied whole');
    if (row.used_at) throw new DomainError('gone', 'this bootstrap code was already used');
    if (new Date(row.expires_at) <= now)
      throw new DomainError(
        'gone',
        'this bootstrap code has expired; run `llamenos bootstrap` for a new one',
      );
    if ((await countActiveAdmins(tx)) > 0)
      throw new DomainError('conflict', 'this hotline already has an admin');
    await tx.query('update bootstrap_tokens set used_at = $2 where token_hash = $1', [
      hashBootstrapToken(token),
      now,
    ]);
    const user = await insertUser(
      tx,
      settingsKey,
      { pubkey: redeemer.pubkey, displayName, roles: ['admin'] },
      now,
    );
    await auditIdentity(tx, redeemer, 'bootstrap', `user:${user.id}`, {}, now);
    return user;
  });
}

/**
 * The up-front check of a bootstrap link, so a used one is refused before a key is made. A
 * hotline that already has an admin reads as used: the code can no longer make one.
 */
export async function bootstrapLinkStatus(db: Queryable, token: string, now: Date): Promise<JoinLinkStatus> {
  const [row] = await db.query<{ used_at: Date | null; expires_at: Date }>(
    'select used_at, expires_at from bootstrap_tokens where token_hash = $1',
    [hashBootstrapToken(token)],
  );
  if (!row) return 'unknown';
  if (row.used_at || (await countActiveAdmins(db)) > 0) return 'used';
  return new Date(row.expires_at) <= now ? 'expired' : 'valid';
}
