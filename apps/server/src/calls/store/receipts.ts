import type { Queryable } from '../../db/database.js';

/** True the first time (provider, key) is seen: the effect guarded by it happens once. */
export async function claimReceipt(
  db: Queryable,
  provider: string,
  key: string,
  now: Date,
): Promise<boolean> {
  const rows = await db.query<{ dedupe_key: string }>(
    `insert into webhook_receipts (provider, dedupe_key, received_at) values ($1, $2, $3)
     on conflict do nothing returning dedupe_key`,
    [provider, key, now],
  );
  return rows.length > 0;
}
