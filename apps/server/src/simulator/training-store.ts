import type { Queryable } from '../db/database.js';

/** The SQL of training calls (training.ts); the calls module's own store keeps its tables' rules. */

/** An active member, by id: who a training call may ring. */
export async function activeMemberExists(db: Queryable, userId: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>('select id from users where id = $1 and active', [userId]);
  return rows.length > 0;
}

/** The training call's row: ringing from the start, marked training, with no queue deadline. */
export async function insertTrainingCall(
  tx: Queryable,
  call: { id: string; providerCallId: string; hotlineNumber: string; callerLast4: string },
  now: Date,
): Promise<void> {
  await tx.query(
    `insert into calls (id, provider, provider_call_id, hotline_number, caller_last4, status, language, training, created_at, updated_at)
     values ($1, 'simulator', $2, $3, $4, 'ringing', 'en', true, $5, $5)`,
    [call.id, call.providerCallId, call.hotlineNumber, call.callerLast4, now],
  );
}
