import type { Queryable } from '../db/database.js';

/**
 * SQL for "the hotline requires passkeys", read from the stored settings document (a missing
 * document or flag is the default, off); shared with the signed-request statement
 * (signed-requests.ts) so both paths read the policy the same way.
 */
export const PASSKEYS_REQUIRED_SQL = `coalesce((select (value -> 'security' ->> 'requirePasskeys') = 'true' from hotline_settings where id = 1), false)`;

/**
 * True when the hotline requires passkeys (settings security.requirePasskeys) and this member
 * has registered none. It runs on every member request, so it is one statement, and the
 * passkey lookup is only evaluated when the policy is on.
 *
 * It reads the one flag from the stored settings document instead of calling loadSettings,
 * deliberately: loadSettings validates the whole document and throws when any part of it is
 * invalid, which here would turn every member request (including the admin's repair of the
 * settings) into a 500. A missing document or flag means the default, off.
 */
export async function needsPasskey(db: Queryable, userId: string): Promise<boolean> {
  const [row] = await db.query<{ needs: boolean }>(
    `select case
       when ${PASSKEYS_REQUIRED_SQL}
       then not exists (select 1 from passkeys where user_id = $1)
       else false
     end as needs`,
    [userId],
  );
  return row?.needs === true;
}
