import type { Queryable } from '../../db/database.js';
import { TRAINING_PROVIDER } from './lines.js';

/** The SQL of training calls (service.ts); the calls module's own store keeps its tables' rules. */

/** An active member, by id: who a training call may ring. */
export async function activeMemberExists(db: Queryable, userId: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>('select id from users where id = $1 and active', [userId]);
  return rows.length > 0;
}

/**
 * The training call's row: ringing from the start, marked training, with no queue deadline (the
 * queue never sees it) and no hotline number (it never comes in on one). The trainer is kept on
 * the row so that the queue counts them busy (store/legs.ts volunteersState).
 */
export async function insertTrainingCall(
  tx: Queryable,
  call: { id: string; callerLast4: string; trainerId: string },
  now: Date,
): Promise<void> {
  await tx.query(
    `insert into calls (id, provider, provider_call_id, hotline_number, caller_last4, status, language, training, trainer_id, created_at, updated_at)
     values ($1, $2, $1, '', $3, 'ringing', 'en', true, $5, $4, $4)`,
    [call.id, TRAINING_PROVIDER, call.callerLast4, now, call.trainerId],
  );
}

/** Training calls still ringing whose trainee's leg rang past its deadline: nobody answered. */
export async function unansweredTrainingCalls(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `select c.id from calls c
      where c.training and c.status = 'ringing' and c.ended_at is null
        and not exists (select 1 from call_legs l where l.call_id = c.id and l.ring_deadline > $1)
      order by c.created_at limit $2`,
    [now, limit],
  );
  return rows.map((r) => r.id);
}
