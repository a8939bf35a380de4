import type { Queryable } from '../db/database.js';
import { loadSettings } from '../settings/store.js';

/**
 * True when the hotline requires passkeys and this member has registered none. The passkey
 * lookup runs only when the policy is on, so hotlines without it pay one settings read.
 */
export async function needsPasskey(db: Queryable, userId: string): Promise<boolean> {
  const { settings } = await loadSettings(db);
  if (!settings.security.requirePasskeys) return false;
  const rows = await db.query('select 1 from passkeys where user_id = $1 limit 1', [userId]);
  return rows.length === 0;
}
